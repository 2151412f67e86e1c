"""The index on disk: a plain folder with the vectors, the chunks as JSON lines, the speaker
directory of the corpus, and a manifest that says what built it.

A stale index (other sources, model, chunking or tokeniser) is detected and rebuilt, never silently
used; an index folder is written beside the old one and swapped in, so a crash leaves the old one
usable. Reading an index never changes anything on disk (recovery is rag.indexing.journal.recover).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunks import Chunk
from rag.errors import IndexUnavailable
from rag.indexing.chunk_store import (
    CHUNK_STORE,
    LOOKUP_COLUMNS,
    STORE_FORMAT,
    ChunkTable,
    RowLookup,
    write_chunk_store,
)
from rag.indexing.embedding.materialize import default_model_name
from rag.indexing.lexical import LexicalIndex, lexical_identity
from rag.indexing.vector_index import VectorIndex
from rag.indexing.vector_store import DenseSearch, FaissSearch, RowFilter
from rag.settings import DEFAULT_E5_MODEL, Settings
from rag.transcripts.manifest import CallInfo, load_manifest, sources_hash
from rag.transcripts.speakers import SpeakerDirectory

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
# how far back from an answer its question is looked for (a long answer's earlier parts lie between)
_QUESTION_ROWS_BACK = 12
SPEAKERS = "speakers.json"
VECTORS = "vectors.npy"  # the embeddings as computed: a call is removed without re-embedding the rest
REBUILD = "run `rag build --force` to rebuild it"


def model_name(settings: Settings) -> str:
    """The embedding model identity recorded in the manifest."""
    return default_model_name() if settings.embedding_model == DEFAULT_E5_MODEL else settings.embedding_model


@dataclass
class IndexStore:
    """Chunks, their vectors, and row-id lookups for the filters, loaded from one index folder.

    `chunks` is a list (built in memory, or an index folder from before the chunk store) or the folder's
    ChunkTable, which reads passages and a filter's rows only when asked."""

    chunks: Sequence[Chunk]
    vectors: VectorIndex
    lexical: LexicalIndex
    manifest: dict[str, Any]
    directory: SpeakerDirectory
    rows_by: dict[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    # another engine over the same rows (a Milvus collection, rag.indexing.milvus_store); None: FAISS
    dense_backend: DenseSearch | None = None

    def __post_init__(self) -> None:
        self._quarters_of: dict[str, list[str]] | None = None
        if isinstance(self.chunks, ChunkTable):
            table = self.chunks
            self.rows_by = {key: RowLookup(table, key) for key in LOOKUP_COLUMNS}
            named = set(table.values("speaker", attributed=True))
            self._speakers = [p.name for p in self.directory.people if p.name in named]
            return
        lookups: dict[str, dict[str, list[int]]] = {key: {} for key in LOOKUP_COLUMNS}
        for row, chunk in enumerate(self.chunks):
            for key, value in (
                ("speaker", chunk.speaker),
                ("quarter", chunk.quarter),
                ("company", chunk.company),
                ("kind", chunk.kind),
                ("language", chunk.language),
            ):
                lookups[key].setdefault(value, []).append(row)
        self.rows_by = {
            key: {value: np.asarray(rows, dtype=np.int64) for value, rows in values.items()}
            for key, values in lookups.items()
        }
        named = {c.speaker for c in self.chunks if c.attributed}
        self._speakers = [p.name for p in self.directory.people if p.name in named]

    def text(self, row: int) -> str:
        """The text of the passage in `row` (read from the chunk store when the index has one)."""
        return self.chunks[row].text

    def question_answered(self, row: int) -> str:
        """The analyst question the answer in `row` replies to ("" for other passages): the last question
        turn at or before the one it replies to (a one-line "Sorry about that." makes no passage), a few
        rows before it in the same call."""
        answer = self.chunks[row]
        if answer.replies_to_turn is None:
            return ""
        parts: list[str] = []
        turn = -1
        for before in range(row - 1, max(-1, row - _QUESTION_ROWS_BACK), -1):
            chunk = self.chunks[before]
            if chunk.source != answer.source or (parts and chunk.turn != turn):
                break
            if chunk.kind == "question" and chunk.turn <= answer.replies_to_turn:
                turn = chunk.turn
                parts.append(chunk.text)
        return "\n".join(reversed(parts))

    def speakers_of(self, company: str) -> list[str]:
        """Named people who speak on the company's calls, in directory order."""
        if isinstance(self.chunks, ChunkTable):
            named = set(self.chunks.speakers_of(company))
        else:
            named = {c.speaker for c in self.chunks if c.company == company and c.attributed}
        return [name for name in self._speakers if name in named]

    @property
    def dense(self) -> DenseSearch:
        """The vector engine retrieval searches: the Milvus collection when one is attached, else FAISS."""
        return self.dense_backend if self.dense_backend is not None else FaissSearch(self.vectors)

    def rows_matching(self, where: RowFilter) -> np.ndarray:
        """The sorted row ids `where` allows (every field's values united, the fields intersected)."""
        allowed: np.ndarray | None = None
        for name, values in where.fields().items():
            lookup = self.rows_by[name]
            arrays = [lookup[v] for v in values if v in lookup]
            rows = np.unique(np.concatenate(arrays)) if arrays else np.empty(0, dtype=np.int64)
            allowed = rows if allowed is None else np.intersect1d(allowed, rows, assume_unique=True)
        return np.arange(len(self.chunks), dtype=np.int64) if allowed is None else allowed.astype(np.int64)

    @property
    def quarters(self) -> list[str]:
        return sorted(self.rows_by["quarter"])

    @property
    def companies(self) -> list[str]:
        return sorted(self.rows_by["company"])

    @property
    def speakers(self) -> list[str]:
        """Named people who speak in the corpus (role labels such as "Analyst" left out)."""
        return self._speakers

    def quarters_of(self, company: str) -> list[str]:
        """The quarters of a company's calls (read from the manifest once)."""
        if self._quarters_of is None:
            found: dict[str, set[str]] = {}
            for call in self.calls:
                found.setdefault(call.company, set()).add(call.quarter)
            self._quarters_of = {name: sorted(quarters) for name, quarters in found.items()}
        return self._quarters_of.get(company, [])

    @property
    def calls(self) -> list[CallInfo]:
        return [CallInfo.from_dict(c) for c in self.manifest.get("calls", [])]

    @property
    def tickers(self) -> dict[str, set[str]]:
        """The tickers each company's calls record ("Corning": {"GLW"})."""
        found: dict[str, set[str]] = {}
        for call in self.calls:
            if call.ticker:
                found.setdefault(call.company, set()).add(call.ticker)
        return found


def expected_manifest(settings: Settings) -> dict[str, Any]:
    """The fields that must match for an index on disk to be used."""
    calls = load_manifest(settings.transcripts_dir)
    return index_identity(settings, sources_hash(settings.transcripts_dir, calls))


def index_identity(settings: Settings, source_hash: str) -> dict[str, Any]:
    """What an index was built from; any difference from the settings and sources makes it stale."""
    return {
        "format_version": FORMAT_VERSION,
        "model": model_name(settings),
        "chunking": settings.chunking.to_dict(),
        "lexical": lexical_identity(),
        "sources_hash": source_hash,
    }


def staleness(settings: Settings) -> str | None:
    """Why the index on disk cannot be used as it is, or None when it is current (reads only)."""
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


def _write_json(path: Path, data: Any) -> None:
    # one line: json's C encoder only runs without `indent`, and every commit of a bulk add rewrites
    # these files (indented, they were the largest part of a commit at 300 calls)
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")


def stage_index_folder(
    target: Path,
    chunks: list[Chunk],
    vectors: np.ndarray,
    index: VectorIndex,
    lexical: LexicalIndex,
    directory: SpeakerDirectory,
    manifest: dict[str, Any],
    chunk_lines: list[str] | None = None,
) -> Path:
    """A complete index folder beside `target`, not yet swapped in; removed again on any failure."""
    if chunk_lines is not None and len(chunk_lines) != len(chunks):
        raise ValueError(f"{len(chunks)} chunks but {len(chunk_lines)} serialised lines")
    if len(vectors) != len(chunks) or index.count != len(chunks):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors and {index.count} indexed rows")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        index.save(staging)
        lexical.save(staging)
        np.save(staging / VECTORS, np.ascontiguousarray(vectors, dtype=np.float32))
        # `chunk_lines`: the chunks already serialised (a bulk add keeps them across its commits)
        lines = chunk_lines or [json.dumps(c.to_dict(), ensure_ascii=False) for c in chunks]
        with (staging / CHUNKS).open("w", encoding="utf-8") as out:
            for line in lines:
                out.write(line + "\n")
        write_chunk_store(staging / CHUNK_STORE, chunks, lines)
        _write_json(staging / SPEAKERS, directory.to_dict())
        stored = {"chunk_store": STORE_FORMAT, "chunks_bytes": (staging / CHUNKS).stat().st_size}
        _write_json(staging / MANIFEST, {**manifest, **stored})  # last: a folder without it is incomplete
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def load_vectors(settings: Settings, expected_count: int, dimension: int) -> np.ndarray:
    """The stored embeddings of an index (memory-mapped), checked against its chunk count and dimension."""
    path = settings.index_dir / VECTORS
    try:
        vectors = np.load(path, mmap_mode="r")
    except FileNotFoundError as err:
        raise IndexUnavailable(f"the index at {settings.index_dir} has no {VECTORS}; {REBUILD}") from err
    except (OSError, ValueError) as err:
        raise IndexUnavailable(f"{path} is unreadable ({err}); {REBUILD}") from err
    if vectors.shape != (expected_count, dimension):
        raise IndexUnavailable(
            f"{path} holds vectors of shape {vectors.shape}, the index has {expected_count} chunks of "
            f"dimension {dimension}; {REBUILD}"
        )
    return vectors


def index_version(folder: Path) -> tuple[int, int] | None:
    """Identifies the index folder's current contents (its manifest's inode and change time): every
    update swaps in a new folder, so this changes whenever another process adds or removes a call."""
    try:
        stat = os.stat(folder / MANIFEST)
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def load_index(settings: Settings) -> IndexStore:
    """Open the index folder, checking it is complete and consistent; never use a damaged one silently.
    Passages stay in the chunk store until asked for (a folder written before it had one is read whole)."""
    folder = settings.index_dir
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        chunks = _open_chunks(folder, manifest)
        directory = SpeakerDirectory.from_dict(json.loads((folder / SPEAKERS).read_text(encoding="utf-8")))
    except FileNotFoundError as err:
        raise IndexUnavailable(
            f"the index at {folder} is incomplete ({Path(err.filename).name} missing); {REBUILD}"
        ) from err
    except (ValueError, TypeError, KeyError, sqlite3.DatabaseError) as err:
        raise IndexUnavailable(f"the index at {folder} is corrupt ({err}); {REBUILD}") from err
    if manifest.get("model") != model_name(settings):
        raise IndexUnavailable(
            f"the index at {folder} was built with the embedding model {manifest.get('model')!r}, "
            f"not {model_name(settings)!r} as the settings say; {REBUILD}"
        )
    if len(chunks) != manifest.get("chunk_count"):
        raise IndexUnavailable(
            f"the index at {folder} is corrupt ({len(chunks)} chunks, "
            f"manifest says {manifest.get('chunk_count')}); {REBUILD}"
        )
    vectors = VectorIndex.load(folder, expected_dimension=manifest["dimension"], expected_count=len(chunks))
    try:
        lexical = LexicalIndex.load(folder)
    except (OSError, ValueError, KeyError) as err:
        raise IndexUnavailable(f"the lexical index at {folder} is unreadable ({err}); {REBUILD}") from err
    return IndexStore(chunks=chunks, vectors=vectors, lexical=lexical, manifest=manifest, directory=directory)


def load_chunks(settings: Settings) -> Sequence[Chunk]:
    """The index's passages alone (what `rag list` counts), checked like `load_index` checks them,
    without loading the vectors, the lexical index or the speaker directory."""
    folder = settings.index_dir
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        chunks = _open_chunks(folder, manifest)
    except FileNotFoundError as err:
        raise IndexUnavailable(
            f"the index at {folder} is incomplete ({Path(err.filename).name} missing); {REBUILD}"
        ) from err
    except (ValueError, TypeError, KeyError, sqlite3.DatabaseError) as err:
        raise IndexUnavailable(f"the index at {folder} is corrupt ({err}); {REBUILD}") from err
    if len(chunks) != manifest.get("chunk_count"):
        raise IndexUnavailable(
            f"the index at {folder} is corrupt ({len(chunks)} chunks, "
            f"manifest says {manifest.get('chunk_count')}); {REBUILD}"
        )
    return chunks


def _open_chunks(folder: Path, manifest: dict[str, Any]) -> Sequence[Chunk]:
    """The folder's chunk store, opened (chunks.jsonl checked by its size, not read); or, for a folder
    from before the store, every chunk read from chunks.jsonl."""
    if manifest.get("chunk_store") is None:
        return [
            Chunk.from_dict(json.loads(line))
            for line in (folder / CHUNKS).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    if manifest["chunk_store"] != STORE_FORMAT:
        raise ValueError(f"chunk store {manifest['chunk_store']!r}, this version reads {STORE_FORMAT!r}")
    size = (folder / CHUNKS).stat().st_size
    if size != manifest.get("chunks_bytes"):
        raise ValueError(f"{CHUNKS} holds {size} bytes, the manifest says {manifest.get('chunks_bytes')}")
    store = folder / CHUNK_STORE
    if not store.is_file():
        raise FileNotFoundError(2, "missing", str(store))
    return ChunkTable(store)
