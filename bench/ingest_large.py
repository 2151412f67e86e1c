"""Benchmark: `rag add` of one large (default 5 MB) transcript into an empty temporary corpus.

The transcript is built by repeating the turns of a real sample (../shared/samples, or the shipped
seeds when the samples are absent) until it reaches the size. Prints wall time per stage and the
peak resident memory of the process, before and after the model is loaded.

    .venv/bin/python bench/ingest_large.py                 # real embedding model
    .venv/bin/python bench/ingest_large.py --fake-embedder # parsing, chunking and index writing only
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.indexing.store import model_name
from rag.indexing.updates import add_transcript
from rag.settings import DATA_DIR, PROJECT_ROOT, Settings

SAMPLE = PROJECT_ROOT.parent / "shared" / "samples" / "nvda-fy25q3-motley-fool.md"
SEED = DATA_DIR / "transcripts" / "meta-2024q4.zh.txt"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def synthetic_transcript(size_bytes: int) -> str:
    """The sample's call (header and participant list once), its turns repeated up to `size_bytes`."""
    source = SAMPLE if SAMPLE.is_file() else SEED
    text = source.read_text(encoding="utf-8")
    start = text.index("Operator") if "Operator" in text else 0
    end = text.find("Call participants:")
    body = text[start : end if end > 0 else len(text)]
    parts = [text[:start]]
    total = len(parts[0].encode())
    copy = 0
    while total < size_bytes:
        copy += 1
        piece = body.replace("Q3 was another record quarter", f"Q3 was another record quarter (copy {copy})")
        parts.append(piece)
        total += len(piece.encode())
    return "".join(parts) + (text[end:] if end > 0 else "")


class HashEmbedder:
    """Deterministic unit vectors: measures everything but the model."""

    dimension = 384

    def __init__(self, name: str) -> None:
        self.name = name

    def embed(self, texts, *, is_query):  # type: ignore[no-untyped-def]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, default=5.0)
    parser.add_argument("--fake-embedder", action="store_true", help="hash vectors instead of the model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as root:
        folder = Path(root)
        settings = Settings().with_data_dir(folder)
        upload = folder / "large.md"
        upload.write_text(synthetic_transcript(int(args.size_mb * 1024 * 1024)), encoding="utf-8")
        print(
            f"transcript: {upload.stat().st_size / 1e6:.1f} MB "
            f"built from {SAMPLE.name if SAMPLE.is_file() else SEED.name}"
        )
        started = time.perf_counter()
        if args.fake_embedder:
            embedder = HashEmbedder(model_name(settings))
        else:
            from rag.indexing.embedding.embedders import load_embedder

            embedder = load_embedder(settings, for_queries=False, progress=lambda _: None)
        loaded = time.perf_counter()
        print(
            f"embedder: {embedder.name} loaded in {loaded - started:.1f} s; "
            f"peak RSS so far {peak_rss_mb():.0f} MB"
        )
        stages: list[tuple[float, str]] = []

        def progress(message: str) -> None:
            stages.append((time.perf_counter(), message))
            print(f"  [{time.perf_counter() - loaded:7.1f} s] {message}", flush=True)

        result = add_transcript(
            upload, settings, embedder=lambda: embedder, progress=progress, company="Bench", quarter="2025Q3"
        )
        done = time.perf_counter()
        print(
            f"added {result.turns} turns, {result.chunks} passages in {done - loaded:.1f} s "
            f"({upload.stat().st_size / 1e6 / (done - loaded):.2f} MB/s); peak RSS {peak_rss_mb():.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
