"""Channel posts as brief files, read back by the real loaders: title, date, link, text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.feeds.channels import ChannelPost, post_brief, store_post
from bot.feeds.registry import ChannelRecord, SqliteFeedRegistry
from index.loaders import load_brief, parse_brief

POSTED = datetime(2025, 12, 4, 7, 30, tzinfo=UTC)


def post(text: str | None, **kwargs: object) -> ChannelPost:
    values: dict[str, object] = {
        "chat_id": -100555,
        "username": "freedonia_daily",
        "message_id": 17,
        "posted": POSTED,
        "text": text,
    }
    values.update(kwargs)
    return ChannelPost(**values)  # type: ignore[arg-type]


def read(brief_source: str, data: bytes) -> object:
    return parse_brief(data, Path(brief_source).name)


def test_text_post_is_dated_by_its_lead_line_and_links_to_the_post() -> None:
    brief = post_brief(post("Morning brief, 3 December 2025\nThe harbour reopened.\n\nTrams run again."))
    assert brief is not None and brief.source == "channels/c100555/2025-12-04-17.md"
    parsed = read(brief.source, brief.data)
    assert parsed.title == "Morning brief, 3 December 2025"  # type: ignore[attr-defined]
    assert parsed.date == date(2025, 12, 3)  # type: ignore[attr-defined]
    assert parsed.url == "https://t.me/freedonia_daily/17"  # type: ignore[attr-defined]
    text = parsed.text  # type: ignore[attr-defined]
    assert [text[p.start : p.end] for p in parsed.paragraphs] == ["The harbour reopened.", "Trams run again."]  # type: ignore[attr-defined]


def test_undated_lead_takes_the_post_date_and_a_private_channel_has_no_link() -> None:
    brief = post_brief(post("The harbour reopened after the storm.", username=None))
    assert brief is not None
    parsed = read(brief.source, brief.data)
    assert parsed.date == date(2025, 12, 4) and parsed.url is None  # type: ignore[attr-defined]
    assert parsed.text.strip().endswith("The harbour reopened after the storm.")  # type: ignore[attr-defined]


def test_a_photo_without_caption_is_no_brief() -> None:
    assert post_brief(post(None)) is None
    assert post_brief(post(None, document_name="photo.jpg", document=b"\xff\xd8")) is None


def test_attached_file_is_kept_as_sent_and_edits_replace_the_brief(tmp_path: Path) -> None:
    briefs, data = tmp_path / "briefs", tmp_path / "data"
    registry = SqliteFeedRegistry(data)
    try:
        # Not a source: nothing is stored.
        assert store_post(registry, briefs, data, post("Morning brief\nThe harbour reopened.")) is None
        registry.add_channel(ChannelRecord(-100555, "Freedonia Daily", "freedonia_daily", 42, 0.0))
        source = store_post(registry, briefs, data, post("Morning brief\nThe harbour reopened."))
        assert source is not None
        edited = store_post(registry, briefs, data, post("Morning brief\nThe harbour stays closed."))
        assert edited == source
        assert "stays closed" in (briefs / source).read_text() and "reopened" not in (briefs / source).read_text()
        # Edited into a file: the file is the brief, the text version leaves the folder.
        as_file = store_post(
            registry,
            briefs,
            data,
            post(None, document_name="brief.txt", document=b"Evening brief\n\nThe harbour reopened at last."),
        )
        assert as_file == "channels/c100555/2025-12-04-17-brief.txt"
        assert sorted(p.name for p in (briefs / "channels/c100555").iterdir()) == ["2025-12-04-17-brief.txt"]
        assert load_brief(briefs / as_file).date == date(2025, 12, 4)  # the post's date, from the name
        assert registry.links() == {as_file: "https://t.me/freedonia_daily/17"}
    finally:
        registry.close()
