"""News questions on real daily briefs (three days of Wikipedia's Current events, in
tests/data/news) and on the sample brief: a day's summary, a topic's newest reports, a named day
without a brief, and the sample brief's conversations through `briefbot ask --questions`."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine.answering import Answerer
from bot.engine.topics import catalogue_for
from index.loaders import load_brief

DATA = Path(__file__).resolve().parent / "data"
NEWS = DATA / "news"
SAMPLE = Path(__file__).resolve().parents[1] / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"


def test_wikipedia_items_keep_their_topic_path_and_sources_and_lose_the_page_chrome() -> None:
    brief = load_brief(NEWS / "2025-12-07.html")
    sections = [p.section for p in brief.paragraphs]
    texts = [brief.text[p.start : p.end] for p in brief.paragraphs]
    senyar = next(i for i, text in enumerate(texts) if "908" in text)
    assert sections[senyar] == "Disasters and accidents › 2025 North Indian Ocean cyclone season › Cyclone Senyar"
    assert texts[senyar].endswith("(Al Jazeera)")  # the item keeps its source
    assert "Armed conflicts and attacks" not in texts  # a heading is a section, not a paragraph
    assert not any(word in brief.text.split() for word in ("edit", "history", "watch"))  # page chrome
    assert ".mw-parser-output" not in brief.text  # styles


def test_a_days_summary_cites_that_days_items_under_their_sections(news: Answerer) -> None:
    answer = news.answer("Berita 6 Desember 2025")
    assert not answer.abstained and answer.kind == "day_summary"
    assert 3 <= len(answer.citations) <= 8
    assert {c.date for c in answer.citations} == {date(2025, 12, 6)}
    assert answer.text.startswith("Ringkasan berita 6 Desember 2025")  # the asker's language
    assert "Disasters and accidents" in answer.text.splitlines()  # sections as headings
    assert len({c.section.split(" › ")[0] for c in answer.citations if c.section}) >= 3  # across sections


def test_the_latest_on_a_topic_comes_newest_first_each_dated(news: Answerer) -> None:
    answer = news.answer("Latest on Afghanistan–Pakistan clashes?")
    assert not answer.abstained and answer.kind == "latest"
    dates = [c.date for c in answer.citations]
    assert dates[0] == date(2025, 12, 6) and date(2025, 12, 5) in dates
    assert dates == sorted(dates, reverse=True)
    assert "6 Dec 2025" in answer.text


def test_a_topic_on_a_named_day_cites_only_that_day(news: Answerer) -> None:
    answer = news.answer("Apa isi ringkasan 5 Desember 2025 tentang Colombian conflict?")
    assert not answer.abstained
    assert {c.date for c in answer.citations} == {date(2025, 12, 5)}
    assert any("Clan del Golfo" in c.quote for c in answer.citations)


def test_a_day_without_a_brief_is_said_so_with_the_nearest_days_and_nothing_cited(news: Answerer) -> None:
    answer = news.answer("News of December 8, 2025")
    assert answer.abstained and answer.reason == "no_brief_on_date" and not answer.citations
    assert "no brief for December 8, 2025" in answer.text and "December 7, 2025" in answer.text
    indonesian = news.answer("Apa isi ringkasan tanggal 1 Desember 2025?")
    assert indonesian.reason == "no_brief_on_date" and "5 Desember 2025" in indonesian.text


def test_what_the_briefs_dont_say_is_not_answered(news: Answerer) -> None:
    for question in ("What is the capital of France?", "Apa resep rendang?", "What did Napoleon say?"):
        answer = news.answer(question)
        assert answer.abstained and answer.reason == "not_covered" and not answer.citations, question


def _ask_chats(tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[dict[str, object]]) -> list[dict]:
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    shutil.copy(SAMPLE, briefs / SAMPLE.name)
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    assert main(["--briefs", str(briefs), "--data", str(tmp_path / "data"), "index"]) == 0
    capsys.readouterr()
    # The folders after the subcommand work too.
    assert main(["ask", "--questions", str(questions), "--briefs", str(briefs), "--data", str(tmp_path / "data")]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_sample_brief_conversations_answer_and_cite_as_a_reader_expects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], store_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store_url:
        monkeypatch.setenv("DATABASE_URL", store_url)
    lines = [
        {"qid": "kursk", "chat": "a", "question": "Apa yang terjadi di Kursk?"},
        {"qid": "rutte", "chat": "a", "question": "Apa kata Rutte?"},
        {"qid": "today", "chat": "a", "question": "Ringkas berita hari ini"},
        {"qid": "korea", "chat": "b", "question": "Korea Utara"},
        {"qid": "yesterday", "chat": "b", "question": "dan kemarin?"},
        {"qid": "12nov", "chat": "b", "question": "dan 12 November?"},
        {"qid": "china", "chat": "c", "question": "Siapa yang ditemui Shoigu di Beijing?"},
        {"qid": "thanks", "chat": "c", "question": "terima kasih"},
        {"qid": "france", "question": "What is the capital of France?"},
    ]
    answers = {item["qid"]: item for item in _ask_chats(tmp_path, capsys, lines)}

    def paragraphs(qid: str) -> list[int]:
        return [p for c in answers[qid]["citations"] for p in c["paragraphs"]]

    assert not answers["kursk"]["abstained"] and 3 in paragraphs("kursk") and "Kursk" in answers["kursk"]["answer"]
    assert not answers["rutte"]["abstained"] and paragraphs("rutte")[0] == 4
    # A request of its own, not a follow-up of the Rutte question: both sections, cited.
    today = answers["today"]
    assert today["kind"] == "day_summary" and today["resolved_question"] is None
    assert {c["section"] for c in today["citations"]} == {"Pertempuran", "Hubungan internasional"}
    # A bare topic answered in Indonesian, with no English scaffolding.
    korea = answers["korea"]
    assert not korea["abstained"] and 3 in paragraphs("korea")
    assert korea["notes"] == [] and "Understood" not in korea["answer"]
    # Only the 13 November brief exists: yesterday and 12 November are said to have none.
    for qid in ("yesterday", "12nov"):
        assert answers[qid]["abstained"] and answers[qid]["reason"] == "no_brief_on_date", qid
        assert answers[qid]["citations"] == [] and "13 November 2024" in answers[qid]["answer"]
    assert answers["yesterday"]["notes"][0].startswith("Dipahami sebagai")
    assert answers["thanks"]["kind"] == "small_talk" and answers["thanks"]["citations"] == []
    assert answers["france"]["abstained"] and answers["france"]["reason"] == "not_covered"


def test_a_news_items_source_marks_are_shown_as_its_sources_and_its_topic_path_as_its_place(news: Answerer) -> None:
    from bot.telegram_bot.render import render_answer

    answer = news.answer("Latest on Cyclone Senyar?")
    assert answer.citations[0].date == date(2025, 12, 7)
    assert answer.citations[0].quote.endswith("(Al Jazeera)")  # the quote stays the exact item
    assert "(Al Jazeera)" not in answer.text  # the point reads without it
    html = "\n".join(render_answer(answer))
    assert "Cyclone Senyar, ¶5 (reported by Al Jazeera)" in html


def test_a_passage_sharing_words_but_not_the_name_is_not_about_the_topic_however_close() -> None:
    from bot.engine.news_points import is_about, topic_terms
    from index.records import Passage

    malagasy = Passage(
        1,
        "b",
        "b.html",
        "t",
        date(2025, 10, 13),
        "Politics and elections › 2025 Malagasy protests",
        (1,),
        0,
        10,
        "Youth-led protests against president Andry Rajoelina resume in Antananarivo.",
    )
    assert is_about(topic_terms("2025 Malagasy protests"), malagasy, dense=0.80)
    assert not is_about(topic_terms("2025 Iranian protests"), malagasy, dense=0.95)
    # A topic in the other language is read through the glossary, whatever the closeness ...
    assert is_about(topic_terms("unjuk rasa Madagaskar"), malagasy, dense=0.70)
    assert not is_about(topic_terms("unjuk rasa Iran"), malagasy, dense=0.95)
    # ... and in words the glossary lacks it shares none: a very close meaning decides.
    assert is_about(topic_terms("gejolak kaum muda"), malagasy, dense=0.90)
    assert not is_about(topic_terms("gejolak kaum muda"), malagasy, dense=0.80)


def test_an_indonesian_question_about_a_name_the_briefs_lack_says_so_however_it_is_typed(news: Answerer) -> None:
    # "lewotobi" is no Indonesian word, no glossary entry, no word of the briefs: a name they
    # don't have, though typed in lower case.
    answer = news.answer("erupsi gunung lewotobi terbaru gimana")
    assert answer.abstained and not answer.citations
    assert "lewotobi" in answer.text
    # Chat Indonesian ("naikin", "gimana") and a name the briefs spell the English way
    # ("Meksiko") are no strangers: the question is answered from the briefs.
    answered = news.answer("gimana kabar ledakan di meksiko")
    assert not answered.abstained and any("Mexico" in c.quote for c in answered.citations)


def test_a_name_typed_in_lower_case_is_required_as_a_capitalised_one_is(news: Answerer) -> None:
    # The briefs have Brazil winning the futsal World Cup, not Indonesia: "indonesia" is a name
    # they only ever write capitalised, so a passage without it does not answer.
    answer = news.answer("timnas indonesia juara piala dunia futsal?")
    assert answer.abstained and not answer.citations
    answered = news.answer("siapa juara piala dunia futsal putri?")
    assert not answered.abstained and any("Brazil" in c.quote for c in answered.citations)


def test_a_bare_english_topic_in_lower_case_is_read_as_english(news: Answerer) -> None:
    # No function word to tell the language by: the words themselves do ("investigation" is no
    # Indonesian word), so the English relevance decision applies and declines it.
    answer = news.answer("titan submersible investigation findings")
    assert answer.language == "en" and answer.abstained and not answer.citations


def test_a_month_scopes_the_question_to_that_months_briefs(news: Answerer) -> None:
    answer = news.answer("berita bulan Desember 2025 tentang Epstein")
    assert not answer.abstained and answer.citations
    assert all(c.date is not None and (c.date.year, c.date.month) == (2025, 12) for c in answer.citations)
    none = news.answer("berita bulan Maret 2024 tentang Epstein")
    assert none.abstained and not none.citations and "Maret 2024" in none.text


def test_a_days_summary_asked_with_typos_is_that_days_summary(news: Answerer) -> None:
    # "recpa" is "recap" a typo away, "Desembr" December: no topic, the day's brief.
    for question in ("recpa of 6 Desembr 2025", "what happend on December 6, 2025"):
        answer = news.answer(question)
        assert not answer.abstained and answer.citations, question
        assert {str(c.date) for c in answer.citations} == {"2025-12-06"}, question


def test_an_old_date_beside_the_word_brief_is_a_briefs_day_not_an_event(news: Answerer) -> None:
    answer = news.answer("what did the brief say about Ukraine on Feb 24, 2022?")
    assert answer.abstained and answer.reason == "no_brief_on_date" and not answer.citations
    assert "February 24, 2022" in answer.text


def test_a_holiday_beside_a_date_names_the_day_not_a_topic(news: Answerer) -> None:
    answer = news.answer("berita malam natal (6 Desember 2025) apa aja?")
    assert not answer.abstained and {str(c.date) for c in answer.citations} == {"2025-12-06"}


def test_an_indonesian_city_the_english_briefs_never_name_is_said_to_be_missing(news: Answerer) -> None:
    answer = news.answer("banjir di bekasi parah ga")
    assert answer.abstained and not answer.citations and "bekasi" in answer.text.lower()


def test_a_questions_capitalised_first_word_is_not_taken_for_a_name(news: Answerer) -> None:
    # "Skandal" opens the sentence: the scandal the briefs file the story under, not a name
    # they lack, so the words name "Flood control projects scandal in the Philippines" as they
    # do typed in lower case.
    catalogue = catalogue_for(news.kb)
    for words in ("Skandal proyek pengendalian banjir di Filipina", "skandal proyek pengendalian banjir di Filipina"):
        matches = catalogue.resolve(words)
        assert matches and matches[0].label.label == "Flood control projects scandal in the Philippines", words
    answer = news.answer("Skandal proyek pengendalian banjir di Filipina, perkembangan terakhirnya apa?")
    assert not answer.abstained and "Flood control projects scandal" in answer.text


def test_a_part_of_a_month_scopes_the_question_to_those_days(news: Answerer) -> None:
    # The briefs hold 5-7 December: "early December" is them, "late December" none of them.
    early = news.answer("berita awal Desember 2025 apa aja?")
    assert not early.abstained and {str(c.date) for c in early.citations} <= {"2025-12-05", "2025-12-06", "2025-12-07"}
    late = news.answer("berita akhir Desember 2025")
    assert late.abstained and not late.citations and "akhir Desember 2025" in late.text


def test_an_old_date_named_as_a_tanggal_is_a_day_without_a_brief(news: Answerer) -> None:
    answer = news.answer("apa yg terjadi di Thailand tanggal 24/02/2022")
    assert answer.abstained and answer.reason == "no_brief_on_date" and not answer.citations
    assert "24 Februari 2022" in answer.text


def test_a_story_asked_after_by_its_peoples_names_brings_the_items_filed_under_it(news: Answerer) -> None:
    """No label holds "Talon" or "Tigri", but the items found for them are filed under one story
    and name them: the story's newest items answer, the one that names neither included."""
    answer = news.answer("Any news on Talon and Tigri?")
    assert not answer.abstained and answer.kind == "latest"
    assert {c.section.split(" › ")[-1] for c in answer.citations if c.section} == {"2025 Beninese coup attempt"}
    assert any("ECOWAS" in c.quote and "Tigri" not in c.quote for c in answer.citations)
