"""Who a transcript says takes part: participant lists, "Name -- Title" labels, and the operator's
introductions of each questioner ("Our next question comes from C.J. Muse with Cantor Fitzgerald").

These are the only sources of roles and firms for speakers of a user's transcript; nothing is inferred
from what a person says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.chunks import ANALYST
from rag.text.names import name_key
from rag.transcripts.aliases import quoted_nickname_alias, same_person_name, without_quoted_nickname

_DASH = re.compile(r"\s*(?:--|—+|–|－－)\s*")
LATIN_NAME = re.compile(
    r"[A-Z][A-Za-z.'’\-]*(?:\s+(?:[A-Z][A-Za-z.'’\-]*|van|von|de|del|da|di|le|la)){0,4}"
    r"(?:,\s*(?:Jr|Sr)\.?|,\s*(?:II|III|IV))?"  # "Earl C. Austin, Jr."
)
CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}[·・][\u4e00-\u9fff]{1,8}")
_ROLE_WORDS = re.compile(
    r"analyst|officer|president|director|relations|chairman|chairwoman|chair\b|founder|treasurer|controller|"
    r"head of|manager|partner|secretary|counsel|vice|executive|ceo|cfo|coo|cto|\bir\b|"
    r"分析师|首席|总裁|董事|总监|经理|投资者关系|副总|主席|创始人|财务|执行官",
    re.IGNORECASE,
)
_PARTICIPANT_HEADINGS = re.compile(
    r"(?:call|conference call|corporate|company)?\s*participants|executives|analysts|"
    r"致电参与者|电话会议参与者|参会人员|参与者|出席人员|管理层出席",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Participant:
    name: str
    title: str  # as written: "Chief Financial Officer, Executive Vice President", "Analyst", "首席执行官"
    firm: str | None = None  # an analyst's firm when the line names it ("Melius Research")
    aliases: tuple[str, ...] = ()  # other spellings in the same list ("Colette Kress" for "Colette M. Kress")

    @property
    def role(self) -> str:
        return role_from_title(self.title)


# How questions name the roles role_from_title reads from titles: words of the language, not of a corpus,
# so they hold with rag/data/speakers.json emptied (a speakers file may add more)
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "CEO": ("CEO", "chief executive", "chief executive officer", "首席执行官", "执行长", "总裁"),
    "CFO": ("CFO", "chief financial officer", "finance chief", "首席财务官", "财务长", "财务总监"),
    "COO": ("COO", "chief operating officer", "首席运营官", "运营长"),
    ANALYST: ("analyst", "analysts", "分析师"),
    "management": ("management", "executives", "管理层", "高管"),
}


def role_from_title(title: str) -> str:
    """ "President and Chief Executive Officer" → "CEO"; "Analyst" → "Analyst"; other titles as written."""
    t = title.casefold()
    if "analyst" in t or "分析师" in t:
        return ANALYST
    if "chief executive" in t or re.search(r"\bceo\b", t) or "首席执行官" in t:
        return "CEO"
    # ("Chief Finance Officer", as STERIS's CFO is titled)
    if "chief financ" in t or re.search(r"\bcfo\b", t) or "首席财务官" in t or "财务总监" in t:
        return "CFO"
    if "chief operating" in t or re.search(r"\bcoo\b", t) or "首席运营官" in t:
        return "COO"
    if "investor relations" in t or "投资者关系" in t or re.search(r"\bir\b", t):
        return "Investor Relations"
    return title.strip()


def is_title(text: str) -> bool:
    return bool(_ROLE_WORDS.search(text)) and len(text) <= 120


def is_person_name(text: str) -> bool:
    text = text.strip()
    return bool(LATIN_NAME.fullmatch(text) or CJK_NAME.fullmatch(text)) and not any(
        ch.isdigit() for ch in text
    )


def parse_participant_line(line: str) -> Participant | None:
    """ "Name -- Title", "Name--Firm -- Analyst", "Name -- Firm -- Analyst" or "Title — Name"; else None."""
    parts = [p.strip() for p in _DASH.split(line.strip()) if p.strip()]
    if len(parts) < 2 or len(parts) > 3:
        return None
    # 'Earl C. "Duke" Austin, Jr.' is listed under the name its turns carry, Earl C. Austin, Jr., and goes
    # by Duke Austin
    nicknamed = [alias for p in parts if (alias := quoted_nickname_alias(p))]
    parts = [without_quoted_nickname(p) for p in parts]
    if is_person_name(parts[0]) and is_title(parts[-1]):
        firm = parts[1] if len(parts) == 3 else None
        return Participant(parts[0], parts[-1], firm, tuple(nicknamed))
    if len(parts) == 2 and is_title(parts[0]) and is_person_name(parts[1]):
        return Participant(parts[1], parts[0], aliases=tuple(nicknamed))
    return None


def find_participants(lines: list[str]) -> list[Participant]:
    """Participants listed under a heading such as "Call participants:" or "致电参与者"."""
    found: list[Participant] = []
    in_list = False
    for line in lines:
        stripped = line.strip()
        if _PARTICIPANT_HEADINGS.fullmatch(stripped.rstrip(":：")):
            in_list = True
            continue
        if in_list:
            participant = parse_participant_line(stripped)
            if participant is None:
                in_list = False
            else:
                found.append(participant)
    return merge_participants(found)


def merge_participants(participants: list[Participant]) -> list[Participant]:
    """One entry per person: the first spelling is the name, later variants become its aliases."""
    merged: dict[str, Participant] = {}
    for p in participants:
        key = _loose_key(p.name)
        first = merged.get(key)
        if first is None:
            merged[key] = p
        elif p.name not in (first.name, *first.aliases):
            merged[key] = Participant(first.name, first.title, first.firm or p.firm, (*first.aliases, p.name))
    return list(merged.values())


def _loose_key(name: str) -> str:
    """ "Colette M. Kress" and "Colette Kress" share a key: single-letter middle initials are dropped."""
    tokens = name.split()
    if len(tokens) > 2:
        tokens = [tokens[0], *[t for t in tokens[1:-1] if len(t.rstrip(".")) > 1], tokens[-1]]
    return name_key(" ".join(tokens))


def same_person(a: str, b: str) -> bool:
    """One person's two spellings in one call: "Colette M. Kress" / "Colette Kress", "Ron Josey" /
    "Ronald Josey" (the call's own names; the corpus directory is never matched this loosely)."""
    return name_key(a) == name_key(b) or _loose_key(a) == _loose_key(b) or same_person_name(a, b)


# --- "Name, Title" header lines and "joining me today are …" sentences -------------------------

_HEADER_NAME = re.compile(r"[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){1,4}")
_TEAM_TRIGGER = re.compile(
    r"(?:joining|with)\s+(?:me|us)\b[^.;:]{0,60}?\b(?:are|is|we have)\s+|"
    r"(?:on the call|here with me|with me)\s+today\s+(?:are|is)\s+|\bwe have\s+(?=[A-Z])",
    re.I,
)
_TEAM_ENTRY = re.compile(
    r"(?P<name>[A-Z][a-z'’\-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][A-Za-z'’\-]+){1,2}),\s+(?:our\s+)?"
    r"(?P<title>[^;]+?)(?=\s*(?:;|,?\s+and\s+[A-Z]|,\s+[A-Z][a-z'’\-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][A-Za-z'’\-]+){1,2},|\.\s|\.$|$))"
)


def parse_header_line(line: str) -> Participant | None:
    """ "Susan Li, CFO" or "Kenneth Dorell, Director, Investor Relations": a line that opens a
    speaker's prepared remarks in an official IR transcript; None for any other line."""
    line = line.strip()
    if len(line) > 100 or line.endswith((".", "?", "!", ":", ";")) or "," not in line:
        return None
    name, title = (part.strip() for part in line.split(",", 1))
    if not _HEADER_NAME.fullmatch(name) or not is_person_name(name) or is_title(name):
        return None
    if not is_title(title) or any(ch.isdigit() for ch in title):
        return None
    return Participant(name, title)


def team_introductions(text: str) -> list[Participant]:
    """People a host introduces with their titles: "Joining me today to discuss our results are Mark
    Zuckerberg, CEO and Susan Li, CFO"; "With me today are Wendell Weeks, chairman and chief executive
    officer; Tony Tripeny, …"."""
    found: list[Participant] = []
    for trigger in _TEAM_TRIGGER.finditer(text[:20000]):
        sentence_end = re.search(r"\.(?:\s|$)", text[trigger.end() :])
        rest = text[trigger.end() : trigger.end() + (sentence_end.start() if sentence_end else 400)]
        for m in _TEAM_ENTRY.finditer(rest):
            name, title = m.group("name").strip(), m.group("title").strip(" ,")
            if is_person_name(name) and not is_title(name) and is_title(title) and len(title) <= 80:
                found.append(Participant(name, title))
    return found


# --- the operator introducing each questioner ----------------------------------------------------

_INTRO_EN = re.compile(
    r"(?:question|questions|next|first|last|final|follow-up)\b[^.?!]{0,60}?\bfrom\s+(?:the\s+line\s+of\s+)?"
    r"(?P<name>[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3})\s*,?\s+(?:with|of|from|at)\s+(?P<firm>[A-Z][^,;\n]*)"
)
_FIRM_END = re.compile(r"\.\s+(?:Your|Please|Go ahead|You may|Thank|The line)\b.*$|[.\s]+$")
_INTRO_ZH = re.compile(
    r"来自(?P<firm>[^，。、,的\n]{1,30}?)的(?P<name>[A-Za-z][A-Za-z.'’\- ]*[A-Za-z]|[\u4e00-\u9fff·]{2,8}?)"
    r"(?=提出|提问|的|先生|女士|。|，|,|$)"
)


@dataclass(frozen=True)
class Introduction:
    name: str
    firm: str


def introductions(text: str) -> list[Introduction]:
    """Questioners the operator names with their firm, in order."""
    found: list[tuple[int, Introduction]] = []
    for m in _INTRO_EN.finditer(text):
        firm = _FIRM_END.sub("", m.group("firm")).strip()
        if firm:
            found.append((m.start(), Introduction(m.group("name").strip(), firm)))
    for m in _INTRO_ZH.finditer(text):
        found.append((m.start(), Introduction(m.group("name").strip(), m.group("firm").strip())))
    return [intro for _, intro in sorted(found, key=lambda item: item[0])]


def firm_variants(firm: str) -> list[str]:
    """ "高盛（Goldman Sachs）" → ["高盛（Goldman Sachs）", "高盛", "Goldman Sachs"]."""
    m = re.fullmatch(r"(?P<a>[^（(]+)[（(](?P<b>[^）)]+)[）)]", firm)
    return [firm, m.group("a").strip(), m.group("b").strip()] if m else [firm]


# --- romanised Chinese names ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pinyin():  # type: ignore[no-untyped-def]
    from pypinyin import lazy_pinyin

    return lazy_pinyin


def romanizations(cjk_name: str) -> set[str]:
    """Name keys of a Chinese name in pinyin, given-name-first and surname-first:
    "庄庄鹏" → {"zhuangzhuangpeng", "pengzhuangzhuang"}."""
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", cjk_name):
        return set()
    syllables = _pinyin()(cjk_name)
    return {"".join(syllables), "".join(syllables[1:] + syllables[:1])}


def participant_for_cjk_label(label: str, participants: list[Participant]) -> Participant | None:
    """The one participant whose romanised name this Chinese label is, or None (never a near match)."""
    keys = romanizations(label)
    matches = [p for p in participants if keys and name_key(p.name) in keys]
    return matches[0] if len(matches) == 1 else None
