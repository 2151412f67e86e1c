"""The calls of a corpus: one manifest entry per transcript file, with its metadata."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rag.errors import IndexUnavailable

MANIFEST_NAME = "manifest.json"
JSON_LAYOUT = "json_turns"  # parsed from the JSON itself, not from cleaned text
TEXT_LAYOUTS = ("name_lines", "sections_qa", "inline_labels", "titled_lines", "line_labels", "paragraphs")
LAYOUT_NAMES = (*TEXT_LAYOUTS, JSON_LAYOUT)
MANIFEST_ABOUT = (
    "One entry per transcript file in this folder, written by `rag add` or by hand. "
    "`layout` says how turns are marked; `hints` tell the parser what the text itself does not say."
)


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
    # a fiscal quarter as the call states it ("fiscal 2022 Q2", `quarter` is its fiscal numbering)
    # and the calendar quarter of its period end when the text gives it; left out while unset
    fiscal_period: str | None = None
    calendar_quarter: str | None = None
    # recorded by `rag add`; left out of the manifest (and of the sources hash) while unset
    original_name: str | None = None
    original_encoding: str | None = None
    content_sha256: str | None = None  # of the decoded text: the same call in any encoding is one file
    added_at: str | None = None
    # people this file named, kept across rebuilds: the file's own part of the speaker directory
    speakers: list[dict[str, Any]] = field(default_factory=list)

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
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [CallInfo.from_dict(entry) for entry in data["calls"]]
    except (ValueError, KeyError, TypeError) as err:
        raise IndexUnavailable(
            f"the transcripts manifest {path} is unreadable ({err}); fix or restore it"
        ) from err


def manifest_calls(transcripts_dir: Path) -> list[CallInfo]:
    """The calls of a transcripts folder; [] when it has no manifest yet."""
    if not (transcripts_dir / MANIFEST_NAME).is_file():
        return []
    return load_manifest(transcripts_dir)


def manifest_bytes(transcripts_dir: Path, calls: list[CallInfo]) -> bytes:
    """The manifest file for `calls`, keeping whatever else the existing file says (its "_about")."""
    path = transcripts_dir / MANIFEST_NAME
    data: dict[str, Any] = {"_about": MANIFEST_ABOUT}
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
    data["calls"] = [c.to_dict() for c in calls]
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


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


def file_name_for(company: str, quarter: str, language: str, layout: str) -> str:
    """ "NVIDIA", "2025Q3", "en" → "nvidia-2025q3.en.txt"."""
    slug = re.sub(r"[^\w]+", "-", company.casefold()).strip("-_") or "call"
    return f"{slug}-{quarter.lower()}.{language}.{'json' if layout == JSON_LAYOUT else 'txt'}"


def corpus_summary(calls: list[CallInfo]) -> str:
    """One line for a corpus of any size: "30 companies · 60 calls · 2020Q1–2022Q2"."""
    if not calls:
        return "no calls"
    companies = len({c.company for c in calls})
    quarters = sorted({c.quarter for c in calls})
    span = quarters[0] if len(quarters) == 1 else f"{quarters[0]}–{quarters[-1]}"
    plural = "company" if companies == 1 else "companies"
    return f"{companies:,} {plural} · {len(calls):,} call{'' if len(calls) == 1 else 's'} · {span}"
