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
import json
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
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


class StartLine:
    """Every user connects first, then all start asking at the same moment; remembers each start."""

    def __init__(self, users: int) -> None:
        self._barrier = threading.Barrier(users, timeout=120)
        self._local = threading.local()

    def go(self) -> None:
        self._barrier.wait()
        self._local.began = time.perf_counter()

    def abort(self) -> None:
        """A user who cannot even connect releases the others (they fail with BrokenBarrierError)."""
        self._barrier.abort()

    def began(self) -> float:
        return float(getattr(self._local, "began", time.perf_counter()))


def _inputs(request: Request) -> list[Any]:
    """The /ask endpoint's inputs: question, chat history, company, quarter, speaker, mode."""
    return [request.question, [], "", request.quarter, "", "extractive"]


def ask_with_gradio_client(url: str, request: Request, start: StartLine) -> tuple[list, str]:
    client = Client(url, verbose=False, analytics_enabled=False)
    start.go()
    history, sources, _ = client.predict(*_inputs(request), api_name="/ask")
    return history, sources


def ask_over_http(url: str, request: Request, start: StartLine) -> tuple[list, str]:
    """Gradio's plain HTTP API (POST the inputs, read the event stream): no client-side machinery."""
    endpoint = url.rstrip("/") + "/gradio_api/call/ask"
    with httpx.Client(timeout=300) as http:
        start.go()
        event_id = http.post(endpoint, json={"data": _inputs(request)}).raise_for_status().json()["event_id"]
        with http.stream("GET", f"{endpoint}/{event_id}") as stream:
            event = ""
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = json.loads(line.removeprefix("data:"))
                    if event == "error":
                        raise RuntimeError(f"server error: {data}")
                    return data[0], data[1]  # chat history, sources panel (then the box, the state)
    raise RuntimeError("the event stream ended without a result")


def run_user(url: str, request: Request, start: StartLine, via: str) -> Result:
    ask = ask_over_http if via == "http" else ask_with_gradio_client
    try:
        history, sources = ask(url, request, start)
    except Exception as err:  # the benchmark reports every failure instead of stopping at the first
        start.abort()
        began = start.began()
        return Result(request, began, time.perf_counter() - began, 0, f"{type(err).__name__}: {err}")
    began = start.began()
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
    parser.add_argument(
        "--via",
        choices=("gradio_client", "http"),
        default="gradio_client",
        help="gradio_client (default), or Gradio's plain HTTP API to leave out the client's own overhead",
    )
    args = parser.parse_args(argv)

    requests = requests_for(args.users)
    start = StartLine(args.users)
    with ThreadPoolExecutor(max_workers=args.users) as pool:
        results = list(pool.map(lambda r: run_user(args.url, r, start, args.via), requests))
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
