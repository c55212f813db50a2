"""The terminal chat and `briefbot run` without a token."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.terminal import run_terminal_chat
from index.knowledge_base import KnowledgeBase


def scripted(lines: list[str]) -> Callable[[str], str]:
    """A stand-in for input(): the lines in turn, then end of input."""
    remaining: Iterator[str] = iter(lines)

    def read_line(prompt: str) -> str:
        try:
            return next(remaining)
        except StopIteration:
            raise EOFError from None

    return read_line


def test_terminal_chat_answers_with_numbered_sources(knowledge_base: KnowledgeBase) -> None:
    out = io.StringIO()
    lines = ["", "/status", "/briefs", "Berapa drone Rusia yang ditembak jatuh?", "/nope", "/quit", "never read"]

    assert run_terminal_chat(knowledge_base, read_line=scripted(lines), out=out) == 0

    shown = out.getvalue()
    assert "briefs:       1" in shown
    assert "2024-11-13  2024-11-13-perang-ukraina-hari-992" in shown
    assert "46 dari 110 drone Rusia" in shown
    assert "[1] " in shown and "— 2024-11-13 — Pertempuran, ¶1" in shown
    assert "Unknown command /nope" in shown


def test_terminal_chat_ends_cleanly_at_end_of_input(knowledge_base: KnowledgeBase) -> None:
    out = io.StringIO()
    assert run_terminal_chat(knowledge_base, read_line=scripted([]), out=out) == 0
    assert "1 briefs, " in out.getvalue()


def test_run_without_a_token_explains_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: no chat is opened

    assert main(["run"]) == 1

    err = capsys.readouterr().err
    assert "@BotFather" in err and "/newbot" in err
    assert "TELEGRAM_BOT_TOKEN=" in err and "ADMIN_IDS=" in err


def test_briefbot_chat_reads_questions_from_stdin(
    knowledge_base: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Berapa drone Rusia yang ditembak jatuh?\n"))
    folders = ["--briefs", str(knowledge_base.briefs_dir), "--data", str(knowledge_base.data_dir)]
    if knowledge_base.database_url:
        monkeypatch.setenv("DATABASE_URL", knowledge_base.database_url)

    assert main([*folders, "chat"]) == 0

    assert "46 dari 110 drone Rusia" in capsys.readouterr().out


# Runs `briefbot chat` as a user would, then reports whether any Telegram module was imported.
_CHAT_AND_LIST_TELEGRAM = """
import sys
from bot.cli import main
status = main(sys.argv[1:])
print("TELEGRAM-MODULES:", sorted(name for name in sys.modules if name.split(".")[0] == "telegram"))
sys.exit(status)
"""


def test_briefbot_chat_runs_without_telegram(knowledge_base: KnowledgeBase) -> None:
    """The terminal chat is for trying the bot before there is a token: it must not need (or
    pay the start-up time of) python-telegram-bot."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    if knowledge_base.database_url:
        env["DATABASE_URL"] = knowledge_base.database_url
    folders = ["--briefs", str(knowledge_base.briefs_dir), "--data", str(knowledge_base.data_dir)]
    done = subprocess.run(
        [sys.executable, "-c", _CHAT_AND_LIST_TELEGRAM, *folders, "chat"],
        input="Berapa drone Rusia yang ditembak jatuh?\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "46 dari 110 drone Rusia" in done.stdout
    assert "TELEGRAM-MODULES: []" in done.stdout
