"""The `briefbot` command (`main`), its commands grouped by who uses them:

- `user`: run (the Telegram bot), chat (the terminal), ask, timeline;
- `operator`: index, search, status, migrate, copy;
- `evaluation`: eval, answer-eval, news-eval;
- `common`: what they share; `main`: the parser and the error handling around every command.
"""

from __future__ import annotations

from bot.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
