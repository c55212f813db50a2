"""What the bot must remember across restarts: followed topics, the briefs already checked for
alerts, the paragraphs already seen, the alerts still to send (an outbox), the topics behind
/timeline's "earlier" buttons, and (shared by replicas) each chat's last question.

- `protocol.StateStore`: what the bot needs of that state;
- `sqlite.BotState`: kept in `DATA_DIR/state.sqlite3`, for one bot process;
- `postgres.PostgresBotState` / `SharedConversationMemory`: kept in the PostgreSQL of DATABASE_URL,
  beside the index, for every replica sharing it.

`open_state` picks the place the way `index.stores.open_store` picks the index's: the same
DATABASE_URL decides both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.state.protocol import NewAlert, StateStore
from bot.state.records import QueuedAlert, Subscription, short_key, topic_key
from bot.state.sqlite import STATE_FILE, BotState
from index.extras import require_postgres
from index.stores import is_postgres_url

if TYPE_CHECKING:
    from bot.state.postgres import SharedConversationMemory


def open_state(data_dir: Path, database_url: str | None = None) -> StateStore:
    """The state of every replica in the database when `database_url` is a postgresql:// URL,
    else this process's `DATA_DIR/state.sqlite3`."""
    if is_postgres_url(database_url):
        require_postgres()
        from bot.state.postgres import PostgresBotState  # psycopg only when it is used

        return PostgresBotState(str(database_url))
    return BotState(data_dir)


def shared_conversation_memory(database_url: str | None) -> SharedConversationMemory | None:
    """Where a chat's last question is kept so that any bot process sharing the database
    understands its follow-up; None without one (one process: memory in the process is enough)."""
    if not is_postgres_url(database_url):
        return None
    require_postgres()
    from bot.state.postgres import SharedConversationMemory

    return SharedConversationMemory(str(database_url))


__all__ = [
    "STATE_FILE",
    "BotState",
    "NewAlert",
    "QueuedAlert",
    "StateStore",
    "Subscription",
    "open_state",
    "shared_conversation_memory",
    "short_key",
    "topic_key",
]
