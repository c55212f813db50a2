"""Every setting of briefbot, from the environment and `.env`; `.env.example` documents them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from index.settings import IndexSettings

DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org"


class Settings(IndexSettings):
    telegram_bot_token: SecretStr | None = Field(default=None, description="From @BotFather.")
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids allowed to manage briefs, comma-separated."
    )
    telegram_api_base_url: str = Field(
        default=DEFAULT_TELEGRAM_API_BASE_URL,
        description="Bot API server: methods at {base}/bot<token>/<method>, files at {base}/file/bot<token>/<path>.",
    )
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL: webhook mode when set.")
    webhook_secret: SecretStr | None = Field(default=None, description="Checked on every webhook call.")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    feeds_interval_s: float = Field(
        default=3600.0,
        ge=0,
        description="While the bot runs, seconds between passes over the feeds (with jitter; a "
        "failing feed backs off). 0 turns the periodic sync off (`feed sync` and /feed sync still work).",
    )
    feeds_max_bytes: int = Field(default=20_000_000, ge=1, description="Largest feed document read, in bytes.")
    feeds_timeout_s: float = Field(
        default=20.0,
        gt=0,
        description="A feed's fetch is cut off after this many seconds (1.5x for a dripping server).",
    )
    feeds_allow_private_networks: bool = Field(
        default=False,
        description="Allow feed URLs (and redirects) to private, loopback and link-local addresses.",
    )
    briefs_watch_interval_s: float = Field(
        default=300.0,
        ge=0,
        description="While the bot runs, seconds between looks at the briefs folder (names, "
        "mtimes, sizes); a change triggers an incremental reindex. 0 turns the watching off.",
    )

    llm_model: str | None = Field(
        default=None, description="LangChain init_chat_model name, e.g. 'openai:gpt-4o-mini'."
    )
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)
    llm_max_tokens: int = Field(
        default=400, ge=16, description="Longest reply the chat model may write (a small local model can run on)."
    )

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value
