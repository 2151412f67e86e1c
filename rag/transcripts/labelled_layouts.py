"""Layouts whose speaker labels are read from the transcript itself, not from the speaker directory:

- titled_lines: a "Name -- Title" line (or "Operator") before each turn (The Motley Fool);
- line_labels: "Name: text" / "Name：text" at the start of a line, "Speaker 1:" included;
- paragraphs: no labels at all, every paragraph a turn of its own.

A label is only taken for a speaker when it has the shape of one (a person's name, a participant, an
operator word, "Speaker N"); headings such as "Revenue:" or "Peiyou:" stay text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rag.transcripts.layouts import Line, RawTurn, iter_lines
from rag.transcripts.participants import (
    CJK_NAME,
    LATIN_NAME,
    Participant,
    find_participants,
    parse_header_line,
    parse_participant_line,
    participant_for_cjk_label,
    same_person,
)
from rag.transcripts.speakers import SpeakerDirectory

OPERATOR_WORDS = {"operator", "接线员", "操作员", "主持人", "会议主持人", "conference operator", "moderator"}
ANONYMOUS_LABEL = re.compile(r"(?:speaker|spk|发言人|说话人|讲话人)\s*(?:\d{1,3}|[A-Z])", re.IGNORECASE)
SECTION_HEADING = re.compile(
    r"(?:prepared remarks|presentation|questions?\s*(?:&|and)\s*answers?(?: session)?|q\s*&\s*a(?: session)?|"
    r"contents|问答环节|问答部分|问答|完整的电话会议记录|电话会议记录|管理层发言|开场白)[:：]?",
    re.IGNORECASE,
)
_PARTICIPANT_HEADING = re.compile(
    r"(?:call |conference call |corporate |company )?participants|致电参与者|电话会议参与者|参会人员|参与者",
    re.I,
)
_LINE_LABEL = re.compile(r"^(?P<label>[^:：\n]{1,48}?)\s*[:：]\s*(?P<rest>.*)$")
_ANALYST_FORM = re.compile(
    r"(?P<firm>[A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff .&]{0,24}?)分析师(?P<name>[^\s(（]{2,14})"
    r"\s*(?:[(（](?P<en>[A-Za-z .'\-]+)[)）])?"
)
_FIRM_SUFFIX = re.compile(r"^(?P<name>.+?)\s*[(（](?P<firm>[^)）]{2,40})[)）]$")
# words that make a "Xxx Yyy:" line a heading or a field, not a person speaking
_NOT_NAME_TEXT = """
note notes source sources question questions answer answers operator instructions duration forward looking
statements statement safe harbor revenue revenues results result highlights outlook summary key takeaways
risk risks call earnings quarter quarterly financial company contents participants prepared remarks date
time ticker period bill materials total net income guidance business labs reality messaging growth margin
cost costs expenses expense cash flow update updates overview segment segments product products
the and of for in on to with our we disclaimer copyright transcript editor editors
"""
_NOT_NAME_WORDS = frozenset(_NOT_NAME_TEXT.split())
# single-character surnames covering most Chinese names, and the common two-character ones
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤庄常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
}


def is_operator_label(label: str) -> bool:
    return label.strip().casefold() in OPERATOR_WORDS


def _is_latin_person(label: str) -> bool:
    tokens = label.split()
    if not 2 <= len(tokens) <= 4 or not LATIN_NAME.fullmatch(label):
        return False
    for token in tokens:
        bare = token.strip(".'’-")
        if bare.casefold() in _NOT_NAME_WORDS:
            return False
        if len(bare) > 1 and bare.isupper() and "." not in token:  # "AI", "BOM": acronyms, not names
            return False
    return True


def _is_cjk_person(label: str) -> bool:
    if not CJK_NAME.fullmatch(label):
        return False
    if "·" in label or "・" in label:
        return True
    return label[:2] in _COMPOUND_SURNAMES or (label[0] in _SURNAMES and len(label) <= 3)


def speaker_label_fields(
    label: str, rest: str, directory: SpeakerDirectory, participants: list[Participant]
) -> dict[str, Any] | None:
    """RawTurn label fields when `label` names a speaker, else None (the line is text)."""
    label = label.strip()
    if is_operator_label(label) or ANONYMOUS_LABEL.fullmatch(label):
        return {"label": label}
    analyst = _ANALYST_FORM.fullmatch(label)
    if analyst:
        english = analyst.group("en")
        return {
            "label": analyst.group("name"),
            "label_firm": analyst.group("firm").strip(),
            "label_english": english.strip() if english else None,
            "label_title": "Analyst",
        }
    fields: dict[str, Any] = {}
    suffix = _FIRM_SUFFIX.fullmatch(label)
    if suffix:
        label, fields["label_firm"] = suffix.group("name").strip(), suffix.group("firm").strip()
    known = (
        directory.get(label) is not None
        or any(same_person(label, p.name) for p in participants)
        or participant_for_cjk_label(label, participants) is not None
    )
    has_text = bool(rest.strip())
    if known or (has_text and (_is_latin_person(label) or _is_cjk_person(label))):
        return {**fields, "label": label}
    return None


def _participant_lines(lines: list[Line]) -> set[int]:
    """Positions of a participant list's heading and entries (metadata, not speech)."""
    skip: set[int] = set()
    in_list = False
    for i, line in enumerate(lines):
        if _PARTICIPANT_HEADING.fullmatch(line.text.rstrip(":：")):
            in_list = True
            skip.add(i)
        elif in_list and parse_participant_line(line.text) is not None:
            skip.add(i)
        else:
            in_list = False
    return skip


_REPLY_START = re.compile(
    r"^(?:(?:非常)?(?:感谢|谢谢)(?:你|您)?(?:的)?(?:提问|问题)|"
    r"(?:thank you|thanks) for (?:the|your|that) question|"
    r"(?:great|good) question)",
    re.IGNORECASE,
)


def addresses_speaker(text: str, label: str | None) -> bool:
    """An unlabelled paragraph that thanks the previous speaker by name or for the question is a reply
    by someone else ("感谢提问，Timothy。我是Alex…"), never that speaker's own words."""
    if _REPLY_START.search(text):
        return True
    if not label or is_operator_label(label):
        return False
    given = label.split()[0] if " " in label else label
    if len(given) < 2:
        return False
    opening = text[:40]
    return (
        bool(re.search(r"^(?:谢谢|感谢|thanks|thank you)", opening, re.I))
        and given.casefold() in opening.casefold()
    )


class _TurnBuilder:
    """Collects lines into turns; unlabelled lines continue, stand alone, or open a reply."""

    def __init__(self) -> None:
        self.turns: list[RawTurn] = []
        self.body: list[Line] = []
        self.fields: dict[str, Any] | None = None  # None: outside any labelled turn
        self.section: str | None = None

    def flush(self) -> None:
        if self.body:
            fields = dict(self.fields or {})
            self.turns.append(
                RawTurn(
                    text="\n".join(line.text for line in self.body),
                    start=self.body[0].start,
                    end=self.body[-1].end,
                    section=self.section,
                    **fields,
                )
            )
        self.body = []

    def heading(self, line: Line) -> None:
        """A section heading closes the open turn; the turns after it belong to its section."""
        self.flush()
        self.section = line.text.rstrip(":：")

    def start(self, fields: dict[str, Any], first: Line | None) -> None:
        self.flush()
        self.fields = fields
        if first is not None:
            self.body.append(first)

    def unlabelled(self, line: Line, *, paged: bool = False) -> None:
        """`paged`: the text came off pages in reading order, so a paragraph after the operator's
        is still the operator's (an IR transcript), not someone unnamed."""
        label = (self.fields or {}).get("label")
        after_operator = label is not None and is_operator_label(label) and not paged
        if paged and self.fields is None and self.turns and not self.turns[-1].label:
            last = self.turns[-1]  # the cover page before the first speaker: one passage, not one a line
            self.turns[-1] = RawTurn(f"{last.text}\n{line.text}", last.start, line.end, section=last.section)
        elif self.fields is None or after_operator:
            self.flush()  # before the first label, or after the operator: a paragraph of its own
            self.fields = None
            self.turns.append(RawTurn(line.text, line.start, line.end, section=self.section))
        elif self.fields.get("kind") != "answer" and addresses_speaker(line.text, label):
            self.start({"kind": "answer"}, line)
        else:
            self.body.append(line)


def _rest_line(line: Line, offset: int) -> Line | None:
    rest = line.text[offset:]
    stripped = rest.strip()
    if not stripped:
        return None
    start = line.start + offset + rest.index(stripped)
    return Line(stripped, start, start + len(stripped))


def split_line_labels(text: str, directory: SpeakerDirectory, hints: dict[str, Any]) -> list[RawTurn]:
    """Turns opened by "Name: text" labels at the start of a line (speaker names read from the text)."""
    lines = list(iter_lines(text))
    participants = find_participants([line.text for line in lines])
    skip = _participant_lines(lines)
    paged = bool(hints.get("paged"))
    builder = _TurnBuilder()
    for i, line in enumerate(lines):
        if i in skip:
            continue
        if SECTION_HEADING.fullmatch(line.text):
            builder.heading(line)
            continue
        header = header_label(line.text)
        if header is not None:  # "Name, Title" opens the prepared remarks of an IR transcript
            builder.start(header, None)
            continue
        m = _LINE_LABEL.match(line.text)
        fields = (
            speaker_label_fields(m.group("label"), m.group("rest"), directory, participants) if m else None
        )
        if m is not None and fields is not None:
            builder.start(fields, _rest_line(line, m.start("rest")))
        else:
            builder.unlabelled(line, paged=paged)
    builder.flush()
    return builder.turns


def header_label(line: str) -> dict[str, Any] | None:
    """Label fields of a "Name, Title" header line, else None."""
    participant = parse_header_line(line)
    return None if participant is None else {"label": participant.name, "label_title": participant.title}


def _titled_label(line: str) -> dict[str, Any] | None:
    if is_operator_label(line):
        return {"label": line}
    participant = parse_participant_line(line)
    if (
        participant is None
        or not LATIN_NAME.fullmatch(participant.name)
        and not CJK_NAME.fullmatch(participant.name)
    ):
        return None
    return {"label": participant.name, "label_title": participant.title, "label_firm": participant.firm}


def split_titled_lines(text: str, directory: SpeakerDirectory, hints: dict[str, Any]) -> list[RawTurn]:
    """Turns opened by a "Name -- Title" (or "Operator") line; the participant list closes the call."""
    lines = list(iter_lines(text))
    skip = _participant_lines(lines)
    builder = _TurnBuilder()
    for i, line in enumerate(lines):
        if i in skip:
            continue
        if SECTION_HEADING.fullmatch(line.text):
            builder.heading(line)
            continue
        fields = _titled_label(line.text)
        if fields is not None:
            builder.start(fields, None)
        elif builder.fields is None:
            builder.unlabelled(line)
        else:
            builder.body.append(line)  # a titled turn runs to the next title line
    builder.flush()
    return builder.turns


def split_paragraphs(text: str, directory: SpeakerDirectory, hints: dict[str, Any]) -> list[RawTurn]:
    """No speaker labels: every paragraph is a turn, and nobody is named."""
    return [RawTurn(line.text, line.start, line.end) for line in iter_lines(text)]


def label_lines(text: str) -> Iterator[tuple[Line, str, str]]:
    """(line, label, rest) for every line that starts with "Something:"; for layout detection."""
    for line in iter_lines(text):
        m = _LINE_LABEL.match(line.text)
        if m:
            yield line, m.group("label").strip(), m.group("rest")


__all__ = [
    "ANONYMOUS_LABEL",
    "addresses_speaker",
    "is_operator_label",
    "label_lines",
    "speaker_label_fields",
    "split_line_labels",
    "split_paragraphs",
    "split_titled_lines",
]
