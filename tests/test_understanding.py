"""Reading a message: its kind, its day and its topic, in Indonesian and English; and whether it
is an elliptic follow-up. No index is needed: these are read from the words alone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from benchmarks.followup_eval import HELD_OUT, PAIRS, score
from bot.engine.understanding import resolve_days, understand

NEWEST = date(2025, 12, 31)
NEWS_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "news" / "questions.jsonl"


@pytest.mark.parametrize(
    ("question", "kind", "topic"),
    [
        # a topic with no day is answered newest first
        ("Apa yang terjadi di Kursk?", "latest", "Kursk"),
        ("Korea Utara", "latest", "Korea Utara"),
        ("What happened in Gaza?", "latest", "Gaza"),
        ("Apa kata Rutte?", "statement", "Rutte"),
        ("What did Shoigu say about Beijing?", "statement", "Shoigu"),
        ("Ringkas berita hari ini", "day_summary", ""),
        ("What's new?", "day_summary", ""),
        ("What’s the latest on Shoigu?", "latest", "Shoigu"),  # a phone's curly apostrophe
        ("Berita terbaru Cyclone Senyar?", "latest", "Cyclone Senyar"),
        ("Update terakhir mengenai Sudanese civil war?", "latest", "Sudanese civil war"),
        ("Tell me the most recent news on 2025 Malagasy protests", "latest", "2025 Malagasy protests"),
        ("Berapa drone Rusia yang ditembak jatuh?", "fact", "drone Rusia ditembak jatuh"),
        ("What is the capital of France?", "fact", "France"),  # "capital" is how it asks
        # chat words ("pas": when), a stray year beside a holiday, "vs" are no topic words
        ("perang rusia-ukraina pas natal 2025 (25 des) gmn", "topic", "perang rusia ukraina"),
        ("israel vs hezbollah most recent", "latest", "israel hezbollah"),
        ("the rio police raid on 28 october, what did the brief report", "topic", "rio police raid"),
        # a question asked of the newest reports is answered by them
        ("pilpres chili terbaru, siapa yg unggul", "latest", "pilpres chili unggul"),
        # how people ask for a day's brief is no topic ("isinya": its contents)
        ("What did the daily brief cover on 29 Nov 2025?", "day_summary", ""),
        ("brief tanggal 2 Desember 2025 isinya apa", "day_summary", ""),
        ("ok", "small_talk", ""),
        ("terima kasih", "small_talk", ""),
        ("clear", "small_talk", ""),
    ],
)
def test_a_message_is_read_as_the_kind_of_question_a_reader_means(question: str, kind: str, topic: str) -> None:
    understood = understand(question, reference=NEWEST)
    assert understood.kind == kind
    # The statement's topic is who spoke; the others' the words that name the subject.
    assert (understood.speaker if kind == "statement" else understood.topic) == topic


@pytest.mark.parametrize(
    ("question", "day"),
    [
        ("Berita 4 November 2025", date(2025, 11, 4)),
        ("News of November 30, 2025", date(2025, 11, 30)),
        ("Apa isi ringkasan 13 November?", date(2025, 11, 13)),
        ("Berita 4/11", date(2025, 11, 4)),
        ("Gaza peace plan on November 17, 2025?", date(2025, 11, 17)),
        ("News of November 18, 2024", date(2024, 11, 18)),
    ],
)
def test_a_written_day_is_read_with_its_year_inferred_from_the_newest_brief(question: str, day: date) -> None:
    understood = understand(question, reference=NEWEST)
    assert understood.day is not None and understood.day.day == day


def test_relative_days_are_read_against_the_briefs_not_the_calendar() -> None:
    dates = [date(2025, 12, 31), date(2025, 12, 30), date(2025, 12, 28), date(2025, 12, 20)]
    day = lambda text: understand(text, reference=dates[0]).day  # noqa: E731
    assert resolve_days(day("Ringkas berita hari ini"), dates) == [date(2025, 12, 31)]
    assert resolve_days(day("What happened yesterday?"), dates) == [date(2025, 12, 30)]
    assert resolve_days(day("Apa yang terjadi minggu lalu?"), dates) == dates[:3]
    assert understand("hari ke-992", reference=dates[0]).day.day_number == 992  # type: ignore[union-attr]
    # "what's new since yesterday" asks for the newest brief
    assert resolve_days(day("What's new since yesterday?"), dates) == [date(2025, 12, 31)]


@pytest.mark.skipif(not NEWS_QUESTIONS.exists(), reason="needs ../shared/news")
def test_every_news_question_is_read_as_its_kind_and_day() -> None:
    expected = {
        "topic_latest": "latest",
        "topic_on_day": "topic",
        "day_summary": "day_summary",
        "no_brief_day": "day_summary",
    }
    for line in NEWS_QUESTIONS.read_text().splitlines():
        item = json.loads(line)
        understood = understand(item["question"], reference=NEWEST)
        assert understood.kind == expected[item["kind"]], item["question"]
        if item["kind"] != "topic_latest":
            assert understood.day is not None and understood.day.day.isoformat() == item["gold_date"]  # type: ignore[union-attr]


@pytest.mark.parametrize("pairs", [PAIRS, HELD_OUT], ids=["labelled", "held-out"])
def test_follow_ups_are_recognised_only_when_elliptic(pairs: Path) -> None:
    """Labelled (previous, message) pairs: "dan Tiongkok?" continues, "Ringkas berita hari ini",
    "ok" and full questions stand alone."""
    result = score(pairs)
    assert result["precision"] >= 0.95 and result["recall"] >= 0.9, result["wrong"]
