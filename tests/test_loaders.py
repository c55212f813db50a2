import io
import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from index.loaders import SUPPORTED_SUFFIXES, BriefLoadError, load_brief, parse_brief
from index.records import ParsedBrief
from index.text.language import detect_language, normalize_language_code

SEED = Path(__file__).resolve().parents[1] / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
SEED_LEAD = (
    "Ketika perang memasuki hari ke-992, ini adalah perkembangan utamanya. "
    "Inilah situasinya pada hari Rabu, 13 November:"
)
TODAY = date(2026, 11, 25)


def paragraph_texts(brief: ParsedBrief) -> list[str]:
    return [brief.text[p.start : p.end] for p in brief.paragraphs]


def assert_offsets_are_exact(brief: ParsedBrief) -> None:
    """Every paragraph is a non-empty, whitespace-trimmed slice of the text, numbered from 1."""
    for number, paragraph in enumerate(brief.paragraphs, start=1):
        text = brief.text[paragraph.start : paragraph.end]
        assert paragraph.number == number
        assert text and text == text.strip()


# --- the seed brief ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> ParsedBrief:
    return load_brief(SEED, today=TODAY)


def test_seed_title_is_the_lead_line(seed: ParsedBrief) -> None:
    assert seed.title == SEED_LEAD


def test_seed_date_and_language(seed: ParsedBrief) -> None:
    assert seed.date == date(2024, 11, 13)
    assert seed.language == "id"


def test_seed_paragraphs_are_its_lines_under_their_headings(seed: ParsedBrief) -> None:
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    headings = {"Pertempuran", "Hubungan internasional"}
    assert paragraph_texts(seed) == [
        line for line in lines[1:] if line not in headings
    ]  # the lead and the headings are not paragraphs
    assert len(seed.paragraphs) == 8
    assert Counter(p.section for p in seed.paragraphs) == {
        "Pertempuran": 3,
        "Hubungan internasional": 5,
    }
    assert_offsets_are_exact(seed)


def test_seed_drone_paragraph_is_the_first_of_the_fighting_section(seed: ParsedBrief) -> None:
    first = seed.paragraphs[0]
    assert first.number == 1
    assert first.section == "Pertempuran"
    assert "46 dari 110 drone" in seed.text[first.start : first.end]


def test_missing_year_is_inferred_from_the_weekday_without_a_dated_file_name() -> None:
    brief = parse_brief(SEED.read_bytes(), "perang.txt", today=TODAY)
    assert brief.date == date(2024, 11, 13)


def test_a_full_date_in_the_file_name_settles_an_inferred_year() -> None:
    # 13 November was a Wednesday in 2019 too: "Rabu, 13 November" alone would say 2024.
    brief = parse_brief(SEED.read_bytes(), "2019-11-13-perang.txt", today=TODAY)
    assert brief.date == date(2019, 11, 13)


# --- plain text ----------------------------------------------------------------------------------


def test_txt_decoding_drops_the_bom_and_normalises_newlines() -> None:
    data = "\ufeffJudul\r\nPertempuran\r\nParagraf satu.\r\nParagraf dua.\r\n".encode()
    brief = parse_brief(data, "brief.txt", today=TODAY)
    assert brief.text.startswith("Judul\n")
    assert "\r" not in brief.text
    assert paragraph_texts(brief) == ["Paragraf satu.", "Paragraf dua."]
    assert brief.paragraphs[0].section == "Pertempuran"


def test_txt_in_windows_1252_is_read() -> None:
    data = "Judul\nCafé “Kyiv” ditutup pada malam hari.\n".encode("cp1252")
    brief = parse_brief(data, "brief.txt", today=TODAY)
    assert paragraph_texts(brief) == ["Café “Kyiv” ditutup pada malam hari."]


# One brief per script; each encoding below writes one of them.
_LATIN = "Judul\nCafé “Kyiv” ditutup pada malam hari, kata pejabat setempat.\n"
_CHINESE = "标题\n俄罗斯军队周三袭击了哈尔科夫市，当地官员表示。乌克兰总统呼吁西方提供更多防空系统。\n"
_JAPANESE = "タイトル\nロシア軍は水曜日にハルキウ市を攻撃したと地元当局者が述べた。大統領は防空の追加を求めた。\n"
_ARABIC = "العنوان\nهاجمت القوات الروسية مدينة خاركيف يوم الأربعاء، حسبما قال مسؤولون محليون في المدينة.\n"
ENCODED_BRIEFS = [
    ("utf-8", _LATIN, b""),
    ("utf-8", _CHINESE, b"\xef\xbb\xbf"),
    ("utf-16-le", _LATIN, b""),
    ("utf-16-le", _LATIN, b"\xff\xfe"),
    ("utf-16-be", _LATIN, b""),
    ("utf-16-be", _CHINESE, b"\xfe\xff"),
    ("utf-16-le", _CHINESE, b""),
    ("utf-32-le", _LATIN, b""),
    ("utf-32-le", _ARABIC, b"\xff\xfe\x00\x00"),
    ("utf-32-be", _LATIN, b""),
    ("utf-32-be", _JAPANESE, b"\x00\x00\xfe\xff"),
    ("cp1252", _LATIN, b""),
    ("gb18030", _CHINESE, b""),
    ("shift_jis", _JAPANESE, b""),
    ("cp1256", _ARABIC, b""),
]


@pytest.mark.parametrize(
    ("encoding", "text", "bom"),
    ENCODED_BRIEFS,
    ids=[f"{e}-{'bom' if b else 'nobom'}-{t.split(chr(10))[0]}" for e, t, b in ENCODED_BRIEFS],
)
def test_txt_in_every_encoding_family_reads_as_written(encoding: str, text: str, bom: bytes) -> None:
    brief = parse_brief(bom + text.encode(encoding), "brief.txt", today=TODAY)
    assert brief.text == text  # not mojibake, and no BOM left over
    assert paragraph_texts(brief) == [text.splitlines()[1]]


def test_html_in_gb18030_declares_nothing_and_still_reads() -> None:
    body = _CHINESE.splitlines()[1]
    html = f"<html><head><title>标题</title></head><body><p>{body}</p></body></html>"
    brief = parse_brief(html.encode("gb18030"), "brief.html", today=TODAY)
    assert brief.title == "标题" and paragraph_texts(brief) == [body]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"Judul\n" + b"Kalimat panjang sekali. " * 50_000)
    with pytest.raises(BriefLoadError, match=r"^huge\.txt: too large \(1\.2 MB; the limit is 1 MB\)"):
        load_brief(path, today=TODAY, max_bytes=1_000_000)
    assert load_brief(path, today=TODAY, max_bytes=2_000_000).paragraphs  # under it: read


def test_txt_hard_wrapped_paragraphs_are_joined() -> None:
    text = (
        "Key events, day 992\n"
        "\n"
        "Ukraine's air force said it shot down 46 of 110 Russian drones launched\n"
        "overnight, while 60 drones were lost over Ukrainian territory and two\n"
        "flew to Belarus.\n"
        "\n"
        "Russia's defence ministry said its air defence systems destroyed 13\n"
        "Ukrainian drones over border regions overnight.\n"
    )
    brief = parse_brief(text.encode(), "brief.txt", today=TODAY)
    texts = paragraph_texts(brief)
    assert len(texts) == 2
    assert texts[0].startswith("Ukraine's air force") and texts[0].endswith("flew to Belarus.")
    assert texts[1].endswith("border regions overnight.")
    assert brief.language == "en"


def test_txt_dateline_and_markdown_headings() -> None:
    text = (
        "Russia-Ukraine war: key events\n"
        "Wednesday, November 13, 2024\n"
        "## Fighting\n"
        "Ukraine shot down 46 of 110 Russian drones.\n"
        "No casualties reported\n"  # two short lines in a row are short paragraphs, not headings
        "Kyiv quiet overnight\n"
    )
    brief = parse_brief(text.encode(), "brief.txt", today=TODAY)
    assert brief.title == "Russia-Ukraine war: key events"
    assert brief.date == date(2024, 11, 13)
    assert paragraph_texts(brief) == [
        "Ukraine shot down 46 of 110 Russian drones.",
        "No casualties reported",
        "Kyiv quiet overnight",
    ]
    assert {p.section for p in brief.paragraphs} == {"Fighting"}


# --- Markdown ------------------------------------------------------------------------------------

ENGLISH_MD = """---
title: Russia-Ukraine war, day 992
date: 2024-11-13
url: https://example.com/day-992
lang: en-GB
---

# Russia-Ukraine war, day 992

## Fighting

Ukraine shot down **46 of 110** Russian drones
launched overnight, the air force said.

- Russia said it destroyed 13 Ukrainian drones.

## Diplomacy

Shoigu told Wang Yi in Beijing that ties between Moscow and Beijing stabilise the world.
"""


def test_md_front_matter_is_kept() -> None:
    brief = parse_brief(ENGLISH_MD.encode(), "day-992.md", today=TODAY)
    assert brief.title == "Russia-Ukraine war, day 992"
    assert brief.date == date(2024, 11, 13)
    assert brief.url == "https://example.com/day-992"
    assert brief.language == "en"
    assert not brief.text.startswith("---")  # the text is the body


def test_md_sections_are_hash_headings_and_markup_stays() -> None:
    brief = parse_brief(ENGLISH_MD.encode(), "day-992.md", today=TODAY)
    assert [(p.number, p.section) for p in brief.paragraphs] == [
        (1, "Fighting"),
        (2, "Fighting"),
        (3, "Diplomacy"),
    ]
    first, item, last = paragraph_texts(brief)
    assert first == ("Ukraine shot down **46 of 110** Russian drones\nlaunched overnight, the air force said.")
    assert item == "- Russia said it destroyed 13 Ukrainian drones."
    assert last.startswith("Shoigu told Wang Yi")
    assert_offsets_are_exact(brief)


def test_md_without_front_matter_takes_its_title_from_the_first_heading() -> None:
    text = "# Perang hari ke-992\n\n## Pertempuran\n\nUkraina menembak jatuh 46 drone.\n"
    brief = parse_brief(text.encode(), "perang.md", today=TODAY)
    assert brief.title == "Perang hari ke-992"
    assert brief.paragraphs[0].section == "Pertempuran"
    assert brief.language == "id"


def test_md_with_broken_front_matter_is_rejected() -> None:
    text = "---\ntitle: [unclosed\n---\n\nParagraph.\n"
    with pytest.raises(BriefLoadError, match=r"^broken\.md: front matter"):
        parse_brief(text.encode(), "broken.md", today=TODAY)


# --- HTML ----------------------------------------------------------------------------------------

ENGLISH_HTML = """<!doctype html>
<html lang="en">
<head>
  <title>Russia-Ukraine war: key events, day 992</title>
  <meta property="article:published_time" content="2024-11-13T08:00:00Z">
  <link rel="canonical" href="https://example.com/key-events-992">
  <style>p { color: red; }</style>
</head>
<body>
  <header><nav>Home | World</nav><h1>Russia-Ukraine war: key events, day 992</h1></header>
  <article>
    <h2>Fighting</h2>
    <p>Ukraine shot down <b>46 of 110</b> Russian drones overnight,<br>the air force said.</p>
    <ul><li><p>Russia said it destroyed 13 Ukrainian drones.</p></li></ul>
    <h2>Diplomacy</h2>
    <blockquote><p>Shoigu met Wang Yi in Beijing.</p></blockquote>
    <script>track("view");</script>
  </article>
  <footer>© Example News</footer>
</body>
</html>
"""


def test_html_brief_has_h2_sections_and_metadata() -> None:
    brief = parse_brief(ENGLISH_HTML.encode(), "key-events.html", today=TODAY)
    assert brief.title == "Russia-Ukraine war: key events, day 992"
    assert brief.date == date(2024, 11, 13)
    assert brief.url == "https://example.com/key-events-992"
    assert brief.language == "en"
    assert [(p.section, t) for p, t in zip(brief.paragraphs, paragraph_texts(brief), strict=True)] == [
        ("Fighting", "Ukraine shot down 46 of 110 Russian drones overnight, the air force said."),
        ("Fighting", "Russia said it destroyed 13 Ukrainian drones."),
        ("Diplomacy", "Shoigu met Wang Yi in Beijing."),
    ]
    for furniture in ("Home", "track(", "color: red", "Example News"):
        assert furniture not in brief.text
    assert_offsets_are_exact(brief)


def test_htm_without_title_uses_the_h1_and_dates_from_the_text() -> None:
    html = (
        "<h1>Perang hari ke-992: Rabu, 13 November</h1>"
        "<h3>Pertempuran</h3><p>Ukraina menembak jatuh 46 dari 110 drone Rusia.</p>"
    )
    brief = parse_brief(html.encode(), "perang.htm", today=TODAY)
    assert brief.title == "Perang hari ke-992: Rabu, 13 November"
    assert brief.date == date(2024, 11, 13)
    assert brief.paragraphs[0].section == "Pertempuran"  # the h1 is the title, not a section


# --- PDF -----------------------------------------------------------------------------------------

PDF_FIGHTING = (
    "Ukraine's air force said it shot down 46 of 110 Russian drones launched overnight, while "
    "60 drones were lost over Ukrainian territory and two flew to Belarus. Russian forces also "
    "launched three missiles during the overnight attack."
)
PDF_DIPLOMACY = (
    "NATO Secretary-General Mark Rutte said Russia's growing economic and military cooperation "
    "with China, North Korea and Iran threatens peace and security in the Asia Pacific."
)


def make_pdf(lines: list[str]) -> bytes:
    """A text PDF with one wrapped paragraph per entry of `lines`."""
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 writes the test PDFs")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


def test_pdf_brief_with_two_sections(tmp_path: Path) -> None:
    path = tmp_path / "key-events.pdf"
    path.write_bytes(
        make_pdf(
            [
                "Russia-Ukraine war: list of key events, day 992",
                "Wednesday, November 13, 2024",
                "Fighting",
                PDF_FIGHTING,
                "Diplomacy",
                PDF_DIPLOMACY,
            ]
        )
    )
    brief = load_brief(path, today=TODAY)
    assert brief.title == "Russia-Ukraine war: list of key events, day 992"
    assert brief.date == date(2024, 11, 13)
    assert brief.language == "en"
    # The page width wrapped both paragraphs; they come back whole, on one line each.
    assert paragraph_texts(brief) == [PDF_FIGHTING, PDF_DIPLOMACY]
    assert [p.section for p in brief.paragraphs] == ["Fighting", "Diplomacy"]
    assert_offsets_are_exact(brief)


def test_encrypted_pdf_is_rejected() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Title", "A paragraph."]))))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(BriefLoadError, match=r"^secret\.pdf: .*encrypted"):
        parse_brief(buffer.getvalue(), "secret.pdf", today=TODAY)


# --- files that cannot be used -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "data", "reason"),
    [
        ("notes.pdf", random.Random(0).randbytes(2048), "not a readable PDF"),
        ("truncated.pdf", b"%PDF-1.7\n", "not a readable PDF"),
        ("empty.txt", b"", "file is empty"),
        ("blank.md", b" \n\n\t\n", "file is empty"),
        ("bom-only.txt", b"\xef\xbb\xbf", "file is empty"),
        ("binary.txt", bytes(range(256)) * 8, "looks like binary data"),
        ("random.txt", random.Random(1).randbytes(4096), "looks like binary data"),
        ("big.txt", b"Judul\nIsi.\n" * 1000, "too large (11 kB; the limit is 10 kB)"),
        ("title-only.txt", b"Hanya judul\n", "no paragraphs found"),
        ("empty-page.html", b"<html><title>T</title><body></body></html>", "no paragraphs found"),
        ("brief.docx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_unusable_files_raise_a_message_naming_the_file(file_name: str, data: bytes, reason: str) -> None:
    with pytest.raises(BriefLoadError) as caught:
        parse_brief(data, file_name, today=TODAY, max_bytes=10_000)
    assert str(caught.value).startswith(f"{file_name}: ")
    assert reason in str(caught.value)


def test_missing_file_raises_brief_load_error(tmp_path: Path) -> None:
    with pytest.raises(BriefLoadError, match=r"^gone\.txt: cannot read"):
        load_brief(tmp_path / "gone.txt")


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".pdf")


# --- language ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Who did Shoigu meet in Beijing?", "en"),
        ("How many drones did Ukraine shoot down?", "en"),
        ("what about China?", "en"),
        ("Berapa drone Rusia yang ditembak jatuh?", "id"),
        ("Siapa yang bertemu Shoigu di Beijing?", "id"),
        ("dan Tiongkok?", "id"),
        ("Shoigu?", "id"),  # no evidence: the default
        ("Siapakah pemeran utama The Longest Ride?", "id"),  # an English title inside
        ("Kapan novel We Need to Talk About Kevin dirilis?", "id"),
        ("Kapan Fly to the Sky mulai debut?", "id"),
        ("What did Kaja Kallas say about China? Apa?", "en"),
    ],
)
def test_detect_language_on_questions(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_detect_language_uses_the_callers_default_without_evidence() -> None:
    assert detect_language("Shoigu?", default="en") == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Berita 5 Desember 2025", "id"), ("terima kasih", "id"), ("News, December 5", "en"), ("thanks", "en")],
)
def test_without_function_words_a_readers_words_tell_the_language_against_the_conversations(
    text: str, expected: str
) -> None:
    # An Indonesian asking "Berita 5 Desember 2025" after English questions gets Indonesian.
    assert detect_language(text, default="id" if expected == "en" else "en") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en-US", "en"), ("id_ID", "id"), ("Indonesian", "id"), ("fr", None), (None, None)],
)
def test_normalize_language_code(value: object, expected: str | None) -> None:
    assert normalize_language_code(value) == expected
