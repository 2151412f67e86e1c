"""What committing one call costs as the corpus grows (each commit rewrites the index folder).

    python bench/bulk_commit_cost.py [--copies 3] [--samples DIR]

Builds a corpus of `--copies` x the 100 Motley Fool calls (each copy's companies renamed through a
manifest, one speech marked so the content differs) with `add_many` and a fake embedder (hash
vectors: the cost measured is parsing and committing, not the model), and prints the commit time per
call over the first and the last tenth of the calls, the index size at the end, and the projection of
commit time for a 1,380-call folder (linear growth fitted to the two tenths).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.indexing import updates  # noqa: E402
from rag.indexing.bulk import add_many  # noqa: E402
from rag.indexing.store import model_name  # noqa: E402
from rag.indexing.updates import AddOptions  # noqa: E402
from rag.settings import Settings  # noqa: E402


class HashEmbedder:
    dimension = 384

    def __init__(self, name: str) -> None:
        self.name = name

    def embed(self, texts, *, is_query):  # type: ignore[no-untyped-def]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
            vector = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
            out[i] = vector / np.linalg.norm(vector)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    parser.add_argument("--target-calls", type=int, default=1380)
    args = parser.parse_args()
    calls = sorted((args.samples / "motley-fool-100").glob("*.json"))
    scratch = Path(tempfile.mkdtemp(prefix="commit-bench-"))
    try:
        folder = scratch / "incoming"
        folder.mkdir()
        manifest = {}
        for copy in range(args.copies):
            for path in calls:
                ticker, q, year = path.stem.split("_")
                data = json.loads(path.read_text(encoding="utf-8"))
                first = data["prepared_remarks"][0]
                first["speech"] = f"(copy {copy}) " + first["speech"]
                name = f"{path.stem}_c{copy}.json"
                (folder / name).write_text(json.dumps(data), encoding="utf-8")
                manifest[name] = {"company": f"{ticker} copy {copy}", "quarter": f"{year}{q.upper()}"}
        settings = replace(
            Settings(), transcripts_dir=scratch / "transcripts", index_dir=scratch / "index" / "default"
        )
        model = HashEmbedder(model_name(settings))
        timings: list[float] = []
        commit = updates.commit_call

        def timed(*a, **k):  # type: ignore[no-untyped-def]
            clock = time.perf_counter()
            try:
                return commit(*a, **k)
            finally:
                timings.append(time.perf_counter() - clock)

        import rag.indexing.bulk as bulk

        bulk.commit_call = timed  # type: ignore[assignment]
        clock = time.perf_counter()
        report = add_many(
            [folder], settings, AddOptions(manifest=manifest), embedder=lambda: model, progress=lambda _: None
        )
        wall = time.perf_counter() - clock
        tenth = max(1, len(timings) // 10)
        first, last = float(np.mean(timings[:tenth])), float(np.mean(timings[-tenth:]))
        size = sum(f.stat().st_size for f in settings.index_dir.rglob("*") if f.is_file())
        print(
            f"calls committed: {report.count('added')} of {len(manifest)} ({report.count('refused')} refused)"
        )
        print(f"passages: {report.embedded}; index folder at the end: {size / 1e6:.0f} MB; wall {wall:.0f} s")
        print(f"commit per call: first tenth {first:.2f} s, last tenth {last:.2f} s")
        n = len(timings)
        slope = (last - first) / max(1, n - tenth)
        total = sum(first + slope * i for i in range(args.target_calls))
        print(
            f"projected commits for {args.target_calls} calls (linear growth): {total / 60:.0f} min in all, "
            f"{first + slope * args.target_calls:.2f} s for the last call"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
