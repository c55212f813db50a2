"""briefbot's own errors (`BriefbotError` and its kinds), the same whichever store holds the index."""

from __future__ import annotations

from index.embeddings import EmbedderInfo


class BriefbotError(Exception):
    """Base of briefbot's own errors: what `briefbot` reports in one line, without a traceback."""


class EmbedderMismatchError(BriefbotError):
    """The index was built with another embedder than the one configured."""


class ReindexAlreadyRunningError(BriefbotError):
    """Another reindex holds the lock."""


class IndexDamagedError(BriefbotError):
    """A file of the data folder is missing or unreadable; `briefbot index` repairs it."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The index is damaged ({what}). Run `briefbot index` (or /reindex) to repair it.")
        self.what = what


class StoreUnavailableError(BriefbotError):
    """The store can't be reached or isn't set up (no driver, no schema, wrong URL)."""


def embedder_mismatch_message(on_disk: dict[str, object], configured: EmbedderInfo) -> str:
    return (
        f"The index was built with embedder {on_disk.get('spec')!r} "
        f"({on_disk.get('dimension')} dimensions), but the configured embedder is "
        f"{configured.spec!r} ({configured.dimension} dimensions). Its vectors can't be searched "
        f"with another model. Rebuild it with `briefbot index --full`, or set EMBEDDER back to "
        f"{on_disk.get('spec')!r}."
    )
