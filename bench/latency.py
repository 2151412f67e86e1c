"""Latency of ask() in extractive mode: warm per-question p50/p95 over the evaluation questions, and the
cold start of `rag ask` in a fresh process (index already on disk). Prints numbers; run it on a quiet
machine: `.venv/bin/python bench/latency.py [--cold-runs 5]`."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def warm_latencies(rounds: int) -> list[float]:
    from rag.api import QueryEngine
    from rag.errors import RagError
    from rag.settings import Settings

    engine = QueryEngine.open(Settings())
    questions = [
        json.loads(line)["question"]
        for line in (ROOT / "eval" / "questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    for question in questions[:5]:  # warm-up: jieba, BM25 and FAISS pages
        engine.ask(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            try:
                engine.ask(question)
            except RagError:
                pass
            times.append((time.perf_counter() - start) * 1000)
    return times


COLD_QUESTIONS = {"English": "What did Susan say about MTIA?", "Chinese": "2023 年资本支出指引是多少?"}


def cold_latencies(question: str, runs: int) -> list[float]:
    rag = ROOT / ".venv" / "bin" / "rag"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(rag), "ask", question], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()
    warm = warm_latencies(args.rounds)
    print(
        f"warm ask() over {len(warm)} questions: p50 {percentile(warm, 0.5):.1f} ms, "
        f"p95 {percentile(warm, 0.95):.1f} ms, mean {statistics.mean(warm):.1f} ms"
    )
    for language, question in COLD_QUESTIONS.items():
        cold = cold_latencies(question, args.cold_runs)
        print(
            f"cold `rag ask` {language} (fresh process, {len(cold)} runs): median "
            f"{statistics.median(cold):.2f} s, min {min(cold):.2f} s, max {max(cold):.2f} s"
        )


if __name__ == "__main__":
    sys.exit(main())
