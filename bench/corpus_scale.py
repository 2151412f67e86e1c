"""The whole question path on an analyst-sized library: 1,000 calls (~75k passages) or 10,000.

The library is made from real calls: the 60 Motley Fool calls of eval/corpora/real60.json and the nine
of eval/corpora/samples_seeds.json (../shared/samples read in place, the seeds), parsed and chunked by
the product once; each copy renames the company, ticker, quarter and people (in the metadata and in
the text) and perturbs the figures, so no two passages are the same. Passage vectors are random
unit vectors (a fake embedder: embedding 75k passages on two cores takes hours), questions are
embedded with the real query model; BM25 tokens of a copy are its base passage's tokens with the
names renamed. The index folder is written with the product's own writer (manifest, sources hash,
chunk store), so `rag ask`, `rag list` and `rag serve` open it as they would any library.

Measured, each in a fresh process where it matters: ask() p50/p95 warm over the generated questions
(the whole extractive path), cold `rag ask`, index open time, peak RSS, index size on disk,
`rag list`, and the chat page's first paint in Chromium. Prints a table.

    .venv/bin/python bench/corpus_scale.py --calls 1000 [--calls 10000] [--folder /tmp/corpus-scale]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's `rag`, not an installed one

BASE_SPECS = ("real60.json", "samples_seeds.json")
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "vu", "no", "si", "de", "fa", "bo", "ri", "za", "pe", "lu", "mo")
COMPANY_KINDS = ("Industries", "Holdings", "Group", "Systems", "Brands", "Technologies", "Partners")
ABSENT_TERMS = ("bitcoin", "TikTok", "metaverse tokens")
CHROMIUM = Path(os.environ.get("RAG_CHROMIUM", "/usr/bin/chromium"))


def pseudo_word(n: int, syllables: int = 3) -> str:
    parts = []
    for _ in range(syllables):
        n, r = divmod(n, len(SYLLABLES))
        parts.append(SYLLABLES[r])
    return "".join(parts).capitalize()


# --- the base calls, parsed once ---------------------------------------------------------------------


def base_calls(cache: Path) -> list[dict[str, Any]]:
    """Each base call's CallInfo, chunks, their BM25 tokens and the people who speak."""
    if cache.is_file():
        return pickle.loads(cache.read_bytes())
    from rag.evaluation.corpus_build import write_corpus
    from rag.evaluation.corpus_spec import load_corpus_spec
    from rag.indexing.build import chunk_parsed, parse_corpus
    from rag.indexing.lexical import lexical_texts
    from rag.settings import Settings
    from rag.text.tokens import tokenize
    from rag.transcripts.manifest import load_manifest
    from rag.transcripts.speakers import Person, SpeakerDirectory

    out: list[dict[str, Any]] = []
    for name in BASE_SPECS:
        spec = load_corpus_spec(ROOT / "eval" / "corpora" / name)
        folder = cache.parent / f"base-{name}"
        settings = Settings().with_data_dir(folder)
        write_corpus(spec, settings.transcripts_dir, SpeakerDirectory.load(settings.speakers_file))
        calls = load_manifest(settings.transcripts_dir)
        parsed, directory = parse_corpus(settings, calls)
        chunks = chunk_parsed(parsed, settings.chunking)
        people = {p.name: p for p in directory.people}
        for call in calls:
            own = [c for c in chunks if c.source == call.file]
            tokens = [tokenize(t) for t in lexical_texts(own)]
            people_here: dict[str, Person] = {}
            for c in own:
                if c.attributed:
                    known = people.get(c.speaker)
                    people_here.setdefault(c.speaker, known or Person(c.speaker, c.role, c.firm, c.company))
                if c.asker:
                    known = people.get(c.asker)
                    people_here.setdefault(c.asker, known or Person(c.asker, "Analyst", c.asker_firm))
            out.append({"call": call, "chunks": own, "tokens": tokens, "people": list(people_here.values())})
    cache.write_bytes(pickle.dumps(out))
    return out


# --- copies --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])(\d+)(?:\.(\d+))?(?![\w])")


def _perturb_numbers(text: str, copy: int) -> str:
    def changed(m: re.Match[str]) -> str:
        whole = m.group(1)
        if len(whole) == 4 and whole[:2] in ("19", "20"):
            return m.group(0)  # a year stays a year
        return str(int(whole) + copy % 9 + 1) + (f".{m.group(2)}" if m.group(2) else "")

    return _NUMBER.sub(changed, text)


def _renamer(mapping: dict[str, str]) -> Callable[[str | None], str | None]:
    """Replaces each key of `mapping` (whole words, longest first) by its value."""
    keys = sorted((k for k in mapping if k), key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b") if keys else None

    def rename(text: str | None) -> str | None:
        if text is None or pattern is None:
            return text
        return pattern.sub(lambda m: mapping[m.group(0)], text)

    return rename


def generate(calls_wanted: int, folder: Path, cache: Path, seed: int = 7) -> dict[str, Any]:
    """Write a library of `calls_wanted` calls under `folder` (its data folder); returns what it holds."""
    import numpy as np

    from rag.chunks import Chunk
    from rag.indexing.files import swap_in_folder
    from rag.indexing.lexical import LexicalIndex
    from rag.indexing.store import index_manifest, stage_index_folder
    from rag.indexing.vector_index import VectorIndex
    from rag.settings import Settings
    from rag.text.glossary import glossary_phrases
    from rag.transcripts.manifest import MANIFEST_NAME, CallInfo, file_name_for, manifest_bytes, sources_hash
    from rag.transcripts.speakers import Person, SpeakerDirectory

    started = time.perf_counter()
    base = base_calls(cache)
    base_companies = sorted({b["call"].company for b in base})
    shutil.rmtree(folder, ignore_errors=True)
    settings = Settings().with_data_dir(folder)
    settings.transcripts_dir.mkdir(parents=True)
    shipped = SpeakerDirectory.load(settings.speakers_file)
    rng = random.Random(seed)
    chunks: list[Chunk] = []
    tokens: list[list[str]] = []
    calls: list[CallInfo] = []
    people: dict[str, Person] = {}
    questions: list[str] = []
    for i in range(calls_wanted):
        b, copy = base[i % len(base)], i // len(base)
        call = b["call"]
        company_id = copy * len(base_companies) + base_companies.index(call.company)
        company = f"{pseudo_word(company_id)} {COMPANY_KINDS[company_id % len(COMPANY_KINDS)]}"
        year = int(call.quarter[:4]) - copy % 3
        quarter = f"{year}{call.quarter[4:]}"
        ticker = (pseudo_word(company_id, 2)[:4]).upper()
        names: dict[str, str] = {call.company: company}
        if call.ticker:
            names[call.ticker] = ticker
        for person in b["people"]:
            first, _, last = person.name.rpartition(" ")
            new_last = pseudo_word(copy * 7919 + sum(map(ord, person.name)), 3)
            new_name = f"{first} {new_last}" if first else new_last
            names[person.name] = new_name
            if last and len(last) > 3:
                names[last] = new_last
            own_company = company if person.company == call.company else person.company
            people.setdefault(new_name, Person(new_name, person.role, person.firm, own_company, (new_name,)))
        rename = _renamer(names)
        lowered = {k.lower(): v.lower() for k, v in names.items()}

        file = file_name_for(company, quarter, call.language, "name_lines")
        for chunk, toks in zip(b["chunks"], b["tokens"], strict=True):
            text = _perturb_numbers(rename(chunk.text) or "", copy)
            chunks.append(
                replace(
                    chunk,
                    text=text,
                    company=company,
                    quarter=quarter,
                    ticker=ticker,
                    source=file,
                    speaker=rename(chunk.speaker) or chunk.speaker,
                    asker=rename(chunk.asker),
                    id="",
                )
            )
            tokens.append([lowered.get(t, t) for t in toks])
        transcript = "\n\n".join(f"{c.speaker}: {c.text}" for c in chunks[-len(b["chunks"]) :])
        (settings.transcripts_dir / file).write_text(transcript, encoding="utf-8")
        calls.append(
            CallInfo(file=file, company=company, quarter=quarter, ticker=ticker, language=call.language)
        )
        if len(questions) < 150 and rng.random() < 150 / calls_wanted * 1.5:
            own = chunks[-len(b["chunks"]) :]
            executives = [c for c in own if c.attributed and c.role != "Analyst" and c.language == "en"]
            asked = [c for c in own if c.kind == "question" and c.language == "en"]
            if executives and asked:
                pick, question = rng.choice(executives), rng.choice(asked)
                terms = [m.group(0) for m in glossary_phrases().finditer(pick.text.lower())]
                term = rng.choice(terms) if terms else "guidance"
                terms = [m.group(0) for m in glossary_phrases().finditer(question.text.lower())]
                asked_term = rng.choice(terms) if terms else "guidance"
                questions += [
                    f"What did {pick.speaker} say about {term}?",
                    f"What was said about {term} on the {company} {quarter} call?",
                    f"Who asked about {asked_term} on the {company} {quarter} call?",
                ]
                if rng.random() < 0.3:
                    questions.append(f"What did {pick.speaker} say about {rng.choice(ABSENT_TERMS)}?")
    (settings.transcripts_dir / MANIFEST_NAME).write_bytes(manifest_bytes(settings.transcripts_dir, calls))
    parsed_at = time.perf_counter()
    vectors = np.random.default_rng(seed).standard_normal((len(chunks), 384), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex.build(vectors)
    lexical = LexicalIndex.from_tokens(tokens)
    directory = SpeakerDirectory(
        people=list(people.values()), role_aliases=shipped.role_aliases, firm_aliases=shipped.firm_aliases
    )
    manifest = index_manifest(
        settings, calls, sources_hash(settings.transcripts_dir, calls), chunks, index, started
    )
    staging = stage_index_folder(settings.index_dir, chunks, vectors, index, lexical, directory, manifest)
    swap_in_folder(staging, settings.index_dir)
    questions = questions[:150]
    (folder / "questions.json").write_text(json.dumps(questions, ensure_ascii=False, indent=1))
    return {
        "calls": len(calls),
        "passages": len(chunks),
        "companies": len({c.company for c in calls}),
        "speakers": len(people),
        "questions": len(questions),
        "generate_s": round(parsed_at - started, 1),
        "index_s": round(time.perf_counter() - parsed_at, 1),
    }


# --- measurements --------------------------------------------------------------------------------------


def peak_rss_mb(pid: int | str = "self") -> float:
    """The process's peak resident set (VmHWM; ru_maxrss would carry the parent's across exec)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_warm(folder: Path) -> dict[str, Any]:
    """In this (fresh) process: open the index, load the query embedder, ask every question."""
    from rag.api import QueryEngine
    from rag.errors import RagError
    from rag.indexing.embedding.embedders import load_embedder
    from rag.indexing.store import load_index
    from rag.settings import Settings

    settings = Settings().with_data_dir(folder)
    t0 = time.perf_counter()
    store = load_index(settings)
    t1 = time.perf_counter()
    embedder = load_embedder(settings, for_queries=True, progress=lambda _: None)
    t2 = time.perf_counter()
    engine = QueryEngine(store, embedder, settings, progress=lambda _: None)
    t3 = time.perf_counter()
    rss_open = peak_rss_mb()
    questions = json.loads((folder / "questions.json").read_text())
    for question in questions[:5]:
        with contextlib.suppress(RagError):
            engine.ask(question)
    times, abstained = [], 0
    for question in questions:
        start = time.perf_counter()
        try:
            answer = engine.ask(question)
            abstained += not answer.citations
        except RagError:
            abstained += 1
        times.append((time.perf_counter() - start) * 1000)
    return {
        "load_index_s": t1 - t0,
        "query_model_s": t2 - t1,
        "engine_s": t3 - t2,
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "max_ms": max(times),
        "asked": len(times),
        "abstained": abstained,
        "rss_open_mb": rss_open,
        "rss_peak_mb": peak_rss_mb(),
    }


def _child_rss(args: list[str], folder: Path) -> tuple[float, float, int, bytes]:
    """Seconds, peak RSS (MB, VmHWM polled until it exits), exit code and output of a child process."""
    env = {**os.environ, "RAG_DATA_DIR": str(folder)}
    out_file = folder / ".child.out"
    start = time.perf_counter()
    with out_file.open("wb") as out:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = 0.0
        while process.poll() is None:
            with contextlib.suppress(OSError, ValueError):  # it may exit between poll and read
                peak = max(peak, peak_rss_mb(process.pid))
            time.sleep(0.02)
    seconds = time.perf_counter() - start
    return seconds, peak, process.returncode, out_file.read_bytes()


def measure_cold(folder: Path, question: str, runs: int) -> dict[str, Any]:
    times, rss = [], []
    for _ in range(runs):
        seconds, peak, code, out = _child_rss([sys.executable, "-m", "rag.cli", "ask", question], folder)
        if code != 0:
            raise RuntimeError(f"rag ask failed ({code}): {out[-2000:].decode(errors='replace')}")
        times.append(seconds)
        rss.append(peak)
    return {"cold_ask_s": statistics.median(times), "cold_ask_rss_mb": max(rss)}


def measure_list(folder: Path, company: str) -> dict[str, Any]:
    full, _, code, out = _child_rss([sys.executable, "-m", "rag.cli", "list"], folder)
    brief, _, _, _ = _child_rss([sys.executable, "-m", "rag.cli", "list", "--brief"], folder)
    one, _, _, _ = _child_rss([sys.executable, "-m", "rag.cli", "list", "--company", company], folder)
    return {"list_s": full, "list_brief_s": brief, "list_company_s": one, "list_lines": out.count(b"\n")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_ui(folder: Path) -> dict[str, Any]:
    """`rag serve` started (engine opened, one warm-up question), then the page's first paint in
    Chromium: from navigation to the header's summary and the three pickers on screen."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "RAG_DATA_DIR": str(folder), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = (folder / "serve.log").open("wb")
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"rag serve exited: {(folder / 'serve.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        ready = time.perf_counter() - started
        with urllib.request.urlopen(url + "config", timeout=30) as response:
            config_bytes = len(response.read())
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            paints = []
            for _ in range(3):
                start = time.perf_counter()
                page.goto(url)
                page.locator("#title").get_by_text("calls ·").wait_for(timeout=120_000)
                page.locator("#filter-speaker input").wait_for(timeout=120_000)
                paints.append(time.perf_counter() - start)
            start = time.perf_counter()
            box = page.locator("#filter-speaker input")
            box.click()
            box.fill("a")
            page.get_by_role("option").first.wait_for(timeout=60_000)
            filter_s = time.perf_counter() - start
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {
        "serve_ready_s": ready,
        "first_paint_s": statistics.median(paints),
        "speaker_filter_s": filter_s,
        "config_kb": config_bytes / 1024,
    }


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def run_size(calls: int, root: Path, cold_runs: int, ui: bool, reuse: bool) -> dict[str, Any]:
    folder = root / f"calls-{calls}"
    made_file = folder.parent / f"calls-{calls}.json"
    if reuse and made_file.is_file() and (folder / "questions.json").is_file():
        made = json.loads(made_file.read_text())
    else:
        print(f"[{calls} calls] generating …", file=sys.stderr, flush=True)
        _, _, code, out = _child_rss([sys.executable, __file__, "--generate", str(calls), str(folder)], root)
        if code != 0:
            raise RuntimeError(out.decode(errors="replace")[-3000:])
        made = json.loads(out.decode().strip().splitlines()[-1])
        made_file.write_text(json.dumps(made))
    print(f"[{calls} calls] {made}", file=sys.stderr, flush=True)
    seconds, rss, code, out = _child_rss([sys.executable, __file__, "--warm", str(folder)], folder)
    if code != 0:
        raise RuntimeError(out.decode(errors="replace")[-3000:])
    warm = json.loads(out.decode().strip().splitlines()[-1])
    question = json.loads((folder / "questions.json").read_text())[0]
    from rag.settings import Settings
    from rag.transcripts.manifest import load_manifest

    company = load_manifest(Settings().with_data_dir(folder).transcripts_dir)[0].company
    row = {**made, **warm, **measure_cold(folder, question, cold_runs), **measure_list(folder, company)}
    row["index_mb"] = folder_mb(folder / "index")
    row["transcripts_mb"] = folder_mb(folder / "transcripts")
    if ui:
        row.update(measure_ui(folder))
    print(f"[{calls} calls] {json.dumps(row)}", file=sys.stderr, flush=True)
    return row


ROWS = (
    ("calls", "calls", "{:,}"),
    ("passages", "passages", "{:,}"),
    ("companies", "companies", "{:,}"),
    ("speakers", "speakers (directory)", "{:,}"),
    ("asked", "questions asked", "{}"),
    ("abstained", "of them abstained", "{}"),
    ("p50_ms", "ask() p50 warm (ms)", "{:.0f}"),
    ("p95_ms", "ask() p95 warm (ms)", "{:.0f}"),
    ("max_ms", "ask() max warm (ms)", "{:.0f}"),
    ("cold_ask_s", "cold `rag ask` (s)", "{:.2f}"),
    ("load_index_s", "load_index (s)", "{:.2f}"),
    ("engine_s", "QueryEngine over it (s)", "{:.2f}"),
    ("query_model_s", "query model load (s)", "{:.2f}"),
    ("rss_open_mb", "RSS after open (MB)", "{:.0f}"),
    ("rss_peak_mb", "peak RSS, warm asks (MB)", "{:.0f}"),
    ("cold_ask_rss_mb", "peak RSS, cold rag ask (MB)", "{:.0f}"),
    ("index_mb", "index on disk (MB)", "{:.0f}"),
    ("transcripts_mb", "transcripts on disk (MB)", "{:.0f}"),
    ("list_s", "`rag list` (s)", "{:.2f}"),
    ("list_brief_s", "`rag list --brief` (s)", "{:.2f}"),
    ("list_company_s", "`rag list --company X` (s)", "{:.2f}"),
    ("serve_ready_s", "`rag serve` ready (s)", "{:.1f}"),
    ("first_paint_s", "UI first paint, Chromium (s)", "{:.2f}"),
    ("speaker_filter_s", "type in speaker picker (s)", "{:.2f}"),
    ("config_kb", "page config (KB)", "{:.0f}"),
    ("generate_s", "generate calls (s)", "{:.0f}"),
    ("index_s", "build index, fake vectors (s)", "{:.0f}"),
)


def table(rows: list[dict[str, Any]]) -> str:
    header = "| | " + " | ".join(f"{r['calls']:,} calls" for r in rows) + " |"
    lines = [header, "|---|" + "---:|" * len(rows)]
    for key, label, fmt in ROWS:
        cells = [fmt.format(r[key]) if key in r else "–" for r in rows]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, action="append", help="library size; repeat for several")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/corpus-scale"))
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-ui", action="store_true", help="skip the Chromium first-paint measurement")
    parser.add_argument("--reuse", action="store_true", help="measure a library made by an earlier run")
    parser.add_argument("--warm", type=Path, help=argparse.SUPPRESS)  # the child that measures warm asks
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)  # the child that writes a library
    args = parser.parse_args()
    if args.generate:
        folder = Path(args.generate[1])
        print(json.dumps(generate(int(args.generate[0]), folder, folder.parent / "base.pickle")))
        return
    if args.warm:
        print(json.dumps(measure_warm(args.warm)))
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    rows = [
        run_size(n, args.folder, args.cold_runs, not args.no_ui, args.reuse) for n in args.calls or [1000]
    ]
    print(
        "Passage vectors: random unit vectors (fake embedder); questions: the real query model "
        "(multilingual-e5-small). BM25 tokens: each base passage's, names renamed. "
        f"Machine: {os.cpu_count()} cores, extractive answers."
    )
    print(table(rows))


if __name__ == "__main__":
    main()
