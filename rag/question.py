"""Reading a question: who it asks about, which calls, and whether it asks who asked.

Filters given explicitly are validated (unknown values are errors that list the known ones);
filters read from the question narrow the search only to values the corpus has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

from rag.errors import InvalidQuestion, UnknownCompany, UnknownQuarter
from rag.speakers import Person, SpeakerDirectory, find_aliases, name_key

_CN_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}

_QUARTER_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>20\d\d)\s*[- ]?\s*Q(?P<q>[1-4])(?!\d)", re.I),  # 2024Q4, 2024 Q4
    re.compile(
        r"(?<![A-Za-z\d])Q(?P<q>[1-4])\s*(?:FY\s*)?'?\s*(?P<y>(?:20)?\d\d)(?!\d)", re.I
    ),  # Q4 2024, Q4'24
    re.compile(r"(?<![\dA-Za-z])(?P<q>[1-4])\s*Q\s*(?P<y>(?:20)?\d\d)(?!\d)", re.I),  # 4Q24, 4Q 2024
    re.compile(r"(?P<y>20\d\d|\d\d)\s*年\s*(?:的)?\s*第?\s*(?P<q>[一二三四1-4])\s*季度"),  # 2024年第四季度
    re.compile(r"(?P<o>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+(?:of\s+)?(?P<y>20\d\d)", re.I),
]
_YEAR_RANGE = re.compile(
    r"(?:from|between)\s+(?P<a>20\d\d)\s+(?:to|and|through|-)\s+(?P<b>20\d\d)|(?P<c>20\d\d)\s*(?:年)?\s*(?:到|至|-|–)\s*(?P<d>20\d\d)\s*年?",
    re.I,
)
_YEAR = re.compile(r"(?<!\d)(?P<y>20\d\d)(?!\d)\s*(?:年)?")
_WHO_ASKED = re.compile(
    r"\bwho\s+(?:asked|raised|questioned|wanted to know|brought up)|\bwhich\s+analysts?\b|谁.{0,24}?(?:问|提问|询问|提出)|哪(?:位|个|些)分析师",
    re.I,
)
_UNKNOWN_LATIN_SPEAKER = re.compile(
    r"\b(?:did|does|has|had|was|is|from|by|according to)\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+)"
    r"(?:'s)?\s+(?:say|said|talk|mention|think|comment|ask|discuss|describe|explain|note|expect|view|remark|answer)",
)
_UNKNOWN_CJK_SPEAKER = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8})")
_COMPANIES_FILE = Path(__file__).resolve().parent.parent / "data" / "companies.json"


@lru_cache(maxsize=1)
def company_aliases() -> dict[str, tuple[str, ...]]:
    """Every company name users may write, by canonical name (data/companies.json)."""
    data = json.loads(_COMPANIES_FILE.read_text(encoding="utf-8"))["companies"]
    return {name: tuple(dict.fromkeys([name, *aliases])) for name, aliases in data.items()}


def _company_key(name: str) -> str:
    """ "Coca Cola", "Coca-Cola" and "coca-cola" are one company."""
    return re.sub(r"[\W_]+", "", name).casefold()


def _company_names(known: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Aliases by company: data/companies.json's, with each `known` company (a corpus's, spelled as
    there) taking over the entry it matches, or standing alone under its own name."""
    names = dict(company_aliases())
    for company in known:
        key = _company_key(company)
        listed = next((n for n, aliases in names.items() if key in {_company_key(a) for a in aliases}), None)
        aliases = names.pop(listed) if listed is not None else ()
        names[company] = tuple(dict.fromkeys([company, *aliases]))
    return names


def company_mentions(text: str, known: Sequence[str] = ()) -> list[tuple[int, int, str]]:
    """(start, end, company) for each company the text names, in text order."""
    names = _company_names(known)
    pairs = sorted(((a, name) for name, aliases in names.items() for a in aliases), key=lambda p: -len(p[0]))
    return [(start, end, str(value)) for start, end, value in find_aliases(text, pairs)]


def companies_in_text(text: str, known: Sequence[str] = ()) -> list[str]:
    """Companies the text names, canonically; `known` ones (the corpus's) by the corpus's spelling."""
    return list(dict.fromkeys(name for _, _, name in company_mentions(text, known)))


@dataclass(frozen=True)
class SearchRequest:
    """A validated question with the filters that apply to it."""

    question: str
    speakers: tuple[str, ...] = ()  # canonical names; empty means anyone
    include_management: bool = False  # also the company's unnamed management turns
    quarters: tuple[str, ...] = ()  # empty means every call
    companies: tuple[str, ...] = ()
    asks_who_asked: bool = False
    compares_quarters: bool = False
    unknown_people: tuple[str, ...] = ()  # names the question asks about that never speak in the corpus
    other_companies: tuple[str, ...] = ()  # companies it asks about that have no call in the corpus
    missing_calls: tuple[str, ...] = ()  # quarters whose call it asks about that the corpus lacks
    speaker_from_question: bool = False
    quarter_from_question: bool = False


def normalize_quarter(value: str) -> str | None:
    """ "Q4 2024", "4Q24", "2024年第四季度", "2024q4" → "2024Q4"; None when it is no quarter."""
    for pattern in _QUARTER_PATTERNS:
        m = pattern.search(value)
        if m:
            groups = m.groupdict()
            q = _ORDINALS[groups["o"].lower()] if groups.get("o") else _CN_NUMERALS[groups["q"]]
            year = int(groups["y"])
            year = year + 2000 if year < 100 else year
            return f"{year}Q{q}"
    return None


def quarters_named(text: str) -> list[str]:
    """Every quarter the text names with its year ("2023 年第三季度", "Q2 2023", "4Q24"), normalised, once."""
    found = []
    for pattern in _QUARTER_PATTERNS:
        for m in pattern.finditer(text):
            quarter = normalize_quarter(m.group(0))
            if quarter and quarter not in found:
                found.append(quarter)
    return found


_MENTIONS_A_CALL = re.compile(r"\bcalls?\b|\bconference\b|电话会|业绩会|财报会", re.I)


def calls_missing(text: str, known: list[str]) -> list[str]:
    """Quarters whose call the question asks about ("on the Q1 2024 call", "2022年第四季度电话会") when
    the corpus has none of them; a quarter named without a call is a topic ("Q3 2023 guidance")."""
    named = quarters_named(text)
    if not named or any(q in known for q in named) or not _MENTIONS_A_CALL.search(text):
        return []
    return named


def mask_quarters(text: str) -> str:
    """The text with quarter and year mentions blanked out (they are filters, not topic words)."""
    for pattern in (*_QUARTER_PATTERNS, _YEAR_RANGE, _YEAR):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def quarters_in_text(text: str, known: list[str]) -> tuple[list[str], bool]:
    """Quarters the question names (explicitly, by year, or by a year range), and whether it compares."""
    found: list[str] = []
    for pattern in _QUARTER_PATTERNS:
        for m in pattern.finditer(text):
            quarter = normalize_quarter(m.group(0))
            if quarter and quarter not in found:
                found.append(quarter)
    if found:
        # a quarter with no call of its own is a topic ("Q3 2023 guidance" is given on the 2023Q2 call)
        in_corpus = [q for q in found if q in known]
        return in_corpus, len(in_corpus) > 1
    years: list[int] = []
    range_match = _YEAR_RANGE.search(text)
    if range_match:
        a, b = (
            int(x)
            for x in (
                range_match.group("a") or range_match.group("c"),
                range_match.group("b") or range_match.group("d"),
            )
        )
        years = list(range(min(a, b), max(a, b) + 1))
    else:
        years = [int(m.group("y")) for m in _YEAR.finditer(text)]
    # a year's figures are discussed on that year's calls and guided on the previous year's Q4 call
    # ("2025 capex" is guided on the 2024Q4 call); a year with no such call is a topic, not a filter
    by_year = [q for q in known if int(q[:4]) in years or (int(q[:4]) + 1 in years and q.endswith("Q4"))]
    compares = bool(range_match) or len(years) > 1
    return sorted(by_year), compares and len(by_year) > 1


# "Meta's CFO", "Meta CFO", "苹果的首席财务官" / "the CFO of Apple", "the CEO at NVIDIA"
_COMPANY_BEFORE_ROLE = re.compile(r"\s*(?:['’]s?|的)?\s*")
_COMPANY_AFTER_ROLE = re.compile(r"\s+(?:of|at|from)\s+(?:the\s+)?", re.I)


def _tied_companies(text: str, start: int, end: int, mentions: list[tuple[int, int, str]]) -> list[str]:
    """The companies a role mention at text[start:end] is tied to by its wording."""
    return [
        company
        for c_start, c_end, company in mentions
        if (c_end <= start and _COMPANY_BEFORE_ROLE.fullmatch(text, c_end, start))
        or (c_start >= end and _COMPANY_AFTER_ROLE.fullmatch(text, end, c_start))
    ]


def _holders(
    directory: SpeakerDirectory, roles: tuple[str, ...], tied: list[str], scope: list[str]
) -> list[Person]:
    """Who holds `roles`: at the tied companies if the wording names any (nobody when none of them
    has such a person), else within `scope`, else everyone in the corpus who holds them."""
    holders = [p for p in directory.people if p.role in roles]
    if tied:
        return [p for p in holders if p.company in tied]
    if scope:
        return [p for p in holders if p.company in scope]
    return holders


def _role_scope(text: str, directory: SpeakerDirectory, companies: Sequence[str]) -> list[str]:
    """Companies an untied role is read within: the given ones (an explicit filter, or the corpus
    companies the question names), else those named in the text that someone in the directory works for."""
    if companies:
        return list(companies)
    staffed = {p.company for p in directory.people if p.company}
    return [c for c in companies_in_text(text, sorted(staffed)) if c in staffed]


def people_in_text(text: str, directory: SpeakerDirectory, companies: Sequence[str] = ()) -> list[Person]:
    """People named in the question by any alias, role ("the CFO") or firm ("the Morgan Stanley analyst").

    A role means its holders at the company the wording ties it to ("Meta's CFO", "the CFO of Apple"),
    else at `companies` or the companies the question names, else every holder in the directory:
    with several companies' calls, "the CFO" alone is each company's CFO.
    """
    people: list[Person] = []
    pairs: list[tuple[str, object]] = [(a, p) for a, p in directory.alias_patterns()]
    for role, aliases in directory.role_aliases.items():
        if role in ("Analyst", "management"):
            continue
        pairs += [(alias, ("role", role)) for alias in aliases]
    for firm, aliases in directory.firm_aliases.items():
        pairs += [(alias, ("firm", firm)) for alias in (firm, *aliases)]
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    found = find_aliases(text, pairs)
    roles_asked = any(isinstance(value, tuple) and value[0] == "role" for _, _, value in found)
    staffed = sorted({p.company for p in directory.people if p.company} | set(companies))
    mentions = company_mentions(text, staffed) if roles_asked else []
    scope = _role_scope(text, directory, companies) if roles_asked else []
    for start, end, value in found:
        if isinstance(value, Person):
            matches = [value]
        else:
            kind, name = cast(tuple[str, str], value)
            if kind == "role":
                matches = _holders(directory, (name,), _tied_companies(text, start, end, mentions), scope)
            else:
                matches = [p for p in directory.people if p.firm == name]
        people.extend(p for p in matches if p not in people)
    return people


def managers_in_text(text: str, directory: SpeakerDirectory, companies: Sequence[str] = ()) -> list[Person]:
    """The CEOs and CFOs a question about "management" means, read within companies like a role."""
    aliases = directory.role_aliases.get("management", ())
    found = find_aliases(text, [(a, True) for a in aliases])
    if not found:
        return []
    staffed = sorted({p.company for p in directory.people if p.company} | set(companies))
    mentions = company_mentions(text, staffed)
    tied = [c for start, end, _ in found for c in _tied_companies(text, start, end, mentions)]
    return _holders(directory, ("CEO", "CFO"), tied, _role_scope(text, directory, companies))


def asks_about_management(text: str, directory: SpeakerDirectory) -> bool:
    aliases = directory.role_aliases.get("management", ())
    return bool(find_aliases(text, [(a, True) for a in aliases]))


def unknown_people_in_text(text: str, directory: SpeakerDirectory) -> list[str]:
    """Person-like names the question asks about that are nobody in the directory."""
    names = [m.group("name") for m in _UNKNOWN_LATIN_SPEAKER.finditer(text)]
    names += [m.group("name") for m in _UNKNOWN_CJK_SPEAKER.finditer(text)]
    known_companies = {name_key(a) for aliases in company_aliases().values() for a in aliases}
    return [
        n
        for n in names
        if directory.get(n) is None
        and name_key(n) not in known_companies
        and not people_in_text(n, directory)
    ]


def unknown_cjk_people(masked_text: str) -> list[str]:
    """Chinese person names (jieba tags them nr) left in a question whose known names were masked."""
    if not re.search(r"[\u4e00-\u9fff]", masked_text):
        return []
    from rag.terms import jieba_with_glossary

    jieba_with_glossary()  # first: it picks the dictionary jieba.posseg loads its tags from
    import jieba.posseg

    names: list[str] = []
    current = ""
    for pair in jieba.posseg.lcut(masked_text):
        if pair.flag == "nr":
            current += pair.word
            continue
        if len(current) >= 2:
            names.append(current)
        current = ""
    if len(current) >= 2:
        names.append(current)
    return names


_ASKING = re.compile(r"\bask(?:s|ed|ing)?\b|\bquestion(?:s|ed)?\b|问|提问", re.I)


def primary_speakers(question: str, people: list[Person]) -> list[Person]:
    """ "What did Ross Sandler ask Mark about?" is about the analyst's turn, not the addressee's."""
    analysts = [p for p in people if p.is_analyst]
    if analysts and len(analysts) < len(people) and _ASKING.search(question):
        return analysts
    return people


def check_question(question: str, max_chars: int) -> str:
    text = (question or "").strip()
    if not text:
        raise InvalidQuestion("the question is empty: ask something about the earnings calls")
    if len(text) > max_chars:
        raise InvalidQuestion(
            f"the question is {len(text)} characters long; the limit is {max_chars}: ask one thing at a time"
        )
    return text


def resolve_quarter_filter(value: str, known: list[str]) -> str:
    quarter = normalize_quarter(value)
    if quarter is None or quarter not in known:
        shown = f"{value!r}" if quarter is None or quarter == value else f"{value!r} ({quarter})"
        raise UnknownQuarter(f"unknown quarter {shown}: the corpus has {', '.join(known)}")
    return quarter


def resolve_company_filter(value: str, known: list[str]) -> str:
    for company in known:
        if name_key(value) in {name_key(a) for a in (company, *company_aliases().get(company, ()))}:
            return company
    raise UnknownCompany(f"unknown company {value!r}: the corpus has {', '.join(known)}")
