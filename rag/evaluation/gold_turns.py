"""Who a gold transcript says is speaking, read by the checker on its own (not by the product's parser).

A call is read into turns — (the name the file gives, the text) — by the few rules its layout states
outright: the {speaker, speech} items of a Motley Fool JSON file; in text files a "Name -- Title" line
before a turn, a "Name, Title" header line (official IR transcripts), a "Name:" / "Name：" label at the
start of a line (two or more capitalised words, a spelling the spec lists in `people`, or "Speaker N",
which names nobody); and a seed's own rules (rag.evaluation.seed_sources). A label reaches until the next
label, or — `label_scope: "line"` — only its own paragraph. Text before any label names nobody.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from rag.evaluation.corpus_spec import SpecCall
from rag.evaluation.seed_sources import INLINE_LABEL_002
from rag.evaluation.seed_sources import clean_transcript as clean_seed
from rag.evaluation.seed_sources import speaker_at as seed_speaker_at
from rag.transcripts.read import read_transcript

OPERATOR = "Operator"
_OPERATOR_LABELS = ("Operator", "操作员", "接线员", "主持人")
# "Colette M. Kress -- Chief Financial Officer": capitalised name words only, so prose with " -- " is not one
_TITLE_LINE = re.compile(
    r"^\s*(?P<name>[A-Z][\w.'’\-]*(?: [A-Z][\w.'’\-]*){0,4}) -- (?P<title>[A-Z][^\n]{0,80}?)\s*$"
)
_ROLE_WORDS = r"CEO|CFO|COO|Chief|President|Director|Officer|Vice|Head|Investor Relations|Chairman|Treasurer"
_HEADER_LINE = re.compile(
    rf"^(?P<name>[A-Z][a-z]+(?: [A-Z][a-z.]*)+), (?P<title>(?:{_ROLE_WORDS})[^\n]{{0,60}})$"
)
_LATIN_NAME = r"[A-Z][A-Za-z.'’\-]+(?: [A-Z][A-Za-z.'’\-]+){1,3}"
_LABEL = re.compile(rf"^\s*(?P<name>Speaker \d+|{_LATIN_NAME}|[^\s:：]{{2,12}})\s*[:：]\s*(?P<rest>.*)$")
_ANONYMOUS = re.compile(r"^Speaker \d+$")
_PARTICIPANTS = re.compile(r"^(?P<name>.+?)--(?P<rest>.+)$")


@dataclass(frozen=True)
class GoldTurn:
    speaker: str | None  # the name the file gives; None when it names nobody
    text: str


def normalize(text: str) -> str:
    """Runs of whitespace as one space: a wrapped line still holds a phrase copied from the reading."""
    return " ".join(text.split())


def read_gold_turns(call: SpecCall) -> list[GoldTurn]:
    """The call's turns as its file states them (module docstring)."""
    if call.seed is not None:
        return _seed_turns(call)
    text = read_transcript(call.path)
    if call.path.suffix == ".json":
        return _json_turns(text)
    return _text_turns(text, call)


def participants(call: SpecCall) -> set[str]:
    """Names a Motley Fool JSON file lists as participants ("Name--Firm -- Analyst"), else none."""
    if call.path.suffix != ".json":
        return set()
    data = json.loads(read_transcript(call.path))
    listed = data.get("participants", []) if isinstance(data, dict) else []
    return {m.group("name").strip() for line in listed if (m := _PARTICIPANTS.match(str(line)))}


def _json_turns(text: str) -> list[GoldTurn]:
    data = json.loads(text)
    turns = []
    for key in ("prepared_remarks", "q_and_a", "questions_and_answers"):
        for item in data.get(key, []) if isinstance(data, dict) else []:
            speaker = str(item.get("speaker", "")).strip() or None
            turns.append(GoldTurn(speaker, str(item.get("speech", ""))))
    return turns


def _seed_turns(call: SpecCall) -> list[GoldTurn]:
    assert call.seed is not None
    original = call.seed.get("original_name", call.file_name)
    text = clean_seed(call.path.read_text(encoding="utf-8"))
    turns, offset = [], 0
    for line in text.splitlines(keepends=True):
        # an inline label ("李苏珊:") opens a turn inside the line: cut there, ask who speaks right after it
        cuts = [0, *(m.start() for m in INLINE_LABEL_002.finditer(line)), len(line)]
        for start, end in zip(cuts, cuts[1:], strict=False):
            label = INLINE_LABEL_002.match(line, start)
            position = offset + (label.end() if label else start)
            if line[start:end].strip():
                turns.append(GoldTurn(seed_speaker_at(original, text, position), line[start:end].strip()))
        offset += len(line)
    return turns


def _label(line: str, call: SpecCall) -> tuple[str | None, str] | None:
    """(speaker, the rest of the line) when the line opens a turn; None for an ordinary line."""
    stripped = line.strip()
    if stripped in _OPERATOR_LABELS:
        return OPERATOR, ""
    title = _TITLE_LINE.match(line)
    if title:
        return title.group("name").strip(), ""
    header = _HEADER_LINE.match(stripped)
    if header:
        return header.group("name"), ""
    label = _LABEL.match(line)
    if not label:
        return None
    name, rest = label.group("name"), label.group("rest")
    if name in _OPERATOR_LABELS:
        return OPERATOR, rest
    if _ANONYMOUS.match(name):
        return None, rest
    listed = {n for group in call.people for n in group}
    if re.fullmatch(_LATIN_NAME, name) or name in listed:
        return name, rest
    return None


def _text_turns(text: str, call: SpecCall) -> list[GoldTurn]:
    turns: list[GoldTurn] = []
    speaker: str | None = None
    lines: list[str] = []

    def close() -> None:
        if lines:
            turns.append(GoldTurn(speaker, "\n".join(lines)))
            lines.clear()

    for line in text.splitlines():
        opened = _label(line, call)
        if opened is not None:
            close()
            speaker, rest = opened
            if rest.strip():
                lines.append(rest.strip())
            continue
        if not line.strip():
            if call.label_scope == "line":
                close()
                speaker = None
            continue
        lines.append(line.strip())
    close()
    return [t for t in turns if t.text.strip()]
