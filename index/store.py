"""Kept for imports written before the stores had a package of their own: see `index/stores/`."""

from index.stores.errors import (  # noqa: F401
    EmbedderMismatchError,
    IndexDamagedError,
    IndexError_,
    ReindexAlreadyRunningError,
    embedder_mismatch_message,
)
from index.stores.protocol import SKIPPED_FILES_KEY  # noqa: F401
from index.stores.sqlite_faiss import (  # noqa: F401
    CATALOG_FILE,
    SCHEMA_VERSION,
    VECTORS_DIR,
    Catalog,
    build_faiss,
    damage_reported,
    is_damage,
    read_faiss,
    reindex_lock,
    remove_stale_vector_files,
    set_aside_damaged_catalog,
    vector_file,
    vector_file_problem,
    write_faiss_atomically,
)
