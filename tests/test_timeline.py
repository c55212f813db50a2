"""/timeline and /today on the engine: a story across several dated briefs, oldest first, in the
terminal chat and as `briefbot timeline`; a day's brief with the days around it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine.digest import day_digest
from bot.engine.timeline import build_timeline
from bot.terminal import run_terminal_chat
from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase
from tests.conftest import new_store_url
from tests.test_terminal import scripted

REPEATED = "Fighting around Kursk continued for a third week, the Russian defence ministry said."


def dated_brief(day: str, *paragraphs: str, section: str = "Ukraine") -> str:
    body = "\n\n".join(paragraphs)
    return f"---\ntitle: Morning brief {day}\ndate: {day}\nlanguage: en\n---\n# {section}\n\n{body}\n"


STORY = {
    # Written out of order on purpose: the timeline sorts by the briefs' dates.
    "2024-11-20.md": dated_brief(
        "2024-11-20",
        REPEATED,
        "Ukrainian troops pushed Russian forces out of two villages in the Kursk region overnight.",
    ),
    "2024-11-18.md": dated_brief(
        "2024-11-18",
        "North Korean soldiers were seen in the Kursk region for the first time, officials in Kyiv said.",
        "Heavy snow closed the mountain passes of northern Freedonia.",
    ),
    "2024-11-19.md": dated_brief("2024-11-19", REPEATED, "Grain exports through the Black Sea rose in October."),
    "2024-11-21.md": dated_brief(
        "2024-11-21", "The Freedonia Parliament approved a new drone fund.", section="Politics"
    ),
}


@pytest.fixture(scope="module")
def story_kb(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: BriefEmbeddings,
    store_kind: str,
    request: pytest.FixtureRequest,
) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("story")
    (root / "briefs").mkdir()
    for name, content in STORY.items():
        (root / "briefs" / name).write_text(content, encoding="utf-8")
    kb = KnowledgeBase(
        root / "briefs", root / "data", embedder=embedder, database_url=new_store_url(store_kind, request)
    )
    kb.reindex()
    return kb


def test_timeline_lists_each_brief_on_the_story_oldest_first_repeats_once(story_kb: KnowledgeBase) -> None:
    timeline = build_timeline(story_kb, "Kursk")

    assert [str(entry.date) for entry in timeline.entries] == ["2024-11-18", "2024-11-19", "2024-11-20"]
    quotes = [entry.citation.quote for entry in timeline.entries]
    assert quotes[0].startswith("North Korean soldiers")
    # The paragraph the 20th repeats is the 19th's line; the 20th has its new report.
    assert quotes[1] == REPEATED
    assert quotes[2].startswith("Ukrainian troops pushed")
    assert [entry.citation.n for entry in timeline.entries] == [1, 2, 3]
    assert timeline.entries[0].line("en") == f"18 Nov 2024 — {quotes[0]} [1]"


def test_timeline_of_a_topic_no_brief_reports_on_is_empty(story_kb: KnowledgeBase) -> None:
    assert build_timeline(story_kb, "Sudanese civil war").entries == ()


def test_timeline_command_prints_every_entry_as_json_and_since_cuts_older_ones(
    story_kb: KnowledgeBase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = ["--briefs", str(story_kb.briefs_dir), "--data", str(story_kb.data_dir)]
    if story_kb.database_url:
        monkeypatch.setenv("DATABASE_URL", story_kb.database_url)
    assert main([*folders, "timeline", "Kursk", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["topic"] == "Kursk"
    entries = printed["entries"]
    assert [entry["date"] for entry in entries] == ["2024-11-18", "2024-11-19", "2024-11-20"]
    first = entries[0]
    assert first["brief_id"] and first["quote"].startswith("North Korean soldiers")
    assert {"n", "chunk_id", "source", "title", "section", "paragraphs", "start", "end"} <= set(first)

    assert main([*folders, "timeline", "Kursk", "--since", "19 November"]) == 0
    shown = capsys.readouterr().out
    assert "North Korean soldiers" not in shown
    assert "19 Nov 2024 — " + REPEATED + " [1]" in shown


def test_terminal_chat_shows_timelines_and_days(story_kb: KnowledgeBase) -> None:
    out = io.StringIO()
    lines = ["/timeline Kursk", "/today", "/today 19 November", "/today 10 November"]
    assert run_terminal_chat(story_kb, read_line=scripted(lines), out=out) == 0
    shown = out.getvalue()
    assert "How Kursk developed, in 3 briefs, oldest first:" in shown
    assert "20 Nov 2024 — Ukrainian troops pushed" in shown
    assert "The brief of November 21, 2024:" in shown and "previous: /today 2024-11-20" in shown
    assert "The brief of November 19, 2024:" in shown and "next: /today 2024-11-20" in shown
    assert "There is no brief for November 10, 2024. The nearest briefs are from November 18, 2024." in shown


def test_a_day_names_the_briefs_before_and_after_it(story_kb: KnowledgeBase) -> None:
    digest = day_digest(story_kb, "id", "19 November")
    assert digest is not None and digest.day is not None
    assert (str(digest.previous), str(digest.day), str(digest.next)) == ("2024-11-18", "2024-11-19", "2024-11-20")
    assert digest.answer.text.startswith("Ringkasan berita 19 November 2024:")
    assert day_digest(story_kb, "en", "the moon") is None


def test_cli_rejects_a_since_that_is_not_a_day(story_kb: KnowledgeBase, tmp_path: Path) -> None:
    folders = ["--briefs", str(story_kb.briefs_dir), "--data", str(story_kb.data_dir)]
    assert main([*folders, "timeline", "Kursk", "--since", "whenever"]) == 2
