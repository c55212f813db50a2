"""Questions as people type them, read against what the briefs contain: days in any form, topics
in lower case, with typos or in the other language, request words that are no topic ("recap",
"headlines pls"), names the briefs never mention. Real briefs (three days of Wikipedia's Current
events in tests/data/news, and the sample brief), the real embedder, the real stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.engine.answering import Answerer
from bot.engine.intent import default_model
from bot.engine.naming import NAME_MAX_CHARS, brief_name
from bot.engine.timeline import build_timeline
from bot.engine.topics import catalogue_for
from bot.engine.understanding import read_day
from index.knowledge_base import KnowledgeBase

DATA = Path(__file__).resolve().parent / "data"
NEWS = DATA / "news"
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "briefs"
DEC_5, DEC_6, DEC_7 = date(2025, 12, 5), date(2025, 12, 6), date(2025, 12, 7)
NOV_13 = date(2024, 11, 13)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    root = tmp_path_factory.mktemp("sample")
    kb = KnowledgeBase(SAMPLE_DIR, root / "data")
    kb.reindex()
    answerer = Answerer(kb)
    catalogue_for(kb).wait_for_vectors()
    yield answerer
    kb.close()


@pytest.mark.parametrize(
    "written",
    [
        "6 December 2025", "December 6", "Dec 6, 2025", "2025-12-06", "6/12/2025", "Sabtu, 6 Desember 2025",
        "6 Dec", "dec 6", "6th of December", "december 6th", "06.12.2025", "6-dec-2025", "6des",
        "tanggal 6 bulan 12", "6 bulan 12 tahun 2025",
    ],
)  # fmt: skip
def test_a_day_is_read_in_every_form_people_type_it(written: str) -> None:
    day = read_day(f"news {written} pls", date(2025, 12, 31))
    assert day is not None and day.day == DEC_6


@pytest.mark.parametrize(
    "question",
    [
        "recap 6 Dec 2025",
        "headlines for 2025-12-06 pls",
        "ada apa aja tgl 6/12/2025",
        "what went on in the world on 6 December 2025",
        "rangkuman berita 6 des dong",
        "give me the rundown for december 6",
    ],
)
def test_a_days_summary_asked_any_way_is_that_days_brief(news: Answerer, question: str) -> None:
    answer = news.answer(question)
    assert answer.kind == "day_summary" and not answer.abstained, answer.text
    assert len(answer.citations) >= 3 and {c.date for c in answer.citations} == {DEC_6}


@pytest.mark.parametrize("question", ["rekap 13 November", "headlines for nov 13 pls", "ikhtisar 13/11"])
def test_request_words_on_the_sample_brief_are_not_taken_for_a_topic(sample: Answerer, question: str) -> None:
    answer = sample.answer(question)
    assert answer.kind == "day_summary" and not answer.abstained, answer.text
    assert {c.date for c in answer.citations} == {NOV_13}
    assert "rekap" not in answer.text.lower() and "pls" not in answer.text.lower()


@pytest.mark.parametrize(
    "question",
    [
        "anything new on cyclone senyar?",
        "Cyclone Senyar: any updates",
        "kabar paling anyar soal cyclone senyar",
        "gimana cylone senyar sekarang",  # a typo
        "CYCLONE SENYAR",
    ],
)
def test_the_newest_on_a_topic_asked_any_way_leads_with_the_items_filed_under_it(news: Answerer, question: str) -> None:
    answer = news.answer(question)
    assert answer.kind == "latest" and not answer.abstained, answer.text
    first = answer.citations[0]
    assert first.date == DEC_7 and first.section is not None and "Cyclone Senyar" in first.section


def test_a_topic_followed_by_a_day_is_that_days_items_on_it(news: Answerer) -> None:
    answer = news.answer("sudanese civil war: what was reported on 5 December 2025?")
    assert answer.kind == "topic" and not answer.abstained, answer.text
    assert {c.date for c in answer.citations} == {DEC_5}
    assert all("Sudanese civil war" in (c.section or "") for c in answer.citations)


def test_a_topic_typed_in_the_other_language_is_found_by_meaning(news: Answerer) -> None:
    answer = news.answer("berita terbaru perang saudara sudan")
    assert not answer.abstained and answer.citations
    assert "Sudanese civil war" in (answer.citations[0].section or "")


def test_a_factual_question_about_a_topic_still_gets_the_passage_that_answers_it(news: Answerer) -> None:
    answer = news.answer("how many people died in the floods in Indonesia?")
    assert answer.kind == "fact" and not answer.abstained
    assert any("908" in c.quote for c in answer.citations)


def test_a_name_the_briefs_never_mention_is_said_so(news: Answerer) -> None:
    answer = news.answer("What did Taylor Swift say about the tour?")
    assert answer.abstained and not answer.citations
    assert "Swift" in answer.text


def test_the_intent_model_reads_phrasings_it_was_not_given() -> None:
    model = default_model()
    assert model.guess("sum up DATE for me pls").intent == "summary"
    assert model.guess("whats the latest with TOPIC").intent == "topic"
    assert model.guess("who started TOPIC").intent == "fact"
    assert model.guess("apa komentar TOPIC").intent == "statement"


def test_the_intent_models_fast_path_gives_scikit_learns_probabilities() -> None:
    model = default_model()
    for frame in ["recap DATE", "TOPIC: any updates", "siapa yang menang TOPIC", "thx", "zzz qqq"]:
        expected = dict(
            zip(
                model.pipeline.classes_,
                model.pipeline.predict_proba([frame.lower().replace("date", "DATE").replace("topic", "TOPIC")])[0],
                strict=True,
            )
        )
        got = model.guess(frame).probabilities
        assert all(abs(got[k] - expected[k]) < 1e-9 for k in expected)


def test_a_timeline_of_a_broad_topic_lists_only_what_is_filed_under_it(news: Answerer) -> None:
    timeline = build_timeline(news.kb, "sudanese civil war")
    assert timeline.entries
    assert all("Sudanese civil war" in (e.citation.section or "") for e in timeline.entries)


def test_a_citation_names_its_brief_in_at_most_60_characters(sample: Answerer) -> None:
    answer = sample.answer("Ringkas berita 13 November")
    names = {brief_name(c.title, c.source) for c in answer.citations}
    assert names and all(len(name) <= NAME_MAX_CHARS for name in names)
    # the sample brief has no title but its lead line: its file name is made of words
    assert names == {"perang ukraina hari 992"}
    assert brief_name("Ketika perang memasuki hari ke-992, ini adalah perkembangan utamanya.", "000_a01a9e62.txt") == (
        "Ketika perang memasuki hari ke-992, ini adalah…"
    )


def test_a_followed_topic_is_alerted_with_the_items_filed_under_the_label_it_means(news: Answerer) -> None:
    from bot.engine.alerts import alerts_for
    from bot.state import Subscription

    passages = news.kb.passages_on(DEC_5)
    filed = [p for p in passages if "Sudanese civil war" in (p.section or "")]
    assert filed
    alerts = alerts_for(news.kb, passages, DEC_5, [Subscription(1, "perang saudara sudan", "id")])  # in Indonesian
    assert len(alerts) == 1
    cited = {c["chunk_id"] for c in alerts[0][2]["citations"]}  # type: ignore[index, union-attr]
    assert {p.chunk_id for p in filed} <= cited


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("kabar terbaru percobaan kudeta di Benin", "2025 Beninese coup attempt"),
        ("gimana penculikan di papiri sekarang", "Papiri kidnapping"),
        ("wajib militer di Jerman", "Conscription in Germany"),
    ],
)
def test_a_topic_asked_in_indonesian_of_english_briefs_is_read_through_the_glossary(
    news: Answerer, question: str, label: str
) -> None:
    answer = news.answer(question)
    assert not answer.abstained and answer.citations, answer.text
    assert label in (answer.citations[0].section or ""), answer.citations[0].section


def test_a_question_in_indonesian_gets_the_english_passage_that_answers_it(news: Answerer) -> None:
    answer = news.answer("Berapa orang tewas dalam kebakaran kelab malam di Arpora?")
    assert not answer.abstained, answer.text
    assert any("Twenty-five people are killed" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "Siapa yang menang pemilu di Jerman?",  # Germany is there, an election of its own is not
        "Siapa juara Piala Dunia 2022?",  # a World Cup is there, not that one
    ],
)
def test_an_indonesian_question_the_english_briefs_dont_answer_is_declined(news: Answerer, question: str) -> None:
    answer = news.answer(question)
    assert answer.abstained and not answer.citations, answer.text


def test_a_number_matches_however_its_thousands_are_written() -> None:
    from index.text.matching import content_terms, coverage, stems

    typed = [t for t in content_terms("emas tembus 4000 dolar?") if t.stem == "4000"]
    assert typed and coverage(typed, stems("Gold passes US$4,000 an ounce for the first time.")) == 1.0
    assert coverage(typed, stems("Harga emas menembus 4.000 dolar AS per ons.")) == 1.0
    assert coverage(typed, stems("Gold rises 4.5 percent.")) == 0.0


def test_a_name_with_an_apostrophe_the_briefs_use_is_no_stranger(news: Answerer) -> None:
    answer = news.answer("What happened with Hay'at Tahrir al-Sham?")
    assert answer.kind != "unknown_name" and not answer.abstained, answer.text
    assert any("Tahrir al-Sham" in c.quote for c in answer.citations)
