"""The calls in the corpus: the transcript manifest, and turning each call into chunks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.attribution import Turn, attribute_turns
from rag.chunking import ChunkingSettings, chunk_turns
from rag.chunks import Chunk
from rag.clean import CleaningRules, clean_transcript
from rag.errors import IndexUnavailable
from rag.layouts import RawTurn, split_inline_labels, split_name_lines, split_sections_qa
from rag.speakers import SpeakerDirectory
from rag.transcript_io import read_transcript

MANIFEST_NAME = "manifest.json"

Splitter = Callable[[str, SpeakerDirectory, dict[str, Any]], list[RawTurn]]
LAYOUTS: dict[str, Splitter] = {
    "name_lines": split_name_lines,
    "sections_qa": split_sections_qa,
    "inline_labels": split_inline_labels,
}


@dataclass(frozen=True)
class CallInfo:
    """Metadata of one call's transcript file, as recorded in the manifest."""

    file: str
    company: str
    quarter: str
    ticker: str | None = None
    call_date: str | None = None
    language: str = "zh"
    publisher: str | None = None
    layout: str = "name_lines"
    hints: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallInfo:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def load_manifest(transcripts_dir: Path) -> list[CallInfo]:
    path = transcripts_dir / MANIFEST_NAME
    if not path.is_file():
        raise IndexUnavailable(f"no transcripts manifest at {path}; add transcripts with `rag add`")
    data = json.loads(path.read_text(encoding="utf-8"))
    return [CallInfo.from_dict(entry) for entry in data["calls"]]


def sources_hash(transcripts_dir: Path, calls: list[CallInfo]) -> str:
    """Hash of the manifest entries and the bytes of every transcript: changes when any source does."""
    digest = hashlib.sha256()
    for call in sorted(calls, key=lambda c: c.file):
        digest.update(json.dumps(call.__dict__, sort_keys=True, ensure_ascii=False).encode())
        digest.update((transcripts_dir / call.file).read_bytes())
    return digest.hexdigest()


def parse_call(text: str, call: CallInfo, directory: SpeakerDirectory, rules: CleaningRules) -> list[Turn]:
    """Clean a transcript and split it into attributed speaker turns."""
    cleaned = clean_transcript(text, rules)
    raw_turns = LAYOUTS[call.layout](cleaned, directory, call.hints)
    return attribute_turns(raw_turns, directory, call.company, call.hints)


def chunk_call(
    path: Path,
    call: CallInfo,
    directory: SpeakerDirectory,
    settings: ChunkingSettings,
    rules: CleaningRules | None = None,
) -> list[Chunk]:
    turns = parse_call(read_transcript(path), call, directory, rules or CleaningRules.load())
    return chunk_turns(turns, call, settings)


def chunk_corpus(
    transcripts_dir: Path, directory: SpeakerDirectory, settings: ChunkingSettings
) -> list[Chunk]:
    rules = CleaningRules.load()
    chunks: list[Chunk] = []
    for call in load_manifest(transcripts_dir):
        chunks.extend(chunk_call(transcripts_dir / call.file, call, directory, settings, rules))
    return chunks
