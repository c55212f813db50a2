"""The default store, one data folder (`SqliteFaissStore`): a SQLite catalog (briefs, chunks, FTS5, vector cache,
manifest) and FAISS files.

Layout of `data_dir`:

    catalog.sqlite3          briefs, chunks, the FTS5 table, cached vectors and the manifest
    vectors/gen-<N>.faiss    the FAISS index of generation N, keyed by chunk id
    reindex.lock             held by the one reindex allowed at a time

Why generations: a reindex writes the next FAISS file beside the current one and then, in one
SQLite transaction, swaps the catalog rows and the manifest's generation number. Readers see
either the old generation or the new one, never a mix, and a reindex killed at any instant
leaves the previous generation untouched (an orphan file from a killed run is removed later).

- `schema`: the layout's names, the catalog's schema, connections, damage detection;
- `catalog`: every read and write of the SQLite catalog;
- `search_view`: one generation as a search reads it;
- `generations`: writing the next generation;
- `repair`: checking and repairing the folder's files, and the reindex lock;
- `store`: `SqliteFaissStore`, the `KnowledgeStore` over all of these.
"""

from __future__ import annotations

from index.stores.sqlite.catalog import Catalog
from index.stores.sqlite.schema import CATALOG_FILE, vector_file
from index.stores.sqlite.search_view import fts_match_expression
from index.stores.sqlite.store import SqliteFaissStore

__all__ = ["CATALOG_FILE", "Catalog", "SqliteFaissStore", "fts_match_expression", "vector_file"]
