"""Kept for imports written before the stores had a package of their own: see `index/stores/`."""

from index.stores.errors import (  # noqa: F401
    EmbedderMismatchError,
    IndexError_,
    ReindexAlreadyRunningError,
    embedder_mismatch_message,
)
from index.stores.sqlite_faiss import (  # noqa: F401
    CATALOG_FILE,
    SCHEMA_VERSION,
    VECTORS_DIR,
    Catalog,
    build_faiss,
    read_faiss,
    reindex_lock,
    vector_file,
)
