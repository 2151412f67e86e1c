"""Telling which layout a transcript uses, from the text alone, with how sure and why.

Each layout's own evidence is counted on the cleaned text (title lines, "Name:" labels, labels
inside lines, Q1/A1 marks, names alone on a line); the layout with the most evidence wins, and a close
runner-up is named in the reason so that an ambiguous file says what was chosen over what.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from rag.transcripts.clean import CleaningRules, clean_transcript
from rag.transcripts.json_layout import looks_like_json_transcript
from rag.transcripts.labelled_layouts import (
    ANONYMOUS_LABEL,
    is_operator_label,
    label_lines,
    speaker_label_fields,
)
from rag.transcripts.layouts import is_name_line
from rag.transcripts.participants import find_participants, parse_header_line, parse_participant_line
from rag.transcripts.speakers import SpeakerDirectory

_QA_MARK = re.compile(r"^[QA]\d{1,3}\s*[:：.、]")
_MID_LINE_LABEL = re.compile(
    r"[,，。!！?？;；]\s*(?P<label>[\u4e00-\u9fff·]{2,8}|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})\s*[:：]\s*\S"
)
_MIN_EVIDENCE = 2
_CLEAR_MARGIN = 0.75  # the winner's share of the top two scores below which a file is ambiguous


class LayoutGuess(NamedTuple):
    layout: str
    confidence: float  # 0..1: the winner's share of the evidence of the top two layouts
    reason: str


def _evidence(lines: list[str], directory: SpeakerDirectory) -> dict[str, tuple[int, str]]:
    """(count, what was counted) per layout."""
    participants = find_participants(lines)
    is_title_line = [parse_participant_line(line) is not None or is_operator_label(line) for line in lines]
    # a title line followed by speech (a participant list is title lines in a row)
    titled = sum(1 for i in range(len(lines) - 1) if is_title_line[i] and not is_title_line[i + 1])
    labels = anonymous = 0
    for _, label, rest in label_lines("\n".join(lines)):
        if speaker_label_fields(label, rest, directory, participants) is not None:
            labels += 1
            anonymous += bool(ANONYMOUS_LABEL.fullmatch(label))
    # labels inside lines are only read for people the directory knows (the seeds' write-ups)
    mid_line = sum(
        1 for line in lines for m in _MID_LINE_LABEL.finditer(line) if directory.get(m.group("label"))
    )
    qa = sum(1 for line in lines if _QA_MARK.match(line))
    name_alone = sum(
        1
        for i, line in enumerate(lines[:-1])
        if is_name_line(line, directory) and not is_operator_label(line) and len(lines[i + 1]) > len(line)
    )
    headers = sum(1 for line in lines if parse_header_line(line) is not None)
    label_kind = (
        "'Speaker N:' anonymous labels" if anonymous > labels / 2 else "'Name:' labels at line starts"
    )
    if headers:
        label_kind += f" ({headers} of them 'Name, Title' header lines)"
    labels += headers
    return {
        "titled_lines": (titled, "'Name -- Title' lines before turns"),
        "line_labels": (0 if mid_line >= _MIN_EVIDENCE else labels, label_kind),
        "inline_labels": (labels + mid_line if mid_line >= _MIN_EVIDENCE else 0, "labels inside lines"),
        "sections_qa": (qa // 2, "numbered Q/A pairs"),
        "name_lines": (name_alone, "names alone on a line"),
    }


def detect_layout(text: str, directory: SpeakerDirectory | None = None) -> LayoutGuess:
    """The layout of a transcript's text (raw, as read from the file)."""
    if looks_like_json_transcript(text):
        return LayoutGuess("json_turns", 1.0, "JSON with lists of speaker/speech objects")
    lines = [line for line in clean_transcript(text, CleaningRules.load()).split("\n") if line]
    evidence = _evidence(lines, directory or SpeakerDirectory(people=[]))
    ranked = sorted(evidence.items(), key=lambda item: -item[1][0])
    (best, (best_n, best_what)), (second, (second_n, second_what)) = ranked[0], ranked[1]
    if best_n < _MIN_EVIDENCE:
        return LayoutGuess(
            "paragraphs",
            0.9 if best_n == 0 else 0.6,
            f"no speaker labels found ({best_what}: {best_n}); "
            "every paragraph is a turn, speaker Unattributed",
        )
    confidence = round(best_n / (best_n + second_n), 2)
    reason = f"{best_n} {best_what}"
    if confidence < _CLEAR_MARGIN:
        reason += f"; ambiguous: chose {best} over {second} ({second_n} {second_what})"
    return LayoutGuess(best, confidence, reason)
