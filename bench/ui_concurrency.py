"""Twenty users asking at once through the web UI's API: latency and answers that are their own.

Drives a running server (`rag serve`, or `make run`) with gradio_client, one client (= one browser
session) per user, all questions submitted together. Each question is different and each reply is
checked against what that user asked: the sources panel must repeat the user's own question, and
every cited passage must come from the speaker that user named in the question and the quarter they
picked in the filter. Prints p50/p95 latency, the wall time and every failure; exits 1 if any user got
an error, an abstention or someone else's answer.

    .venv/bin/python bench/ui_concurrency.py --url http://127.0.0.1:7860/
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from gradio_client import Client

# (speaker, topic, quarter): twenty different questions the corpus answers, each filtered on its quarter.
QUESTIONS = (
    ("Susan Li", "capital expenditures", "2024Q4"),
    ("Susan Li", "advertising revenue", "2025Q2"),
    ("Susan Li", "expenses", "2023Q2"),
    ("Susan Li", "Meta AI", "2024Q4"),
    ("Susan Li", "ad pricing", "2024Q4"),
    ("Susan Li", "data centers", "2025Q2"),
    ("Susan Li", "guidance", "2023Q2"),
    ("Susan Li", "headcount", "2025Q2"),
    ("Susan Li", "WhatsApp", "2024Q4"),
    ("Susan Li", "revenue growth", "2023Q2"),
    ("Susan Li", "Reality Labs", "2023Q2"),
    ("Susan Li", "Threads", "2023Q2"),
    ("Mark Zuckerberg", "open source", "2024Q4"),
    ("Mark Zuckerberg", "Llama", "2025Q2"),
    ("Mark Zuckerberg", "smart glasses", "2025Q2"),
    ("Mark Zuckerberg", "superintelligence", "2025Q2"),
    ("Mark Zuckerberg", "Meta AI", "2023Q2"),
    ("Mark Zuckerberg", "Threads", "2024Q4"),
    ("Mark Zuckerberg", "AI glasses", "2023Q2"),
    ("Mark Zuckerberg", "capital expenditures", "2023Q2"),
)

_CARD = re.compile(r'<article class="source-card"[^>]*data-speaker="([^"]*)" data-quarter="([^"]*)"')
_ASKED = re.compile(r'<div class="asked">(.*?)</div>', re.DOTALL)


@dataclass(frozen=True)
class Request:
    question: str
    speaker: str
    quarter: str


@dataclass(frozen=True)
class Result:
    request: Request
    started: float
    seconds: float
    cards: int
    problem: str | None  # None when the reply is this user's own, well-formed answer


def requests_for(users: int) -> list[Request]:
    """`users` questions (different ones while they last), each with the speaker/quarter to check against."""
    picked = [QUESTIONS[i % len(QUESTIONS)] for i in range(users)]
    return [
        Request(f"What did {speaker} say about {topic}?", speaker, quarter)
        for speaker, topic, quarter in picked
    ]


def check(request: Request, history: list[dict], sources: str) -> tuple[int, str | None]:
    """Number of source cards, and what is wrong with this reply (None if it is the user's own)."""
    asked = _ASKED.search(sources)
    if asked is None:
        return 0, f"no answer in the sources panel: {sources[:200]!r}"
    if html.unescape(asked.group(1)) != request.question:
        return 0, f"sources are for another question: {html.unescape(asked.group(1))!r}"
    user_turns = [m for m in history if m.get("role") == "user"]
    if len(user_turns) != 1 or request.question not in html.unescape(str(user_turns[0].get("content"))):
        return 0, "the chat does not show exactly this user's question"
    cards = _CARD.findall(sources)
    if not cards:
        return 0, "abstained: no cited passage to check"
    wrong = [(s, q) for s, q in cards if (s, q) != (request.speaker, request.quarter)]
    if wrong:
        return len(cards), f"cited {wrong[0]} but asked for {(request.speaker, request.quarter)}"
    return len(cards), None


def run_user(url: str, request: Request, start: threading.Barrier) -> Result:
    client = Client(url, verbose=False, analytics_enabled=False)
    start.wait()
    began = time.perf_counter()
    try:
        history, sources, _ = client.predict(
            request.question, [], "", request.quarter, "", "extractive", api_name="/ask"
        )
    except Exception as err:  # the benchmark reports every failure instead of stopping at the first
        return Result(request, began, time.perf_counter() - began, 0, f"{type(err).__name__}: {err}")
    seconds = time.perf_counter() - began
    cards, problem = check(request, history, sources)
    return Result(request, began, seconds, cards, problem)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:7860/", help="the running UI server")
    parser.add_argument("--users", type=int, default=20, help="questions submitted at the same moment")
    args = parser.parse_args(argv)

    requests = requests_for(args.users)
    start = threading.Barrier(args.users)  # connect every client first, then ask all at once
    with ThreadPoolExecutor(max_workers=args.users) as pool:
        results = list(pool.map(lambda r: run_user(args.url, r, start), requests))
    wall = max(r.started + r.seconds for r in results) - min(r.started for r in results)

    latencies = [r.seconds for r in results]
    failures = [r for r in results if r.problem]
    for r in results:
        status = "ok" if r.problem is None else f"FAIL {r.problem}"
        print(f"{r.seconds:6.2f}s  {r.cards} cards  {r.request.speaker:15} {r.request.quarter}  {status}")
    p50, p95 = statistics.median(latencies), percentile(latencies, 95)
    print(
        f"\nusers={args.users}  p50={p50:.2f}s  p95={p95:.2f}s  max={max(latencies):.2f}s"
        f"  wall={wall:.2f}s  errors={len(failures)}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
