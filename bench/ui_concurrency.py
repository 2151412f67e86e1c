"""Fifty signed-in users asking at once through the web UI while an editor adds a call: latency before
and during the add, and answers that are each user's own.

Starts its own server (`rag serve --auth`, on 127.0.0.1 only, a free port, a temporary data folder
whose library is made from the shipped calls) with one reader account per user and one editor, all
with real argon2 hashes, and stops it at the end; every request has a timeout and every user a
bounded number of questions, so the run ends by itself. Phases:

1. before: every user signs in, then all ask one question at the same moment;
2. during: the editor uploads and adds a call while every user keeps asking, all at once again as soon
   as the last round is answered (at most --max-rounds rounds), until the add has finished;
3. after: all ask once more at the same moment, and a reader asks about the new call, which must be
   cited.

Each question is different and each reply is checked against what that user asked: the sources panel
must repeat the user's own question and every cited passage must come from the speaker that user named
and the quarter they picked. Prints p50/p95 per phase, the most "questions ahead of you" a waiting
user was shown, and every failure; exits 1 if any user got an error, an abstention or someone else's
answer.

    .venv/bin/python bench/ui_concurrency.py            # 50 users
    .venv/bin/python bench/ui_concurrency.py --users 20
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.settings import SHIPPED_INDEX, Settings  # noqa: E402
from ui.accounts import EDITOR, READER, UsersFile  # noqa: E402

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
NEW_CALL = """\
Operator: Good afternoon and welcome to the Acme third quarter 2025 earnings call.
Jane Porter: Thank you. Revenue grew 18 percent this quarter, led by strong demand for our Zephyr widgets \
in industrial automation. We shipped more Zephyr widgets than in any previous quarter.
Tom Reyes: Gross margin expanded to 41 percent as Zephyr widget production moved to our new Ohio plant.
Alan Brooks: Could you talk about pricing for Zephyr widgets next year?
Jane Porter: We plan modest price increases on Zephyr widgets in 2026.
"""
NEW_CALL_QUESTION = "What did Jane Porter say about Zephyr widgets?"
REQUEST_TIMEOUT = 300.0  # seconds for one question or the add
SERVER_START_TIMEOUT = 600.0

_CARD = re.compile(r'<article class="source-card"[^>]*data-speaker="([^"]*)" data-quarter="([^"]*)"')
_ASKED = re.compile(r'<div class="asked">(.*?)</div>', re.DOTALL)
# the problems of a reply that is someone else's (the rest are errors: failures, refusals, abstentions)
MIXED_UP = ("sources are for another question", "the chat does not show exactly", "cited ")
_AHEAD = re.compile(r"(\d+) questions? ahead of you")


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
    most_ahead: int  # the largest "N questions ahead of you" this user was shown while waiting
    problem: str | None  # None when the reply is this user's own, well-formed answer


def request_for(number: int) -> Request:
    speaker, topic, quarter = QUESTIONS[number % len(QUESTIONS)]
    return Request(f"What did {speaker} say about {topic}?", speaker, quarter)


def check(request: Request, history: list[dict], sources: str) -> tuple[int, str | None]:
    """Number of source cards, and what is wrong with this reply (None if it is the user's own)."""
    asked = _ASKED.search(sources)
    if asked is None:
        return 0, f"no answer in the sources panel: {sources[:200]!r}"
    if html.unescape(asked.group(1)) != request.question:
        return 0, f"sources are for another question: {html.unescape(asked.group(1))!r}"
    user_turns = [m for m in history if m.get("role") == "user"]
    if len(user_turns) != 1 or request.question not in html.unescape(
        json.dumps(user_turns[0].get("content"))
    ):
        return 0, "the chat does not show exactly this user's question"
    cards = _CARD.findall(sources)
    if not cards:
        return 0, f"abstained or refused: {html.unescape(json.dumps(history[-1].get('content')))[:200]}"
    wrong = [(s, q) for s, q in cards if (s, q) != (request.speaker, request.quarter)]
    if wrong:
        return len(cards), f"cited {wrong[0]} but asked for {(request.speaker, request.quarter)}"
    return len(cards), None


def call(client: httpx.Client, api: str, data: list[Any]) -> tuple[list[Any], int]:
    """One call of a named endpoint over Gradio's HTTP API: the final outputs, and the most questions
    ahead that an intermediate output showed."""
    event_id = (
        client.post(f"/gradio_api/call/{api}", json={"data": data}).raise_for_status().json()["event_id"]
    )
    most_ahead, event = 0, ""
    with client.stream("GET", f"/gradio_api/call/{api}/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                payload = line.removeprefix("data:")
                most_ahead = max([most_ahead, *(int(n) for n in _AHEAD.findall(payload))])
                if event == "error":
                    raise RuntimeError(f"server error: {payload[:300]}")
                if event == "complete":
                    return json.loads(payload), most_ahead
    raise RuntimeError("the event stream ended without a result")


def ask(client: httpx.Client, request: Request, *, filter_quarter: bool = True) -> Result:
    """One question, filtered on its quarter unless told not to (the menus a session gets over the API
    are those of start-up, so a call added since can be asked about but not picked in the filter)."""
    began = time.perf_counter()
    quarter = request.quarter if filter_quarter else ""
    try:
        outputs, most_ahead = call(client, "ask", [request.question, [], "", quarter, "", "extractive"])
    except Exception as err:  # the benchmark reports every failure instead of stopping at the first
        return Result(request, began, time.perf_counter() - began, 0, 0, f"{type(err).__name__}: {err}")
    seconds = time.perf_counter() - began
    cards, problem = check(request, outputs[0], outputs[1])
    return Result(request, began, seconds, cards, most_ahead, problem)


def signed_in(url: str, name: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT)
    client.post("/login", data={"username": name, "password": password}).raise_for_status()
    return client


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def team_server(users: int) -> Iterator[tuple[str, dict[str, str], Path]]:
    """The server on 127.0.0.1 with `users` readers and one editor; yields its URL, the passwords and
    its data folder; stopped and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="rag-bench-team-"))
    try:
        data = root / "data"
        shipped = Settings.from_env().for_shipped_corpus().index_dir
        if (shipped / "manifest.json").is_file():  # reuse the shipped corpus's index, as a new library does
            shutil.copytree(shipped, data / SHIPPED_INDEX)
        accounts = UsersFile(root / "users.json")
        passwords = {f"reader{n:02d}": f"reader {n:02d} password" for n in range(1, users + 1)}
        passwords["editor"] = "the editor's password"
        for name, password in passwords.items():
            accounts.add(name, EDITOR if name == "editor" else READER, password)
        port = free_port()
        env = {**os.environ, "RAG_DATA_DIR": str(data), "GRADIO_ANALYTICS_ENABLED": "False"}
        for variable in ("RAG_TRANSCRIPTS_DIR", "RAG_INDEX_DIR", "RAG_LLM_BASE_URL", "OPENAI_BASE_URL"):
            env.pop(variable, None)
        log = (root / "server.log").open("wb")
        command = [sys.executable, "-m", "rag.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--auth", str(accounts.path)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"the server exited:\n{(root / 'server.log').read_text()[-2000:]}")
                try:
                    if httpx.get(f"{url}/gradio_api/app_id", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start in time")
                time.sleep(0.5)
            yield url, passwords, data
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def add_call(url: str, password: str, folder: Path) -> tuple[float, float, str]:
    """The editor uploads and adds the new call: (started, finished, the outcome shown)."""
    transcript = folder / "acme-q3.txt"
    transcript.write_text(NEW_CALL, encoding="utf-8")
    editor = signed_in(url, "editor", password)
    try:
        started = time.perf_counter()
        with transcript.open("rb") as handle:
            uploaded = editor.post("/gradio_api/upload", files={"files": (transcript.name, handle)})
        file = {"path": uploaded.raise_for_status().json()[0], "orig_name": transcript.name}
        outputs, _ = call(editor, "add", [{**file, "meta": {"_type": "gradio.FileData"}}, "Acme", "2025Q3",
                                          "", "", False, "", "", ""])  # fmt: skip
        return started, time.perf_counter(), html.unescape(str(outputs[1]))
    finally:
        editor.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(label: str, results: list[Result]) -> str:
    latencies = [r.seconds for r in results]
    if not latencies:
        return f"{label}: no questions"
    return (
        f"{label}: {len(results)} questions  p50={statistics.median(latencies):.2f}s  "
        f"p95={percentile(latencies, 95):.2f}s  max={max(latencies):.2f}s  "
        f"errors={sum(1 for r in results if r.problem)}  "
        f"most ahead shown={max(r.most_ahead for r in results)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="signed-in readers asking at once (1-64)")
    parser.add_argument("--max-rounds", type=int, default=10, help="most questions per user during the add")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 64:
        parser.error("--users must be between 1 and 64 (the page's waiting line)")

    with team_server(args.users) as (url, passwords, data):
        readers = sorted(name for name in passwords if name != "editor")
        with ThreadPoolExecutor(max_workers=args.users + 1) as pool:
            clients = list(pool.map(lambda name: signed_in(url, name, passwords[name]), readers))
            print(f"{len(clients)} readers signed in to {url}", flush=True)

            start = threading.Barrier(len(clients), timeout=120)

            def before(n: int) -> Result:
                start.wait()
                return ask(clients[n], request_for(n))

            first = list(pool.map(before, range(len(clients))))
            print(summary("before the add", first), flush=True)

            adding = pool.submit(add_call, url, passwords["editor"], data.parent)

            rounds: list[Result] = []
            for round_number in range(1, args.max_rounds + 1):  # everyone at once again, until it is in
                shift = 7 * round_number
                rounds += pool.map(
                    lambda n, shift=shift: ask(clients[n], request_for(n + shift)), range(len(clients))
                )
                if adding.done():
                    break
            add_started, add_finished, outcome = adding.result(timeout=REQUEST_TIMEOUT)
            overlapping = [
                r for r in rounds if r.started < add_finished and r.started + r.seconds > add_started
            ]
            print(f"add: {re.sub('<[^>]+>', '', outcome)}  ({add_finished - add_started:.1f} s)", flush=True)
            print(summary("during the add", overlapping), flush=True)

            again = threading.Barrier(len(clients), timeout=120)

            def after(n: int) -> Result:
                again.wait()
                return ask(clients[n], request_for(n + 3))

            last = list(pool.map(after, range(len(clients))))
            print(summary("after the add", last), flush=True)

            new = ask(clients[0], Request(NEW_CALL_QUESTION, "Jane Porter", "2025Q3"), filter_quarter=False)
            cites_new = new.problem is None
            print(f"new call cited by a reader's next answer: {cites_new} ({new.problem or 'ok'})")
            for client in clients:
                client.close()

    failures = [r for r in [*first, *rounds, *last] if r.problem]
    for r in failures:
        print(f"FAIL {r.seconds:6.2f}s  {r.request.question} [{r.request.quarter}]: {r.problem}")
    mixed_up = [r for r in failures if r.problem and r.problem.startswith(MIXED_UP)]
    added = "Added Acme 2025Q3" in outcome
    print(
        f"\nusers={args.users}  questions={len(first) + len(rounds) + len(last) + 1}  "
        f"errors={len(failures) - len(mixed_up)}  mixed-up={len(mixed_up)}  "
        f"add={'ok' if added else 'FAILED'}  new call cited={cites_new}"
    )
    return 0 if not failures and added and cites_new else 1


if __name__ == "__main__":
    sys.exit(main())
