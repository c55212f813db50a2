"""The LLM path over real HTTP: the real langchain-openai client (`LLM_MODEL=openai:...` with
`LLM_BASE_URL`) against servers on 127.0.0.1 that misbehave the ways a model server does.

A stalled server (accepts, never answers) is cut off at LLM_TIMEOUT_S; a server answering with
broken JSON, or with a reply that cites nothing, is not trusted: each time the answer is the
extractive one, and the API key never reaches the log.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.engine.answering import Answerer
from bot.settings import Settings
from index.knowledge_base import KnowledgeBase

SAMPLE = Path(__file__).resolve().parents[1] / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
DRONES = "Berapa drone Rusia yang ditembak jatuh?"
DRONE_SENTENCE = "Ukraina menembak jatuh 46 dari 110 drone Rusia yang diluncurkan semalam"
API_KEY = "sk-test-not-a-real-key-4242"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[KnowledgeBase]:
    root = tmp_path_factory.mktemp("llm-http")
    (root / "briefs").mkdir()
    shutil.copy(SAMPLE, root / "briefs" / SAMPLE.name)
    knowledge_base = KnowledgeBase(root / "briefs", root / "data", embedder=embedder)
    knowledge_base.reindex()
    yield knowledge_base
    knowledge_base.close()


def chat_completion(content: str) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "local",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()


def serve(respond: Callable[[BaseHTTPRequestHandler], None]) -> tuple[ThreadingHTTPServer, str, list[dict]]:
    """An HTTP server on 127.0.0.1 whose every POST is answered by `respond`; returns it, its
    base URL and the requests it received (JSON bodies, with the Authorization header)."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            respond(self)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1", received


def answerer_for(kb: KnowledgeBase, base_url: str, timeout_s: float = 5.0) -> Answerer:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        llm_model="openai:local",
        llm_base_url=base_url,
        llm_api_key=API_KEY,
        llm_timeout_s=timeout_s,
    )
    return Answerer.from_settings(kb, settings)


def reply_with(content: bytes, status: int = 200) -> Callable[[BaseHTTPRequestHandler], None]:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    return respond


def test_a_cited_reply_from_the_server_is_the_answer(kb: KnowledgeBase) -> None:
    server, url, received = serve(reply_with(chat_completion("Ukraina menembak jatuh 46 dari 110 drone Rusia [1].")))
    try:
        answer = answerer_for(kb, url).answer(DRONES)
    finally:
        server.shutdown()
    assert answer.used_llm and answer.text == "Ukraina menembak jatuh 46 dari 110 drone Rusia [1]."
    assert DRONE_SENTENCE in answer.citations[0].quote
    [request] = received
    assert request["path"] == "/v1/chat/completions" and request["auth"] == f"Bearer {API_KEY}"
    assert "<passages>" in json.dumps(request["body"]["messages"], ensure_ascii=False)


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",  # a server that breaks mid-reply
        chat_completion("Saya tidak tahu."),  # uncited
        chat_completion("Ukraina menembak jatuh 4600 drone [1]."),  # a number no passage gives
    ],
    ids=["broken-json", "uncited", "ungrounded"],
)
def test_a_malformed_or_uncited_reply_falls_back_to_the_extractive_answer(
    kb: KnowledgeBase, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server, url, received = serve(reply_with(content))
    try:
        answer = answerer_for(kb, url).answer(DRONES)
    finally:
        server.shutdown()
    assert received and not answer.used_llm
    assert answer.text.startswith(DRONE_SENTENCE)
    assert API_KEY not in caplog.text


def test_a_stalled_server_is_cut_off_at_the_timeout(kb: KnowledgeBase) -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    try:
        started = time.monotonic()
        answer = answerer_for(kb, url, timeout_s=1.0).answer(DRONES)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        acceptor.join()
        for connection in held:
            connection.close()
        listener.close()
    assert held, "the client never reached the server"
    assert not answer.used_llm and answer.text.startswith(DRONE_SENTENCE)
    assert elapsed < 5.0
