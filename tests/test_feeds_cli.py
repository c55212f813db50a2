"""`briefbot feed ...` and `briefbot briefs --json` as a script would use them, over real HTTP
against the local feed server, on a real knowledge base."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.feeds.server import FeedServer
from tests.test_feeds_sync import COPIES, tiny_feed

pytestmark = pytest.mark.skipif(len(COPIES) != 8, reason="needs ../shared/news/feed")

SYNC_KEYS = ["url", "status", "new", "updated", "unchanged", "embedded_chunks", "error"]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[object]:
    monkeypatch.setenv("BRIEFS_DIR", str(tmp_path / "briefs"))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDS_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.delenv("DATABASE_URL", raising=False)

    def run(*argv: str) -> tuple[int, list[dict[str, object]]]:
        code = main(list(argv))
        out = capsys.readouterr().out
        return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    yield run


def test_feed_commands_and_briefs_json(cli: object) -> None:
    run = cli  # type: ignore[assignment]
    with FeedServer() as server:
        server.serve(tiny_feed(COPIES[0], 2))
        assert run("feed", "add", server.url)[0] == 0
        code, listed = run("feed", "list", "--json")
        assert code == 0 and [(row["url"], row["status"]) for row in listed] == [(server.url, None)]

        code, (first,) = run("feed", "sync", "--json")
        assert code == 0 and list(first) == SYNC_KEYS
        assert (first["status"], first["new"], first["error"]) == ("updated", 2, None)
        assert first["embedded_chunks"] > 0

        code, (second,) = run("feed", "sync", "--json")
        assert second == {**{k: 0 for k in SYNC_KEYS}, "url": server.url, "status": "not_modified", "error": None}

        server.serve_broken("500")
        code, (failed,) = run("feed", "sync", "--json")
        assert code == 0  # a failed feed is in its line, not in the exit status
        assert failed["status"] == "error" and failed["error"] == "HTTP 500 Internal Server Error"

        code, briefs = run("briefs", "--json")
        assert code == 0 and len(briefs) == 2
        assert all(list(b) == ["id", "title", "date", "source", "chunks"] for b in briefs)
        assert {b["source"] for b in briefs} == {
            "https://en.wikipedia.org/wiki/Portal:Current_events/2025_September_24",
            "https://en.wikipedia.org/wiki/Portal:Current_events/2025_September_25",
        } or all(str(b["source"]).startswith("https://en.wikipedia.org/") for b in briefs)
        assert all(int(b["chunks"]) > 0 for b in briefs)

        assert run("feed", "remove", server.url)[0] == 0
        assert len(run("briefs", "--json")[1]) == 2  # its briefs stay
        run("feed", "add", server.url)
        run("feed", "sync", "--json")  # maps the items to their briefs again (nothing new)
        assert run("feed", "remove", server.url, "--with-briefs")[0] == 0
        assert run("briefs", "--json")[1] == []
