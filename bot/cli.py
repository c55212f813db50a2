"""The `briefbot` command: index, search, status, ask, run, eval."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from bot.log_secrets import protect_secrets_in_logs, secrets_of
from bot.settings import Settings
from index.indexer import IndexReport, ReindexProgress
from index.knowledge_base import KnowledgeBase
from index.stores.errors import IndexError_

if TYPE_CHECKING:
    from index.evaluation import GoldSpan
    from index.search import RetrievalConfig


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if args.briefs is not None:
        overrides["briefs_dir"] = args.briefs
    if args.data is not None:
        overrides["data_dir"] = args.data
    settings = Settings(**overrides)  # type: ignore[arg-type]
    # Every command: an LLM provider's error, logged by `ask`, may quote its key or URL.
    protect_secrets_in_logs(*secrets_of(settings))
    return settings


def _knowledge_base(args: argparse.Namespace) -> KnowledgeBase:
    return KnowledgeBase.from_settings(_settings(args))


@contextmanager
def progress_bar() -> Iterator[Callable[[ReindexProgress], None]]:
    """A terminal progress bar per stage, on stderr so `--json` output stays clean."""
    bars: dict[str, tqdm] = {}

    def update(event: ReindexProgress) -> None:
        if event.stage in ("writing", "done") or event.total == 0:
            return
        bar = bars.get(event.stage)
        if bar is None:
            bar = bars[event.stage] = tqdm(
                total=event.total, desc=event.stage, unit="chunk" if event.stage == "embedding" else "brief",
                file=sys.stderr, leave=False,
            )
        bar.n = event.done
        bar.refresh()

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()


def format_report(report: IndexReport) -> str:
    lines = [
        f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
        f"unchanged {report.unchanged} briefs; embedded {report.chunks_embedded} chunks "
        f"in {report.seconds:.1f} s",
        f"index: {report.briefs_total} briefs, {report.chunks_total} chunks",
    ]
    lines += [f"skipped {source}: same content as {owner}" for source, owner in report.duplicates]
    lines += [f"could not read {message}" for _, message in report.failed]
    lines += [f"repaired: {repair}" for repair in report.repairs]
    return "\n".join(lines)


def cmd_index(args: argparse.Namespace) -> int:
    kb = _knowledge_base(args)
    with progress_bar() as update:
        report = kb.reindex(full=args.full, progress=update)
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else format_report(report))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    kb = _knowledge_base(args)
    if args.queries:
        with open(args.queries, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                item = json.loads(line)
                hits = kb.search(item["question"], k=args.k)
                print(json.dumps({"qid": item["qid"], "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
        return 0
    if not args.query:
        print("search: give a QUERY or --queries FILE.jsonl", file=sys.stderr)
        return 2
    hits = kb.search(args.query, k=args.k)
    if args.json:
        print(json.dumps({"query": args.query, "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
        return 0
    if not hits:
        print("No matching passages (is the index built? run `briefbot index`).")
    for hit in hits:
        when = hit.date.isoformat() if hit.date else "no date"
        print(f"{hit.rank}. [{hit.score:.3f}] {hit.title} ({when}) / {hit.section or '-'} ¶{','.join(map(str, hit.paragraphs))}")
        print(f"   {hit.text}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    status = _knowledge_base(args).status()
    if args.json:
        print(json.dumps(status.to_json(), ensure_ascii=False))
        return 0
    print(f"briefs:        {status.briefs}")
    print(f"chunks:        {status.chunks}")
    print(f"embedder:      {status.embedder}" + (f" ({status.dimension} dims)" if status.dimension else ""))
    print(f"last indexed:  {status.last_indexed_at or 'never'}")
    print(f"latest brief:  {status.latest_brief_date or '-'}")
    print(f"size on disk:  {status.size_bytes / 1e6:.1f} MB")
    for _, reason in status.skipped:
        print(f"skipped:       {reason}")
    return 0


DEFAULT_EVAL_DIR = Path("../shared/eval")
DEFAULT_EVAL_WORK_DIR = Path(".cache/eval")
EVAL_DATASETS = ("tydiqa-id", "facqa-id")


def cmd_eval(args: argparse.Namespace) -> int:
    """Retrieval quality and latency on the eval sets (see index/evaluation.py)."""
    from index.evaluation import evaluate_retrieval, read_questions
    from index.search import RetrievalConfig

    settings = _settings(args)
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
    strict = [(name, metrics["strict"]) for name, metrics in results.items() if isinstance(metrics.get("strict"), dict)]
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
        name = f"{base.rsplit('/', 1)[-1].split('?')[0]}_eval_{_slug(dataset)}_{_slug(settings.embedder)}"
        update = {"database_url": SecretStr(ensure_database(base, name.replace("-", "_"))), "database_read_url": None}
    return prepare_eval_index(
        args.eval_dir / dataset / "corpus.jsonl",
        args.work_dir / dataset / _slug(settings.embedder),
        lambda briefs, data: KnowledgeBase.from_settings(
            settings.model_copy(update={"briefs_dir": briefs, "data_dir": data, **update}),
            retrieval=retrieval,
        ),
        full=full,
    )


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-")


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the PostgreSQL schema of DATABASE_URL."""
    from index.stores import is_postgres_url
    from index.stores.postgres import migrate, redact_url
    from index.stores.postgres.schema import LATEST_VERSION

    settings = _settings(args)
    url = settings.database_url.get_secret_value() if settings.database_url else ""
    if not is_postgres_url(url):
        print("migrate: set DATABASE_URL=postgresql://... (the SQLite store needs no migration)", file=sys.stderr)
        return 2
    applied = migrate(url)
    done = ", ".join(map(str, applied)) if applied else "none (already up to date)"
    print(f"{redact_url(url)}: applied migrations {done}; schema version {LATEST_VERSION}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    """Copy the data folder's SQLite + FAISS index into PostgreSQL, embedding nothing again."""
    from index.stores import is_postgres_url
    from index.stores.copying import copy_to_postgres

    if not is_postgres_url(args.to):
        print("copy: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    settings = _settings(args)
    report = copy_to_postgres(settings.data_dir, args.to)
    followed = _copy_bot_state(settings, args.to)
    if args.json:
        print(json.dumps({**report.to_json(), "followed_topics": followed}))
    else:
        print(
            f"copied {report.briefs} briefs, {report.chunks} chunks, {report.vectors} vectors "
            f"and {followed} followed topics to {report.target} in {report.seconds:.1f} s "
            "(nothing re-embedded)"
        )
    return 0


def _copy_bot_state(settings: Settings, url: str) -> int:
    """Followed topics and the alert bookkeeping of DATA_DIR/state.sqlite3, into the database."""
    from bot.state import STATE_FILE, BotState, open_state

    if not (settings.data_dir / STATE_FILE).exists():
        return 0
    source, target = BotState(settings.data_dir), open_state(settings.data_dir, url)
    try:
        return source.copy_into(target)
    finally:
        source.close()
        target.close()


NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set, so the Telegram bot cannot start.

To get a token:
  1. In Telegram, open a chat with @BotFather and send /newbot.
  2. Pick a display name, then a username that ends in "bot".
  3. BotFather answers with a token like 123456789:AAF...; keep it secret.
Then set, in the environment or in .env (.env.example documents every setting):
  TELEGRAM_BOT_TOKEN=<the token>
  ADMIN_IDS=<your numeric Telegram user id>   (admins add, remove and reindex briefs;
                                               @userinfobot tells you your id)
Optional: WEBHOOK_URL (with WEBHOOK_SECRET, WEBHOOK_LISTEN, WEBHOOK_PORT) for a webhook
instead of long polling; TELEGRAM_API_BASE_URL for a self-hosted Bot API server.
"""


def cmd_run(args: argparse.Namespace) -> int:
    # The Telegram stack is imported only by the commands that use it.
    from telegram.error import InvalidToken, TelegramError

    from bot.telegram_bot.app import build_application, redact_secrets, run_application

    settings = _settings(args)
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else ""
    if not token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        if not sys.stdin.isatty():
            return 1
        print("Meanwhile, here is the terminal chat on the same engine.\n", file=sys.stderr)
        return cmd_chat(args)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    kb = KnowledgeBase.from_settings(settings)
    try:
        run_application(build_application(settings, kb), settings)
    except InvalidToken:  # PTB's message quotes the token
        print("briefbot: Telegram rejected TELEGRAM_BOT_TOKEN: get a valid one from @BotFather.", file=sys.stderr)
        return 1
    except TelegramError as error:  # e.g. the Bot API server cannot be reached at start
        print(f"briefbot: {redact_secrets(str(error))}", file=sys.stderr)
        return 1
    finally:
        kb.close()
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.engine.answering import Answerer
    from bot.terminal import run_terminal_chat

    settings = _settings(args)
    kb = KnowledgeBase.from_settings(settings)
    try:
        return run_terminal_chat(kb, answerer=Answerer.from_settings(kb, settings))
    finally:
        kb.close()


def cmd_ask(args: argparse.Namespace) -> int:
    """One question, or a JSONL file of {"qid", "question"}: answers with numbered citations."""
    from bot.engine.answering import Answerer
    from bot.terminal import format_answer

    settings = _settings(args)
    kb = KnowledgeBase.from_settings(settings)
    answerer = Answerer.from_settings(kb, settings)
    try:
        if args.questions:
            for n, item in enumerate(_read_jsonl(args.questions)):
                # Lines of one "chat" are one conversation; a line without one is a chat of its own.
                chat_key = f"chat:{item['chat']}" if item.get("chat") is not None else f"line:{n}"
                answer = answerer.answer(item["question"], chat_key=chat_key)
                print(json.dumps({"qid": item["qid"], **answer.to_json()}, ensure_ascii=False), flush=True)
            return 0
        if not args.question:
            print("ask: give a QUESTION or --questions FILE.jsonl", file=sys.stderr)
            return 2
        answer = answerer.answer(args.question)
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else format_answer(answer))
        return 0
    finally:
        answerer.close()
        kb.close()


def cmd_timeline(args: argparse.Namespace) -> int:
    """How a story developed: one cited line per brief that reports on it, oldest first."""
    from bot.engine.timeline import build_timeline, parse_since
    from bot.terminal import format_timeline

    kb = _knowledge_base(args)
    try:
        since = None
        if args.since:
            since = parse_since(args.since, kb.brief_dates())
            if since is None:
                print(f"timeline: --since {args.since!r} is not a date (e.g. 2025-11-02)", file=sys.stderr)
                return 2
        timeline = build_timeline(kb, args.topic, since=since)
    finally:
        kb.close()
    print(json.dumps(timeline.to_json(), ensure_ascii=False) if args.json else format_timeline(timeline, "en"))
    return 0


DEFAULT_NEWS_DIR = Path("../shared/news")
DEFAULT_NEWS_WORK_DIR = Path(".cache/news-eval")
DEFAULT_OWN_QUESTIONS = Path(__file__).resolve().parents[1] / "benchmarks" / "news_own_questions.jsonl"


def cmd_news_eval(args: argparse.Namespace) -> int:
    """News-intent questions on the real daily briefs of ../shared/news (see bot/evaluation/news.py)."""
    from bot.engine.answering import Answerer
    from bot.evaluation.news import (
        evaluate_news, evaluate_own, format_table, read_news_questions, read_own_questions, summarize,
    )

    settings = _settings(args)
    kb = KnowledgeBase.from_settings(settings.model_copy(update={
        "briefs_dir": args.news_dir / "briefs", "data_dir": args.work_dir / "data",
    }))
    answerer = Answerer.from_settings(kb, settings)
    try:
        with progress_bar() as update:
            kb.reindex(progress=update)
        results = evaluate_news(answerer, read_news_questions(args.news_dir / "questions.jsonl"))
        own = evaluate_own(answerer, read_own_questions(args.own_questions)) if args.own_questions.exists() else None
    finally:
        answerer.close()
        kb.close()
    summary = summarize(results)
    if own is not None:
        summary["own_questions"] = {key: value for key, value in own.items() if key != "wrong"}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(format_table(summary))
        if own is not None:
            print(f"own questions ({args.own_questions}): {own['answerable']} answerable, "
                  f"{own['answered_right']:.2f} answered with the right citation; {own['unanswerable']} "
                  f"the briefs don't answer, {own['abstained_right']:.2f} rightly declined")
    if args.failures:
        for result in results:
            if not result.right:
                cited = [(c.date.isoformat() if c.date else None, c.quote[:70]) for c in result.answer.citations[:3]]
                print(f"✗ {result.question.kind} {result.question.question!r} (gold {result.question.gold_date}) "
                      f"-> {result.answer.kind}, abstained={result.answer.abstained}, {cited}", file=sys.stderr)
        for line in own["wrong"] if own is not None else []:  # type: ignore[union-attr]
            print(f"✗ own {line}", file=sys.stderr)
    return 0


def _read_jsonl(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        yield from (json.loads(line) for line in handle if line.strip())


def cmd_answer_eval(args: argparse.Namespace) -> int:
    """Answer quality on ../shared/eval (see bot/evaluation/answers.py), or --calibrate the abstention."""
    from bot.evaluation.answers import calibrate, evaluate_answers, relevance_features
    from bot.engine.answering import Answerer
    from index.evaluation import read_questions

    settings = _settings(args)
    kbs, spans, questions = {}, {}, {}
    for name in EVAL_DATASETS:
        kbs[name], spans[name] = _eval_index(args, settings, name)
        questions[name] = read_questions(args.eval_dir / name / f"{args.split}.jsonl", limit=args.limit)
    other = dict(zip(EVAL_DATASETS, reversed(EVAL_DATASETS)))
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
        for name, metrics in results.items():
            print(name + ": " + ", ".join(f"{key} {value}" for key, value in metrics.items()))
    return 0


def _add_eval_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=(*EVAL_DATASETS, "all"), default="all")
    parser.add_argument("--split", choices=("train", "valid"), default="valid")
    parser.add_argument("--limit", type=int, help="ask only the first N questions of each dataset")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_EVAL_WORK_DIR)


def _folder_options(default: object) -> argparse.ArgumentParser:
    """--briefs / --data, accepted before the subcommand and after it (`briefbot index --briefs
    DIR`). After it, the default is SUPPRESS, so an option given before is not overwritten."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--briefs", type=Path, default=default, help="briefs folder (default: BRIEFS_DIR or ./briefs)")
    options.add_argument("--data", type=Path, default=default, help="data folder (default: DATA_DIR or ./data)")
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="briefbot", description=__doc__, parents=[_folder_options(None)])
    subcommand_options = _folder_options(argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_parser = commands.add_parser

    def add_command(name: str, **kwargs: object) -> argparse.ArgumentParser:
        return _add_parser(name, parents=[subcommand_options], **kwargs)  # type: ignore[arg-type]

    commands.add_parser = add_command  # type: ignore[method-assign]

    index = commands.add_parser("index", help="index the briefs folder (incremental)")
    index.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    index.add_argument("--json", action="store_true")
    index.set_defaults(handler=cmd_index)

    search = commands.add_parser("search", help="show the passages a question retrieves")
    search.add_argument("query", nargs="?")
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--json", action="store_true")
    search.add_argument("--queries", type=Path, help='JSONL file of {"qid", "question"}; implies --json')
    search.set_defaults(handler=cmd_search)

    status = commands.add_parser("status", help="what the index holds")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)

    evaluate = commands.add_parser("eval", help="retrieval quality on ../shared/eval")
    _add_eval_options(evaluate)
    evaluate.add_argument(
        "--mode", choices=("hybrid", "dense", "lexical"), default="hybrid",
        help="rank by both retrievers (the bot's search) or by one alone, as a baseline",
    )
    evaluate.add_argument(
        "--keep-copies", action="store_true",
        help="don't collapse copies of a paragraph to the newest brief's (to measure what that costs)",
    )
    evaluate.add_argument(
        "--full", action="store_true",
        help="rebuild the eval index's lexical terms and FAISS file (vectors stay cached): "
        "needed after changing index/text/terms.py",
    )
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(handler=cmd_eval)

    migrate = commands.add_parser("migrate", help="create or upgrade the PostgreSQL schema (DATABASE_URL)")
    migrate.set_defaults(handler=cmd_migrate)

    copy = commands.add_parser(
        "copy", help="copy the data folder's index (SQLite + FAISS) into PostgreSQL, without re-embedding"
    )
    copy.add_argument("--to", required=True, metavar="postgresql://...", help="the target database")
    copy.add_argument("--json", action="store_true")
    copy.set_defaults(handler=cmd_copy)

    run = commands.add_parser(
        "run", help="the Telegram bot (without TELEGRAM_BOT_TOKEN: how to get one, and the terminal chat)"
    )
    run.set_defaults(handler=cmd_run)

    chat = commands.add_parser("chat", help="ask questions in the terminal, on the bot's engine")
    chat.set_defaults(handler=cmd_chat)

    ask = commands.add_parser("ask", help="answer a question from the briefs, with citations")
    ask.add_argument("question", nargs="?")
    ask.add_argument(
        "--questions", type=Path,
        help='JSONL file of {"qid", "question"} (optionally "chat": lines of one chat are one '
        "conversation, in order, so follow-ups apply); implies --json",
    )
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=cmd_ask)

    timeline = commands.add_parser("timeline", help="how a story developed: one cited line per brief, oldest first")
    timeline.add_argument("topic")
    timeline.add_argument("--since", help="only briefs of this day or later (2025-11-02, or e.g. '2 November')")
    timeline.add_argument("--json", action="store_true")
    timeline.set_defaults(handler=cmd_timeline)

    answer_eval = commands.add_parser("answer-eval", help="answer quality and abstention on ../shared/eval")
    _add_eval_options(answer_eval)
    answer_eval.add_argument(
        "--calibrate", action="store_true",
        help="fit the abstention constants of bot/engine/abstention.py on --split (use train)",
    )
    answer_eval.add_argument("--json", action="store_true")
    answer_eval.set_defaults(handler=cmd_answer_eval)

    news_eval = commands.add_parser("news-eval", help="news questions on ../shared/news (topics, days, summaries)")
    news_eval.add_argument("--news-dir", type=Path, default=DEFAULT_NEWS_DIR)
    news_eval.add_argument("--work-dir", type=Path, default=DEFAULT_NEWS_WORK_DIR)
    news_eval.add_argument(
        "--own-questions", type=Path, default=DEFAULT_OWN_QUESTIONS,
        help="questions labelled by hand, answerable or not, reported beside",
    )
    news_eval.add_argument("--json", action="store_true")
    news_eval.add_argument("--failures", action="store_true", help="also list the questions answered wrong")
    news_eval.set_defaults(handler=cmd_news_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except IndexError_ as error:
        print(f"briefbot: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a file named on the command line, a folder that can't be written
        print(f"briefbot: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except ValueError as error:  # a setting with a value it can't take (EMBEDDER, MAX_BRIEF_MB...)
        print(f"briefbot: {_first_line(str(error))}", file=sys.stderr)
        return 1


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines[:3])


if __name__ == "__main__":
    raise SystemExit(main())
