"""Whether retrieved passages state a figure for what a question asks: read by the deeper-search rule
of retrieval and by the abstention rules of the answer stage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rag.chunks import Chunk
from rag.text.numbers import claims, states_in_words
from rag.text.quarters import QUARTER_WITHOUT_YEAR, quarter_mentions, years_named
from rag.text.sentences import split_sentences
from rag.text.terms import Term

# a question after a count ("How many members …", "多少个门店"): a bare number is then its figure
_ASKS_A_COUNT = re.compile(
    r"\bhow many\b|多少(?:个|家|名|位|人|万|亿)|几(?:个|家|名|位)|有多少(?!钱|资金|美元|收入|营收|利润)", re.I
)


def asks_a_count(question: str) -> bool:
    return bool(_ASKS_A_COUNT.search(question))


def figure_for_years(
    chunks: Iterable[Chunk], terms: Sequence[Term], years: set[int] | frozenset[int], counts: bool = False
) -> bool:
    """Whether a passage sentence states an amount or a share for one of the question's terms in one
    of the years it asks about: the sentence (or the one before) names the year, or a year relative to
    the call's date ("next year" on a 2021 call is 2022), or names none and is about the call's year."""
    return bool(years_with_figures(chunks, terms, stop_at=years, counts=counts) & years)


def years_with_figures(
    chunks: Iterable[Chunk],
    terms: Sequence[Term],
    stop_at: set[int] | frozenset[int] = frozenset(),
    counts: bool = False,
    asked: Sequence[str] = (),
) -> set[int]:
    """The years the passages state an amount or a share for one of `terms` for (see
    `figure_for_years`), or any number when the question asks for a count (`counts`); it stops
    reading at the first figure for a year of `stop_at`. `asked` holds, chunk by chunk, the question
    an answer replies to: an answer that names no year gives the figures for the year asked about
    ("the other pieces of the guide for fiscal '21?" — "… tax rate of about 26%")."""
    wanted = ("currency", "percent", "count", "plain") if counts else ("currency", "percent")
    found: set[int] = set()
    terms = firm_terms(terms)
    for n, chunk in enumerate(chunks):
        question = asked[n] if n < len(asked) else ""
        sentences = split_sentences(chunk.text)
        for i, sentence in enumerate(sentences):
            # the sentence before speaks for this one only when it states no figure of its own ("For
            # 2022, we expect the following.", not "Net debt will be $1.2 billion by 2026.") and this one
            # does not name its own period ("In the quarter, we reduced net debt by $70 million.")
            before = sentences[i - 1] if i else ""
            own = bool(years_named(sentence) or _THIS_QUARTER.search(sentence))
            context = sentence if own or claims(before) else before + sentence
            if question and not own and not years_named(context) and years_named(question):
                context = f"{question}\n{context}"
            if not _about_terms(sentences, i, terms):
                continue
            if not (any(q.kind in wanted for q in claims(sentence)) or states_in_words(sentence)):
                continue
            found |= years_meant(context, chunk.quarter, chunk.call_date)
            if found & stop_at:
                return found
    return found


# a sentence that goes on about the one before: "… $4.80 to $4.90 per diluted share. This guidance …"
_REFERS_BACK = re.compile(r"\s*(?:this|that|these|those|which|it)\b|\s*(?:这|该|此)", re.I)


def _about_terms(sentences: Sequence[str], i: int, terms: Sequence[Term]) -> bool:
    """Whether sentence `i`'s figure is stated for one of `terms`: the sentence names one, or the one
    before names it and states no figure of its own ("Turning to capex. We expect …"), or the next one
    refers back to it by name. A term two sentences off belongs to another figure ("… a payout ratio of
    65% to 70% of earnings. … growth in our earnings per share")."""
    if any(t.found_in(sentences[i]) for t in terms):
        return True
    before = sentences[i - 1] if i else ""
    if before and not claims(before) and any(t.found_in(before) for t in terms):
        return True
    after = sentences[i + 1] if i + 1 < len(sentences) else ""
    return bool(after and _REFERS_BACK.match(after) and any(t.found_in(after) for t in terms))


def firm_terms(terms: Sequence[Term]) -> Sequence[Term]:
    """The terms a figure has to be stated for: a dictionary lead ("产品" read as "goods") only when the
    question has no term of its own words or the glossary's."""
    return [t for t in terms if not t.bridged] or terms


_COMPARED_WITH = re.compile(
    r"\b(?:compared (?:to|with)|versus|vs\.?|relative to|over|than)\s+(?:the\s+)?"
    r"(?:(?:same|prior|first|second|third|fourth|last|full)[- ])?(?:(?:quarter|period|year|half|months?)\s+)?"
    r"(?:of\s+|in\s+|ended\s+)?(?:fiscal\s+)?20\d\d\b"
    r"|(?:较|比|相比)\s*20\d\d\s*年",
    re.I,
)


# relative years, resolved from the call's date
_NEXT_YEAR = re.compile(r"\b(?:next|following|coming)\s+(?:fiscal\s+)?year\b|明年|下一年|来年", re.I)
_THIS_YEAR = re.compile(r"\b(?:this|current|full|the)\s+(?:fiscal\s+)?year\b|full-year|今年|全年|本年", re.I)
_LAST_YEAR = re.compile(
    r"\b(?:last|prior|previous)\s+(?:fiscal\s+)?year\b|\ba year ago\b|year[- ]over[- ]year|去年|上年|同比",
    re.I,
)


def years_meant(text: str, quarter: str, call_date: str | None = None) -> set[int]:
    """The years a passage's figures are for: the years it names; else the years its relative words
    point to from the call's date (a fourth-quarter call is held early the next year: on the January
    2025 call "今年" is 2025); else the year the call reports on and the year it is held in."""
    # "up 2% compared to the first quarter of 2020": the year after a comparison is its base
    named = years_named(text) - years_named(" ".join(m.group(0) for m in _COMPARED_WITH.finditer(text)))
    if named:
        return named
    reported = int(quarter[:4])
    held = int(call_date[:4]) if call_date else reported + 1 if quarter.endswith("Q4") else reported
    meant = set()
    if _NEXT_YEAR.search(text):
        meant.add(held + 1)
    if _THIS_YEAR.search(text):
        meant |= {reported, held}  # a fourth-quarter call's "full year" may be either
    if _LAST_YEAR.search(text):
        meant |= {held - 1, held}  # "up 10% over last year" states this year's figure
    if meant or held == reported:
        return meant or {reported}
    # on a call held after its year ended, what was achieved is that year's, what is expected the next's
    return {held} if _LOOKS_AHEAD.search(text) else {reported}


# a quarter named relative to the call: "next quarter", "this quarter", "下季度", "本季度"
_NEXT_QUARTER = re.compile(r"\b(?:next|following|coming)\s+quarter\b|下(?:一个)?季度", re.I)
_THIS_QUARTER = re.compile(r"\b(?:this|the|current)\s+quarter\b|\bquarterly\b|本季度|当季|这个季度", re.I)
_ANNUAL = re.compile(
    # ("prior year", "last year" are what a quarter is compared with: "revenues down 35% from prior year")
    r"\b(?:full|fiscal|calendar|this|next|the)[- ](?:fiscal\s+)?year\b(?![- ](?:ago|quarter|period))"
    r"|\bannual(?:ly|ized)?\b"
    r"|\byear[- ]to[- ]date\b|\bfirst half\b|\bsecond half\b|全年|今年|明年|去年|年度|上半年|下半年",
    re.I,
)


def quarters_meant(sentence: str, quarter: str, before: str = "") -> set[str] | None:
    """The quarters a passage sentence's figures are for (`quarter` is its call's): the quarters it
    names ("Q2 2021", "the second quarter" in the call's year, "next quarter"), else those a sentence
    `before` it without figures names ("Turning to the fourth quarter. Revenue is expected to be …"); else
    None when it speaks of a year or a half ("full-year revenue", "2022 capex"), the next quarter when it
    looks ahead ("revenue is expected to be …"), and the call's own quarter otherwise."""
    named = _quarters_named_in(sentence, quarter)
    if not named and not claims(before):
        named = _quarters_named_in(before, quarter)
    if named:
        return named
    if years_named(sentence) or _ANNUAL.search(sentence):
        return None
    number = int(quarter[-1])
    if _LOOKS_AHEAD.search(sentence):
        return {f"{int(quarter[:4]) + 1}Q1" if number == 4 else f"{quarter[:5]}{number + 1}"}
    return {quarter}


def figure_for_quarters(chunks: Iterable[Chunk], terms: Sequence[Term], quarters: set[str]) -> bool:
    """Whether a passage sentence states a figure for one of `terms` for one of `quarters` (see
    `quarters_meant`)."""
    terms = firm_terms(terms)
    for chunk in chunks:
        sentences = split_sentences(chunk.text)
        for i, sentence in enumerate(sentences):
            if not (
                any(t.found_in(sentence) for t in terms) and (claims(sentence) or states_in_words(sentence))
            ):
                continue
            meant = quarters_meant(sentence, chunk.quarter, sentences[i - 1] if i else "")
            if meant and meant & quarters:
                return True
    return False


def quarters_named_in(text: str, quarter: str) -> set[str]:
    """The quarters `text` names, with a year or relative to its call's `quarter` (see below)."""
    return _quarters_named_in(text, quarter)


def _quarters_named_in(text: str, quarter: str) -> set[str]:
    """The quarters `text` names, with a year or relative to its call's `quarter`."""
    mentions = quarter_mentions(text)
    named = {m.quarter for m in mentions}
    for m in reversed(mentions):
        text = text[: m.start] + " " + text[m.end :]
    year, number = int(quarter[:4]), int(quarter[-1])
    ordinals = [_ORDINAL_NUMBERS[m.group("o").lower()] for m in QUARTER_WITHOUT_YEAR.finditer(text)]
    ordinals += [_ORDINAL_NUMBERS[m.group("c")] for m in _CN_QUARTER_WITHOUT_YEAR.finditer(text)]
    for asked in ordinals:
        named.add(f"{year}Q{asked}")
        if number == 4 and asked < 4:  # on a fourth-quarter call "the first quarter" may be next year's
            named.add(f"{year + 1}Q{asked}")
    if _NEXT_QUARTER.search(text):
        named.add(f"{year + 1}Q1" if number == 4 else f"{year}Q{number + 1}")
    if _THIS_QUARTER.search(text):
        named.add(quarter)
    return named


# a sentence about what is to come: "we expect revenue of", "revenue is expected to be", "will be", "预计"
# (not "better than expected", "as expected")
_LOOKS_AHEAD = re.compile(
    r"\b(?:we|I)\s+(?:now\s+|currently\s+|still\s+|continue to\s+)?"
    r"(?:expect|anticipate|forecast|project|guide)\b"
    r"|\b(?:is|are)\s+(?:now\s+|currently\s+)?(?:expected|anticipated|projected|forecast(?:ed)?)\b"
    r"|\bwill\b|\bplan(?:s)? to\b|预计|预期|指引|展望|将会|将在",
    re.I,
)


_ORDINAL_NUMBERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_ORDINAL_NUMBERS |= {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_CN_QUARTER_WITHOUT_YEAR = re.compile(r"第?\s*(?P<c>[一二三四1-4])\s*(?:财)?季度")
