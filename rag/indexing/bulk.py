"""Adding a folder of transcripts at once: the model loaded once, passages embedded in batches that run
across files, each call committed on its own as soon as its vectors are done, bad files refused with
their reason while the rest go on, and a table at the end.

Each commit is one journaled update (rag.indexing.journal), so a crash or a kill loses at most the
calls whose passages were being embedded; running the same command again skips what is in the corpus
(same content, "unchanged") and adds the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import RagError
from rag.indexing.build import check_embedder
from rag.indexing.journal import recover, sweep_staged_files, update_lock
from rag.indexing.updates import (
    AddOptions,
    AddResult,
    EmbedderFactory,
    PreparedCall,
    Progress,
    _default_embedder,
    commit_call,
    load_state,
    prepare_call,
)
from rag.settings import Settings
from rag.transcripts.manifest import MANIFEST_NAME
from rag.transcripts.read import SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    status: str  # "added" | "replaced" | "unchanged" | "refused" | "would add"
    detail: str  # the call recorded and why, or the reason for refusing
    passages: int = 0


@dataclass(frozen=True)
class BulkReport:
    outcomes: list[FileOutcome]
    seconds: float
    embedded: int  # passages embedded
    embed_seconds: float  # time spent inside the model
    commit_seconds: float = 0.0  # time spent committing calls (journal, index folder, BM25)
    device: str | None = None  # where the model ran

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def find_transcripts(paths: Iterable[Path]) -> list[Path]:
    """The transcript files among `paths`, folders searched recursively (sorted); sidecars
    (`FILE.json` beside FILE), manifests and hidden files are not transcripts."""
    found: list[Path] = []
    for path in paths:
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for candidate in candidates:
            if path.is_dir() and (
                candidate.name.startswith(".")
                or candidate.suffix.lower() not in SUPPORTED_SUFFIXES
                or candidate.name == MANIFEST_NAME
                or (
                    candidate.suffix.lower() == ".json"
                    and Path(candidate.stem).suffix.lower() in SUPPORTED_SUFFIXES
                )
            ):
                continue
            found.append(candidate)
    return list(dict.fromkeys(found))


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class BulkMeter:
    """One progress line per finished file: files done, passages/s and the time left (by bytes)."""

    def __init__(self, files: list[Path], progress: Progress) -> None:
        self.progress = progress
        self.total_files = len(files)
        self.sizes = {f: f.stat().st_size for f in files}
        self.total_bytes = sum(self.sizes.values()) or 1
        self.started = time.perf_counter()
        self.files = self.bytes = self.passages = 0

    def done(self, outcome: FileOutcome) -> None:
        self.files += 1
        self.bytes += self.sizes.get(outcome.path, 0)
        self.passages += outcome.passages
        elapsed = time.perf_counter() - self.started
        rate = self.passages / elapsed if elapsed > 0 else 0.0
        left = elapsed * (self.total_bytes - self.bytes) / self.bytes if self.bytes else 0.0
        note = f" — {outcome.path.name}: {outcome.status}"
        if outcome.status == "refused":
            note += f" ({outcome.detail})"
        self.progress(
            f"[{self.files}/{self.total_files} files] {self.passages} passages, {rate:.1f} passages/s, "
            f"ETA {_duration(left)}{note}"
        )


def _describe(prepared: PreparedCall) -> str:
    call = prepared.call
    bits = [f"{call.company} {call.quarter}"]
    if call.fiscal_period:
        bits.append(
            f"({call.fiscal_period}"
            + (f", calendar {call.calendar_quarter})" if call.calendar_quarter else ")")
        )
    extra = ", ".join(f"{k} {v}" for k, v in (("ticker", call.ticker), ("date", call.call_date)) if v)
    why = "; ".join(f"{k}: {v}" for k, v in prepared.evidence.items() if k in ("company", "quarter"))
    where = f" [{extra}]" if extra else ""
    return f"{' '.join(bits)}{where}, layout {call.layout}, {len(prepared.chunks)} passages — {why}"


def add_many(
    paths: Iterable[Path],
    settings: Settings,
    options: AddOptions,
    *,
    embedder: EmbedderFactory | None = None,
    progress: Progress = print,
    dry_run: bool = False,
    on_commit: Callable[[AddResult], None] | None = None,
) -> BulkReport:
    """Add every transcript under `paths` (see the module docstring); with `dry_run`, only say for
    each file what would be recorded and why. `on_commit` hears of each call as soon as it is in the
    corpus (the change history is written there, so a killed run's history matches what it left)."""
    started = time.perf_counter()
    files = find_transcripts(paths)
    embedder = embedder or _default_embedder(settings, progress)
    meter = BulkMeter(files, progress)
    outcomes: list[FileOutcome] = []
    quiet: Progress = lambda _line: None  # noqa: E731 - per-file detail goes to the table instead
    with update_lock(settings.index_dir):
        for line in recover(settings.transcripts_dir, settings.index_dir, locked=True):
            progress(f"Recovery: {line}")
        sweep_staged_files(settings.transcripts_dir, settings.index_dir)
        state = load_state(settings, embedder, progress)
    embedded = 0
    embed_seconds = 0.0

    def finish(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        meter.done(outcome)

    def prepared_calls() -> Iterator[PreparedCall]:
        for path in files:
            try:
                prepared = prepare_call(path, settings, options, state, quiet)
            except (RagError, OSError) as err:
                finish(FileOutcome(path, "refused", str(err).removeprefix(f"{path.name}: ")))
                continue
            if prepared.unchanged is not None:
                finish(
                    FileOutcome(path, "unchanged", f"already in the corpus as {prepared.unchanged.call.file}")
                )
            elif dry_run:
                finish(FileOutcome(path, "would add", _describe(prepared), len(prepared.chunks)))
            else:
                yield prepared

    if dry_run:
        for _ in prepared_calls():
            pass
        return BulkReport(outcomes, time.perf_counter() - started, 0, 0.0)
    commit_seconds = 0.0

    model = None
    window = settings.bulk_embed_window
    queue: list[PreparedCall] = []  # calls whose passages are being embedded, in order
    parts: dict[int, list[np.ndarray]] = {}  # id(call) -> its vectors so far
    pending: list[tuple[PreparedCall, int]] = []  # passages not yet embedded
    source = prepared_calls()
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            try:
                prepared = next(source)
            except StopIteration:
                exhausted = True
                break
            queue.append(prepared)
            parts[id(prepared)] = []
            pending.extend((prepared, i) for i in range(len(prepared.chunks)))
        if not pending:
            break
        if model is None:
            model = embedder()
            check_embedder(settings, model)
        batch, pending = pending[:window], pending[window:]
        clock = time.perf_counter()
        vectors = model.embed([call.chunks[i].text for call, i in batch], is_query=False)
        embed_seconds += time.perf_counter() - clock
        embedded += len(batch)
        for (call, _), vector in zip(batch, vectors, strict=True):
            parts[id(call)].append(vector)
        while queue and len(parts[id(queue[0])]) == len(queue[0].chunks):
            done = queue.pop(0)
            clock = time.perf_counter()
            try:
                result, state = commit_call(
                    done, np.stack(parts.pop(id(done))), settings, state, embedder, quiet
                )
                if on_commit is not None and result.status != "unchanged":
                    on_commit(result)
                finish(FileOutcome(done.path, result.status, _describe(done), result.chunks))
            except (RagError, OSError) as err:
                finish(FileOutcome(done.path, "refused", str(err)))
            commit_seconds += time.perf_counter() - clock
    device = getattr(model, "device", None)
    return BulkReport(
        outcomes, time.perf_counter() - started, embedded, embed_seconds, commit_seconds, device
    )


def format_report(report: BulkReport) -> str:
    """The table a bulk add ends with: one line per file, then the counts and the time."""
    lines = []
    width = max((len(o.path.name) for o in report.outcomes), default=4)
    for o in report.outcomes:
        lines.append(f"{o.status:<9}  {o.path.name:<{width}}  {o.detail}")
    counts = ", ".join(
        f"{status} {report.count(status)}"
        for status in ("added", "replaced", "unchanged", "refused", "would add")
        if report.count(status)
    )
    rate = (
        f", embedding {report.embedded / report.embed_seconds:.1f} passages/s" if report.embed_seconds else ""
    )
    lines.append(
        f"{len(report.outcomes)} files: {counts or 'nothing to do'} in {_duration(report.seconds)}{rate}"
    )
    return "\n".join(lines)
