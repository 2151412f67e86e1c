"""Reading a question once: who and which calls it asks about, its key terms, and what it asks for.

`Vocabulary` indexes every name a question may use in this corpus (people, roles, firms, "management",
companies) once per loaded index. `Vocabulary.read` finds every mention in one pass over the question
(`Mentions`), and `understand` derives the `SearchRequest` the rest of the query and answer stages read.

Filters given explicitly are validated (unknown values are errors that list the known ones);
filters read from the question narrow the search only to values the corpus has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from rag.errors import InvalidQuestion, UnknownCompany, UnknownQuarter
from rag.text.glossary import company_aliases, company_key
from rag.text.language import CJK_RUN, language_of
from rag.text.names import AliasIndex, AliasMatch, name_key, name_listing, non_overlapping
from rag.text.quarters import (
    QuarterMention,
    mask_periods,
    normalize_quarter,
    quarter_mentions,
    year_range,
    years_named,
)
from rag.text.segmenter import segmenter
from rag.text.terms import Term, key_terms
from rag.transcripts.speakers import Person, SpeakerDirectory

WHO_ASKED = re.compile(
    r"\bwho\s+(?:asked|raised|questioned|wanted to know|brought up)|\bwhich\s+analysts?\b"
    r"|谁.{0,24}?(?:问|提问|询问|提出)|哪(?:位|个|些)分析师",
    re.I,
)
_ASKS_FOR_A_NUMBER = re.compile(
    r"多少|(?<!第)几|how (?:much|many|big|fast)|what (?:is|was|were|are) (?:the )?(?:[\w'’]+ ){0,3}"
    r"(?:guidance|range|revenue|growth|rate|number|capex|outlook|expense|margin|count|loss|profit|income)"
    r"|in dollars|指引|增速|增长率|区间|范围|多少钱",
    re.I,
)
_UNKNOWN_LATIN_SPEAKER = re.compile(
    r"\b(?:did|does|has|had|was|is|from|by|according to)\s+(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+)"
    r"(?:'s)?\s+(?:say|said|talk|mention|think|comment|ask|discuss|describe|explain|note|expect|view|remark|answer)",
)
_UNKNOWN_CJK_SPEAKER = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8})")
_MENTIONS_A_CALL = re.compile(r"\bcalls?\b|\bconference\b|电话会|业绩会|财报会", re.I)
_ASKING = re.compile(r"\bask(?:s|ed|ing)?\b|\bquestion(?:s|ed)?\b|问|提问", re.I)
# "Meta's CFO", "Meta CFO", "苹果的首席财务官" / "the CFO of Apple", "the CEO at NVIDIA"
_COMPANY_BEFORE_ROLE = re.compile(r"\s*(?:['’]s?|的)?\s*")
_COMPANY_AFTER_ROLE = re.compile(r"\s+(?:of|at|from)\s+(?:the\s+)?", re.I)
_EXECUTIVE_ROLES = ("CEO", "CFO")

# kinds of mention
PERSON, ROLE, FIRM, MANAGEMENT, ANALYST_WORD, COMPANY = (
    "person",
    "role",
    "firm",
    "management",
    "analyst",
    "company",
)
_NAMES_A_SPEAKER = (PERSON, ROLE, FIRM)


@dataclass(frozen=True)
class SearchRequest:
    """A validated question with the filters that apply to it and what it asks for."""

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
    terms: tuple[Term, ...] = ()  # key terms: the topic, bridged across languages
    topic_text: str = ""  # the question without names and periods: what lexical search reads
    language: str = "en"
    wants_number: bool = False
    years: frozenset[int] = frozenset()  # years the question names
    quarters_named: tuple[str, ...] = ()  # every quarter it names, in the corpus or not

    def filters(self) -> dict[str, Any]:
        """What the search was restricted to, as the answer reports it."""
        return {
            "speaker": list(self.speakers),
            "quarter": list(self.quarters),
            "company": list(self.companies),
            "asks_who_asked": self.asks_who_asked,
            "compares_quarters": self.compares_quarters,
        }


@dataclass(frozen=True)
class Mentions:
    """Everything a question names, found in one pass: aliases of every kind (overlapping ones
    included, each reader picks the kinds it needs), quarters, years and year ranges."""

    text: str
    aliases: tuple[AliasMatch[Any], ...]
    quarters: tuple[QuarterMention, ...]
    years: frozenset[int]
    year_range: tuple[int, ...]

    def of(self, *kinds: str) -> list[AliasMatch[Any]]:
        """The non-overlapping mentions of these kinds (longest alias first), in text order."""
        return non_overlapping(self.aliases, lambda m: m.value[0] in kinds)


class Vocabulary:
    """The names a question may use for this corpus's people, roles, firms and companies."""

    def __init__(
        self,
        directory: SpeakerDirectory,
        companies: Sequence[str],
        speakers: Sequence[str],
        quarters: Sequence[str],
    ) -> None:
        self.directory = directory
        self.companies = list(companies)  # the corpus's, spelled as there
        self.speakers = list(speakers)  # named people who speak in the corpus
        self.quarters = list(quarters)
        self.staffed = sorted({p.company for p in directory.people if p.company})
        self.executives = {p.name for p in directory.people if p.role in _EXECUTIVE_ROLES}
        self.company_names = _company_names(sorted(set(self.companies) | set(self.staffed)))
        pairs: list[tuple[str, tuple[str, object]]] = []
        for alias, person in directory.alias_patterns():
            pairs.append((alias, (PERSON, person)))
        for role, aliases in directory.role_aliases.items():
            kind = MANAGEMENT if role == "management" else ANALYST_WORD if role == "Analyst" else ROLE
            pairs += [(alias, (kind, role)) for alias in aliases]
        for firm, aliases in directory.firm_aliases.items():
            pairs += [(alias, (FIRM, firm)) for alias in dict.fromkeys((firm, *aliases))]
        for name, aliases in self.company_names.items():
            pairs += [(alias, (COMPANY, name)) for alias in aliases]
        pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
        self._index: AliasIndex[tuple[str, object]] = AliasIndex(pairs)
        self._known_company_keys = {name_key(a) for aliases in company_aliases().values() for a in aliases}

    def read(self, question: str) -> Mentions:
        return Mentions(
            text=question,
            aliases=tuple(self._index.matches(question)),
            quarters=tuple(quarter_mentions(question)),
            years=frozenset(years_named(question)),
            year_range=tuple(year_range(question)),
        )

    # --- people, roles, firms ---------------------------------------------------------------------

    def people_named(self, mentions: Mentions, companies: Sequence[str] = ()) -> list[Person]:
        """People named by any alias, role ("the CFO") or firm ("the Morgan Stanley analyst").

        A role means its holders at the company the wording ties it to ("Meta's CFO", "the CFO of
        Apple"), else at `companies` or the companies the question names, else every holder: with
        several companies' calls, "the CFO" alone is each company's CFO.
        """
        found = mentions.of(*_NAMES_A_SPEAKER)
        roles_asked = any(m.value[0] == ROLE for m in found)
        companies_named = mentions.of(COMPANY) if roles_asked else []
        scope = self._role_scope(companies_named, companies) if roles_asked else []
        people: list[Person] = []
        for match in found:
            kind, value = match.value
            if kind == PERSON:
                matches = [cast(Person, value)]
            elif kind == ROLE:
                tied = _tied_companies(mentions.text, match.start, match.end, companies_named)
                matches = self._holders((cast(str, value),), tied, scope)
            else:
                matches = [p for p in self.directory.people if p.firm == value]
            people.extend(p for p in matches if p not in people)
        return people

    def managers_named(self, mentions: Mentions, companies: Sequence[str] = ()) -> list[Person]:
        """The CEOs and CFOs a question about "management" means, read within companies like a role."""
        found = mentions.of(MANAGEMENT)
        if not found:
            return []
        companies_named = mentions.of(COMPANY)
        tied = [c for m in found for c in _tied_companies(mentions.text, m.start, m.end, companies_named)]
        return self._holders(_EXECUTIVE_ROLES, tied, self._role_scope(companies_named, companies))

    def _holders(self, roles: tuple[str, ...], tied: list[str], scope: list[str]) -> list[Person]:
        """Who holds `roles`: at the tied companies if the wording names any (nobody when none of them
        has such a person), else within `scope`, else everyone in the corpus who holds them."""
        holders = [p for p in self.directory.people if p.role in roles]
        if tied:
            return [p for p in holders if p.company in tied]
        if scope:
            return [p for p in holders if p.company in scope]
        return holders

    def _role_scope(self, companies_named: list[AliasMatch[Any]], companies: Sequence[str]) -> list[str]:
        """Companies an untied role is read within: the given ones (an explicit filter, or the corpus
        companies the question names), else those named that someone in the directory works for."""
        if companies:
            return list(companies)
        named = dict.fromkeys(m.value[1] for m in companies_named)
        return [c for c in named if c in self.staffed]

    def unknown_people(self, mentions: Mentions) -> list[str]:
        """Person-like names the question asks about that are nobody in the directory."""
        text = mentions.text
        names = [m.group("name") for m in _UNKNOWN_LATIN_SPEAKER.finditer(text)]
        names += [m.group("name") for m in _UNKNOWN_CJK_SPEAKER.finditer(text)]
        return [
            n
            for n in names
            if self.directory.get(n) is None
            and name_key(n) not in self._known_company_keys
            and not self.people_named(self.read(n))
        ]

    # --- companies --------------------------------------------------------------------------------

    def companies_named(self, mentions: Mentions) -> list[str]:
        """Companies the question names, canonically; the corpus's by the corpus's spelling."""
        return list(dict.fromkeys(m.value[1] for m in mentions.of(COMPANY)))

    def resolve_company(self, value: str) -> str:
        for company in self.companies:
            if name_key(value) in {name_key(a) for a in (company, *company_aliases().get(company, ()))}:
                return company
        raise UnknownCompany(
            f"unknown company {value!r}: the corpus has {name_listing([value], self.companies)}"
        )

    # --- masking ----------------------------------------------------------------------------------

    def topic_text(self, mentions: Mentions) -> str:
        """The question with people, firms, roles, the corpus's company names and periods blanked out
        (the filters carry them): what key terms and lexical search read."""
        corpus = set(self.companies)
        masked = mask_periods(mentions.text)
        spans = non_overlapping(mentions.aliases, lambda m: m.value[0] != COMPANY or m.value[1] in corpus)
        for match in reversed(spans):
            masked = masked[: match.start] + " " + masked[match.end :]
        return masked


def _company_names(known: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Aliases by company: rag/data/companies.json's, with each `known` company (a corpus's, spelled as
    there) taking over the entry it matches, or standing alone under its own name."""
    names = dict(company_aliases())
    # the entries by alias key, and each entry's place in `names`: the entry a company takes over is
    # the first (in that order) with its key, found without comparing it to every entry (811 companies
    # times ~450 entries took 2 s at start-up)
    keys = {name: {company_key(a) for a in aliases} for name, aliases in names.items()}
    holders: dict[str, list[str]] = {}
    for name, name_keys in keys.items():
        for key in name_keys:
            holders.setdefault(key, []).append(name)
    place = {name: i for i, name in enumerate(names)}
    last = len(place)
    for company in known:
        key = company_key(company)
        candidates = [n for n in holders.get(key, ()) if n in names and key in keys[n]]
        listed = min(candidates, key=place.__getitem__) if candidates else None
        aliases = names.pop(listed) if listed is not None else ()
        names[company] = tuple(dict.fromkeys([company, *aliases]))
        keys[company] = {company_key(a) for a in names[company]}
        last += 1
        place[company] = last  # (re)inserted: now the last entry of `names`
        for alias_key in keys[company]:
            holders.setdefault(alias_key, []).append(company)
    return names


def _tied_companies(text: str, start: int, end: int, companies_named: list[AliasMatch[Any]]) -> list[str]:
    """The companies a role mention at text[start:end] is tied to by its wording."""
    return [
        m.value[1]
        for m in companies_named
        if (m.end <= start and _COMPANY_BEFORE_ROLE.fullmatch(text, m.end, start))
        or (m.start >= end and _COMPANY_AFTER_ROLE.fullmatch(text, end, m.start))
    ]


def primary_speakers(question: str, people: list[Person]) -> list[Person]:
    """ "What did Ross Sandler ask Mark about?" is about the analyst's turn, not the addressee's."""
    analysts = [p for p in people if p.is_analyst]
    if analysts and len(analysts) < len(people) and _ASKING.search(question):
        return analysts
    return people


def unknown_cjk_people(topic_text: str) -> list[str]:
    """Chinese person names (jieba tags them nr) left in a question whose known names were masked."""
    if not CJK_RUN.search(topic_text):
        return []
    names: list[str] = []
    current = ""
    for word, flag in segmenter().tagged(topic_text):
        if flag == "nr":
            current += word
            continue
        if len(current) >= 2:
            names.append(current)
        current = ""
    if len(current) >= 2:
        names.append(current)
    return names


def quarters_asked(mentions: Mentions, known: list[str]) -> tuple[list[str], bool]:
    """Quarters the question names (explicitly, by year, or by a year range), and whether it compares."""
    found = list(dict.fromkeys(m.quarter for m in mentions.quarters))
    if found:
        # a quarter with no call of its own is a topic ("Q3 2023 guidance" is given on the 2023Q2 call)
        in_corpus = [q for q in found if q in known]
        return in_corpus, len(in_corpus) > 1
    years = list(mentions.year_range) or [int(m.group("y")) for m in _YEAR_WORD.finditer(mentions.text)]
    # a year's figures are discussed on that year's calls and guided on the previous year's Q4 call
    # ("2025 capex" is guided on the 2024Q4 call); a year with no such call is a topic, not a filter
    by_year = [q for q in known if int(q[:4]) in years or (int(q[:4]) + 1 in years and q.endswith("Q4"))]
    compares = bool(mentions.year_range) or len(years) > 1
    return sorted(by_year), compares and len(by_year) > 1


_YEAR_WORD = re.compile(r"(?<!\d)(?P<y>20\d\d)(?!\d)\s*(?:年)?")


def calls_missing(mentions: Mentions, known: list[str]) -> list[str]:
    """Quarters whose call the question asks about ("on the Q1 2024 call", "2022年第四季度电话会") when
    the corpus has none of them; a quarter named without a call is a topic ("Q3 2023 guidance")."""
    named = list(dict.fromkeys(m.quarter for m in mentions.quarters))
    if not named or any(q in known for q in named) or not _MENTIONS_A_CALL.search(mentions.text):
        return []
    return named


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
        raise UnknownQuarter(f"unknown quarter {shown}: the corpus has {name_listing([value], known)}")
    return quarter


def asks_for_a_number(question: str) -> bool:
    return bool(_ASKS_FOR_A_NUMBER.search(question))


def understand(
    question: str,
    vocabulary: Vocabulary,
    *,
    speaker: str | None = None,
    quarter: str | None = None,
    company: str | None = None,
) -> SearchRequest:
    """The search request for a checked question and the explicit filters (validated here)."""
    mentions = vocabulary.read(question)
    speakers_here = vocabulary.speakers
    mentioned = vocabulary.companies_named(mentions)
    in_corpus = [c for c in mentioned if c in vocabulary.companies]
    filtered = (vocabulary.resolve_company(company),) if company else ()
    # "the CFO" is the CFO of the company asked about (the filter, or the one named), else each CFO
    role_scope = filtered or tuple(in_corpus)
    speakers: tuple[str, ...]
    if speaker:
        speakers = (vocabulary.directory.resolve(speaker, among=speakers_here).name,)
    else:
        named = [p for p in vocabulary.people_named(mentions, role_scope) if p.name in speakers_here]
        speakers = tuple(p.name for p in primary_speakers(question, named))
    quarters: tuple[str, ...]
    if quarter:
        quarters, compares = (resolve_quarter_filter(quarter, vocabulary.quarters),), False
    else:
        found, compares = quarters_asked(mentions, vocabulary.quarters)
        quarters = tuple(found)
    asks_who = bool(WHO_ASKED.search(question))
    management = bool(mentions.of(MANAGEMENT))
    if management and not speakers:
        managers = vocabulary.managers_named(mentions, role_scope)
        speakers = tuple(p.name for p in managers if p.name in speakers_here)
    companies = filtered or _companies_asked_about(vocabulary, in_corpus, speakers)
    other_companies = () if in_corpus or speakers else tuple(c for c in mentioned if c not in in_corpus)
    topic_text = vocabulary.topic_text(mentions)
    return SearchRequest(
        question=question,
        speakers=() if asks_who and not speaker else speakers,
        include_management=management,
        quarters=quarters,
        companies=companies,
        asks_who_asked=asks_who,
        compares_quarters=compares or len(quarters) > 1,
        unknown_people=tuple(vocabulary.unknown_people(mentions) + unknown_cjk_people(topic_text)),
        other_companies=other_companies,
        missing_calls=() if quarter else tuple(calls_missing(mentions, vocabulary.quarters)),
        speaker_from_question=bool(speakers) and not speaker,
        quarter_from_question=bool(quarters) and not quarter,
        terms=tuple(key_terms(topic_text, set())),
        topic_text=topic_text,
        language=language_of(question),
        wants_number=asks_for_a_number(question),
        years=mentions.years,
        quarters_named=tuple(dict.fromkeys(m.quarter for m in mentions.quarters)),
    )


def _companies_asked_about(
    vocabulary: Vocabulary, named: list[str], speakers: tuple[str, ...]
) -> tuple[str, ...]:
    """The calls a question's companies and speakers belong to ("What did Susan say about NVIDIA?"
    is about Meta's and NVIDIA's calls); () when that is every call, as no filter is then needed."""
    own = vocabulary.directory.companies_of(speakers)
    asked = [c for c in dict.fromkeys([*named, *own]) if c in vocabulary.companies]
    return tuple(asked) if named and set(asked) != set(vocabulary.companies) else ()
