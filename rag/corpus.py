"""The calls in the corpus: the transcript manifest, and turning each call into chunks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rag.attribution import Turn, attribute_turns
from rag.chunking import ChunkingSettings, chunk_turns
from rag.chunks import Chunk
from rag.clean import CleaningRules, clean_transcript
from rag.errors import IndexUnavailable, TranscriptError
from rag.json_transcript import split_json_turns
from rag.layouts import RawTurn, split_inline_labels, split_name_lines, split_sections_qa
from rag.participants import Participant, find_participants
from rag.speaker_labels import split_line_labels, split_paragraphs, split_titled_lines
from rag.speakers import Person, SpeakerDirectory
from rag.transcript_io import read_transcript

MANIFEST_NAME = "manifest.json"

Splitter = Callable[[str, SpeakerDirectory, dict[str, Any]], list[RawTurn]]
LAYOUTS: dict[str, Splitter] = {
    "name_lines": split_name_lines,
    "sections_qa": split_sections_qa,
    "inline_labels": split_inline_labels,
    "titled_lines": split_titled_lines,
    "line_labels": split_line_labels,
    "paragraphs": split_paragraphs,
}
JSON_LAYOUT = "json_turns"  # parsed from the JSON itself, not from cleaned text
LAYOUT_NAMES = (*LAYOUTS, JSON_LAYOUT)


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
    # recorded by `rag add`; left out of the manifest (and of the sources hash) while unset
    original_name: str | None = None
    original_encoding: str | None = None
    content_sha256: str | None = None  # of the decoded text: the same call in any encoding is one file
    added_at: str | None = None
    speakers: list[dict[str, Any]] = field(
        default_factory=list
    )  # people this file named, kept across rebuilds

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallInfo:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "speakers" in known:
            known["speakers"] = list(known["speakers"])
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        """The manifest entry: the original fields always, the ones `rag add` records when set."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _ORIGINAL_FIELDS or value not in (None, [], {}):
                data[f.name] = value
        return data


_ORIGINAL_FIELDS = {
    "file",
    "company",
    "quarter",
    "ticker",
    "call_date",
    "language",
    "publisher",
    "layout",
    "hints",
}


def load_manifest(transcripts_dir: Path) -> list[CallInfo]:
    path = transcripts_dir / MANIFEST_NAME
    if not path.is_file():
        raise IndexUnavailable(f"no transcripts manifest at {path}; add transcripts with `rag add`")
    data = json.loads(path.read_text(encoding="utf-8"))
    return [CallInfo.from_dict(entry) for entry in data["calls"]]


def sources_hash(transcripts_dir: Path, calls: list[CallInfo], staged: dict[str, Path] | None = None) -> str:
    """Hash of the manifest entries and the bytes of every transcript: changes when any source does.

    `staged` maps a file name to where its new bytes are while an update is prepared.
    """
    staged = staged or {}
    digest = hashlib.sha256()
    for call in sorted(calls, key=lambda c: c.file):
        digest.update(json.dumps(call.to_dict(), sort_keys=True, ensure_ascii=False).encode())
        digest.update(staged.get(call.file, transcripts_dir / call.file).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class SplitCall:
    text: str  # the cleaned transcript that turn spans point into
    raw_turns: list[RawTurn]
    participants: list[Participant]


def split_call(text: str, call: CallInfo, directory: SpeakerDirectory, rules: CleaningRules) -> SplitCall:
    """Clean a transcript and split it into raw turns by its layout, with its participant list."""
    if call.layout == JSON_LAYOUT:
        document = split_json_turns(text, rules)
        return SplitCall(document.text, document.turns, document.participants)
    if call.layout not in LAYOUTS:
        raise TranscriptError(
            f"{call.file}: unknown layout {call.layout!r} in the manifest; allowed: {', '.join(LAYOUT_NAMES)}"
        )
    cleaned = clean_transcript(text, rules)
    participants = find_participants(cleaned.split("\n"))
    return SplitCall(cleaned, LAYOUTS[call.layout](cleaned, directory, call.hints), participants)


def remember_speakers(call: CallInfo, directory: SpeakerDirectory) -> None:
    """People an added file named (kept in its manifest entry) join the directory before it is parsed."""
    for p in call.speakers:
        directory.add(
            Person(p["name"], p["role"], p.get("firm"), p.get("company"), tuple(p.get("aliases", ())))
        )


def parse_call(text: str, call: CallInfo, directory: SpeakerDirectory, rules: CleaningRules) -> list[Turn]:
    """Clean a transcript and split it into attributed speaker turns."""
    remember_speakers(call, directory)
    split = split_call(text, call, directory, rules)
    return attribute_turns(split.raw_turns, directory, call.company, call.hints, split.participants)


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
