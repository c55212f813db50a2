"""What the bot needs of its lasting state (`StateStore`), wherever it is kept: `sqlite.BotState`
in `DATA_DIR/state.sqlite3` (one bot process) or `postgres.PostgresBotState` in the PostgreSQL
every replica shares. `bot.state.open_state` picks one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.state.records import QueuedAlert, Subscription

# An alert as `checked` queues it: (chat id, forum thread id or None, payload).
NewAlert = tuple[int, int | None, dict[str, object]]


class StateStore(Protocol):
    """The bot's lasting state, wherever it is kept; every method is safe to call from any thread."""

    def follow(self, subscription: Subscription) -> bool:
        """False when the chat already follows the topic."""
        ...

    def unfollow(self, chat_id: int, topic: str | None = None) -> list[str]:
        """Stop following `topic` (every topic when None); the topics dropped, sorted."""
        ...

    def following(self, chat_id: int) -> list[str]: ...

    def subscriptions(self) -> list[Subscription]: ...

    def forget_chat(self, chat_id: int) -> None:
        """No topics and nothing queued for the chat any more (it blocked the bot)."""
        ...

    def unchecked(self, briefs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (brief id, content hash) pairs not checked for alerts yet."""
        ...

    def unseen(self, paragraph_keys: Sequence[str]) -> set[str]: ...

    def checked(
        self, brief_id: str, content_hash: str, paragraph_keys: Iterable[str], alerts: Iterable[NewAlert]
    ) -> None:
        """In one transaction: the brief is checked, its paragraphs seen, its alerts queued. A
        brief checked already (by another process meanwhile) queues nothing."""
        ...

    def queued(self) -> list[QueuedAlert]:
        """Alerts for this process to send now, oldest first. Where processes share the state,
        each alert is given to one of them at a time (claimed), never to two."""
        ...

    def part_sent(self, alert_id: int) -> None: ...

    def sent(self, alert_id: int) -> None:
        """Telegram took the whole alert: it leaves the outbox."""
        ...

    def remember_topic(self, topic: str) -> str:
        """The short key a button carries for `topic`."""
        ...

    def topic_of(self, key: str) -> str | None: ...

    def close(self) -> None: ...
