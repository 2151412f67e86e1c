"""A call's transcript into attributed speaker turns: a pure function of the text, its manifest entry
and a read-only speaker directory.

Attribution learns people as it reads (a participant list, a "Name -- Title" line, the operator
introducing an analyst); it does so on a copy of the directory, and `ParsedCall.people` reports the
people the call named. Parsing the calls of a corpus in any order gives the same turns; the corpus
directory is their merge (`rag.transcripts.speakers.merge_people`), made in one explicit step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rag.errors import TranscriptError
from rag.transcripts.aliases import name_tokens, same_given_name
from rag.transcripts.attribution import Turn, attribute_turns
from rag.transcripts.clean import (
    CleaningRules,
    PageStarts,
    clean_paragraphs,
    clean_transcript,
    normalize_text,
)
from rag.transcripts.json_layout import split_json_turns
from rag.transcripts.labelled_layouts import split_line_labels, split_paragraphs, split_titled_lines
from rag.transcripts.layouts import RawTurn, split_inline_labels, split_name_lines, split_sections_qa
from rag.transcripts.manifest import JSON_LAYOUT, LAYOUT_NAMES, CallInfo
from rag.transcripts.participants import (
    Participant,
    find_participants,
    merge_participants,
    team_introductions,
)
from rag.transcripts.reflow import is_paged_text, reflow_paragraphs
from rag.transcripts.speakers import Person, SpeakerDirectory

Splitter = Callable[[str, SpeakerDirectory, dict[str, Any]], list[RawTurn]]
SPLITTERS: dict[str, Splitter] = {
    "name_lines": split_name_lines,
    "sections_qa": split_sections_qa,
    "inline_labels": split_inline_labels,
    "titled_lines": split_titled_lines,
    "line_labels": split_line_labels,
    "paragraphs": split_paragraphs,
}


@dataclass(frozen=True)
class SplitCall:
    text: str  # the cleaned transcript that turn spans point into
    raw_turns: list[RawTurn]
    participants: list[Participant]
    pages: PageStarts = ()  # where each page starts in `text`, for text laid out on pages


@dataclass(frozen=True)
class ParsedCall:
    call: CallInfo
    turns: list[Turn]
    people: list[Person]  # everyone the call's turns are attributed to, as this call knows them
    pages: PageStarts = ()


def split_call(text: str, call: CallInfo, directory: SpeakerDirectory, rules: CleaningRules) -> SplitCall:
    """Clean a transcript and split it into raw turns by its layout, with its participant list."""
    if call.layout == JSON_LAYOUT:
        document = split_json_turns(text, rules)
        return SplitCall(document.text, document.turns, document.participants)
    if call.layout not in SPLITTERS:
        raise TranscriptError(
            f"{call.file}: unknown layout {call.layout!r} in the manifest; allowed: {', '.join(LAYOUT_NAMES)}"
        )
    hints = call.hints
    pages: PageStarts = ()
    if wants_reflow(text, hints):
        paragraphs = reflow_paragraphs(normalize_text(text))
        cleaned, pages = clean_paragraphs(((p.text, p.page) for p in paragraphs), rules)
        hints = {**hints, "paged": True}
    else:
        cleaned = clean_transcript(text, rules)
    listed = find_participants(cleaned.split("\n"))
    participants = (
        merge_participants([*listed, *team_introductions(cleaned)]) if pages or hints.get("paged") else listed
    )
    return SplitCall(cleaned, SPLITTERS[call.layout](cleaned, directory, hints), participants, pages)


def wants_reflow(text: str, hints: dict[str, Any]) -> bool:
    """Rejoin wrapped lines when the manifest says so (hint `reflow`), else when the text is laid
    out on pages (rag.transcripts.reflow.is_paged_text)."""
    if "reflow" in hints:
        return bool(hints["reflow"])
    return is_paged_text(text)


def call_directory(call: CallInfo, directory: SpeakerDirectory) -> SpeakerDirectory:
    """The directory a call is read with: `directory` plus the people its manifest entry remembers."""
    local = directory.copy()
    for record in call.speakers:
        local.add(Person.from_dict(record))
    return local


def parse_call(text: str, call: CallInfo, directory: SpeakerDirectory, rules: CleaningRules) -> ParsedCall:
    """Clean a transcript and split it into attributed speaker turns; `directory` is not changed."""
    local = call_directory(call, directory)
    split = split_call(text, call, local, rules)
    turns = attribute_turns(split.raw_turns, local, call.company, call.hints, split.participants)
    named = dict.fromkeys(t.speaker for t in turns if t.attributed)
    people = [p for p in (local.get(name) for name in named) if p is not None]
    introduced = [p.name for p in team_introductions(split.text)]
    people = [with_introduced_names(p, introduced) for p in people]
    return ParsedCall(call, turns, people, split.pages)


def with_introduced_names(person: Person, introduced: Sequence[str]) -> Person:
    """The person with the names the call's host introduces them by ("Yemi Akinkugbe, our Chief
    Excellence Officer" is Olayemi Akinkugbe): same surname, and a given name that is theirs, a
    nickname of it or a part of it."""
    mine = name_tokens(person.name)
    if mine is None:
        return person
    given, middle, surname = mine
    names = [given.rstrip("."), *(m.rstrip(".") for m in middle)]
    extra = []
    for name in introduced:
        theirs = name_tokens(name)
        if theirs is None or theirs[2].casefold() != surname.casefold() or name in person.aliases:
            continue
        used = theirs[0]
        if any(
            same_given_name(used, own) or (len(used) >= 3 and used.casefold() in own.casefold())
            for own in names
            if len(own) > 1
        ):
            extra.append(name)
    return replace(person, aliases=tuple(dict.fromkeys([*person.aliases, *extra]))) if extra else person
