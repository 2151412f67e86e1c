"""Embedding throughput of a bulk add against the model's own batch throughput, on one device.

    python bench/bulk_throughput.py [--calls 60] [--device cpu|cuda] [--samples DIR]

Copies `--calls` Motley Fool calls (../shared/samples/motley-fool-100) into a scratch folder, measures
(1) the model alone: SentenceTransformer.encode over all their passages in one call (batch 32, the
model sorting by length), and (2) `add_many` over the folder into a scratch corpus: passages/s inside
the model and end to end, and the time spent committing. Prints both rates, their ratio, the device
used, and the projected time of a 1,380-call folder from the measured passages per call and rates.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.indexing.bulk import add_many  # noqa: E402
from rag.indexing.embedding.embedders import load_embedder  # noqa: E402
from rag.indexing.updates import AddOptions, CorpusState, prepare_call  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.transcripts.metadata_sources import NamePattern  # noqa: E402
from rag.transcripts.speakers import SpeakerDirectory  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--device", default=None, help="cpu, cuda … (default: CUDA when present)")
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    parser.add_argument("--target-calls", type=int, default=1380)
    parser.add_argument("--window", type=int, default=None, help="Settings.bulk_embed_window to try")
    args = parser.parse_args()
    source = sorted((args.samples / "motley-fool-100").glob("*.json"))[: args.calls]
    if not source:
        sys.exit(f"no calls under {args.samples / 'motley-fool-100'}")
    scratch = Path(tempfile.mkdtemp(prefix="bulk-bench-"))
    try:
        folder = scratch / "incoming"
        folder.mkdir()
        for path in source:
            shutil.copy(path, folder / path.name)
        settings = replace(
            Settings(),
            transcripts_dir=scratch / "transcripts",
            index_dir=scratch / "index" / "default",
            embed_device=args.device,
        )
        if args.window:
            settings = replace(settings, bulk_embed_window=args.window)
        options = AddOptions(name_pattern=NamePattern.parse("{ticker}_q{q}_{year}"))
        clock = time.perf_counter()
        model = load_embedder(settings, for_queries=False, progress=lambda _: None)
        load_seconds = time.perf_counter() - clock
        state = CorpusState([], [], None, None, SpeakerDirectory.load(settings.speakers_file), None)  # type: ignore[arg-type]
        texts = []
        for path in folder.iterdir():
            try:
                texts += [c.text for c in prepare_call(path, settings, options, state, lambda _: None).chunks]
            except Exception:  # noqa: BLE001 - refused files are not part of the model's batch
                continue
        model.embed(texts[:64], is_query=False)  # warm-up

        def batch_rate() -> float:
            clock = time.perf_counter()
            model.embed(texts, is_query=False)
            return len(texts) / (time.perf_counter() - clock)

        # the model alone before and after the bulk add: on a shared machine the load changes
        before = batch_rate()
        clock = time.perf_counter()
        report = add_many([folder], settings, options, embedder=lambda: model, progress=lambda _: None)
        wall = time.perf_counter() - clock
        after = batch_rate()
        model_rate = (before + after) / 2
        added = report.count("added")
        bulk_rate = report.embedded / report.embed_seconds
        end_to_end = report.embedded / wall
        per_call = report.embedded / max(1, added)
        print(
            f"device: {getattr(model, 'device', '?')} (model loaded in {load_seconds:.1f} s), "
            f"window {settings.bulk_embed_window} passages"
        )
        print(
            f"calls: {len(source)} ({added} added, {report.count('refused')} refused), "
            f"{report.embedded} passages"
        )
        print(
            f"model alone, one encode over all passages: {model_rate:.1f} passages/s "
            f"(before {before:.1f}, after {after:.1f})"
        )
        print(f"bulk add, inside the model: {bulk_rate:.1f} passages/s ({bulk_rate / model_rate:.0%})")
        print(f"bulk add, end to end: {end_to_end:.1f} passages/s ({end_to_end / model_rate:.0%})")
        print(
            f"commits: {report.commit_seconds:.1f} s in all, "
            f"{report.commit_seconds / max(1, added):.2f} s per call"
        )
        projected = args.target_calls * per_call
        print(
            f"projected {args.target_calls} calls ({projected:.0f} passages at {per_call:.0f} per call): "
            f"embedding {projected / bulk_rate / 60:.0f} min, "
            f"end to end {projected / end_to_end / 60:.0f} min "
            "(commits grow with the corpus: the last ones rewrite the whole index folder)"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
