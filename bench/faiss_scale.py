"""How rag.indexing.vector_index scales: build time, memory, query latency and recall@10
at 10k / 100k / 1M chunks.

    .venv/bin/python bench/faiss_scale.py --sizes 10k,100k,1M --threads 1

Each size runs in its own process so RSS is that size's alone. Per size it reports the build time, the
process RSS after the build (synthetic vectors included) and its peak, save and load times, then for
unfiltered queries and for each filter (speaker, quarter, company) the p50/p95 latency of
VectorIndex.search() over --queries queries and recall@10 against an exact numpy search under the same
filter ("speaker+quarter" intersects the two, as the retriever does). The exact search runs between
timed queries and streams all vectors through the CPU caches, so latencies are cold-cache. The goal
at 1M: p95 <= 50 ms with recall@10 >= 0.95, filters included, within 24 GiB.

The synthetic corpus (384-d, L2-normalised) has the cluster structure of embedded text rather than
uniform noise, which has no near neighbours and is unrealistically hard for any ANN index:
  * 50 broad themes; 1000 topics, each a theme direction plus noise (topics of one theme overlap);
  * every topic spans its own random 16-d subspace: a chunk is topic centre + an offset in that
    subspace (norm ~1) + isotropic noise (norm ~0.6), then normalised;
  * queries are fresh draws from the same mixture, never copies of indexed rows.
At 100k rows a query's 1st/10th/100th best cosine average ~0.68/0.57/0.36. Metadata (50 speakers,
40 quarters, 8 companies) is drawn independently of the topics, so a filter's allowed rows are scattered
over every cluster: harder for a filtered ANN search than real speakers, who stick to their subjects.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.indexing.vector_index import VectorIndex  # noqa: E402

DIMENSION = 384
THEMES = 50
TOPICS = 1000
TOPIC_RANK = 16
FILTERS = {"speaker": 50, "quarter": 40, "company": 8}  # distinct values of each synthetic field
K = 10


def synthetic_vectors(count: int, rng: np.random.Generator, *, seed: int) -> np.ndarray:
    """`count` unit vectors from the clustered mixture described in the module docstring."""
    layout = np.random.default_rng(seed)  # the mixture itself: the same for corpus and queries
    themes = _unit(layout.standard_normal((THEMES, DIMENSION), dtype=np.float32))
    topic_theme = layout.integers(0, THEMES, TOPICS)
    centres = _unit(
        themes[topic_theme]
        + 0.8 * layout.standard_normal((TOPICS, DIMENSION), dtype=np.float32) / DIMENSION**0.5
    )
    bases = layout.standard_normal((TOPICS, TOPIC_RANK, DIMENSION), dtype=np.float32) / DIMENSION**0.5
    topic = rng.integers(0, TOPICS, count)
    out = rng.standard_normal((count, DIMENSION), dtype=np.float32)
    out *= 0.6 / DIMENSION**0.5
    order = np.argsort(topic, kind="stable")
    bounds = np.searchsorted(topic[order], np.arange(TOPICS + 1))
    for t in range(TOPICS):
        rows = order[bounds[t] : bounds[t + 1]]
        offsets = rng.standard_normal((len(rows), TOPIC_RANK), dtype=np.float32) / TOPIC_RANK**0.5
        out[rows] += centres[t] + offsets @ bases[t]
    return _unit(out)


def _unit(rows: np.ndarray) -> np.ndarray:
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def exact_top(vectors: np.ndarray, query: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    rows = vectors if allowed is None else vectors[allowed]
    scores = rows @ query
    top = np.argpartition(-scores, K)[:K] if len(scores) > K else np.arange(len(scores))
    top = top[np.argsort(-scores[top])]
    return top if allowed is None else allowed[top]


def allowed_rows(
    field: str, rows_by: dict[str, list[np.ndarray]], pick: np.random.Generator
) -> np.ndarray | None:
    """The caller's filter path: sorted row ids per value, intersected when filters combine."""
    if field == "none":
        return None
    parts = [rows_by[f][pick.integers(0, FILTERS[f])] for f in field.split("+")]
    allowed = parts[0]
    for other in parts[1:]:
        allowed = np.intersect1d(allowed, other, assume_unique=True)
    return allowed


def run_one(size: int, queries: int, seed: int, kind: str | None, save: bool) -> dict[str, object]:
    started = time.perf_counter()
    vectors = synthetic_vectors(size, np.random.default_rng(seed + 1), seed=seed)
    query_vectors = synthetic_vectors(queries, np.random.default_rng(seed + 2), seed=seed)
    meta_rng = np.random.default_rng(seed + 3)
    rows_by: dict[str, list[np.ndarray]] = {}
    for field, values in FILTERS.items():
        labels = meta_rng.integers(0, values, size)
        order = np.argsort(labels, kind="stable")  # like the store's rows_by: sorted row ids per value
        bounds = np.searchsorted(labels[order], np.arange(values + 1))
        rows_by[field] = [np.sort(order[bounds[v] : bounds[v + 1]]).astype(np.int64) for v in range(values)]
    result: dict[str, object] = {"size": size, "generate_s": round(time.perf_counter() - started, 1)}

    started = time.perf_counter()
    index = VectorIndex.build(vectors, kind=kind)
    result |= {
        "kind": index.kind,
        "build_s": round(time.perf_counter() - started, 1),
        "rss_mb": round(rss_mb()),
    }
    if save:
        with tempfile.TemporaryDirectory(prefix="faiss-scale-") as folder:
            started = time.perf_counter()
            index.save(Path(folder))
            result["save_s"] = round(time.perf_counter() - started, 1)
            result["file_mb"] = round(sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20)
            del index
            started = time.perf_counter()
            index = VectorIndex.load(Path(folder), expected_dimension=DIMENSION, expected_count=size)
            result["load_s"] = round(time.perf_counter() - started, 1)

    pick = np.random.default_rng(seed + 4)
    rows: list[dict[str, object]] = []
    for field in ("none", *FILTERS, "speaker+quarter"):
        latencies, hits, wanted, allowed_sizes = [], 0, 0, []
        for query in query_vectors:
            allowed = allowed_rows(field, rows_by, pick)
            t0 = time.perf_counter()
            _, ids = index.search(query, K, allowed)
            latencies.append((time.perf_counter() - t0) * 1000)
            assert len(ids) == min(K, size if allowed is None else len(allowed))
            assert allowed is None or np.isin(ids, allowed).all()
            truth = exact_top(vectors, query, allowed)
            hits += len(set(ids.tolist()) & set(truth.tolist()))
            wanted += len(truth)
            allowed_sizes.append(size if allowed is None else len(allowed))
        rows.append(
            {
                "filter": field,
                "allowed": int(np.median(allowed_sizes)),
                "p50_ms": round(float(np.percentile(latencies, 50)), 2),
                "p95_ms": round(float(np.percentile(latencies, 95)), 2),
                "recall10": round(hits / wanted, 4),
            }
        )
    result |= {"peak_rss_mb": round(peak_rss_mb()), "queries": rows}
    return result


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    try:
        return int(float(text[:-1] if scale > 1 else text) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r}; use e.g. 10k, 100k, 1M or 250000") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated row counts (10k,100k,1M)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="faiss OpenMP threads (build and search)")
    parser.add_argument(
        "--kind", choices=["flat", "ivf", "hnsw"], help="force an index kind instead of by size"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-save", action="store_true", help="skip the save/load round trip")
    parser.add_argument("--worker", type=parse_size, help=argparse.SUPPRESS)
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)

    if args.worker:
        print(json.dumps(run_one(args.worker, args.queries, args.seed, args.kind, not args.no_save)))
        return

    print(
        f"faiss {faiss.__version__}, {args.threads} thread(s), {args.queries} queries, k={K}, d={DIMENSION}"
    )
    print(
        f"{'rows':>9} {'kind':>5} {'build s':>8} {'RSS MB':>7} {'peak MB':>7} {'file MB':>7} "
        f"{'save s':>6} {'load s':>6} | {'filter':>15} {'allowed':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'recall@10':>9}"
    )
    for size in [parse_size(s) for s in args.sizes.split(",")]:
        command = [sys.executable, __file__, "--worker", str(size), "--queries", str(args.queries)]
        command += ["--threads", str(args.threads), "--seed", str(args.seed)]
        command += (["--kind", args.kind] if args.kind else []) + (["--no-save"] if args.no_save else [])
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{size:>9} failed:\n{done.stderr}", file=sys.stderr)
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        head = (
            f"{r['size']:>9} {r['kind']:>5} {r['build_s']:>8} {r['rss_mb']:>7} {r['peak_rss_mb']:>7} "
            f"{r.get('file_mb', '-'):>7} {r.get('save_s', '-'):>6} {r.get('load_s', '-'):>6}"
        )
        for q in r["queries"]:
            print(
                f"{head} | {q['filter']:>15} {q['allowed']:>8} {q['p50_ms']:>7} {q['p95_ms']:>7} "
                f"{q['recall10']:>9}"
            )
            head = " " * len(head)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
