"""The `briefbot` command: index, search, status, ask, run, eval."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.cli import evaluation, operator, user
from bot.cli.common import first_line, knowledge_base_of, settings_of
from bot.feeds.commands import add_feed_commands
from index.errors import BriefbotError
from index.extras import MissingExtraError


def folder_options(default: object) -> argparse.ArgumentParser:
    """--briefs / --data, accepted before the subcommand and after it (`briefbot index --briefs
    DIR`). After it, the default is SUPPRESS, so an option given before is not overwritten."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--briefs", type=Path, default=default, help="briefs folder (default: BRIEFS_DIR or ./briefs)")
    options.add_argument("--data", type=Path, default=default, help="data folder (default: DATA_DIR or ./data)")
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefbot", description=__doc__, parents=[folder_options(None)])
    subcommand_options = folder_options(argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_parser = commands.add_parser

    def add_command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return _add_parser(name, parents=[subcommand_options], **kwargs)

    # Every subcommand also takes --briefs / --data: argparse has no hook for options common to
    # all subparsers, so its add_parser is wrapped (mypy: assigning to a method is deliberate).
    commands.add_parser = add_command  # type: ignore[method-assign]

    # In `briefbot --help`: the user's commands first, then the operator's, then the measuring ones.
    user.add_commands(commands)
    operator.add_commands(commands)
    evaluation.add_commands(commands)
    add_feed_commands(commands, settings_of, knowledge_base_of)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except MissingExtraError as error:  # a setting needs an extra that is not installed
        print(f"briefbot: {error}", file=sys.stderr)
        return 2
    except BriefbotError as error:
        print(f"briefbot: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file named on the command line, a folder that can't be written
        print(f"briefbot: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except ValueError as error:  # a setting with a value it can't take (EMBEDDER, MAX_BRIEF_MB...)
        print(f"briefbot: {first_line(str(error))}", file=sys.stderr)
        return 1
