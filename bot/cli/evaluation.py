"""The measuring commands: eval (retrieval), answer-eval and news-eval (answers)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import progress_bar, settings_of, slug
from bot.settings import Settings
from index.knowledge_base import KnowledgeBase

if TYPE_CHECKING:
    from bot.cli.common import Commands
    from index.evaluation import GoldSpan
    from index.search import RetrievalConfig

DEFAULT_EVAL_DIR = Path("../shared/eval")
DEFAULT_EVAL_WORK_DIR = Path(".cache/eval")
EVAL_DATASETS = ("tydiqa-id", "facqa-id")


def cmd_eval(args: argparse.Namespace) -> int:
    """Retrieval quality and latency on the eval sets (see index/evaluation.py)."""
    from index.evaluation import evaluate_retrieval, read_questions
    from index.search import RetrievalConfig

    settings = settings_of(args)
    retrieval = RetrievalConfig(mode=args.mode, collapse_duplicates=not args.keep_copies)
    datasets = EVAL_DATASETS if args.dataset == "all" else (args.dataset,)
    results: dict[str, dict[str, object]] = {}
    for name in datasets:
        folder = args.eval_dir / name
        kb, spans = _eval_index(args, settings, name, retrieval=retrieval, full=args.full)
        questions = read_questions(folder / f"{args.split}.jsonl", limit=args.limit)
        metrics = evaluate_retrieval(kb, questions, spans)
        results[name] = metrics.to_json()
        kb.close()
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        print(format_eval_table(results))
    return 0


def format_eval_table(results: dict[str, dict[str, object]]) -> str:
    columns = ("questions", "mrr@10", "recall@1", "recall@5", "recall@10", "mean_chunk_chars", "p50_ms", "p95_ms")
    lines = ["dataset    " + " ".join(f"{c:>16}" for c in columns)]
    for name, metrics in results.items():
        lines.append(f"{name:<10} " + " ".join(f"{metrics[c]!s:>16}" for c in columns))
    strict = [
        (name, figures) for name, metrics in results.items() if isinstance(figures := metrics.get("strict"), dict)
    ]
    if strict:
        lines.append("strict: only the chunk shown counts, not the copies of it a hit stands for")
        for name, figures in strict:
            lines.append(f"{name:<10} " + " ".join(f"{figures.get(c, ''):>16}" for c in columns))
    return "\n".join(lines)


def _eval_index(
    args: argparse.Namespace,
    settings: Settings,
    dataset: str,
    *,
    retrieval: RetrievalConfig | None = None,
    full: bool = False,
) -> tuple[KnowledgeBase, dict[str, GoldSpan]]:
    """The eval corpus `dataset` written as briefs and indexed under the work folder.

    The work folder is kept: a second run embeds nothing and only asks the questions.
    """
    from index.evaluation import prepare_eval_index

    update: dict[str, object] = {}
    if settings.database_url is not None:
        # On PostgreSQL each eval corpus gets a database of its own beside DATABASE_URL's.
        from pydantic import SecretStr

        from index.stores.postgres import ensure_database

        base = settings.database_url.get_secret_value()
        name = f"{base.rsplit('/', 1)[-1].split('?')[0]}_eval_{slug(dataset)}_{slug(settings.embedder)}"
        update = {"database_url": SecretStr(ensure_database(base, name.replace("-", "_"))), "database_read_url": None}
    return prepare_eval_index(
        args.eval_dir / dataset / "corpus.jsonl",
        args.work_dir / dataset / slug(settings.embedder),
        lambda briefs, data: KnowledgeBase.from_settings(
            settings.model_copy(update={"briefs_dir": briefs, "data_dir": data, **update}),
            retrieval=retrieval,
        ),
        full=full,
    )


DEFAULT_NEWS_DIR = Path("../shared/news")
DEFAULT_NEWS_WORK_DIR = Path(".cache/news-eval")
DEFAULT_OWN_QUESTIONS = Path(__file__).resolve().parents[2] / "benchmarks" / "news_own_questions.jsonl"


def cmd_news_eval(args: argparse.Namespace) -> int:
    """News-intent questions on the real daily briefs of ../shared/news (see bot/evaluation/news.py)."""
    from bot.engine.answering import Answerer
    from bot.engine.topics import catalogue_for
    from bot.evaluation.news import (
        evaluate_news,
        evaluate_own,
        evaluate_timelines,
        format_table,
        read_news_questions,
        read_own_questions,
        summarize,
    )

    settings = settings_of(args)
    kb = KnowledgeBase.from_settings(
        settings.model_copy(
            update={
                "briefs_dir": args.news_dir / "briefs",
                "data_dir": args.work_dir / "data",
            }
        )
    )
    answerer = Answerer.from_settings(kb, settings)
    try:
        with progress_bar() as update:
            kb.reindex(progress=update)
        # The topic labels' embeddings are made in the background while a bot serves; an
        # evaluation waits for them, so that every run answers alike.
        catalogue_for(kb).wait_for_vectors()
        results = evaluate_news(answerer, read_news_questions(args.questions or args.news_dir / "questions.jsonl"))
        own = None
        if args.questions is None and args.own_questions.exists():
            own = evaluate_own(answerer, read_own_questions(args.own_questions))
        topics_file = args.news_dir / "topics.json"
        timelines = (
            evaluate_timelines(kb, json.loads(topics_file.read_text(encoding="utf-8")))
            if args.timelines and topics_file.exists()
            else None
        )
    finally:
        answerer.close()
        kb.close()
    summary = summarize(results)
    if own is not None:
        summary["own_questions"] = {key: value for key, value in own.items() if key != "wrong"}
    if timelines is not None:
        summary["timelines"] = {key: value for key, value in timelines.items() if key != "per_topic"}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(format_table(summary))
        if timelines is not None:
            print(
                f"/timeline of {timelines['topics']} topics (as labelled and in lower case): precision "
                f"{timelines['precision']:.3f}, days covered {timelines['days_covered']:.3f}"
            )
        if own is not None:
            print(
                f"own questions ({args.own_questions}): {own['answerable']} answerable, "
                f"{own['answered_right']:.2f} answered with the right citation; {own['unanswerable']} "
                f"the briefs don't answer, {own['abstained_right']:.2f} rightly declined"
            )
    if args.failures:
        for result in results:
            if not result.right:
                cited = [(c.date.isoformat() if c.date else None, c.quote[:70]) for c in result.answer.citations[:3]]
                print(
                    f"✗ {result.question.kind} {result.question.question!r} (gold {result.question.gold_date}) "
                    f"-> {result.answer.kind}, abstained={result.answer.abstained}, {cited}",
                    file=sys.stderr,
                )
        wrong = own["wrong"] if own is not None else []
        for line in wrong if isinstance(wrong, list) else []:
            print(f"✗ own {line}", file=sys.stderr)
    return 0


def cmd_answer_eval(args: argparse.Namespace) -> int:
    """Answer quality on ../shared/eval (see bot/evaluation/answers.py), or --calibrate the abstention."""
    from bot.engine.answering import Answerer
    from bot.evaluation.answers import calibrate, evaluate_answers, relevance_features
    from index.evaluation import read_questions

    settings = settings_of(args)
    kbs, spans, questions = {}, {}, {}
    for name in EVAL_DATASETS:
        kbs[name], spans[name] = _eval_index(args, settings, name)
        questions[name] = read_questions(args.eval_dir / name / f"{args.split}.jsonl", limit=args.limit)
    other = dict(zip(EVAL_DATASETS, reversed(EVAL_DATASETS), strict=True))
    results: dict[str, dict[str, object]] = {}
    if args.calibrate:
        covered = [relevance_features(kbs[name], questions[name]) for name in EVAL_DATASETS]
        foreign = [relevance_features(kbs[other[name]], questions[name]) for name in EVAL_DATASETS]
        fit = calibrate(covered, foreign)
        results["calibration"] = dict(fit.to_json())
    else:
        answerers = {name: Answerer.from_settings(kb, settings) for name, kb in kbs.items()}
        datasets = EVAL_DATASETS if args.dataset == "all" else (args.dataset,)
        for name in datasets:
            metrics = evaluate_answers(
                answerers[name], questions[name], spans[name], answerers[other[name]], questions[name]
            )
            results[name] = dict(metrics.to_json())
    for kb in kbs.values():
        kb.close()
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for name, figures in results.items():
            print(name + ": " + ", ".join(f"{key} {value}" for key, value in figures.items()))
    return 0


def add_eval_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=(*EVAL_DATASETS, "all"), default="all")
    parser.add_argument("--split", choices=("train", "valid"), default="valid")
    parser.add_argument("--limit", type=int, help="ask only the first N questions of each dataset")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_EVAL_WORK_DIR)


def add_commands(commands: Commands) -> None:
    """eval, answer-eval, news-eval."""
    evaluate = commands.add_parser("eval", help="retrieval quality on ../shared/eval")
    add_eval_options(evaluate)
    evaluate.add_argument(
        "--mode",
        choices=("hybrid", "dense", "lexical"),
        default="hybrid",
        help="rank by both retrievers (the bot's search) or by one alone, as a baseline",
    )
    evaluate.add_argument(
        "--keep-copies",
        action="store_true",
        help="don't collapse copies of a paragraph to the newest brief's (to measure what that costs)",
    )
    evaluate.add_argument(
        "--full",
        action="store_true",
        help="rebuild the eval index's lexical terms and FAISS file (vectors stay cached): "
        "needed after changing index/text/terms.py",
    )
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(handler=cmd_eval)

    answer_eval = commands.add_parser("answer-eval", help="answer quality and abstention on ../shared/eval")
    add_eval_options(answer_eval)
    answer_eval.add_argument(
        "--calibrate",
        action="store_true",
        help="fit the abstention constants of bot/engine/abstention.py on --split (use train)",
    )
    answer_eval.add_argument("--json", action="store_true")
    answer_eval.set_defaults(handler=cmd_answer_eval)

    news_eval = commands.add_parser("news-eval", help="news questions on ../shared/news (topics, days, summaries)")
    news_eval.add_argument("--news-dir", type=Path, default=DEFAULT_NEWS_DIR)
    news_eval.add_argument("--work-dir", type=Path, default=DEFAULT_NEWS_WORK_DIR)
    news_eval.add_argument(
        "--own-questions",
        type=Path,
        default=DEFAULT_OWN_QUESTIONS,
        help="questions labelled by hand, answerable or not, reported beside",
    )
    news_eval.add_argument(
        "--questions",
        type=Path,
        default=None,
        help="another question file in the same format (e.g. benchmarks/news_heldout/heldout.jsonl)",
    )
    news_eval.add_argument("--timelines", action="store_true", help="also score /timeline on topics.json")
    news_eval.add_argument("--json", action="store_true")
    news_eval.add_argument("--failures", action="store_true", help="also list the questions answered wrong")
    news_eval.set_defaults(handler=cmd_news_eval)
