"""The user's commands: run (the Telegram bot), chat (the terminal), ask, timeline."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import knowledge_base_of, read_jsonl, settings_of
from index.knowledge_base import KnowledgeBase

if TYPE_CHECKING:
    from bot.cli.common import Commands

NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set, so the Telegram bot cannot start.

To get a token:
  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Pick a display name, then a username that ends in "bot".
  3. BotFather answers with a token like 123456789:AAF...; keep it secret.
Then set, in the environment or in .env (.env.example documents every setting):
  TELEGRAM_BOT_TOKEN=<the token>
  ADMIN_IDS=<your numeric Telegram user id>   (admins add, remove and reindex briefs;
                                               @userinfobot tells you your id)
Optional: WEBHOOK_URL (with WEBHOOK_SECRET, WEBHOOK_LISTEN, WEBHOOK_PORT) for a webhook
instead of long polling; TELEGRAM_API_BASE_URL for a self-hosted Bot API server.
"""


def cmd_run(args: argparse.Namespace) -> int:
    # The Telegram stack is imported only by the commands that use it.
    from telegram.error import InvalidToken, TelegramError

    from bot.telegram_bot.app import build_application, redact_secrets, run_application

    settings = settings_of(args)
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else ""
    if not token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        if not sys.stdin.isatty():
            return 1
        print("Meanwhile, here is the terminal chat on the same engine.\n", file=sys.stderr)
        return cmd_chat(args)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    kb = KnowledgeBase.from_settings(settings)
    try:
        run_application(build_application(settings, kb), settings)
    except InvalidToken:  # PTB's message quotes the token
        print("briefbot: Telegram rejected TELEGRAM_BOT_TOKEN: get a valid one from @BotFather.", file=sys.stderr)
        return 1
    except TelegramError as error:  # e.g. the Bot API server cannot be reached at start
        print(f"briefbot: {redact_secrets(str(error))}", file=sys.stderr)
        return 1
    finally:
        kb.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.engine.answering import Answerer
    from bot.terminal import run_terminal_chat

    settings = settings_of(args)
    kb = KnowledgeBase.from_settings(settings)
    try:
        return run_terminal_chat(kb, answerer=Answerer.from_settings(kb, settings))
    finally:
        kb.close()


def cmd_ask(args: argparse.Namespace) -> int:
    """One question, or a JSONL file of {"qid", "question"}: answers with numbered citations."""
    from bot.engine.answering import Answerer
    from bot.terminal import format_answer

    settings = settings_of(args)
    kb = KnowledgeBase.from_settings(settings)
    answerer = Answerer.from_settings(kb, settings)
    try:
        if args.questions:
            for n, item in enumerate(read_jsonl(args.questions)):
                # Lines of one "chat" are one conversation; a line without one is a chat of its own.
                chat_key = f"chat:{item['chat']}" if item.get("chat") is not None else f"line:{n}"
                answer = answerer.answer(item["question"], chat_key=chat_key)
                print(json.dumps({"qid": item["qid"], **answer.to_json()}, ensure_ascii=False), flush=True)
            return 0
        if not args.question:
            print("ask: give a QUESTION or --questions FILE.jsonl", file=sys.stderr)
            return 2
        answer = answerer.answer(args.question)
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else format_answer(answer))
        return 0
    finally:
        answerer.close()
        kb.close()


def cmd_timeline(args: argparse.Namespace) -> int:
    """How a story developed: one cited line per brief that reports on it, oldest first."""
    from bot.engine.timeline import build_timeline, parse_since
    from bot.terminal import format_timeline

    kb = knowledge_base_of(args)
    try:
        since = None
        if args.since:
            since = parse_since(args.since, kb.brief_dates())
            if since is None:
                print(f"timeline: --since {args.since!r} is not a date (e.g. 2025-11-02)", file=sys.stderr)
                return 2
        timeline = build_timeline(kb, args.topic, since=since)
    finally:
        kb.close()
    print(json.dumps(timeline.to_json(), ensure_ascii=False) if args.json else format_timeline(timeline, "en"))
    return 0


def add_commands(commands: Commands) -> None:
    """run, chat, ask, timeline."""
    run = commands.add_parser(
        "run", help="the Telegram bot (without TELEGRAM_BOT_TOKEN: how to get one, and the terminal chat)"
    )
    run.set_defaults(handler=cmd_run)

    chat = commands.add_parser("chat", help="ask questions in the terminal, on the bot's engine")
    chat.set_defaults(handler=cmd_chat)

    ask = commands.add_parser("ask", help="answer a question from the briefs, with citations")
    ask.add_argument("question", nargs="?")
    ask.add_argument(
        "--questions",
        type=Path,
        help='JSONL file of {"qid", "question"} (optionally "chat": lines of one chat are one '
        "conversation, in order, so follow-ups apply); implies --json",
    )
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=cmd_ask)

    timeline = commands.add_parser("timeline", help="how a story developed: one cited line per brief, oldest first")
    timeline.add_argument("topic")
    timeline.add_argument("--since", help="only briefs of this day or later (2025-11-02, or e.g. '2 November')")
    timeline.add_argument("--json", action="store_true")
    timeline.set_defaults(handler=cmd_timeline)
