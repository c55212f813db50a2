"""The optional parts of briefbot (pyproject's extras), and the one-line error that names the one to
install when a setting needs it: no `ModuleNotFoundError` traceback for a missing package."""

from __future__ import annotations

import importlib

from index.errors import BriefbotError


class MissingExtraError(BriefbotError):
    """A setting needs an optional part of briefbot that is not installed; `briefbot` exits with
    status 2 (a setup problem, as for a wrong command line) and this one line."""

    def __init__(self, extra: str, why: str, missing: str) -> None:
        super().__init__(f"{why}, but {missing} is not installed: pip install 'briefbot[{extra}]'")
        self.extra = extra


def require_extra(extra: str, *modules: str, why: str) -> None:
    """MissingExtraError unless every one of `modules` imports (the first missing one is named)."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtraError(extra, why, module) from None


def require_postgres() -> None:
    require_extra("postgres", "psycopg", "pgvector", why="DATABASE_URL names a PostgreSQL database")
