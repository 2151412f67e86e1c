"""Building the whole index from the transcripts folder: parse every call (each on its own), merge the
people they name into the corpus directory, chunk, embed, and swap the new index folder in."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

import numpy as np

from rag.chunks import Chunk
from rag.errors import IndexUnavailable
from rag.indexing.chunking import chunk_parsed, parse_file
from rag.indexing.embedding.embedders import Embedder
from rag.indexing.files import swap_in_folder
from rag.indexing.journal import recover, update_lock
from rag.indexing.lexical import LexicalIndex, lexical_texts
from rag.indexing.store import IndexStore, index_manifest, model_name, stage_index_folder
from rag.indexing.vector_index import VectorIndex
from rag.settings import Settings
from rag.transcripts.clean import CleaningRules
from rag.transcripts.manifest import CallInfo, load_manifest, sources_hash
from rag.transcripts.parse import ParsedCall
from rag.transcripts.speakers import SpeakerDirectory, merge_people

Progress = Callable[[str], None]


def parse_corpus(settings: Settings, calls: list[CallInfo]) -> tuple[list[ParsedCall], SpeakerDirectory]:
    """Every call parsed against the shipped directory alone (so the order of calls cannot matter), and
    the corpus directory: the shipped one plus the people of each call, merged in file-name order."""
    shipped = SpeakerDirectory.load(settings.speakers_file)
    rules = CleaningRules.load()
    parsed = [parse_file(settings.transcripts_dir / call.file, call, shipped, rules) for call in calls]
    people = [p for one in sorted(parsed, key=lambda one: one.call.file) for p in one.people]
    return parsed, merge_people(shipped, people)


class EmbeddingProgress:
    """Progress lines with passages/s and the time left, about every tenth of the work."""

    def __init__(self, total: int, progress: Progress, label: str = "embedded") -> None:
        self.total, self.progress, self.label = total, progress, label
        self.started = time.perf_counter()
        self.step = max(1, total // 10)
        self.done = 0

    def advance(self, count: int) -> None:
        before, self.done = self.done, self.done + count
        if self.done == self.total or self.done // self.step != before // self.step:
            elapsed = time.perf_counter() - self.started
            rate = self.done / elapsed if elapsed > 0 else 0.0
            left = (self.total - self.done) / rate if rate > 0 else 0.0
            self.progress(
                f"  {self.label} {self.done}/{self.total} passages ({rate:.1f}/s"
                + (f", about {left:.0f} s left)" if self.done < self.total else ")")
            )


def embed_chunks(
    chunks: list[Chunk], embedder: Embedder, progress: Progress = print, batch_size: int = 32
) -> np.ndarray:
    """Passage vectors of `chunks`, embedded in batches into one preallocated array (bounded memory)."""
    vectors = np.empty((len(chunks), embedder.dimension), dtype=np.float32)
    meter = EmbeddingProgress(len(chunks), progress)
    for start in range(0, len(chunks), batch_size):
        batch = chunks[start : start + batch_size]
        vectors[start : start + len(batch)] = embedder.embed([c.text for c in batch], is_query=False)
        meter.advance(len(batch))
    return vectors


def check_embedder(settings: Settings, embedder: Embedder) -> None:
    """The embedder must be the model the settings name, or the index would mix vector spaces."""
    expected = model_name(settings)
    if getattr(embedder, "name", expected) != expected:
        raise IndexUnavailable(
            f"the embedder is {embedder.name!r} but the settings name {expected!r}; load the embedder with "
            "rag.indexing.embedding.embedders.load_embedder(settings, for_queries=False)"
        )


def build_index(settings: Settings, embedder: Embedder, progress: Progress = print) -> IndexStore:
    """Parse, chunk and embed every transcript, and write the index folder atomically."""
    started = time.perf_counter()
    check_embedder(settings, embedder)
    with update_lock(settings.index_dir):
        for line in recover(settings.transcripts_dir, settings.index_dir, locked=True):
            progress(f"Recovery: {line}")
        progress(f"Reading transcripts in {settings.transcripts_dir} …")
        calls = load_manifest(settings.transcripts_dir)
        parsed, directory = parse_corpus(settings, calls)
        chunks = chunk_parsed(parsed, settings.chunking)
        if not chunks:
            raise IndexUnavailable(f"no usable text in the transcripts under {settings.transcripts_dir}")
        progress(f"Embedding {len(chunks)} chunks with {model_name(settings)} …")
        vectors = embed_chunks(chunks, embedder, progress, settings.embed_batch)
        index = VectorIndex.build(vectors)
        lexical = LexicalIndex.build(lexical_texts(chunks))
        source_hash = sources_hash(settings.transcripts_dir, calls)
        manifest = index_manifest(settings, calls, source_hash, chunks, index, started)
        staging = stage_index_folder(settings.index_dir, chunks, vectors, index, lexical, directory, manifest)
        try:
            swap_in_folder(staging, settings.index_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    progress(f"Index written to {settings.index_dir} ({len(chunks)} chunks, {manifest['build_seconds']} s)")
    return IndexStore(chunks=chunks, vectors=index, lexical=lexical, manifest=manifest, directory=directory)
