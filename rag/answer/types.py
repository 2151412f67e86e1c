"""What `ask()` returns: an answer text with [n] markers and the passages they cite."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.chunks import Chunk


@dataclass(frozen=True)
class Citation:
    """A cited passage; [n] in the answer text refers to the citation with this `n`."""

    n: int
    chunk_id: str
    company: str
    quarter: str
    speaker: str
    role: str
    firm: str | None
    text: str
    score: float
    source: str
    label: str = ""
    turn: int = 0
    kind: str = "remarks"
    attributed: bool = True
    asker: str | None = None
    asker_firm: str | None = None
    highlights: tuple[str, ...] = ()  # sentences of `text` that the answer quotes or uses
    page: int | None = None  # the page of the source document the passage starts on (PDF)

    @classmethod
    def from_chunk(cls, n: int, chunk: Chunk, score: float, highlights: tuple[str, ...] = ()) -> Citation:
        return cls(
            n=n,
            chunk_id=chunk.id,
            company=chunk.company,
            quarter=chunk.quarter,
            speaker=chunk.speaker,
            role=chunk.role,
            firm=chunk.firm,
            text=chunk.text,
            score=round(float(score), 4),
            source=chunk.source,
            label=chunk.label,
            turn=chunk.turn,
            kind=chunk.kind,
            attributed=chunk.attributed,
            asker=chunk.asker,
            asker_firm=chunk.asker_firm,
            highlights=highlights,
            page=chunk.page,
        )


@dataclass(frozen=True)
class SentenceCheck:
    """Grounding of one answer sentence: its markers and whether its claims are supported."""

    sentence: str
    citations: tuple[int, ...]
    passed: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    mode: str = "extractive"
    notice: str | None = None  # e.g. why generation fell back to extraction
    filters: dict[str, Any] = field(default_factory=dict)  # speaker/quarter/company actually searched
    grounding: list[SentenceCheck] = field(default_factory=list)
    # a follow-up in a conversation: what it took from the previous question ({"speaker": [...],
    # "company": [...], "quarter": [...], "topic": [...]}; empty when it stood on its own), the
    # previous question, and the model's standalone rewrite when one was used
    inherited: dict[str, list[str]] = field(default_factory=dict)
    inherited_from: str = ""
    rewritten: str | None = None
    # the request the question resolved to (rag.query.followup.request_to_dict): what the next
    # question of the conversation inherits from
    resolved: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
