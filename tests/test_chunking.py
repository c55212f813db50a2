import re
from datetime import date
from pathlib import Path

import pytest

from index.chunking import chunk_brief
from index.loaders import load_brief, parse_brief
from index.records import Chunk, ParsedBrief

SEED = Path(__file__).resolve().parents[1] / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
TODAY = date(2026, 11, 25)
MAX_CHARS = 1000

SENTENCES = [
    "Ukraina menembak jatuh 46 dari 110 drone Rusia yang diluncurkan semalam, kata Angkatan Udara.",
    "Sebanyak 60 drone Rusia hilang di wilayah udara Ukraina dan dua pergi ke Belarus!",
    "Apakah pasukan Rusia juga meluncurkan tiga rudal selama serangan semalam?",
    "Juru bicara itu menyebut operasi itu “mulai terlibat dalam pertempuran”.",
    "Sistem pertahanan udara Rusia menghancurkan 13 drone Ukraina di wilayah perbatasan.",
]


def long_paragraph(min_chars: int) -> str:
    """Many whole sentences, at least `min_chars` long, on one line."""
    sentences: list[str] = []
    while len(" ".join(sentences)) < min_chars:
        sentences.append(SENTENCES[len(sentences) % len(SENTENCES)])
    return " ".join(sentences)


def brief_from_text(text: str, file_name: str = "brief.txt") -> ParsedBrief:
    return parse_brief(text.encode(), file_name, today=TODAY)


def assert_exact_slices(brief: ParsedBrief, chunks: list[Chunk]) -> None:
    for chunk in chunks:
        assert chunk.text == brief.text[chunk.start : chunk.end]
        assert chunk.text and chunk.text == chunk.text.strip()


# Every chunk of every test brief is an exact slice of its brief's text.
TEST_BRIEFS = {
    "seed": lambda: load_brief(SEED, today=TODAY),
    "long": lambda: brief_from_text(f"Judul\nBagian\n{long_paragraph(3000)}\n"),
    "no section": lambda: brief_from_text("Judul\nParagraf tanpa bagian.\n"),
    "markdown": lambda: brief_from_text(
        "# Title\n\n## Fighting\n\nA **wrapped** paragraph that goes on\nto a second line.\n",
        "brief.md",
    ),
    "html": lambda: brief_from_text(
        "<title>T</title><h2>Fighting</h2><p>One.</p><p>Two <b>bold</b>.</p>", "brief.html"
    ),
}


@pytest.mark.parametrize("name", TEST_BRIEFS)
def test_every_chunk_is_an_exact_slice_of_the_brief(name: str) -> None:
    brief = TEST_BRIEFS[name]()
    chunks = chunk_brief(name, brief, max_chars=MAX_CHARS)
    assert chunks
    assert_exact_slices(brief, chunks)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    assert all(len(chunk.text) <= MAX_CHARS for chunk in chunks)


def test_seed_gives_one_chunk_per_paragraph() -> None:
    brief = load_brief(SEED, today=TODAY)
    chunks = chunk_brief("seed", brief)
    assert [(c.paragraphs, c.section) for c in chunks] == [((p.number,), p.section) for p in brief.paragraphs]
    assert all(chunk.brief_id == "seed" for chunk in chunks)
    assert "46 dari 110 drone" in chunks[0].text


def test_embed_text_starts_with_the_section_heading() -> None:
    brief = load_brief(SEED, today=TODAY)
    first = chunk_brief("seed", brief)[0]
    assert first.embed_text == f"Pertempuran\n{first.text}"


def test_embed_text_without_a_section_is_the_text() -> None:
    brief = TEST_BRIEFS["no section"]()
    (chunk,) = chunk_brief("b", brief)
    assert chunk.section is None
    assert chunk.embed_text == "Paragraf tanpa bagian."


def test_embed_text_without_header_is_the_text() -> None:
    brief = load_brief(SEED, today=TODAY)
    assert all(c.embed_text == c.text for c in chunk_brief("seed", brief, with_header=False))


def test_long_paragraph_splits_at_sentence_ends() -> None:
    paragraph = long_paragraph(3000)
    brief = brief_from_text(f"Judul\nBagian\n{paragraph}\n")
    chunks = chunk_brief("b", brief, max_chars=MAX_CHARS)

    assert len(chunks) >= 3
    assert all(len(chunk.text) <= MAX_CHARS for chunk in chunks)
    # Every chunk is made of whole sentences: it starts one and ends one.
    for chunk in chunks:
        assert any(chunk.text.startswith(sentence) for sentence in SENTENCES)
        assert any(chunk.text.endswith(sentence) for sentence in SENTENCES)
    # Together, in order, they are the paragraph: nothing lost, nothing repeated.
    assert " ".join(chunk.text for chunk in chunks) == paragraph
    assert {chunk.paragraphs for chunk in chunks} == {(1,)}
    assert {chunk.section for chunk in chunks} == {"Bagian"}


def test_a_sentence_longer_than_max_chars_is_cut_inside_it() -> None:
    sentence = " ".join(["Kata"] * 100) + "."  # 500 characters, no sentence end before the last
    brief = brief_from_text(f"Judul\n{sentence}\n")
    chunks = chunk_brief("b", brief, max_chars=120)
    assert len(chunks) > 1
    assert all(len(chunk.text) <= 120 for chunk in chunks)
    assert_exact_slices(brief, chunks)
    assert " ".join(chunk.text for chunk in chunks) == sentence


def test_chunks_never_cross_sections() -> None:
    text = f"Judul\nPertempuran\n{long_paragraph(1500)}\nDiplomasi\n{long_paragraph(1500)}\n"
    brief = brief_from_text(text)
    chunks = chunk_brief("b", brief, max_chars=MAX_CHARS)
    sections = {paragraph.number: paragraph.section for paragraph in brief.paragraphs}
    for chunk in chunks:
        (number,) = chunk.paragraphs
        assert chunk.section == sections[number]
        paragraph = brief.paragraphs[number - 1]
        assert paragraph.start <= chunk.start < chunk.end <= paragraph.end
    assert {chunk.section for chunk in chunks} == {"Pertempuran", "Diplomasi"}


def test_abbreviation_followed_by_lower_case_is_not_a_sentence_end() -> None:
    # "e.g. the" goes on: the split falls at the real sentence end after it.
    sentence = "Sanctions hit many sectors, e.g. the banks and the energy firms of the region. "
    paragraph = (sentence * 20).strip()
    brief = brief_from_text(f"Title\n{paragraph}\n")
    for chunk in chunk_brief("b", brief, max_chars=300):
        assert re.fullmatch(rf"(?:{re.escape(sentence.strip())} ?)+", chunk.text)


def test_max_chars_must_be_positive() -> None:
    brief = load_brief(SEED, today=TODAY)
    with pytest.raises(ValueError, match="max_chars"):
        chunk_brief("seed", brief, max_chars=0)
