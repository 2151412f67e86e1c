"""The one passage type of the whole system: a speaker turn (or part of one) with its provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from typing import Any

# Speaker labels used when the transcript does not name the person (never guess a name);
# unnamed executives are "<company> management", see management_label().
ANALYST = "Analyst"
UNATTRIBUTED = "Unattributed"
OPERATOR = "Operator"


def management_label(company: str) -> str:
    return f"{company} management"


@dataclass(frozen=True)
class Chunk:
    """A passage that can be retrieved and cited.

    `speaker` is a canonical person name when the transcript (or a manifest hint) names the
    speaker, otherwise a role label such as "Analyst" or "Unattributed" (`attributed` is False).
    """

    text: str
    company: str
    quarter: str  # "2024Q4"
    speaker: str
    role: str
    firm: str | None
    turn: int  # 1-based position of the speaker turn in its call
    source: str  # transcript file name
    start: int  # character span of the passage in the cleaned transcript
    end: int
    kind: str = "remarks"  # "remarks" | "question" | "answer"
    part: int = 1  # a long turn is split into parts that share the turn's metadata
    parts: int = 1
    attributed: bool = True
    replies_to_turn: int | None = None  # for answers: the analyst question turn they reply to
    asker: str | None = None  # the analyst who asked that question
    asker_firm: str | None = None
    ticker: str | None = None
    call_date: str | None = None
    language: str = "zh"
    section: str | None = None
    page: int | None = None  # the page the passage starts on, for transcripts read from pages (PDF)
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", chunk_id(self.source, self.start, self.end, self.text))

    @property
    def speaker_label(self) -> str:
        """ "Susan Li (CFO, Meta)", "Brian Nowak (Analyst, Morgan Stanley)" or a bare role label."""
        if not self.attributed:
            return self.speaker
        details = [d for d in (self.role, self.firm) if d]
        return f"{self.speaker} ({', '.join(details)})" if details else self.speaker

    @property
    def label(self) -> str:
        """Human-readable citation label, e.g. "Meta 2024Q4 · Susan Li (CFO, Meta) · turn 14"."""
        part = f" (part {self.part}/{self.parts})" if self.parts > 1 else ""
        page = f" · p. {self.page}" if self.page is not None else ""
        return f"{self.company} {self.quarter} · {self.speaker_label} · turn {self.turn}{part}{page}"

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # flat values: no deep copy needed
        if data["page"] is None:  # passages without pages are stored as they were before pages existed
            del data["page"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)


def chunk_id(source: str, start: int, end: int, text: str) -> str:
    """Stable id: the same source text gives the same id on every rebuild."""
    digest = hashlib.sha256(f"{source}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()
    return digest[:16]
