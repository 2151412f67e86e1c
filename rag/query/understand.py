"""Reading a question once: who and which calls it asks about, its key terms, and what it asks for.

`Vocabulary` indexes every name a question may use in this corpus (people, roles, firms, "management",
companies) once per loaded index. `Vocabulary.read` finds every mention in one pass over the question
(`Mentions`), and `understand` derives the `SearchRequest` the rest of the query and answer stages read.

Filters given explicitly are validated (unknown values are errors that list the known ones);
filters read from the question narrow the search only to values the corpus has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

from rag.errors import InvalidQuestion, UnknownCompany, UnknownQuarter
from rag.query.company_names import generated_company_aliases, written_as
from rag.text.cedict import english_of
from rag.text.glossary import common_english, company_aliases, company_key, is_glossary_word
from rag.text.language import CJK_RUN, language_of
from rag.text.names import AliasIndex, AliasMatch, is_latin_alias, name_key, name_listing, non_overlapping
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
from rag.text.transliteration import sound_distance
from rag.transcripts.aliases import name_tokens, nicknames_of, same_given_name
from rag.transcripts.participants import ROLE_WORDS, role_from_title
from rag.transcripts.speakers import Person, SpeakerDirectory

WHO_ASKED = re.compile(
    r"\bwho\s+(?:asked|raised|questioned|wanted to know|brought up|pushed|pressed|probed|queried|challenged"
    r"|followed up|suggested)|\bwhich\s+analysts?\b"
    r"|谁.{0,24}?(?:问|提问|询问|提出)|谁请|哪(?:位|个|些)分析师",
    re.I,
)
# who asked first: "Which analyst opened the Q&A", "who asked the first question", "第一个提问"
_OPENS_THE_QA = re.compile(
    r"\bopened\b|\bkicked off\b|\bled off\b|\bfirst (?:question|analyst|to ask)"
    r"|第一个(?:问题|提问)|首个(?:问题|提问)|率先|第一位",
    re.I,
)
_ASKS_FOR_A_NUMBER = re.compile(
    r"多少|(?<!第)几|how (?:much|many|big|fast)|what (?:is|was|were|are) (?:the )?(?:[\w'’]+ ){0,3}"
    r"(?:guidance|range|revenue|growth|rate|ratio|number|capex|outlook|expense|margin|count|loss|profit|income)"
    r"|in dollars|\bguid(?:e|es|ing|ed) (?:to|for)\b|指引|增速|增长率|区间|范围|多少钱"
    # "What EPS does Whirlpool expect for 2022?", "What revenue did DXC report?"
    r"|\bwhat\s+(?:[\w'’&-]+\s+){0,3}?(?:EPS|earnings per share|revenue|sales|capex|capital spending|margin"
    r"|growth|guidance|outlook|cash flow|EBITDA|EBIT|income|profit|loss|dividend|tax rate|backlog|ratio"
    r"|expenses?)\b",
    re.I,
)
_UNKNOWN_LATIN_SPEAKER = re.compile(
    r"\b(?:did|does|has|had|was|is|from|by|according to)\s+"
    # (a surname may have a capital inside: McCarthy, O'Neill)
    r"(?P<name>[A-Z][a-z]+(?:\s+(?:[A-Z]\.\s*)*[A-Z][a-z]+(?:[A-Z][a-z]+|['’][A-Z][a-z]+)?)*)"
    r"(?:'s)?\s+(?:say|said|talk|mention|think|comment|ask|discuss|describe|explain|note|expect|view|remark|answer)",
)
_UNKNOWN_CJK_SPEAKER = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8})")
# where a dotted Chinese name ends: the verb or particle after it ("迈克·穆萨勒姆预计到", "…·…的看法")
_AFTER_DOTTED_NAME = re.compile(
    r"(?:预计|预期|估计|认为|表示|提到|谈到|谈及|指出|透露|强调|介绍|评论|解释|回答|宣布|披露|给出|如何|怎么|怎样|为什么"
    r"|关于|说|讲|问|称|的|在|对|是|将|会|和|与|及|给|把|就|于)"
)
# where a dotted Chinese name starts: after the words of the question before it ("谁问了马丁·玛丽埃塔")
_BEFORE_DOTTED_NAME = re.compile(r"谁|问了?|了|的|和|与|及|说|是|在|对|把|给|让|请|向")
_CORPUS_WORD_PASSAGES = 2  # a one-word unknown "speaker" used in this many passages is read as a topic
# A name up to this many people answer to filters to all of them ("Dave Williams": two David Williamses);
# a more common one ("Smith") is too weak a filter to answer with
_AMBIGUOUS_PEOPLE = 3
_SINCE = re.compile(
    r"\bsince\s+(?:the\s+(?:end|start|beginning)\s+of\s+)?(?:[A-Z][a-z]+\.?\s+)?(?:\d{1,2},?\s+)?(?:20\d\d|Q[1-4]\s*20\d\d)"
    r"|自?\s*20\d\d\s*年[^，。,?？]{0,8}?以来",
)
# a year the question has someone speak in is the call's date, not a period's figures: "say in 2022"
# a question about what was said, whose quarter is when ("What did Meta say in Q3 2023?")
_WHAT_WAS_SAID = re.compile(
    r"\b(?:say|said|says|tell|told|mention|comment|talk|discuss|note|describe|explain)\w*\b"
    r"|说|表示|谈|提到|评论|介绍|解释",
    re.I,
)
_ASKED_OF = re.compile(r"(?:问|询问|请)了?\s*$")
_SPOKEN_IN = re.compile(
    r"\b(?:say|said|says|ask|asked|tell|told|mention(?:ed)?|comment(?:ed)?|talk(?:ed)?)\s+(?:in|during)\s+"
    r"(?:fiscal\s+)?20\d\d\b|在\s*20\d\d\s*年[^，。,?？]{0,6}?(?:说|表示|问|提到|谈到)",
    re.I,
)
# a year range is a comparison only when the question asks how something changed over it
_COMPARES = re.compile(
    r"\bchang|\bcompar|\bvs\.?(?!\w)|\bversus\b|\bdiffer|\bevolv|\bover time\b|\btrend|\bshift"
    r"|\bmov(?:e|ed)\b|变化|相比|对比|比较|变动|调整|演变|分别",
    re.I,
)
_CN_CALL_PERIOD = r"(?:20\d\d\s*(?:财)?年(?:度)?|FY\s?\d\d)\s*(?:第?\s*[一二三四1-4]\s*(?:财)?季度|Q[1-4])?"
_ON_A_CALL = re.compile(
    r"\b(?:on|in|during|at)\s+(?:its|the|their|[A-Z][\w.&-]*(?:['’]s?)?)\s+(?:(?:fiscal|Q[1-4]|[1-4]Q\d\d|20\d\d"
    r"|FY\s?'?\d\d|first|second|third|fourth|[\w-]+-quarter|quarter|earnings|conference)\s+){1,4}calls?\b"
    # "2020财年第四季度电话会上", "2023 年第二季度和 2024 年第三季度电话会上"
    rf"|(?:{_CN_CALL_PERIOD}\s*(?:和|与|及|、|以及)\s*)*{_CN_CALL_PERIOD}\s*的?\s*(?:财报|业绩)?(?:电话会|业绩会|财报会)",
    re.I,
)
_MENTIONS_A_CALL = re.compile(r"\bcalls?\b|\bconference\b|电话会|业绩会|财报会", re.I)
_ASKING = re.compile(r"\bask(?:s|ed|ing)?\b|\bquestion(?:s|ed)?\b|问|提问", re.I)
# "Meta's CFO", "Meta CFO", "苹果的首席财务官" / "the CFO of Apple", "the CEO at NVIDIA"
# ("美国州水务(American States Water)的首席运营官": the name in brackets is tied too)
_COMPANY_BEFORE_ROLE = re.compile(r"\s*[)）]?\s*(?:['’]s?|的)?\s*")
_COMPANY_AFTER_ROLE = re.compile(r"\s+(?:of|at|from)\s+(?:the\s+)?", re.I)
_EXECUTIVE_ROLES = ("CEO", "CFO")
# a role that is what the question is about, not who speaks: "take over as CEO", "the new CFO"
_ROLE_AS_TOPIC = re.compile(
    r"\b(?:as|new|next|incoming|interim|successor|succeed|replace|appoint(?:s|ed)?|name[ds]?|hire[ds]?)\s+"
    r"(?:(?:the|a|an|its|their|his|her)\s+)?(?:[\w.&-]+(?:'s|’s)\s+)?(?:new\s+)?$|(?:新任|接任|继任)\s*$",
    re.I,
)

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
    asks_first_question: bool = False  # who opened the Q&A: the first question of each call in scope
    compares_quarters: bool = False
    unknown_people: tuple[str, ...] = ()  # names the question asks about that never speak in the corpus
    other_companies: tuple[str, ...] = ()  # companies it asks about that have no call in the corpus
    missing_calls: tuple[str, ...] = ()  # quarters whose call it asks about that the corpus lacks
    speaker_from_question: bool = False
    quarter_from_question: bool = False
    # the quarters are where a period's figures are discussed, not calls the question names; for a
    # quarter ("Q4 fiscal 2021 revenue"), when the other filters leave no passage there, every call
    quarters_from_period: bool = False
    # the period is what the question is about, not when it was said ("heading into 2022", "capex in
    # 2022"): when no call of the people or companies asked is in its scope, their other calls are
    period_widens: bool = False
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
        tickers: Mapping[str, Iterable[str]] | None = None,
        passages_with: Callable[[str], int] | None = None,
    ) -> None:
        self.directory = directory
        # how many passages use a lower-cased word: a one-word name the calls use is a topic, not a person
        self.passages_with = passages_with or (lambda word: 0)
        self.companies = list(companies)  # the corpus's, spelled as there
        self.speakers = list(speakers)  # named people who speak in the corpus
        self.quarters = list(quarters)
        self.staffed = sorted({p.company for p in directory.people if p.company})
        self.executives = {p.name for p in directory.people if role_from_title(p.role) in _EXECUTIVE_ROLES}
        self.company_names = _company_names(sorted(set(self.companies) | set(self.staffed)))
        pairs: list[tuple[str, tuple[str, object]]] = []
        # (alias, person) pairs that name one person, or that a speakers list spells out
        self._named_once = set()
        for alias, person in directory.alias_patterns():
            pairs.append((alias, (PERSON, person)))
            self._named_once.add((name_key(alias), person.name))
        # a name several people answer to is each of them, until the question's company picks one
        for alias, people in directory.ambiguous_patterns(_AMBIGUOUS_PEOPLE):
            pairs += [(alias, (PERSON, person)) for person in people]
        role_words = {r: (*words, *directory.role_aliases.get(r, ())) for r, words in ROLE_WORDS.items()}
        for role, aliases in (directory.role_aliases | role_words).items():
            aliases = tuple(dict.fromkeys(aliases))
            kind = MANAGEMENT if role == "management" else ANALYST_WORD if role == "Analyst" else ROLE
            pairs += [(alias, (kind, role)) for alias in aliases]
        for firm, aliases in directory.firm_aliases.items():
            pairs += [(alias, (FIRM, firm)) for alias in dict.fromkeys((firm, *aliases))]
        for name, aliases in self.company_names.items():
            pairs += [(alias, (COMPANY, name)) for alias in aliases]
        listed = {alias.casefold() for alias, _value in pairs}  # a derived alias never displaces one
        # ... but a company's whole name stays its own beside a person's surname ("Graham", Graham Corp.)
        not_people = {alias.casefold() for alias, value in pairs if value[0] != PERSON}
        person_words = {w for p in directory.people for w in re.findall(r"[A-Za-z]+", p.name)}
        derived = [
            a
            for a in generated_company_aliases(self.companies, tickers or {}, person_words)
            if a.alias.casefold() not in listed
            or (a.exact_case and a.alias.isupper())  # "WU", beside "Wu"
            or (a.whole and a.alias.casefold() not in not_people)
        ]
        self._exact_case = {a.alias.casefold(): a for a in derived if a.exact_case}
        self._name_parts = {w.casefold() for w in person_words}
        pairs += [(a.alias, (COMPANY, a.company)) for a in derived]
        pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
        self._index: AliasIndex[tuple[str, object]] = AliasIndex(pairs)
        self._known_company_keys = {name_key(a) for aliases in company_aliases().values() for a in aliases}
        self._known_company_keys |= {name_key(a.alias) for a in derived} | {
            name_key(c) for c in self.companies
        }

    def read(self, question: str) -> Mentions:
        found = [m for m in self._index.matches(question) if self._written_right(question, m)]
        # "since September 2020" / "自2020年9月以来" is where a change starts, not the period asked about
        periods = _SINCE.sub(lambda m: " " * len(m.group(0)), question)
        # "on its fiscal Q2 2021 call" names the call, not the year a figure is for
        figures_for = _ON_A_CALL.sub(lambda m: " " * len(m.group(0)), periods)
        return Mentions(
            text=question,
            aliases=tuple(_one_name_per_person(question, found)),
            quarters=tuple(quarter_mentions(periods)),
            years=frozenset(years_named(figures_for)),
            year_range=tuple(year_range(periods)),
        )

    def _written_right(self, text: str, match: AliasMatch[Any]) -> bool:
        """A ticker or one-word short name counts only as written ("CL", "Discover", not "discover"),
        and a one-word Latin name of a person only capitalised: "grow" is no Lisa Grow, "hill" no Hill."""
        if match.value[0] == PERSON and is_latin_alias(match.alias) and " " not in match.alias.strip():
            written = text[match.start : match.end]
            ticker = self._exact_case.get(written.casefold())
            if ticker is not None and written == ticker.alias and written.isupper():
                return False  # "WU" as written is Western Union's ticker, not Shirley Wu
            return text[match.start].isupper()
        derived = self._exact_case.get(match.alias.casefold())
        return (
            derived is None or match.value[0] != COMPANY or written_as(text, match.start, match.end, derived)
        )

    # --- people, roles, firms ---------------------------------------------------------------------

    def people_named(self, mentions: Mentions, companies: Sequence[str] = ()) -> list[Person]:
        """People named by any alias, role ("the CFO") or firm ("the Morgan Stanley analyst").

        A role means its holders at the company the wording ties it to ("Meta's CFO", "the CFO of
        Apple"), else at `companies` or the companies the question names, else every holder: with
        several companies' calls, "the CFO" alone is each company's CFO.
        """
        # a name inside a company's name is the company: "Covey" of "Franklin Covey" is no Sean Covey;
        # and so is one word that is both a company's name and a person's: "Graham" is Graham Corp.
        within = [(c.start, c.end) for c in mentions.of(COMPANY)]
        found = [
            m
            for m in mentions.of(*_NAMES_A_SPEAKER)
            if not any(
                a <= m.start
                and m.end <= b
                and (b - a > m.end - m.start or (m.value[0] == PERSON and " " not in m.alias.strip()))
                for a, b in within
            )
        ]
        roles_asked = any(m.value[0] == ROLE for m in found)
        companies_named = mentions.of(COMPANY) if roles_asked else []
        scope = self._role_scope(companies_named, companies) if roles_asked else []
        people: list[Person] = []
        by_span: dict[tuple[int, int], list[Person]] = {}
        for m in mentions.aliases:
            if m.value[0] == PERSON and m.value[1] not in by_span.get((m.start, m.end), []):
                by_span.setdefault((m.start, m.end), []).append(cast(Person, m.value[1]))
        # a name several people answer to is each of them, or the ones at the company the question names
        # ("What did Jeff Martin say Sempra's equity layer was?" is Sempra's CEO, not the ROTH analyst)
        named_companies = {*companies, *(c.value[1] for c in mentions.of(COMPANY))}
        for match in found:
            kind, value = match.value
            if kind == PERSON and _surname_of_another_company(mentions, match):
                continue
            if kind == PERSON:
                alike = by_span[(match.start, match.end)]
                # one a list spells the name for ("Mark" is Zuckerberg on Meta's calls) before those it
                # is only generated for (Mark Shmulik), unless the company named is theirs
                spelled = [p for p in alike if (name_key(match.alias), p.name) in self._named_once]
                matches = [p for p in alike if p.company in named_companies] or spelled or alike
            elif kind == ROLE and _ROLE_AS_TOPIC.search(mentions.text, 0, match.start):
                continue  # "who will take over as WEC's chief executive": the role is the topic
            elif kind == ROLE and _describes_a_person(mentions.text, match, found):
                continue  # "CEO Koch", "Koch, the CEO": the person named is who speaks
            elif kind == ROLE:
                tied = _tied_companies(mentions.text, match.start, match.end, companies_named)
                matches = self._holders((cast(str, value),), tied, scope)
            else:
                matches = [p for p in self.directory.people if p.firm == value]
            people.extend(p for p in matches if p not in people)
        return people

    def silent_people(self, mentions: Mentions) -> list[str]:
        """People the question names who are on the calls' participant lists but never speak under any
        of their spellings ("What did Michael McCarthy say …", introduced on the call, silent)."""
        named = [p for p in self.people_named(mentions) if any(m.value[1] is p for m in mentions.of(PERSON))]
        speaking = set(self.speakers)
        return [
            p.name
            for p in named
            if p.name not in speaking
            and not any(q.name in speaking for q in self.directory.same_person_elsewhere(p))
            and not any(a in speaking for a in p.aliases)
        ]

    def roles_nobody_holds(self, mentions: Mentions) -> list[str]:
        """Roles the wording ties to a corpus company that nobody speaking on its calls holds ("What did
        NewMarket's CEO say", when only its CFO speaks): "NewMarket Corporation's CEO"."""
        companies_named = mentions.of(COMPANY)
        unheld = []
        for match in mentions.of(ROLE):
            if _ROLE_AS_TOPIC.search(mentions.text, 0, match.start):
                continue
            role = cast(str, match.value[1])
            for company in _tied_companies(mentions.text, match.start, match.end, companies_named):
                speaking = [
                    p for p in self.directory.people if p.company == company and p.name in self.speakers
                ]
                if company in self.companies and speaking and not self._holders((role,), [company], []):
                    unheld.append(f"{company}'s {role}")
        return unheld

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
        # (read from the title again: an index built before a title was known keeps it as written)
        holders = [p for p in self.directory.people if role_from_title(p.role) in roles]
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
        names += dotted_cjk_names(text)
        return [
            n
            for n in names
            if self.directory.get(n) is None
            and (
                " " in n
                or "·" in n
                or (
                    n.lower() not in common_english()
                    and not is_glossary_word(n)
                    # "does Concentrix expect": a word the calls use (a segment, a product) is a topic
                    and self.passages_with(n.lower()) < _CORPUS_WORD_PASSAGES
                )
            )
            and n.casefold() not in self._name_parts  # an ambiguous "Noel" is someone, just not one
            and name_key(n) not in self._known_company_keys
            and not self._names_someone(n)
        ]

    def _names_someone(self, name: str) -> bool:
        """Whether a name resolves to someone in the directory by its surname (or all of it): "Jim
        Connor" is James Connor, while "Michael McCarthy" is not Michael Bayley."""
        mentions = self.read(name)
        people = self.people_named(mentions)
        if " " not in name.strip() or "·" in name:
            return bool(people)
        return any(m.end == len(name) for m in mentions.of(*_NAMES_A_SPEAKER))

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

    def topic_text(self, mentions: Mentions, keep: Sequence[str] = ()) -> str:
        """The question with people, firms, roles, the corpus's company names (but those to `keep`) and
        periods blanked out (the filters carry them): what key terms and lexical search read."""
        corpus = set(self.companies) - set(keep)
        masked = mask_periods(mentions.text)
        spans = non_overlapping(
            mentions.aliases, lambda m: m.value[0] != COMPANY or m.value[1] in corpus or m.value[1] in keep
        )
        spans = [m for m in spans if not (m.value[0] == COMPANY and m.value[1] in keep)]
        for match in reversed(spans):
            masked = masked[: match.start] + " " + masked[match.end :]
        return masked


_BETWEEN_NAME_PARTS = re.compile(r"\s+(?:[A-Z]\.\s*)*")  # "Larry H. Miller": a space and initials


def _one_name_per_person(text: str, found: list[AliasMatch[Any]]) -> list[AliasMatch[Any]]:
    """A given name and a surname written together are one name ("Tom Hill", "Larry H. Miller"), not
    two people who each answer to one part: the surname's person when the given name is one of theirs
    (Tom = Thomas, James Thomas Hill's middle name), else nobody (the Larry H. Miller dealerships)."""
    people = [m for m in found if m.value[0] == PERSON and " " not in m.alias.strip()]
    dropped: set[int] = set()
    merged: list[AliasMatch[Any]] = []
    for first, last in zip(people, people[1:], strict=False):
        gap = _BETWEEN_NAME_PARTS.fullmatch(text, first.end, last.start)
        if gap is None or first.value[1] == last.value[1]:
            continue
        dropped |= {id(first), id(last)}
        person = cast(Person, last.value[1])
        if any(same_given_name(first.alias, part) for part in person.name.replace(".", " ").split()[:-1]):
            merged.append(
                AliasMatch(first.start, last.end, text[first.start : last.end], last.value, last.order)
            )
    # a surname right after another capitalised word that is nobody's name is part of a place or plant
    # name: "Oak Creek" is WEC's plant, not Phillip Creek
    taken = [(m.start, m.end) for m in found if m.value[0] != PERSON or " " in m.alias.strip()]
    for match in people:
        before = _CAPITALISED_BEFORE.search(text, 0, match.start)
        if before is None or id(match) in dropped:
            continue
        person = cast(Person, match.value[1])
        word = before.group("word")
        # (a given name before it, the person's or not, keeps it a person's name: "Alex Peng")
        if (
            not any(a <= before.start("word") < b for a, b in taken)
            and not nicknames_of(word)
            and word.lower() not in common_english()  # "Did Vandemore see …" opens a question
            and not any(same_given_name(word, part) for part in person.name.replace(".", " ").split()[:-1])
        ):
            dropped.add(id(match))
    # ... and so is one right before a capitalised word, in a question not written in title case:
    # "Golden State Water" is a utility, not Bill Golden; "Merrill Lynch" a bank
    if not _title_case(text):
        for match in people:
            after = _CAPITALISED_AFTER.match(text, match.end)
            if after is None or id(match) in dropped:
                continue
            person = cast(Person, match.value[1])
            if (
                not any(a <= after.start("word") < b for a, b in taken)
                and after.group("word") not in person.name
            ):
                dropped.add(id(match))
    kept = [m for m in found if id(m) not in dropped]
    return sorted(kept + merged, key=lambda m: (m.start, m.end, m.order))


# a capitalised word (not a possessive, not an acronym) and one space, right before a position
_CAPITALISED_BEFORE = re.compile(r"(?<![\w'’])(?P<word>[A-Z][a-z]{2,})\s$")
# one space and a capitalised word (not an acronym: "Koch CEO"), right after a position
_CAPITALISED_AFTER = re.compile(r"\s(?P<word>[A-Z][a-z]{2,})\b")


def _title_case(text: str) -> bool:
    """Whether most words are capitalised ("What Did Golden Say About Rates?")."""
    words = re.findall(r"\b[A-Za-z]{3,}\b", text)
    return len(words) >= 3 and sum(w[0].isupper() for w in words) > len(words) / 2


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


# jieba's person-name tags: a name, a transliterated one ("克罗格"), a full name
_NAME_FLAGS = ("nr", "nrt", "nrfg")


def dotted_cjk_names(text: str) -> list[str]:
    """Chinese names written with a middle dot ("迈克·穆萨勒姆"), cut before the word that follows them."""
    names = []
    for found in _UNKNOWN_CJK_SPEAKER.finditer(text):
        given, surname = found.group("name").split("·", 1)
        given = _BEFORE_DOTTED_NAME.split(given)[-1] or given  # "谁问了马丁·…" is 马丁
        cut = _AFTER_DOTTED_NAME.search(surname, 1)
        surname = surname[: cut.start()] if cut else surname
        # and where jieba's name words end: "玛丽埃塔沥青" is 玛丽埃塔 and asphalt
        named = ""
        for word, flag in segmenter().tagged(surname):
            if flag not in _NAME_FLAGS:
                break
            named += word
        names.append(f"{given}·{named if len(named) >= 2 else surname}")
    return names


def cjk_name_runs(topic_text: str) -> list[tuple[str, int]]:
    """Runs of words jieba tags as person names (`_NAME_FLAGS`), with where each ends: people, but as
    often companies and places transliterated ("斯凯奇", "诺福克")."""
    if not CJK_RUN.search(topic_text):
        return []
    runs: list[tuple[str, int]] = []
    current, end, position = "", 0, 0
    for word, flag in segmenter().tagged(topic_text):
        position += len(word)
        if flag in _NAME_FLAGS:
            current, end = current + word, position
            continue
        if len(current) >= 2:
            runs.append((current, end))
        current = ""
    if len(current) >= 2:
        runs.append((current, end))
    return runs


def unknown_cjk_people(
    topic_text: str, runs: list[tuple[str, int]] | None = None, question: str | None = None
) -> list[str]:
    """Chinese person names left in a question whose known names were masked, that the question has
    speak ("张三说了什么", "李四问了…"): a name-like word with no speech after it is as often a company
    ("诺福克南方铁路", "斯凯奇") and stays a topic word, and so is one a role follows in the `question`
    ("克罗格 CFO 说": the topic text has the role masked)."""
    runs = cjk_name_runs(topic_text) if runs is None else runs
    return [
        name
        for name, end in runs
        if _SPEECH_AFTER.match(topic_text, end) and not (question and _ROLE_NEXT.match(question, end))
    ]


_ROLE_NEXT = re.compile(r"\s*(?:的\s*)?(?:CEO|CFO|COO|首席|总裁|董事长|管理层|高管)")


# what a speaker does, soon after the name: "说", "在电话会上表示", "对 Meta 采购 GPU 说了什么", "问了";
# a role right after the name makes it a company ("金佰利 CEO 说")
_SPEECH_AFTER = re.compile(
    r"(?!\s*(?:的\s*)?(?:CEO|CFO|COO|首席|总裁|董事长|管理层|高管))"
    r"[^，。,?？!！]{0,24}?(?:说|表示|提到|谈到|谈及|谈论|认为|指出|问|提问|询问|回答|解释|透露|强调|介绍|评论|讲|宣布)"
)


# after a Chinese name: its Latin spelling in brackets ("卡莱尔(Carlisle)"), then maybe a role
_BRACKETED_LATIN = re.compile(r"\s*[（(]\s*(?P<latin>[A-Za-z][A-Za-z0-9.&'’\- ]*?)\s*[)）]")
_ROLE_AFTER = re.compile(r"\s*(?:的\s*)?(?:CEO|CFO|COO|首席|总裁|董事长|管理层|高管)")


_OF_NEXT = re.compile(r"\s*的?\s*")
# a call right after a name, with only its period between: "一季度电话会", "2021 年一、二季度两次电话会",
# "的业绩会" (not "在电话会上说": who speaks on a call is named before 在)
_CALL_NEXT = re.compile(r"[\s的0-9一二三四第年度季财、和及与两次个Qq]{0,20}(?:电话会|业绩会|财报会)")


def _starts_with_person(text: str, vocabulary: Vocabulary) -> bool:
    """Whether `text` opens with a known person's name."""
    mentions = vocabulary.read(text[:40])
    return any(m.start == 0 and m.value[0] == PERSON for m in mentions.aliases)


def companies_by_dotted_sound(name: str, vocabulary: Vocabulary) -> dict[str, list[str]]:
    """A corpus company a dotted Chinese name transliterates word by word ("马丁·玛丽埃塔" is Martin
    Marietta Materials: each part heard as the name's word in order), as {name: [company]}; {} else."""
    parts = name.split("·")
    found = []
    for company in vocabulary.companies:
        words = re.split(r"[\s\-]+", company.removeprefix("The "))
        if len(words) >= len(parts) and all(
            sound_distance(part, word) is not None for part, word in zip(parts, words, strict=False)
        ):
            found.append(company)
    return {name: found} if len(found) == 1 else {}


def _named_otherwise(question: str, name: str, vocabulary: Vocabulary) -> bool:
    """Whether a Chinese name that seems to speak is a company or a known person by its wording: a role
    follows it ("金佰利 CEO 说", "安博(Prologis)CFO 说"), or its bracketed Latin spelling names a corpus
    company or speaker."""
    for found in re.finditer(re.escape(name), question):
        bracket = _BRACKETED_LATIN.match(question, found.end())
        after = bracket.end() if bracket else found.end()
        if _ROLE_AFTER.match(question, after):
            return True
        # "惠而浦一季度电话会上谁问了…", "在爱德华 2021 年两次电话会上": a call is a company's, not a person's
        if _CALL_NEXT.match(question, after):
            return True
        # "皇家加勒比的 Michael Bayley 说": the person named next speaks, the name before is his company's
        next_name = _OF_NEXT.match(question, after)
        if next_name and _starts_with_person(question[next_name.end() :], vocabulary):
            return True
        if bracket:
            mentions = vocabulary.read(bracket.group("latin"))
            if vocabulary.companies_named(mentions) or vocabulary.people_named(mentions):
                return True
    return False


def quarters_asked(mentions: Mentions, known: list[str]) -> tuple[list[str], bool]:
    """The calls a question's periods point to (explicitly, by year, or by a year range), and whether it
    compares them.

    A period a figure is about is not the date of the call: a quarter's figures are reported on its
    own call and guided on the call before ("fourth quarter of fiscal 2021 revenue" is guided on the
    fiscal Q3 call), a year's on its calls and the previous year's fourth-quarter call ("2025 capex"
    on the 2024Q4 call). A question that names the call ("on the Q3 2021 call"), compares periods, or
    asks for no figure of a quarter that has a call is held to the calls it names.
    """
    named = list(dict.fromkeys(m.quarter for m in mentions.quarters))
    if named:
        in_corpus = [q for q in named if q in known]
        if len(in_corpus) > 1 or _MENTIONS_A_CALL.search(mentions.text):
            return in_corpus, len(in_corpus) > 1
        # what someone said in a quarter, not a figure for it, is on that quarter's call ("What did
        # Susan say about the 2026 budget in Q2 2025?")
        if in_corpus and not asks_for_a_number(mentions.text):
            return in_corpus, False
        # a quarter with no call of its own is a topic of the call before ("Q3 2023 guidance" is
        # given on the 2023Q2 call); a quarter neither has is a topic of any call
        scope = {q for quarter in named for q in (quarter, _previous_quarter(quarter))}
        return sorted(q for q in known if q in scope), False
    years = list(mentions.year_range) or [int(m.group("y")) for m in _YEAR_WORD.finditer(mentions.text)]
    # a year's figures are discussed on that year's calls and guided on the previous year's Q4 call
    # ("2025 capex" is guided on the 2024Q4 call); a year with no such call is a topic, not a filter.
    # (Adding the previous Q3 call, where some companies guide, answered three unanswerable questions
    # of the real-calls sets with the current year's figures and found one more answer; adding it only
    # for questions after an outlook, in round seven, found one answer and lost four.)
    by_year = [q for q in known if int(q[:4]) in years or (int(q[:4]) + 1 in years and q.endswith("Q4"))]
    # "the rate case for 2022 to 2024" asks about one span; "from 2023 to 2025" how a figure changed
    compares = bool(_COMPARES.search(mentions.text)) if mentions.year_range else len(years) > 1
    return sorted(by_year), compares and len(by_year) > 1


def _previous_quarter(quarter: str) -> str:
    year, number = int(quarter[:4]), int(quarter[5])
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


_YEAR_WORD = re.compile(r"(?<!\d)(?P<y>20\d\d)(?!\d)\s*(?:年)?")


def calls_missing(mentions: Mentions, known: list[str]) -> list[str]:
    """Quarters whose call the question asks about ("on the Q1 2024 call", "2022年第四季度电话会") when
    the corpus has none of them; a quarter named without a call is a topic ("Q3 2023 guidance")."""
    calls = [m.span() for m in _ON_A_CALL.finditer(mentions.text)]
    # (a quarter outside the call reference is a figure's: "claims in the first quarter of 2020, per
    # Springer on the Q2 call")
    named = list(
        dict.fromkeys(m.quarter for m in mentions.quarters if any(a <= m.start < b for a, b in calls))
    )
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
    topic_text = vocabulary.topic_text(mentions)
    runs = cjk_name_runs(topic_text)
    # "高露洁" is no person but Colgate: a Chinese name the dictionary ties to a corpus company
    chinese_companies = companies_in_chinese([name for name, _ in runs], vocabulary) if runs else {}
    speaking = unknown_cjk_people(topic_text, runs, question)
    # "谁问了奥什科什…": who was asked is the company (or an executive), not who must speak: the analyst
    # does; a name there is read as a company, else left to the passages
    if WHO_ASKED.search(question):
        speaking = [n for n in speaking if not _ASKED_OF.search(question, 0, max(0, question.find(n)))]
    # the rest by sound: "克罗格" is Kroger, "斯凯奇" Skechers (rag.text.transliteration)
    for name, _ in runs:
        if name not in chinese_companies and name not in speaking:
            chinese_companies.update(companies_by_sound(name, vocabulary))
    if CJK_RUN.search(topic_text) and not mentioned:
        chinese_companies.update(companies_by_meaning(topic_text, vocabulary))
    mentioned += [c for found in chinese_companies.values() for c in found if c not in mentioned]
    cjk_names = [
        n for n in speaking if n not in chinese_companies and not _named_otherwise(question, n, vocabulary)
    ]
    in_corpus = [c for c in mentioned if c in vocabulary.companies]
    filtered = (vocabulary.resolve_company(company),) if company else ()
    # "the CFO" is the CFO of the company asked about (the filter, or the one named), else each CFO
    role_scope = filtered or tuple(in_corpus)
    speakers: tuple[str, ...]
    named = vocabulary.people_named(mentions, role_scope)
    # the same person spelt otherwise on another call ("Rick Nelson" is "Nels Richard Nelson" there)
    named += [q for p in named for q in vocabulary.directory.same_person_elsewhere(p) if q not in named]
    named = [p for p in named if p.name in speakers_here]
    # a Chinese name of someone who speaks, by sound among those the question points to ("金宝汤的首席
    # 执行官克劳斯" is Mark A. Clouse among the CEOs), else among every speaker
    heard = {n: people_by_sound(n, named or vocabulary.directory.people, speakers_here) for n in cjk_names}
    cjk_names = [n for n in cjk_names if not heard[n]]
    # a dotted name by its surname's sound: "迈克·穆萨勒姆" is Mike Mussallem, unless every part of it is
    # heard in a corpus company's name ("马丁·玛丽埃塔" is Martin Marietta)
    unknown = vocabulary.unknown_people(mentions)
    for name in [n for n in unknown if "·" in n]:
        dotted_company = companies_by_dotted_sound(name, vocabulary)
        if dotted_company:
            chinese_companies.update(dotted_company)
            mentioned += [c for c in dotted_company[name] if c not in mentioned]
            in_corpus += [c for c in dotted_company[name] if c not in in_corpus]
            unknown.remove(name)
            cjk_names = [n for n in cjk_names if n not in name]  # "马丁", "玛丽埃塔" were its parts
    for name in [n for n in unknown if "·" in n]:
        heard[name] = people_by_sound(
            name.split("·")[-1], named or vocabulary.directory.people, speakers_here
        )
    unknown = [n for n in unknown if not heard.get(n)] + vocabulary.roles_nobody_holds(mentions)
    unknown += [n for n in vocabulary.silent_people(mentions) if n not in unknown]
    if any(heard.values()):
        named = [p for found in heard.values() for p in found]
    if speaker:
        speakers = (vocabulary.directory.resolve(speaker, among=speakers_here).name,)
    else:
        speakers = tuple(p.name for p in primary_speakers(question, named))
    quarters: tuple[str, ...]
    if quarter:
        quarters, compares = (resolve_quarter_filter(quarter, vocabulary.quarters),), False
    else:
        found, compares = quarters_asked(mentions, vocabulary.quarters)
        quarters = tuple(found)
    # calls where a period's figures are discussed, not calls the question names ("2022 capex")
    asks_who = bool(WHO_ASKED.search(question))
    # who asked about two years ("限制2022年销量增长的瓶颈到2023年能否消除") compares nothing: the years are
    # its topic, so a scope without calls widens like any period's
    compares = compares and not (asks_who and not mentions.quarters)
    from_period = bool(quarters) and not quarter and not compares and not _MENTIONS_A_CALL.search(question)
    management = bool(mentions.of(MANAGEMENT))
    if management and not speakers:
        managers = vocabulary.managers_named(mentions, role_scope)
        speakers = tuple(p.name for p in managers if p.name in speakers_here)
    # "on Methode's call" holds the question to that company's calls, whoever it names
    on_calls = _calls_of_companies_named(mentions, in_corpus)
    companies = filtered or on_calls or _companies_asked_about(vocabulary, in_corpus, speakers)
    other_companies = () if in_corpus or speakers else tuple(c for c in mentioned if c not in in_corpus)
    if not in_corpus and not speakers and CJK_RUN.search(question):
        # "星巴克 2021 年…": a company the dictionary knows that has no call here
        other_companies += tuple(c for c in chinese_subject_companies(question) if c not in other_companies)
    # a named executive's words about another company ("What did Ryan Urness say about Dycom's Verizon
    # business?"): that company is what the passages must speak of, so it stays a key term
    own = set(vocabulary.directory.companies_of(speakers)) if speakers and not asks_who else set()
    others = [c for c in in_corpus if own and c not in own]
    if others:
        topic_text = vocabulary.topic_text(mentions, keep=others)
    for name in chinese_companies:
        topic_text = topic_text.replace(name, " ")
    return SearchRequest(
        question=question,
        speakers=() if asks_who and not speaker else speakers,
        include_management=management,
        quarters=quarters,
        companies=companies,
        asks_who_asked=asks_who,
        asks_first_question=asks_who and bool(_OPENS_THE_QA.search(question)),
        compares_quarters=compares or (len(quarters) > 1 and not from_period),
        unknown_people=tuple(unknown + cjk_names),
        other_companies=other_companies,
        missing_calls=() if quarter else tuple(calls_missing(mentions, vocabulary.quarters)),
        speaker_from_question=bool(speakers) and not speaker,
        quarter_from_question=bool(quarters) and not quarter,
        quarters_from_period=from_period,
        # (with a company asked about, a quarter it has no call in is a topic: "When will Yum! release
        # its first-quarter 2022 earnings?" is answered on its Q4 2021 call)
        period_widens=from_period
        and (
            asks_for_a_number(question)
            or (bool(companies) and not _WHAT_WAS_SAID.search(question))
            or not (mentions.quarters or _SPOKEN_IN.search(question))
        ),
        terms=tuple(key_terms(topic_text, set())),
        topic_text=topic_text,
        language=language_of(question),
        wants_number=asks_for_a_number(question),
        years=mentions.years,
        quarters_named=tuple(dict.fromkeys(m.quarter for m in mentions.quarters)),
    )


def within_languages(request: SearchRequest, languages: set[str]) -> SearchRequest:
    """The request as searched over passages in `languages`: a Chinese question over English calls
    keeps the key terms it can look for there (a glossary term's English renderings, a name) and
    bridges its other Chinese words through the dictionary (rag.text.cedict: "锌" is "zinc"), as
    leads, not proof; a word the dictionary lacks proves nothing about English text and is dropped
    (dense search still reads it)."""
    if request.language != "zh" or "zh" in languages or not languages:
        return request
    terms: list[Term] = []
    for term in request.terms:
        if any(not CJK_RUN.search(v) for v in term.variants):
            terms.append(term)
            continue
        english = _english_words(term.text)
        if english:
            terms.append(Term(term.text, (term.text, *english), specific=False, bridged=True))
    return replace(request, terms=tuple(terms))


_GLOSS_STOP = {"to", "the", "a", "an", "of", "and", "or", "for", "in", "on", "with", "one", "sb", "sth"}


def _english_words(word: str) -> tuple[str, ...]:
    """The dictionary's renderings of a Chinese word, whole and by content word ("bank deposit",
    "deposit"); its parts' when the word itself has no entry ("宠物营养": "pet", "nutrition")."""
    glosses = list(english_of(word))
    if not glosses and len(word) > 2:
        parts = [w for w in segmenter().cut_for_search(word) if w != word]
        glosses = [g for part in parts if len(part) > 1 for g in english_of(part)[:2]]
    found: list[str] = []
    for gloss in glosses:
        found.append(gloss)
        for w in re.findall(r"[A-Za-z]{3,}", gloss):
            if w.lower() not in _GLOSS_STOP:
                found += [w, w[:-1]] if len(w) > 4 and w.endswith("s") else [w]  # "costs": "cost"
    return tuple(dict.fromkeys(found))


def chinese_subject_companies(question: str) -> list[str]:
    """The English names of companies the dictionary glosses as such ("星巴克": "Starbucks, US coffee
    shop chain"; "微软": "Microsoft Corporation") that a Chinese question opens with or makes a
    possessor ("星巴克的…"): whose figures it asks. A company only mentioned is left to the passages."""
    found = []
    for m in _CJK_WORD_AT_SUBJECT.finditer(question):
        text = m.group("w")
        for end in range(min(len(text), 6), 1, -1):
            known = english_of(text[:end])
            if not known:
                continue
            # (the longest word the dictionary knows: "百胜餐饮" is the restaurant group, not "百胜")
            glosses = [g for g in known if _COMPANY_GLOSS.search(g) and "common name" not in g]
            after = question[m.start("w") + end :].lstrip()
            if glosses and (m.start() == 0 or after.startswith(("的", "公司"))):
                found.append(re.split(r"\s*[,(]", glosses[0])[0].strip())
            break
    return list(dict.fromkeys(found))


# a Chinese run at the question's start or after a space or punctuation
_CJK_WORD_AT_SUBJECT = re.compile(r"(?:^|(?<=[\s,，。?？、]))(?P<w>[\u4e00-\u9fff]{2,})")
# what a dictionary gloss of a company says: "Starbucks, US coffee shop chain", "Nike, Inc"
_COMPANY_GLOSS = re.compile(
    r"\b(?:company|corporation|Inc|Corp|Ltd|chain|brand|car make|airline|bank|manufacturer|retailer)\b", re.I
)


def companies_in_chinese(names: Sequence[str], vocabulary: Vocabulary) -> dict[str, list[str]]:
    """The corpus companies that Chinese names the question uses stand for, by the dictionary
    ("高露洁": Colgate → Colgate-Palmolive); names it cannot tie to one are left out."""
    found: dict[str, list[str]] = {}
    for name in names:
        # the whole name, else its longest head the dictionary knows: "金宝汤" is 金宝 (Campbell) + 汤 (soup)
        for head in [name[:end] for end in range(len(name), 1, -1)]:
            # a gloss as a name: "马拉松" is "marathon", Marathon Petroleum's word
            # and a surname as a family firm's ("爱德华" is Edward: Edwards Lifesciences)
            glosses = [(sense, sense.title(), f"{sense}s") for sense in english_of(head)]
            for gloss in dict.fromkeys(g for forms in glosses for g in forms):
                companies = vocabulary.companies_named(vocabulary.read(gloss))
                in_corpus = [c for c in companies if c in vocabulary.companies]
                if in_corpus:
                    found[name] = in_corpus
                    break
            if name in found or english_of(head):
                break
    return found


# a company's call: "Methode Electronics' call", "Meta's Q3 call", "on the Colgate call", "高露洁的电话会"
_CALL_AFTER_COMPANY = re.compile(
    r"(?:['’]s?)?\s+(?:(?:Q[1-4]|[1-4]Q\d\d|20\d\d|FY\d\d|fiscal|first|second|third|fourth|[\w-]+-quarter|quarterly)\s+)*"
    r"(?:earnings\s+)?(?:conference\s+)?calls?\b|\s*的?\s*(?:[^，。,?？]{0,12}?)(?:电话会|业绩会|财报会)",
    re.I,
)


def _calls_of_companies_named(mentions: Mentions, in_corpus: list[str]) -> tuple[str, ...]:
    """The corpus companies whose call the question names ("on Methode Electronics' call")."""
    found = [
        m.value[1]
        for m in mentions.of(COMPANY)
        if m.value[1] in in_corpus and _CALL_AFTER_COMPANY.match(mentions.text, m.end)
    ]
    return tuple(dict.fromkeys(found))


_NAME_TAILS = {"inc", "corp", "corporation", "co", "company", "companies", "group", "holdings", "the", "of"}


def companies_by_meaning(text: str, vocabulary: Vocabulary) -> dict[str, list[str]]:
    """Corpus companies a Chinese question names by translating their name word for word ("联合健康" is
    UnitedHealth: unite + health; "国家燃料天然气" is National Fuel Gas), read through the dictionary:
    consecutive words whose first senses begin every word of one company's name, in order."""
    found: dict[str, list[str]] = {}
    names = {c: _name_words(c) for c in vocabulary.companies}
    for run in CJK_RUN.findall(text):
        words = [w for w, _ in segmenter().tagged(run) if w.strip()]
        for start in range(len(words)):
            for end in range(start + 2, min(len(words), start + 4) + 1):
                senses = [_sense_words(w) for w in words[start:end]]
                matched = [c for c, parts in names.items() if _translates(senses, parts)]
                if len(matched) == 1:
                    found["".join(words[start:end])] = matched
    return found


def _name_words(company: str) -> list[str]:
    split = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", company)  # "UnitedHealth" is United Health
    return [w.casefold() for w in re.findall(r"[A-Za-z]+", split) if w.casefold() not in _NAME_TAILS]


def _sense_words(word: str) -> list[str]:
    """The words of a Chinese word's first senses, and each sense's words run together ("naturalgas")."""
    found: list[str] = []
    for gloss in english_of(word):
        words = [w.casefold() for w in re.findall(r"[A-Za-z]{3,}", gloss)]
        found += [*words, "".join(words)] if len(words) > 1 else words
    return found


def _translates(senses: list[list[str]], parts: list[str]) -> bool:
    """Each Chinese word gives the next name words (a sense may give two: "natural gas"), all used."""
    if len(parts) < 2:
        return False
    i = 0
    for options in senses:
        fits = (n for n in (2, 1) for o in options if i + n <= len(parts) and _begins(o, parts[i : i + n]))
        taken = next(fits, 0)
        if not taken:
            return False
        i += taken
    return i == len(parts)


def _begins(sense: str, parts: list[str]) -> bool:
    """ "unite" begins "united"; "naturalgas" covers natural + gas; a stem of four letters at least."""
    joined = "".join(parts)
    stem = sense[: max(4, len(sense) - 1)]
    return joined.startswith(stem) if len(parts) == 1 else sense == joined


def companies_by_sound(name: str, vocabulary: Vocabulary) -> dict[str, list[str]]:
    """The corpus company whose name a Chinese name transliterates most closely (its first word:
    "斯凯奇" is Skechers), as {name: [company]}; {} when none does or two do equally."""
    found = _closest(
        name, [(c, (re.split(r"[\s\-]", c.removeprefix("The "))[0],)) for c in vocabulary.companies]
    )
    return {name: [found]} if found is not None else {}


def _surname_of_another_company(mentions: Mentions, match: AliasMatch[Any]) -> bool:
    """Whether a one-word name comes right after another company's name, as a word of that company's
    ("Nabors' Lower 48 rig margin" is no Joe Lower of AutoNation; "AutoNation's Lower" is him)."""
    person = cast(Person, match.value[1])
    if " " in match.alias.strip() or not person.company:
        return False
    return any(
        c.end <= match.start
        and _POSSESSIVE_GAP.fullmatch(mentions.text[c.end : match.start])
        and c.value[1] != person.company
        for c in mentions.of(COMPANY)
    )


_POSSESSIVE_GAP = re.compile(r"(?:['’]s?)?\s+")


def _describes_a_person(text: str, role: AliasMatch[Any], found: list[AliasMatch[Any]]) -> bool:
    """Whether a role is written as a title of a person named beside it: "CEO Koch", "首席财务官 Joe
    Lower", "Koch, the CEO"."""
    return any(
        m.value[0] == PERSON
        and (
            _TITLE_GAP.fullmatch(text, role.end, m.start) is not None
            or _APPOSITION_GAP.fullmatch(text, m.end, role.start) is not None
        )
        for m in found
    )


_TITLE_GAP = re.compile(r"\s*")
_APPOSITION_GAP = re.compile(r"\s*[,，(（]\s*(?:the|our|its|their)?\s*", re.I)


def people_by_sound(name: str, people: Sequence[Person], speakers: Sequence[str]) -> list[Person]:
    """The speaker among `people` whose surname or given name a Chinese name transliterates most
    closely; [] when none does or two do equally."""
    speaking = set(speakers)
    options = []
    for person in people:
        parts = name_tokens(person.name)
        if person.name in speaking and parts:
            options.append((person, (parts[2], parts[0])))
    found = _closest(name, options)
    return [found] if found is not None else []


_T = TypeVar("_T")


def _closest(name: str, options: Sequence[tuple[_T, tuple[str, ...]]]) -> _T | None:
    scored = []
    for value, words in options:
        distances = [d for w in words if (d := sound_distance(name, w)) is not None]
        if distances:
            scored.append((min(distances), value))
    scored.sort(key=lambda item: item[0])
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _companies_asked_about(
    vocabulary: Vocabulary, named: list[str], speakers: tuple[str, ...]
) -> tuple[str, ...]:
    """The calls a question's companies and speakers belong to ("What did Susan say about NVIDIA?"
    is about Meta's and NVIDIA's calls); () when that is every call, as no filter is then needed."""
    own = vocabulary.directory.companies_of(speakers)
    asked = [c for c in dict.fromkeys([*named, *own]) if c in vocabulary.companies]
    return tuple(asked) if named and set(asked) != set(vocabulary.companies) else ()
