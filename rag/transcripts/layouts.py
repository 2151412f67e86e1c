"""Splitting a cleaned transcript into raw speaker turns, one function per layout.

A raw turn keeps the speaker label exactly as written; deciding who that is happens in
`rag.transcripts.attribution`, so that a layout never guesses a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from rag.transcripts.speakers import SpeakerDirectory


@dataclass(frozen=True)
class RawTurn:
    text: str
    start: int  # character span in the cleaned transcript
    end: int
    label: str | None = None  # speaker label as written ("Susan", "李苏珊", "Speaker 1")
    label_firm: str | None = None  # firm written in the label ("摩根大通分析师道格·安慕斯(Doug Anmuth)")
    label_english: str | None = None  # English name written in the label
    label_title: str | None = None  # title written with the label ("Chief Financial Officer", "Analyst")
    speaker_hint: str | None = None  # canonical name from a manifest hint for this section
    kind: str | None = None  # "question" / "answer" when the layout marks it (Q1/A1)
    section: str | None = None


@dataclass(frozen=True)
class Line:
    text: str
    start: int
    end: int


def iter_lines(text: str) -> Iterator[Line]:
    offset = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = offset + raw.index(stripped)
            yield Line(stripped, start, start + len(stripped))
        offset += len(raw) + 1


def _join(lines: list[Line], **fields: Any) -> RawTurn:
    return RawTurn(
        text="\n".join(line.text for line in lines), start=lines[0].start, end=lines[-1].end, **fields
    )


# --- a name alone on a line before each turn ---------------------------------------------------

_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{1,6}[·・][\u4e00-\u9fff]{1,8}")
_LATIN_NAME = re.compile(r"[A-Z][a-zA-Z.'\-]+(?: [A-Z][a-zA-Z.'\-]+){0,2}")


def is_name_line(line: str, directory: SpeakerDirectory) -> bool:
    """A line that is only a speaker's name: a known alias, or a name-shaped short line."""
    if len(line) > 30:
        return False
    return directory.get(line) is not None or bool(_CJK_NAME.fullmatch(line) or _LATIN_NAME.fullmatch(line))


def split_name_lines(text: str, directory: SpeakerDirectory, hints: dict[str, Any]) -> list[RawTurn]:
    turns: list[RawTurn] = []
    label: str | None = None
    body: list[Line] = []
    for line in iter_lines(text):
        if is_name_line(line.text, directory):
            if body:
                turns.append(_join(body, label=label))
            label, body = line.text, []
        else:
            body.append(line)
    if body:
        turns.append(_join(body, label=label))
    # a short line before the first name is the page title, not a turn
    if turns and turns[0].label is None and "\n" not in turns[0].text and len(turns[0].text) < 40:
        turns.pop(0)
    return turns


# --- prepared-remarks sections, then numbered Q1/A1 pairs ---------------------------------------

_QA_MARK = re.compile(r"^(?P<kind>[QA])(?P<n>\d{1,3})\s*[:：.、]\s*")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+|\d{1,2})、")
_QA_HEADING = re.compile(r"Q\s*&\s*A|问答|提问")


def split_sections_qa(text: str, directory: SpeakerDirectory, hints: dict[str, Any]) -> list[RawTurn]:
    start_at = hints.get("start_at")
    if start_at and start_at in text:
        text = " " * text.index(start_at) + text[text.index(start_at) :]  # keep offsets
    section_speakers = {s["heading"]: s.get("speaker") for s in hints.get("sections", [])}
    turns: list[RawTurn] = []
    body: list[Line] = []
    fields: dict[str, Any] = {}

    def flush() -> None:
        if body:
            turns.append(_join(body, **fields))
        body.clear()

    for line in iter_lines(text):
        heading = next((h for h in section_speakers if line.text.startswith(h)), None)
        qa = _QA_MARK.match(line.text)
        if heading is not None:
            flush()
            fields = {"speaker_hint": section_speakers[heading], "section": heading}
            rest = line.text[len(heading) :].lstrip(" :：")
            if rest:
                body.append(Line(rest, line.end - len(rest), line.end))
        elif _HEADING.match(line.text) and _QA_HEADING.search(line.text):
            flush()
            fields = {"section": line.text}
        elif qa is not None:
            flush()
            kind = "question" if qa.group("kind") == "Q" else "answer"
            fields = {
                "kind": kind,
                "section": fields.get("section"),
                "label": f"{qa.group('kind')}{qa.group('n')}",
            }
            rest = line.text[qa.end() :]
            body.append(Line(rest, line.start + qa.end(), line.end))
        else:
            body.append(line)
    flush()
    return turns


# --- inline "Name:" labels, possibly mid-line, possibly with paragraphs out of order ------------

_ANALYST_LABEL = re.compile(
    r"(?P<firm>[A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff .&]{0,24}?)分析师"
    r"(?P<name>[^\s:：(（,，。]{2,14})\s*[(（](?P<en>[A-Za-z .'\-]+)[)）]\s*[:：]"
)
_BOUNDARY = "^|(?<=[,，。!！?？;；])"


def _label_pattern(directory: SpeakerDirectory) -> re.Pattern[str]:
    aliases = sorted({a for p in directory.people for a in p.aliases if len(a) >= 2}, key=len, reverse=True)
    names = "|".join(re.escape(a) for a in aliases)
    return re.compile(rf"(?:{_BOUNDARY})\s*(?P<alias>{names})\s*[:：]")


def find_inline_labels(line: str, directory: SpeakerDirectory) -> list[tuple[int, int, dict[str, Any]]]:
    """(start, end, label fields) of every speaker label in a line."""
    found: list[tuple[int, int, dict[str, Any]]] = []
    for m in _ANALYST_LABEL.finditer(line):
        fields = {
            "label": m.group("name"),
            "label_firm": m.group("firm").strip(),
            "label_english": m.group("en").strip(),
        }
        found.append((m.start(), m.end(), fields))
    for m in _label_pattern(directory).finditer(line):
        if not any(s <= m.start() < e for s, e, _ in found):
            found.append((m.start(), m.end(), {"label": m.group("alias")}))
    return sorted(found, key=lambda item: item[0])


def split_inline_labels(text: str, directory: SpeakerDirectory, hints: dict[str, Any]) -> list[RawTurn]:
    """Each label starts a turn; an unlabelled line continues the previous turn unless the file's
    paragraphs are out of order (hint `unlabelled_paragraphs: separate`), when it stands alone."""
    separate = hints.get("unlabelled_paragraphs") == "separate"
    turns: list[RawTurn] = []
    for line in iter_lines(text):
        labels = find_inline_labels(line.text, directory)
        # the text before the first label continues the previous turn; each label runs to the next
        spans: list[tuple[int, int, dict[str, Any]]] = [(0, labels[0][0] if labels else len(line.text), {})]
        for i, (_, end, fields) in enumerate(labels):
            stop = labels[i + 1][0] if i + 1 < len(labels) else len(line.text)
            spans.append((end, stop, fields))
        for start, end, fields in spans:
            chunk = line.text[start:end].strip()
            if not chunk:
                continue
            offset = line.start + line.text.index(chunk, start)
            raw = RawTurn(chunk, offset, offset + len(chunk), **fields)
            if fields or separate or not turns:
                turns.append(raw)
            else:
                last = turns[-1]
                turns[-1] = replace(last, text=last.text + "\n" + chunk, end=raw.end)
    return turns
