"""Deciding who speaks each raw turn, and which analyst question an answer replies to.

A turn gets a person's name only when its label or a manifest hint names them; otherwise an honest
role label. Misattribution is worse than no attribution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rag.chunks import ANALYST, OPERATOR, UNATTRIBUTED, management_label
from rag.layouts import RawTurn
from rag.speakers import Person, SpeakerDirectory

_OPERATOR_LABELS = {"operator", "接线员", "操作员", "主持人", "会议主持人"}
_FIRST_PERSON = re.compile(r"我们|我认为|我想|我预计|我们的|(?<![A-Za-z])(?:we|our|I)(?![A-Za-z])")


@dataclass(frozen=True)
class Turn:
    number: int  # 1-based position in the call
    text: str
    start: int
    end: int
    speaker: str  # canonical person name or a role label
    role: str
    firm: str | None
    attributed: bool
    kind: str  # "remarks" | "question" | "answer"
    section: str | None = None
    replies_to_turn: int | None = None
    asker: str | None = None
    asker_firm: str | None = None


def _person_for_label(raw: RawTurn, directory: SpeakerDirectory, company: str) -> Person | None:
    """The person a label names; a new name joins the directory with the aliases seen."""
    assert raw.label is not None
    for candidate in (raw.label, raw.label_english):
        if candidate and (person := directory.get(candidate)) is not None:
            return directory.add(Person(person.name, person.role, person.firm, person.company, (raw.label,)))
    if raw.label.casefold() in _OPERATOR_LABELS or _QA_LABEL.fullmatch(raw.label):
        return None
    firm = directory.canonical_firm(raw.label_firm) if raw.label_firm else None
    name = raw.label_english or raw.label
    aliases = tuple(a for a in (name, raw.label) if a)
    if raw.label_firm:
        return directory.add(Person(name, ANALYST, firm, None, aliases))
    return directory.add(Person(name, "Speaker", None, company, aliases))


_QA_LABEL = re.compile(r"[QA]\d{1,3}")


def _unnamed_speaker(raw: RawTurn, company: str, hints: dict[str, Any]) -> tuple[str, str]:
    """(speaker label, role) for a turn whose speaker the transcript does not name."""
    if raw.label and raw.label.casefold() in _OPERATOR_LABELS:
        return OPERATOR, OPERATOR
    if raw.kind == "question":
        return ANALYST, ANALYST
    if raw.kind == "answer":
        return management_label(company), "Management"
    if hints.get("unlabelled_first_person") == "management" and _FIRST_PERSON.search(raw.text):
        return management_label(company), "Management"
    return UNATTRIBUTED, UNATTRIBUTED


def attribute_turns(
    raw_turns: list[RawTurn], directory: SpeakerDirectory, company: str, hints: dict[str, Any]
) -> list[Turn]:
    """Turns with speakers resolved and answers linked to the question they reply to."""
    only_adjacent_answers = hints.get("unlabelled_paragraphs") == "separate"
    turns: list[Turn] = []
    question: Turn | None = None
    for number, raw in enumerate(raw_turns, start=1):
        person = None
        if raw.speaker_hint:
            person = directory.resolve(raw.speaker_hint)
        elif raw.label:
            person = _person_for_label(raw, directory, company)
        if person is not None:
            speaker, role, firm, attributed = person.name, person.role, person.firm, True
        else:
            speaker, role = _unnamed_speaker(raw, company, hints)
            firm, attributed = None, False
        is_question = raw.kind == "question" or (raw.kind is None and role == ANALYST)
        kind = "question" if is_question else raw.kind or "remarks"
        replies_to = None
        if not is_question and role not in (OPERATOR, UNATTRIBUTED) and question is not None:
            adjacent = turns and turns[-1].number == question.number
            # in a shuffled write-up only a named speaker right after the question is its answer
            if raw.kind == "answer" or not only_adjacent_answers or (adjacent and attributed):
                kind, replies_to = "answer", question.number
        turn = Turn(
            number=number,
            text=raw.text,
            start=raw.start,
            end=raw.end,
            speaker=speaker,
            role=role,
            firm=firm,
            attributed=attributed,
            kind=kind,
            section=raw.section,
            replies_to_turn=replies_to,
            asker=question.speaker if replies_to and question and question.attributed else None,
            asker_firm=question.firm if replies_to and question else None,
        )
        turns.append(turn)
        if is_question:
            question = turn
        elif role == OPERATOR or (only_adjacent_answers and kind != "answer"):
            question = None
    return turns
