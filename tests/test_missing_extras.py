"""A setting that needs an optional part of briefbot which is not installed: one line naming what
to install, exit status 2, no traceback. Each case runs `briefbot` in a fresh interpreter where the
package cannot be imported (`sys.modules[name] = None`, as if it had never been installed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

_WITHOUT = """
import sys
sys.modules[sys.argv[1]] = None  # `import <name>` now fails as for a package never installed
from bot.cli import main
sys.exit(main(sys.argv[2:]))
"""


def briefbot_without(
    package: str, args: list[str], env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "briefs").mkdir(exist_ok=True)
    folders = ["--briefs", str(tmp_path / "briefs"), "--data", str(tmp_path / "data")]
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LLM_MODEL", "TELEGRAM_BOT_TOKEN")}
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT, package, *folders, *args],
        env={**clean, "PYTHONPATH": str(REPO), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# The password must not reach the message either.
POSTGRES_URL = "postgresql://briefbot:s3cret-pw@127.0.0.1:1/briefbot"


@pytest.mark.parametrize("command", [["status"], ["index"], ["migrate"], ["ask", "Apa kabar?"]])
def test_database_url_without_the_postgres_extra(command: list[str], tmp_path: Path) -> None:
    done = briefbot_without("psycopg", command, {"DATABASE_URL": POSTGRES_URL}, tmp_path)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "briefbot: DATABASE_URL names a PostgreSQL database, but psycopg is not installed: "
        "pip install 'briefbot[postgres]'"
    ]
    assert "s3cret-pw" not in done.stdout + done.stderr


def test_an_llm_model_without_the_llm_extra(tmp_path: Path) -> None:
    done = briefbot_without("langchain_openai", ["ask", "Apa kabar?"], {"LLM_MODEL": "openai:gpt-4o-mini"}, tmp_path)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "briefbot: LLM_MODEL is 'openai:gpt-4o-mini', but langchain-openai is not installed: "
        "pip install 'briefbot[llm]'"
    ]
