"""Deciding who speaks each raw turn, and which analyst question an answer replies to.

A turn gets a person's name only when its label or a manifest hint names them; otherwise an honest
role label. Misattribution is worse than no attribution.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.chunks import ANALYST, OPERATOR, UNATTRIBUTED, management_label
from rag.text.names import name_key
from rag.transcripts.labelled_layouts import ANONYMOUS_LABEL, OPERATOR_WORDS
from rag.transcripts.layouts import RawTurn
from rag.transcripts.participants import (
    Introduction,
    Participant,
    firm_variants,
    introductions,
    participant_for_cjk_label,
    role_from_title,
    same_person,
)
from rag.transcripts.speakers import Person, SpeakerDirectory

_OPERATOR_LABELS = OPERATOR_WORDS
_FIRST_PERSON = re.compile(r"我们|我认为|我想|我预计|我们的|(?<![A-Za-z])(?:[Ww]e|[Oo]ur|I)(?![A-Za-z])")


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


def _is_full_name(alias: str) -> bool:
    """ "Brian Nowak", "布莱恩·诺瓦克", "李苏珊": a name that picks out one person, unlike "Brian"."""
    if re.fullmatch(r"[\u4e00-\u9fff·・]+", alias):
        return len(alias) >= 3 or "·" in alias or "・" in alias
    return len(alias.split()) >= 2


def _usable_here(person: Person, alias: str, company: str) -> bool:
    """A directory entry may name a label in this call: the company's own people by any alias,
    analysts (who cover many companies) only by a full name, other companies' people never."""
    if person.company == company:
        return True
    return person.company is None and (_is_full_name(alias) or name_key(alias) == name_key(person.name))


def _free_name(name: str, directory: SpeakerDirectory, company: str) -> str:
    """`name`, or "name (company)" when the directory already uses it for someone elsewhere."""
    existing = directory.get(name)
    if existing is None or _usable_here(existing, name, company):
        return name
    return f"{name} ({company})"


def _upsert(directory: SpeakerDirectory, person: Person) -> Person:
    """Add `person`, or merge into the entry of that name; a role or firm learnt now fills in an
    entry that only had the placeholder role "Speaker"."""
    existing = directory.get(person.name)
    merged = directory.add(person)
    if existing is not None and existing.role == _UNKNOWN_ROLE and person.role != _UNKNOWN_ROLE:
        merged = Person(merged.name, person.role, person.firm or merged.firm, person.company, merged.aliases)
        directory.replace(directory.get(person.name), merged)  # type: ignore[arg-type]
    return merged


def register_participants(
    participants: Sequence[Participant], directory: SpeakerDirectory, company: str
) -> None:
    """The call's participant list joins the directory (its people are only used when a label names them)."""
    for p in participants:
        if directory.get(p.name) is not None and not _usable_here(directory.get(p.name), p.name, company):  # type: ignore[arg-type]
            continue
        analyst = p.role == ANALYST
        firm = directory.canonical_firm(p.firm) if analyst and p.firm else (None if analyst else company)
        aliases = tuple(dict.fromkeys((p.name, *p.aliases)))
        _upsert(directory, Person(p.name, p.role, firm, None if analyst else company, aliases))


def _canonical_firm(directory: SpeakerDirectory, firm: str) -> str:
    """A known firm in any of its spellings ("高盛（Goldman Sachs）" → "Goldman Sachs"), else as written."""
    variants = firm_variants(firm)
    for variant in variants:
        canonical = directory.canonical_firm(variant)
        if canonical != variant:
            return canonical
    return variants[-1]


def _person_for_label(
    raw: RawTurn,
    directory: SpeakerDirectory,
    company: str,
    participants: Sequence[Participant] = (),
    intro: Introduction | None = None,
) -> Person | None:
    """The person a label names; a new name joins the directory with the aliases seen."""
    assert raw.label is not None
    if raw.label.casefold() in _OPERATOR_LABELS or _QA_LABEL.fullmatch(raw.label):
        return None
    if ANONYMOUS_LABEL.fullmatch(raw.label):
        return None
    introduced = intro is not None and any(
        c and same_person(c, intro.name) for c in (raw.label, raw.label_english)
    )
    intro_firm = _canonical_firm(directory, intro.firm) if intro is not None and introduced else None
    for candidate in (raw.label, raw.label_english):
        if (
            candidate
            and (person := directory.get(candidate)) is not None
            and _usable_here(person, candidate, company)
        ):
            learnt = person.role == _UNKNOWN_ROLE and (raw.label_title or intro is not None)
            role = _role_of(raw, intro, company) if learnt else person.role
            firm = person.firm or intro_firm if role == ANALYST else person.firm
            return _upsert(directory, Person(person.name, role, firm, person.company, (raw.label,)))
    match = participant_for_cjk_label(raw.label, list(participants))
    if match is not None and (person := directory.get(match.name)) is not None:
        return _upsert(directory, Person(person.name, person.role, person.firm, person.company, (raw.label,)))
    role = _role_of(raw, intro, company)
    name = _free_name(raw.label_english or raw.label, directory, company)
    aliases = tuple(dict.fromkeys(a for a in (name, raw.label_english, raw.label) if a))
    if role == ANALYST:
        written = raw.label_firm or intro_firm
        firm = _canonical_firm(directory, written) if written else None
        return _upsert(directory, Person(name, ANALYST, firm, None, aliases))
    firm = company if raw.label_title else None
    return _upsert(directory, Person(name, role, firm, company, aliases))


def _role_of(raw: RawTurn, intro: Introduction | None, company: str) -> str:
    """From the label's title; an analyst when the label names a firm other than the company or
    the operator has just introduced a questioner; else the placeholder role "Speaker"."""
    if raw.label_title:
        return role_from_title(raw.label_title)
    if raw.label_firm and name_key(raw.label_firm) != name_key(company):
        return ANALYST
    return ANALYST if intro is not None else _UNKNOWN_ROLE


_QA_LABEL = re.compile(r"[QA]\d{1,3}")
_UNKNOWN_ROLE = "Speaker"


def _unnamed_speaker(raw: RawTurn, company: str, hints: dict[str, Any]) -> tuple[str, str]:
    """(speaker label, role) for a turn whose speaker the transcript does not name."""
    if raw.label and raw.label.casefold() in _OPERATOR_LABELS:
        return OPERATOR, OPERATOR
    if raw.label and ANONYMOUS_LABEL.fullmatch(raw.label):
        return anonymous_speaker(raw.label), UNATTRIBUTED
    if raw.kind == "question":
        return ANALYST, ANALYST
    if raw.kind == "answer":
        return management_label(company), "Management"
    if hints.get("unlabelled_first_person") == "management" and _FIRST_PERSON.search(raw.text):
        return management_label(company), "Management"
    return UNATTRIBUTED, UNATTRIBUTED


_SENTENCE_STOP = re.compile(r"[.?!。？！]['\"’”)]*$")


def is_title_block(turns: list[Turn], turn: Turn) -> bool:
    """An unattributed turn before anyone speaks whose lines are titles, not sentences (the cover page,
    "Third Quarter 2025 Results Conference Call"): metadata, not a passage to cite."""
    if turn.attributed or turn.speaker != UNATTRIBUTED:
        return False
    first_speaker = next((t.number for t in turns if t.speaker != UNATTRIBUTED), None)
    if first_speaker is None or turn.number > first_speaker:
        return False
    lines = [line.strip() for line in turn.text.split("\n") if line.strip()]
    return all(len(line) <= 100 and not _SENTENCE_STOP.search(line) for line in lines)


def anonymous_speaker(label: str) -> str:
    """ "speaker 1", "Speaker1", "发言人1" → "Speaker 1": the transcript's own number, never a name."""
    number = re.search(r"\d+|[A-Z]$", label.strip())
    return f"Speaker {number.group(0)}" if number else label.strip()


def attribute_turns(
    raw_turns: list[RawTurn],
    directory: SpeakerDirectory,
    company: str,
    hints: dict[str, Any],
    participants: Sequence[Participant] = (),
) -> list[Turn]:
    """Turns with speakers resolved and answers linked to the question they reply to.

    `participants` (the call's own list) join the directory first; the operator's introduction of a
    questioner gives the firm of the next labelled speaker when the names agree.
    """
    register_participants(participants, directory, company)
    only_adjacent_answers = hints.get("unlabelled_paragraphs") == "separate"
    turns: list[Turn] = []
    question: Turn | None = None
    intro: Introduction | None = None
    for number, raw in enumerate(raw_turns, start=1):
        person = None
        if raw.speaker_hint:
            person = directory.resolve(raw.speaker_hint)
        elif raw.label:
            person = _person_for_label(raw, directory, company, participants, intro)
            if raw.label.casefold() in _OPERATOR_LABELS:
                found = introductions(raw.text)
                intro = found[-1] if found else None
            else:
                intro = None
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
