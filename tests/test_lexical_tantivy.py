"""The tantivy lexical index: top k with the project's own terms, scoping, generations written
whole or not at all (a real SIGKILL mid-write), and FTS5's BM25 recomputed exactly."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from index.faults import CRASH_POINT_ENV
from index.stores.sqlite.lexical_index import (
    LexicalDoc,
    LexicalIndex,
    folder_problem,
    generation_dir,
    remove_stale,
    write_generation,
)
from index.text import bm25
from index.text.terms import lexical_terms

REPO = Path(__file__).resolve().parent.parent

TEXTS = {
    1: ("b-13", date(2024, 11, 13), "Pasukan Rusia menembak drone Ukraina di Kursk pada malam hari."),
    2: ("b-13", date(2024, 11, 13), "Harga beras di Jakarta naik menjelang akhir tahun."),
    3: ("b-14", date(2024, 11, 14), "Penembakan di perbatasan Kursk menewaskan tiga tentara."),
    4: ("b-14", date(2024, 11, 14), "The meeting in Beijing discussed rice prices and drones."),
    5: ("b-15", date(2024, 11, 15), "Banjir melanda Jakarta; warga mengungsi ke masjid."),
}


def docs(ids: list[int] | None = None) -> list[LexicalDoc]:
    return [
        LexicalDoc(chunk_id, day.toordinal(), brief, lexical_terms(text))
        for chunk_id, (brief, day, text) in TEXTS.items()
        if ids is None or chunk_id in ids
    ]


def test_stemmed_question_finds_inflected_forms(tmp_path: Path) -> None:
    write_generation(tmp_path, 1, previous=None, added=docs())
    index = LexicalIndex.open(tmp_path, 1)
    # "ditembak" and "penembakan" and "menembak" share Sastrawi's stem "tembak".
    found = index.top(lexical_terms("Siapa yang ditembak di Kursk?"), 10)
    assert set(found) == {1, 3}
    assert index.top(lexical_terms("apa yang terjadi"), 10) == []  # stop words only


def test_scoped_by_day_brief_and_chunk_ids(tmp_path: Path) -> None:
    write_generation(tmp_path, 1, previous=None, added=docs())
    index = LexicalIndex.open(tmp_path, 1)
    terms = lexical_terms("Jakarta Kursk")
    assert set(index.top(terms, 10)) == {1, 2, 3, 5}
    assert set(index.top(terms, 10, days=[date(2024, 11, 13).toordinal()])) == {1, 2}
    assert set(index.top(terms, 10, brief_ids=["b-15"])) == {5}
    assert index.top(terms, 10, chunk_ids=[3, 4]) == [3]
    assert index.top(terms, 10, chunk_ids=[]) == []


def test_next_generation_leaves_the_previous_one_intact(tmp_path: Path) -> None:
    write_generation(tmp_path, 1, previous=None, added=docs([1, 2, 3]))
    old = LexicalIndex.open(tmp_path, 1)
    removed = [d for d in docs([1, 2])]
    stamp = write_generation(
        tmp_path,
        2,
        previous=1,
        removed_brief_ids=["b-13"],
        removed_docs=len(removed),
        removed_tokens=sum(len(d.terms) for d in removed),
        added=docs([4, 5]),
    )
    assert stamp.docs == 3
    new = LexicalIndex.open(tmp_path, 2)
    terms = lexical_terms("Jakarta Kursk Beijing")
    assert set(new.top(terms, 10)) == {3, 4, 5}
    # The reader still on generation 1 sees generation 1, whole.
    assert set(old.top(terms, 10)) == {1, 2, 3}
    assert set(LexicalIndex.open(tmp_path, 1).top(terms, 10)) == {1, 2, 3}
    assert folder_problem(tmp_path, 2, 3) is None
    remove_stale(tmp_path, keep=2)
    assert not generation_dir(tmp_path, 1).exists()
    assert set(new.top(terms, 10)) == {3, 4, 5}


@pytest.mark.parametrize("point", ["lexical-before-commit", "lexical-before-rename"])
def test_killed_write_keeps_the_last_good_generation(tmp_path: Path, point: str) -> None:
    write_generation(tmp_path, 1, previous=None, added=docs([1, 2, 3]))
    script = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from tests.test_lexical_tantivy import docs
        from index.stores.sqlite.lexical_index import write_generation
        write_generation(Path({str(tmp_path)!r}), 2, previous=1, removed_brief_ids=["b-13"],
                         removed_docs=2, removed_tokens=0, added=docs([4, 5]))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], env={CRASH_POINT_ENV: point, "PATH": ""}, check=False)
    assert result.returncode == -9
    assert folder_problem(tmp_path, 2, 3) is not None  # never renamed into place
    assert folder_problem(tmp_path, 1, 3) is None
    assert set(LexicalIndex.open(tmp_path, 1).top(lexical_terms("Jakarta Kursk"), 10)) == {1, 2, 3}
    # The next write of the same number starts afresh.
    write_generation(tmp_path, 2, previous=1, removed_brief_ids=["b-13"], removed_docs=2, added=docs([5]))
    assert set(LexicalIndex.open(tmp_path, 2).top(lexical_terms("Jakarta Kursk"), 10)) == {3, 5}


def test_problems_are_named(tmp_path: Path) -> None:
    assert "missing" in (folder_problem(tmp_path, 1, 5) or "")
    write_generation(tmp_path, 1, previous=None, added=docs())
    assert "5 chunks" in (folder_problem(tmp_path, 1, 4) or "")
    assert folder_problem(tmp_path, 1, 5) is None
    rebuilt = LexicalIndex.in_memory(docs(), 1)
    assert set(rebuilt.top(lexical_terms("Jakarta"), 10)) == {2, 5}


def test_recomputed_bm25_equals_fts5() -> None:
    """The candidates' scores are FTS5's own, whichever engine proposed them."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE f USING fts5(terms, tokenize = 'unicode61')")
    chunk_terms = {chunk_id: lexical_terms(text) for chunk_id, (_, _, text) in TEXTS.items()}
    conn.executemany("INSERT INTO f (rowid, terms) VALUES (?, ?)", [(i, " ".join(t)) for i, t in chunk_terms.items()])
    question = lexical_terms("Penembakan drone di Jakarta dan Kursk")
    expression = " OR ".join(f'"{t}"' for t in dict.fromkeys(question))
    fts = {int(r[0]): -float(r[1]) for r in conn.execute("SELECT rowid, bm25(f) FROM f WHERE f MATCH ?", (expression,))}
    counts = {t: sum(t in terms for terms in chunk_terms.values()) for t in question}
    tokens = sum(len(t) for t in chunk_terms.values())
    ours = bm25.scores(question, chunk_terms, len(chunk_terms), counts, tokens / len(chunk_terms))
    assert set(ours) == set(fts)
    for chunk_id, score in fts.items():
        assert ours[chunk_id] == pytest.approx(score, rel=1e-9)
