"""Transcripts stored as JSON: lists of {"speaker", "speech"} turns, optionally grouped in sections
("prepared_remarks", "q_and_a" …) beside a "participants" list of "Name--Firm -- Analyst" strings.

The turns are laid out as plain text ("Speaker\\nspeech\\n\\n" …): that rendering is the cleaned
transcript that chunk spans point into.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rag.errors import TranscriptError
from rag.transcripts.aliases import without_quoted_nickname
from rag.transcripts.clean import CleaningRules, clean_line, normalize_text
from rag.transcripts.layouts import RawTurn
from rag.transcripts.participants import (
    Participant,
    is_person_name,
    merge_participants,
    parse_participant_line,
)

_SPEAKER_KEYS = ("speaker", "name", "speaker_name")
_SPEECH_KEYS = ("speech", "text", "content", "utterance")
_SECTION_NAMES = {
    "prepared_remarks": "Prepared Remarks",
    "presentation": "Prepared Remarks",
    "q_and_a": "Questions & Answers",
    "questions_and_answers": "Questions & Answers",
    "qa": "Questions & Answers",
}


@dataclass(frozen=True)
class JsonTranscript:
    text: str  # the rendering that turn spans point into
    turns: list[RawTurn]
    participants: list[Participant]


def _field(entry: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str):
            return value
    return None


def _turn_lists(data: Any) -> list[tuple[str | None, list[Any]]]:
    """(section, entries) pairs: every list of speaker/speech objects, in document order."""
    if isinstance(data, list):
        return [(None, data)]
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        if isinstance(value, list) and any(isinstance(e, dict) and _field(e, _SPEECH_KEYS) for e in value):
            found.append((_SECTION_NAMES.get(key, key), value))
    return found


def looks_like_json_transcript(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return False
    try:
        return bool(_turn_lists(json.loads(stripped)))
    except ValueError:
        return False


def split_json_turns(text: str, rules: CleaningRules) -> JsonTranscript:
    """Turns and participants of a JSON transcript; a JSON file without speaker turns is refused."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise TranscriptError(
            f"not valid JSON ({err}); a JSON transcript needs lists of speaker/speech objects"
        ) from err
    sections = _turn_lists(data)
    if not sections:
        raise TranscriptError(
            'the JSON holds no list of {"speaker": …, "speech": …} objects; nothing to index'
        )
    pieces: list[str] = []
    turns: list[RawTurn] = []
    offset = 0
    for section, entries in sections:
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            speech = _field(entry, _SPEECH_KEYS) or ""
            lines = [clean_line(line, rules) for line in normalize_text(speech).split("\n")]
            body = "\n".join(line for line in lines if line)
            speaker = without_quoted_nickname((_field(entry, _SPEAKER_KEYS) or "").strip())
            if not body:
                continue
            label = (
                speaker if speaker and (is_person_name(speaker) or speaker.casefold() == "operator") else None
            )
            head = f"{speaker}\n" if speaker else ""
            start = offset + len(head)
            turns.append(RawTurn(body, start, start + len(body), label=label, section=section))
            piece = f"{head}{body}\n\n"
            pieces.append(piece)
            offset += len(piece)
    participants = []
    raw_participants = data.get("participants", []) if isinstance(data, dict) else []
    for item in raw_participants if isinstance(raw_participants, list) else []:
        if isinstance(item, str) and (p := parse_participant_line(item)) is not None:
            participants.append(p)
    return JsonTranscript("".join(pieces), turns, merge_participants(participants))
