"""The corpus a spec describes, built once into the per-user cache through the product's own build.

`prepare_corpus(spec, settings)` copies each call's transcript into
~/.cache/earnings-rag/eval/<spec digest>/transcripts/ with a manifest (the spec's metadata, the layout the
product detects; seeds keep their shipped entry), and builds the index beside it with
`rag.indexing.build.build_index`. The next run reuses it when the spec and its sources are unchanged
(the folder is named by their digest), the product's index identity holds (`staleness`: model, chunking,
tokeniser, sources) and the code that turns text into chunks is the same (a digest of its files). Passage
vectors are cached by text, so a rebuild after a parsing change embeds only the passages that changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.evaluation.corpus_spec import CorpusSpec, SpecCall
from rag.indexing.build import build_index
from rag.indexing.embedding.embedders import Embedder, load_embedder
from rag.indexing.store import model_name, staleness
from rag.settings import DATA_DIR, PROJECT_ROOT, Settings, cache_root
from rag.text.glossary import GLOSSARY_FILE, glossary_file
from rag.transcripts.detect_layout import detect_layout
from rag.transcripts.manifest import MANIFEST_NAME, CallInfo
from rag.transcripts.read import read_transcript
from rag.transcripts.speakers import SpeakerDirectory

Progress = Callable[[str], None]
BUILD_RECORD = "eval-build.json"
# What turns a transcript into indexed chunks: a change to any of these files rebuilds the corpus.
CODE_PATTERNS = (
    "rag/transcripts/**/*.py",
    "rag/indexing/**/*.py",
    "rag/text/**/*.py",
    "rag/chunks.py",
    "rag/data/*.json",
    "rag/data/*.txt",
)


def eval_cache_dir() -> Path:
    return cache_root() / "eval"


def code_digest(root: Path = PROJECT_ROOT) -> str:
    """sha256 of the files that decide how a transcript becomes chunks (CODE_PATTERNS)."""
    hasher = hashlib.sha256()
    for path in sorted({p for pattern in CODE_PATTERNS for p in root.glob(pattern) if p.is_file()}):
        hasher.update(str(path.relative_to(root)).encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


@dataclass(frozen=True)
class EvalCorpus:
    """A spec's corpus on disk and the settings that point the product at it."""

    spec: CorpusSpec
    folder: Path
    settings: Settings
    built: bool  # False: reused from an earlier run
    seconds: float  # this run's preparation (the build, when it built)
    chunks: int


def corpus_folder(spec: CorpusSpec, cache: Path | None = None, settings: Settings | None = None) -> Path:
    """The spec's corpus in the cache; one per hand-kept vocabulary (glossary and speakers files), so a
    run without them never overwrites the one with them."""
    folder = (cache or eval_cache_dir()) / spec.digest()[:16]
    if settings is None:
        return folder
    knowledge = hashlib.sha256(glossary_file().read_bytes() + settings.speakers_file.read_bytes())
    shipped = hashlib.sha256(GLOSSARY_FILE.read_bytes() + DATA_DIR.joinpath("speakers.json").read_bytes())
    return (
        folder
        if knowledge.digest() == shipped.digest()
        else folder.with_name(f"{folder.name}-{knowledge.hexdigest()[:8]}")
    )


def corpus_settings(settings: Settings, folder: Path) -> Settings:
    return replace(settings, transcripts_dir=folder / "transcripts", index_dir=folder / "index")


def manifest_entry(call: SpecCall, text: str, directory: SpeakerDirectory) -> dict[str, Any]:
    """The transcripts-manifest entry for a call: a seed's shipped entry, else the spec's metadata and
    the layout the product detects from the text (as `rag add` would)."""
    if call.seed is not None:
        return dict(call.seed)
    guess = detect_layout(text, directory)
    return CallInfo(
        file=call.file_name,
        company=call.company,
        quarter=call.quarter,
        ticker=call.ticker,
        call_date=call.call_date,
        language=call.language,
        layout=guess.layout,
        original_name=call.source,
    ).to_dict()


def write_corpus(spec: CorpusSpec, transcripts_dir: Path, directory: SpeakerDirectory) -> None:
    """Copy every call's file into `transcripts_dir` (replacing what was there) and write its manifest."""
    shutil.rmtree(transcripts_dir, ignore_errors=True)
    transcripts_dir.mkdir(parents=True)
    entries = []
    for call in spec.calls:
        shutil.copyfile(call.path, transcripts_dir / call.file_name)
        entries.append(manifest_entry(call, read_transcript(call.path), directory))
    manifest = {"_about": f"Evaluation corpus built from {spec.path.name}; do not edit.", "calls": entries}
    (transcripts_dir / MANIFEST_NAME).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def reusable(folder: Path, settings: Settings, digest: str) -> bool:
    """The corpus in `folder` was built by this code and the product finds its index current."""
    record = folder / BUILD_RECORD
    if not record.is_file() or not (settings.transcripts_dir / MANIFEST_NAME).is_file():
        return False
    try:
        recorded = json.loads(record.read_text(encoding="utf-8")).get("code_digest")
    except ValueError:
        return False
    return recorded == digest and staleness(settings) is None


def describe_corpus(prepared: EvalCorpus) -> str:
    how = f"built in {prepared.seconds:.0f} s" if prepared.built else "reused"
    return (
        f"{prepared.spec.path.name}: {len(prepared.spec.calls)} calls, {prepared.chunks} chunks, "
        f"{how} ({prepared.folder})"
    )


def prepare_corpus(
    spec: CorpusSpec,
    settings: Settings,
    *,
    cache: Path | None = None,
    embedder: Embedder | None = None,
    progress: Progress = print,
) -> EvalCorpus:
    """The spec's corpus and index in the cache, built now or reused (module docstring)."""
    started = time.perf_counter()
    folder = corpus_folder(spec, cache, settings)
    eval_settings = corpus_settings(settings, folder)
    digest = code_digest()
    if reusable(folder, eval_settings, digest):
        chunks = json.loads((eval_settings.index_dir / "manifest.json").read_text(encoding="utf-8"))
        progress(f"Evaluation corpus {spec.path.name}: reusing {folder} ({len(spec.calls)} calls)")
        return EvalCorpus(
            spec, folder, eval_settings, False, time.perf_counter() - started, chunks["chunk_count"]
        )
    progress(f"Evaluation corpus {spec.path.name}: building {len(spec.calls)} calls into {folder} …")
    write_corpus(spec, eval_settings.transcripts_dir, SpeakerDirectory.load(settings.speakers_file))
    vectors = PassageVectorCache(
        (cache or eval_cache_dir()) / "vectors", model_name(settings), embedder, settings, progress
    )
    store = build_index(eval_settings, vectors, progress)
    vectors.save()
    seconds = time.perf_counter() - started
    record = {
        "spec": str(spec.path),
        "code_digest": digest,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "seconds": round(seconds, 1),
        "chunks": len(store.chunks),
        "embedded_now": vectors.embedded,
    }
    (folder / BUILD_RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    progress(
        f"Evaluation corpus built in {seconds:.0f} s ({len(store.chunks)} chunks, "
        f"{vectors.embedded} embedded now, the rest from the vector cache)"
    )
    return EvalCorpus(spec, folder, eval_settings, True, seconds, len(store.chunks))


class PassageVectorCache:
    """An Embedder for passages that remembers every vector by the sha256 of its text, on disk per model.

    The model itself is loaded only when a text is not cached yet."""

    def __init__(
        self,
        folder: Path,
        name: str,
        inner: Embedder | None,
        settings: Settings,
        progress: Progress = print,
    ) -> None:
        self.name = name
        self.folder = folder / hashlib.sha256(name.encode()).hexdigest()[:16]
        self._inner = inner
        self._settings = settings
        self._progress = progress
        self.embedded = 0
        self._keys: list[str] = []
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._new: list[np.ndarray] = []
        keys_file, vectors_file = self.folder / "keys.json", self.folder / "vectors.npy"
        if keys_file.is_file() and vectors_file.is_file():
            keys = json.loads(keys_file.read_text(encoding="utf-8"))
            vectors = np.load(vectors_file)
            if len(keys) == len(vectors):
                self._keys, self._vectors = list(keys), vectors
                self._rows = {key: row for row, key in enumerate(keys)}
        self.dimension = int(self._vectors.shape[1]) if len(self._vectors) else self._model().dimension

    def _model(self) -> Embedder:
        if self._inner is None:
            self._inner = load_embedder(self._settings, for_queries=False, progress=self._progress)
        return self._inner

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if is_query:
            return self._model().embed(texts, is_query=True)
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        missing = [i for i, key in enumerate(keys) if key not in self._rows]
        if missing:
            fresh = self._model().embed([texts[i] for i in missing], is_query=False).astype(np.float32)
            self.embedded += len(missing)
            for i, vector in zip(missing, fresh, strict=True):
                if keys[i] not in self._rows:
                    self._rows[keys[i]] = len(self._keys)
                    self._keys.append(keys[i])
                    self._new.append(vector)
        if self._new:
            base = self._vectors if len(self._vectors) else np.zeros((0, len(self._new[0])), np.float32)
            self._vectors = np.vstack([base, *self._new])
            self._new = []
        return self._vectors[[self._rows[key] for key in keys]]

    def save(self) -> None:
        """Write the cache (atomically: a temporary file renamed over the old one)."""
        if not self._keys:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / "vectors.tmp.npy"
        np.save(temporary, self._vectors)
        temporary.replace(self.folder / "vectors.npy")
        keys = self.folder / "keys.tmp.json"
        keys.write_text(json.dumps(self._keys), encoding="utf-8")
        keys.replace(self.folder / "keys.json")
