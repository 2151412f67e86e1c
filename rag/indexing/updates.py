"""Adding a user's transcript to the corpus, listing the corpus, and taking a call out of it.

An added file is copied into the transcripts folder as UTF-8 under a clear name
(`<company>-<quarter>.<language>.txt`, `.json` for JSON transcripts), recorded in the manifest with
its detected layout and content hash, parsed, embedded and appended to the index: vectors already in
the index are never recomputed. The same content added again changes nothing. A file for a call
already in the corpus (same company, quarter and language) is refused unless `replace=True`, which
swaps the old call out. Every update is staged beside the old state and committed through a journal
(rag.indexing.journal): a failure or Ctrl-C at any point leaves the previous corpus and index usable.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.chunks import Chunk
from rag.errors import RagError, TranscriptError
from rag.indexing.build import build_index, check_embedder, embed_chunks
from rag.indexing.chunk_store import ChunkTable
from rag.indexing.chunking import chunk_turns
from rag.indexing.embedding.embedders import Embedder
from rag.indexing.journal import STAGED_MARK, Update, recover, sweep_staged_files, update_lock
from rag.indexing.lexical import LexicalIndex, lexical_texts
from rag.indexing.store import (
    VECTORS,
    IndexStore,
    index_manifest,
    index_version,
    load_chunks,
    load_index,
    load_vectors,
    stage_index_folder,
    staleness,
)
from rag.indexing.vector_index import VectorIndex
from rag.settings import Settings
from rag.text.names import closest_names, name_key
from rag.text.tokens import tokenize
from rag.transcripts.clean import CleaningRules
from rag.transcripts.detect_layout import detect_layout
from rag.transcripts.json_layout import looks_like_json_transcript, split_json_turns
from rag.transcripts.manifest import (
    LAYOUT_NAMES,
    MANIFEST_NAME,
    CallInfo,
    corpus_summary,
    file_name_for,
    manifest_bytes,
    manifest_calls,
    sources_hash,
)
from rag.transcripts.metadata import check_quarter, resolve_metadata
from rag.transcripts.metadata_sources import NamePattern
from rag.transcripts.parse import parse_call
from rag.transcripts.read import read_transcript, read_transcript_file
from rag.transcripts.speakers import SpeakerDirectory, merge_people

Progress = Callable[[str], None]
EmbedderFactory = Callable[[], Embedder]


@dataclass(frozen=True)
class AddResult:
    status: str  # "added" | "replaced" | "unchanged"
    call: CallInfo
    turns: int  # speaker turns parsed from the file
    chunks: int  # passages indexed
    speakers: tuple[str, ...]  # people the file names (role labels such as "Analyst" left out)
    message: str


@dataclass(frozen=True)
class CallSummary:
    call: CallInfo
    turns: int  # turns with indexed text
    chunks: int
    speakers: tuple[str, ...]


# --- the corpus as it is ---------------------------------------------------------------------------


def _content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stored_hash(settings: Settings, call: CallInfo) -> str | None:
    if call.content_sha256:
        return call.content_sha256
    try:
        return _content_hash(read_transcript(settings.transcripts_dir / call.file))
    except TranscriptError:
        return None


def _current_store(
    settings: Settings, calls: list[CallInfo], embedder: EmbedderFactory, progress: Progress
) -> IndexStore | None:
    """The index of the corpus as it is (rebuilt first when stale), or None for an empty corpus."""
    if not calls:
        return None
    reason = staleness(settings)
    if reason is not None:
        progress(f"The index is not current ({reason}); rebuilding it before the update …")
        return build_index(settings, embedder(), progress)
    store = load_index(settings)
    if not (settings.index_dir / VECTORS).is_file():
        progress("The index has no stored vectors (built by an older version); rebuilding it once …")
        return build_index(settings, embedder(), progress)
    return store


def _stage_text(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".{name}{STAGED_MARK}{uuid.uuid4().hex[:8]}"
    with staged.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return staged


def _prune_directory(
    directory: SpeakerDirectory, settings: Settings, chunks: list[Chunk], calls: list[CallInfo]
) -> SpeakerDirectory:
    """People who still speak, are shipped in speakers.json, or are remembered by a remaining call."""
    keep = {p.name for p in SpeakerDirectory.load(settings.speakers_file).people}
    keep |= {c.speaker for c in chunks if c.attributed}
    keep |= {p["name"] for call in calls for p in call.speakers}
    return SpeakerDirectory(
        people=[p for p in directory.people if p.name in keep],
        role_aliases=directory.role_aliases,
        firm_aliases=directory.firm_aliases,
    )


def _commit(
    settings: Settings,
    calls: list[CallInfo],
    chunks: list[Chunk],
    vectors: np.ndarray,
    index: VectorIndex | None,
    lexical: LexicalIndex | None,
    directory: SpeakerDirectory,
    update: Update,
    staged_files: dict[str, Path],
    started: float,
    chunk_lines: list[str] | None = None,
) -> None:
    """Stage the manifest and the index folder for the new state, then commit all of it."""
    manifest_path = settings.transcripts_dir / MANIFEST_NAME
    update.moves.append(
        (
            _stage_text(
                settings.transcripts_dir, MANIFEST_NAME, manifest_bytes(settings.transcripts_dir, calls)
            ),
            manifest_path,
        )
    )
    if chunks:
        assert index is not None
        lexical = lexical or LexicalIndex.build(lexical_texts(chunks))
        digest = sources_hash(settings.transcripts_dir, calls, staged_files)
        manifest = index_manifest(settings, calls, digest, chunks, index, started)
        update.staged_index = stage_index_folder(
            settings.index_dir, chunks, vectors, index, lexical, directory, manifest, chunk_lines
        )
    else:
        update.remove_index = True
    update.commit()


# --- add -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddOptions:
    """What the user said about the files beside their text (flags, a name pattern, a manifest)."""

    company: str | None = None
    quarter: str | None = None
    call_date: str | None = None
    language: str | None = None
    ticker: str | None = None
    replace_existing: bool = False
    name_pattern: NamePattern | None = None
    manifest: dict[str, dict[str, Any]] = field(default_factory=dict)

    def given(self) -> dict[str, str | None]:
        return {
            "company": self.company,
            "quarter": self.quarter,
            "call_date": self.call_date,
            "language": self.language,
            "ticker": self.ticker,
        }


@dataclass(frozen=True)
class PreparedCall:
    """A file read, its metadata decided, parsed and chunked: everything but the vectors."""

    path: Path
    call: CallInfo
    text: str
    turns: int
    chunks: list[Chunk]
    people: list[Any]
    speakers: tuple[str, ...]
    replaces: frozenset[str]  # files of the corpus this call replaces (--replace)
    evidence: dict[str, str]
    unchanged: AddResult | None = None  # set when the same content is already in the corpus


@dataclass
class CommitCache:
    """What one commit computed that the next can reuse while the corpus only grows: each passage's
    BM25 token ids over a vocabulary of exactly the corpus's tokens, and its JSON line."""

    vocab: dict[str, int] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)  # lexical text -> token ids
    lines: dict[str, str] = field(default_factory=dict)  # chunk id -> its line in chunks.jsonl

    def extended(self, chunks: list[Chunk]) -> tuple[CommitCache, LexicalIndex, list[str]]:
        """A cache that also covers `chunks`, the BM25 index over them and their JSON lines; this
        cache is left as it is, so an update that fails adds nothing to it."""
        vocab, ids, lines = dict(self.vocab), dict(self.ids), dict(self.lines)
        texts = lexical_texts(chunks)
        for text in texts:
            if text not in ids:
                ids[text] = [vocab.setdefault(token, len(vocab)) for token in tokenize(text) or ["∅"]]
        for chunk in chunks:
            if chunk.id not in lines:
                lines[chunk.id] = json.dumps(chunk.to_dict(), ensure_ascii=False)
        lexical = LexicalIndex.from_token_ids([ids[t] for t in texts], vocab)
        return CommitCache(vocab, ids, lines), lexical, [lines[c.id] for c in chunks]


@dataclass
class CorpusState:
    """The corpus as the last commit left it, kept in memory across the commits of a bulk add so
    that each commit does not reload the index (`version` tells when another process changed it)."""

    calls: list[CallInfo]
    chunks: list[Chunk]
    vectors: np.ndarray
    index: VectorIndex | None
    directory: SpeakerDirectory
    version: tuple[int, int] | None
    cache: CommitCache = field(default_factory=lambda: CommitCache())

    @property
    def known_tickers(self) -> dict[str, str]:
        return {c.ticker.upper(): c.company for c in self.calls if c.ticker}


def load_state(settings: Settings, embedder: EmbedderFactory, progress: Progress) -> CorpusState:
    """The corpus and its index as they are on disk (rebuilt first when stale)."""
    calls = manifest_calls(settings.transcripts_dir)
    store = _current_store(settings, calls, embedder, progress)
    if store is None:
        shipped = SpeakerDirectory.load(settings.speakers_file)
        return CorpusState(calls, [], np.zeros((0, 0), dtype=np.float32), None, shipped, None)
    vectors = np.asarray(load_vectors(settings, len(store.chunks), store.vectors.dimension))
    return CorpusState(
        calls, list(store.chunks), vectors, store.vectors, store.directory, index_version(settings.index_dir)
    )


def _current_state(
    state: CorpusState | None, settings: Settings, embedder: EmbedderFactory, progress: Progress
) -> CorpusState:
    if state is not None and state.version == index_version(settings.index_dir):
        return state
    return load_state(settings, embedder, progress)


def prepare_call(
    path: Path, settings: Settings, options: AddOptions, state: CorpusState, progress: Progress = print
) -> PreparedCall:
    """Read a file, decide its metadata (or refuse it), parse and chunk it; nothing is written."""
    decoded = read_transcript_file(path)
    text = decoded.text
    from_name = options.name_pattern.fields(path) if options.name_pattern is not None else None
    if options.name_pattern is not None and from_name is None:
        progress(f"{path.name}: the name does not match --name-pattern; reading the text alone")
    meta = resolve_metadata(
        path,
        split_json_turns(text, CleaningRules.load()).text if looks_like_json_transcript(text) else text,
        options.given(),
        progress,
        from_name=from_name,
        from_manifest=options.manifest.get(path.name),
        known_tickers=state.known_tickers,
    )
    evidence = meta.pop("evidence", {})
    digest = _content_hash(text)
    for call in state.calls:
        if _stored_hash(settings, call) == digest:
            message = (
                f"{path.name} is already in the corpus as {call.file} ({call.company} {call.quarter}); "
                "nothing changed"
            )
            unchanged = AddResult("unchanged", call, 0, 0, tuple(p["name"] for p in call.speakers), message)
            return PreparedCall(
                path, call, text, 0, [], [], unchanged.speakers, frozenset(), evidence, unchanged
            )
    known_company = next(
        (c.company for c in state.calls if name_key(c.company) == name_key(meta["company"])), None
    )
    meta["company"] = known_company or meta["company"]
    same_call = [
        c
        for c in state.calls
        if name_key(c.company) == name_key(meta["company"])
        and c.quarter == meta["quarter"]
        and c.language == meta["language"]
    ]
    if same_call and not options.replace_existing:
        old = same_call[0]
        raise RagError(
            f"{old.company} {old.quarter} ({old.language}) is already in the corpus as {old.file} "
            f"(from {old.original_name or old.file}); pass --replace to replace it with {path.name}"
        )
    layout, hints = _layout_for(text, meta, state.directory, progress)
    final = file_name_for(meta["company"], meta["quarter"], meta["language"], layout)
    call = CallInfo(
        file=final,
        company=meta["company"],
        quarter=meta["quarter"],
        ticker=meta.get("ticker"),
        call_date=meta.get("call_date"),
        language=meta["language"],
        publisher=meta.get("publisher"),
        layout=layout,
        hints=hints,
        fiscal_period=meta.get("fiscal_period"),
        calendar_quarter=meta.get("calendar_quarter"),
        original_name=path.name,
        original_encoding=decoded.encoding,
        content_sha256=digest,
        added_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    parsed = parse_call(text, call, state.directory, CleaningRules.load())
    chunks = chunk_turns(parsed.turns, call, settings.chunking, parsed.pages)
    if not chunks:
        raise TranscriptError(
            f"{path.name}: no usable text: {len(parsed.turns)} turns parsed with layout {layout}, none with "
            "enough words to index"
        )
    speakers = tuple(dict.fromkeys(c.speaker for c in chunks if c.attributed))
    people = [p for p in parsed.people if p.name in speakers]
    call = replace(call, speakers=[p.to_dict() for p in people])
    progress(
        f"Parsed {len(parsed.turns)} turns into {len(chunks)} passages; "
        f"speakers: {', '.join(speakers) or 'none named'}"
    )
    return PreparedCall(
        path,
        call,
        text,
        len(parsed.turns),
        chunks,
        people,
        speakers,
        frozenset(c.file for c in same_call),
        evidence,
    )


def commit_call(
    prepared: PreparedCall,
    vectors: np.ndarray,
    settings: Settings,
    state: CorpusState | None,
    embedder: EmbedderFactory,
    progress: Progress = print,
) -> tuple[AddResult, CorpusState]:
    """Commit one prepared call with its vectors, on its own, through the journal; returns the
    result and the corpus state after it."""
    started = time.perf_counter()
    with update_lock(settings.index_dir):
        for line in recover(settings.transcripts_dir, settings.index_dir, locked=True):
            progress(f"Recovery: {line}")
        sweep_staged_files(settings.transcripts_dir, settings.index_dir)
        state = _current_state(state, settings, embedder, progress)
        on_disk = {c.file for c in state.calls}
        if prepared.call.file in on_disk - prepared.replaces:
            old = next(c for c in state.calls if c.file == prepared.call.file)
            raise RagError(
                f"{prepared.call.company} {prepared.call.quarter} is already in the corpus as {old.file}; "
                f"pass --replace to replace it with {prepared.path.name}"
            )
        digest = prepared.call.content_sha256
        twin = next((c for c in state.calls if c.content_sha256 and c.content_sha256 == digest), None)
        if twin is not None:
            message = f"{prepared.path.name} is already in the corpus as {twin.file}; nothing changed"
            return AddResult("unchanged", twin, 0, 0, prepared.speakers, message), state
        call, final, removed = prepared.call, prepared.call.file, prepared.replaces
        remaining = [c for c in state.calls if c.file not in removed]
        update = Update(settings.index_dir)
        try:
            staged = _stage_text(settings.transcripts_dir, final, prepared.text.encode("utf-8"))
            update.moves.append((staged, settings.transcripts_dir / final))
            update.deletes.extend(settings.transcripts_dir / f for f in removed if f != final)
            directory = merge_people(state.directory, prepared.people)
            keep = [i for i, c in enumerate(state.chunks) if c.source not in removed]
            chunks = [state.chunks[i] for i in keep] + prepared.chunks
            if state.index is not None and len(keep) == len(state.chunks):
                all_vectors = np.concatenate([state.vectors, vectors])
                index = state.index.copy()
                index.add(vectors)  # the existing rows stay as they are
            else:
                kept = state.vectors[keep] if state.index is not None else vectors[:0]
                all_vectors = np.concatenate([kept, vectors])
                index = VectorIndex.build(all_vectors)
            new_calls = [*remaining, call]
            directory = _prune_directory(directory, settings, chunks, new_calls)
            # a call taken out leaves tokens in the vocabulary that no passage has: start afresh
            cache = state.cache if len(keep) == len(state.chunks) else CommitCache()
            cache, lexical, lines = cache.extended(chunks)
            _commit(
                settings,
                new_calls,
                chunks,
                all_vectors,
                index,
                lexical,
                directory,
                update,
                {final: staged},
                started,
                lines,
            )
        except BaseException:
            update.discard()
            raise
    after = CorpusState(
        new_calls, chunks, all_vectors, index, directory, index_version(settings.index_dir), cache
    )
    status = "replaced" if removed else "added"
    pages = [c.page for c in prepared.chunks if c.page is not None]
    page = f", pages {min(pages)}-{max(pages)}" if pages else ""
    message = (
        f"{'Replaced' if removed else 'Added'} {call.company} {call.quarter} as {final}: "
        f"{prepared.turns} turns, "
        f"{len(prepared.chunks)} passages{page}, speakers: {', '.join(prepared.speakers) or 'none named'}"
    )
    progress(message)
    return AddResult(status, call, prepared.turns, len(prepared.chunks), prepared.speakers, message), after


def add_transcript(
    path: Path,
    settings: Settings,
    *,
    company: str | None = None,
    quarter: str | None = None,
    call_date: str | None = None,
    language: str | None = None,
    ticker: str | None = None,
    replace_existing: bool = False,
    embedder: EmbedderFactory | None = None,
    progress: Progress = print,
) -> AddResult:
    """Add one transcript file to the corpus and the index (see the module docstring)."""
    embedder = embedder or _default_embedder(settings, progress)
    options = AddOptions(company, quarter, call_date, language, ticker, replace_existing)
    with update_lock(settings.index_dir):
        for line in recover(settings.transcripts_dir, settings.index_dir, locked=True):
            progress(f"Recovery: {line}")
        sweep_staged_files(settings.transcripts_dir, settings.index_dir)
        state = load_state(settings, embedder, progress)
        prepared = prepare_call(path, settings, options, state, progress)
        if prepared.unchanged is not None:
            progress(prepared.unchanged.message)
            return prepared.unchanged
        progress(f"Embedding {len(prepared.chunks)} passages …")
        model = embedder()
        check_embedder(settings, model)
        vectors = embed_chunks(prepared.chunks, model, progress, settings.embed_batch)
        result, _ = commit_call(prepared, vectors, settings, state, embedder, progress)
    return result


def _default_embedder(settings: Settings, progress: Progress) -> EmbedderFactory:
    loaded: list[Embedder] = []

    def load() -> Embedder:
        if not loaded:
            from rag.indexing.embedding.embedders import load_embedder

            loaded.append(load_embedder(settings, for_queries=False, progress=progress))
        return loaded[0]

    return load


def _layout_for(
    text: str, meta: dict[str, Any], directory: SpeakerDirectory, progress: Progress
) -> tuple[str, dict[str, Any]]:
    hints = dict(meta.get("hints") or {})
    if meta.get("layout"):
        if meta["layout"] not in LAYOUT_NAMES:
            raise RagError(f"layout {meta['layout']!r} is unknown; allowed: {', '.join(LAYOUT_NAMES)}")
        progress(f"layout: {meta['layout']} (from the sidecar)")
        return meta["layout"], hints
    guess = detect_layout(text, directory)
    progress(f"layout: {guess.layout} (detected, confidence {guess.confidence:.2f}: {guess.reason})")
    return guess.layout, hints


# --- remove ----------------------------------------------------------------------------------------


def find_call(
    calls: list[CallInfo], *, file: str | None, company: str | None, quarter: str | None, language: str | None
) -> CallInfo:
    """The one call a `rag remove` names, or an error listing the calls there are."""
    listing = ", ".join(f"{c.company} {c.quarter} ({c.file})" for c in calls) or "none"
    if file:
        matches = [c for c in calls if c.file == file or c.original_name == file]
    else:
        if not quarter:
            raise RagError(
                "name the call to remove: a quarter (with --company when several companies have it) "
                "or a file name"
            )
        wanted = check_quarter(quarter)
        matches = [
            c
            for c in calls
            if c.quarter == wanted
            and (company is None or name_key(c.company) == name_key(company))
            and (language is None or c.language == language)
        ]
    if not matches:
        raise RagError(
            f"no call matches {file or ' '.join(v for v in (company, quarter, language) if v)}; "
            f"the corpus has {listing}"
        )
    if len(matches) > 1:
        which = ", ".join(f"{c.company} {c.quarter} {c.language} ({c.file})" for c in matches)
        raise RagError(
            f"{len(matches)} calls match: {which}; add --company or --language, or give the file name"
        )
    return matches[0]


def remove_call(
    settings: Settings,
    *,
    file: str | None = None,
    company: str | None = None,
    quarter: str | None = None,
    language: str | None = None,
    embedder: EmbedderFactory | None = None,
    progress: Progress = print,
) -> CallInfo:
    """Take one call out of the corpus and the index; the other rows keep their stored vectors."""
    started = time.perf_counter()
    embedder = embedder or _default_embedder(settings, progress)
    with update_lock(settings.index_dir):
        for line in recover(settings.transcripts_dir, settings.index_dir, locked=True):
            progress(f"Recovery: {line}")
        sweep_staged_files(settings.transcripts_dir, settings.index_dir)
        calls = manifest_calls(settings.transcripts_dir)
        call = find_call(calls, file=file, company=company, quarter=quarter, language=language)
        store = _current_store(settings, calls, embedder, progress)
        assert store is not None
        remaining = [c for c in calls if c.file != call.file]
        keep = [i for i, c in enumerate(store.chunks) if c.source != call.file]
        chunks = [store.chunks[i] for i in keep]
        update = Update(settings.index_dir, deletes=[settings.transcripts_dir / call.file])
        try:
            vectors = np.asarray(load_vectors(settings, len(store.chunks), store.vectors.dimension)[keep])
            index = VectorIndex.build(vectors) if chunks else None
            directory = _prune_directory(store.directory, settings, chunks, remaining)
            _commit(settings, remaining, chunks, vectors, index, None, directory, update, {}, started)
        except BaseException:
            update.discard()
            raise
    progress(f"Removed {call.company} {call.quarter} ({call.file}); {len(chunks)} passages remain")
    return call


# --- list ------------------------------------------------------------------------------------------


def list_calls(
    settings: Settings, *, company: str | None = None, quarter: str | None = None
) -> list[CallSummary]:
    """The calls in the manifest (of one company, one quarter or year, when given) with their indexed
    turns, passages and named speakers."""
    calls = manifest_calls(settings.transcripts_dir)
    if not calls:
        return []
    calls = filter_calls(calls, company=company, quarter=quarter)
    reason = staleness(settings)
    if reason is not None:
        raise RagError(f"the index is not current ({reason}); run `rag build` first")
    chunks = load_chunks(settings)  # no vectors, lexical index or speaker directory needed
    if isinstance(chunks, ChunkTable):  # counted by the store's columns: no passage read
        counts = chunks.call_counts()
        return [CallSummary(call, *counts.get(call.file, (0, 0, ()))) for call in calls]
    wanted = {c.file for c in calls}
    turns: dict[str, set[int]] = {f: set() for f in wanted}
    passages = dict.fromkeys(wanted, 0)
    speakers: dict[str, dict[str, None]] = {f: {} for f in wanted}
    for chunk in chunks:  # one pass, grouped by file (was one pass per call)
        if chunk.source in wanted:
            turns[chunk.source].add(chunk.turn)
            passages[chunk.source] += 1
            if chunk.attributed:
                speakers[chunk.source][chunk.speaker] = None
    return [
        CallSummary(call, len(turns[call.file]), passages[call.file], tuple(speakers[call.file]))
        for call in calls
    ]


def filter_calls(calls: list[CallInfo], *, company: str | None, quarter: str | None) -> list[CallInfo]:
    """The calls of `company` (any case and spacing) and `quarter` (2024Q4, or a year: 2024); a name
    or quarter the corpus lacks is refused with the closest ones it has."""
    if company:
        matched = [c for c in calls if name_key(c.company) == name_key(company)]
        if not matched:
            near = closest_names(company, sorted({c.company for c in calls}))
            hint = f"; closest: {', '.join(near)}" if near else ""
            raise RagError(f"no call of company {company!r} in the corpus{hint}")
        calls = matched
    if quarter:
        year = quarter.strip()
        if year.isdigit() and len(year) == 4:
            calls = [c for c in calls if c.quarter.startswith(year)]
        else:
            wanted = check_quarter(quarter)
            calls = [c for c in calls if c.quarter == wanted]
    return calls


def format_call_list(summaries: list[CallSummary], *, speakers: bool = True) -> str:
    """One line per call (and its speakers unless `speakers` is False), then the corpus summary."""
    if not summaries:
        return "The corpus is empty; add transcripts with `rag add FILE --company C --quarter Q`."
    lines = []
    for s in summaries:
        c = s.call
        lines.append(
            f"{c.company} {c.quarter} [{c.language}] {c.file} — layout {c.layout}, "
            f"{s.turns} turns, {s.chunks} passages"
        )
        if speakers:
            lines.append(f"    speakers: {', '.join(s.speakers) or 'none named'}")
    calls = [s.call for s in summaries]
    lines.append(f"{corpus_summary(calls)} · {sum(s.chunks for s in summaries)} passages")
    return "\n".join(lines)
