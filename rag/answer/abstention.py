"""Deciding from evidence, not from a similarity cut-off, when the transcripts cannot answer.

Measured on this corpus, unanswerable questions score as high as answerable ones at top-1, so the
product abstains when: the question asks about a person who never speaks, the filters leave no
turn to search, or the question's key terms appear nowhere in the corpus or in no retrieved turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.query.figures import (
    asks_a_count,
    firm_terms,
    quarters_meant,
    quarters_named_in,
    years_meant,
    years_with_figures,
)
from rag.query.retrieve import Hit
from rag.query.understand import SearchRequest
from rag.settings import AbstentionSettings
from rag.text.glossary import common_english, is_glossary_word
from rag.text.names import name_listing
from rag.text.numbers import claims, states_in_words
from rag.text.quarters import quarters_named, years_named
from rag.text.sentences import split_sentences
from rag.text.terms import Term


@dataclass(frozen=True)
class Abstention:
    reason_en: str
    reason_zh: str


@dataclass(frozen=True)
class CorpusFacts:
    """What the abstention rules know of the whole corpus."""

    speakers: list[str]
    companies: list[str]
    quarters: list[str]
    mentions: Callable[[Term], bool]  # whether any passage of the corpus mentions the term
    # the analyst question an answer passage (by row) replies to: its period is the answer's
    question_answered: Callable[[int], str] = lambda row: ""
    # the quarters of each company's calls ("Teradata": ["2021Q3"])
    calls_of: Callable[[str], list[str]] = lambda company: []


def why_unanswerable(
    request: SearchRequest, hits: list[Hit], corpus: CorpusFacts, settings: AbstentionSettings
) -> Abstention | None:
    """Why the retrieved passages cannot answer the request, or None when they can."""
    # the answer to "who asked how much …" is an analyst, not the figure
    terms, wants_number = list(request.terms), request.wants_number and not request.asks_who_asked
    speakers, companies, quarters = corpus.speakers, corpus.companies, corpus.quarters
    if request.unknown_people:
        names = ", ".join(request.unknown_people)
        known = known_names(request.unknown_people, speakers, settings)
        return Abstention(
            f"{names} does not speak on any of the calls (speakers: {known})",
            f"{names} 没有在任何一场电话会上发言(发言人:{known})",
        )
    if request.other_companies:
        names = ", ".join(request.other_companies)
        known = known_names(request.other_companies, companies, settings)
        return Abstention(
            f"the corpus has no call of {names} (companies: {known})",
            f"语料中没有 {names} 的电话会(公司:{known})",
        )
    if request.missing_calls:
        missing = ", ".join(request.missing_calls)
        calls = known_names(request.missing_calls, quarters or [], settings)
        return Abstention(
            f"the transcripts have no {missing} call (calls: {calls})",
            f"记录中没有 {missing} 的电话会(已有:{calls})",
        )
    unreported = _results_after_last_call(request, corpus) if wants_number else None
    if unreported is not None:
        period, company, last = unreported
        return Abstention(
            f"{period} had not ended by {company}'s last call in the transcripts ({last}): its results "
            "were reported after it; ask for the guidance instead",
            f"{company} 在记录中最近的一场电话会是 {last},{period} 的实际结果在那之后才公布;"
            "可以改问当时给出的指引",
        )
    if not hits:
        who = " and ".join(request.speakers) or "anyone"
        when = ", ".join(request.quarters) or "any call"
        return Abstention(
            f"no turn by {who} on {when} in the transcripts", f"记录中没有 {who} 在 {when} 的发言"
        )
    window = hits[: settings.who_asked_window]
    if request.asks_who_asked and hits and not any(h.chunk.attributed for h in window):
        calls = ", ".join(sorted({h.chunk.quarter for h in window}))
        return Abstention(
            f"the {calls} transcript does not name the analysts who asked",
            f"{calls} 的记录没有写出提问分析师的名字",
        )
    absent = [t for t in terms if not corpus.mentions(t)]
    # a name or glossary term the calls never use decides alone ("bitcoin", "TikTok"); a plain word
    # ("来源" in "收入来源") only when none of the question's terms occurs: it may just be phrased otherwise
    decisive = [
        t for t in absent if not t.bridged and (t.specific or len(t.variants) > 1 or is_glossary_word(t.text))
    ]
    if decisive or (absent and len(absent) == len(terms)):
        absent = decisive or absent
        words = ", ".join(f"“{t.text}”" for t in absent)
        return Abstention(f"the calls never mention {words}", f"电话会记录中从未提到 {words}")
    # the safe-harbour reading names every measure ("we may discuss … free cash flow"): it is no
    # passage about one
    # an answer is about what its analyst asked: "… on Build Back Better?" — "50 to 100 basis points"
    retrieved = "\n".join(
        sentence
        for h in hits
        for sentence in split_sentences(f"{h.chunk.text}\n{corpus.question_answered(h.row)}")
        if not _BOILERPLATE.search(sentence)
    )
    if (
        terms
        and not any(t.found_in(retrieved) for t in terms)
        and not _on_topic(request, retrieved, settings)
    ):
        words = ", ".join(f"“{t.text}”" for t in terms)
        who = " or ".join(request.speakers)
        scope = f" by {who}" if who else ""
        return Abstention(
            f"no passage{scope} in the searched calls mentions {words}",
            f"所检索的发言{('(' + who + ')') if who else ''}中没有提到 {words}",
        )
    # a name the question is about ("Home Depot's comparable sales", "did Nike report"), when it names
    # no company or person of the corpus, is whose figures are asked: passages that never name it are
    # another company's
    subjects = [t for t in _names_asked_about(request) if not t.found_in(retrieved)]
    if subjects:
        words = ", ".join(f"“{t.text}”" for t in subjects)
        return Abstention(
            f"no passage in the searched calls mentions {words}",
            f"所检索的发言中没有提到 {words}",
        )
    full_year = bool(_FULL_YEAR.search(request.question))
    declined = _declined(hits, terms, set(request.years), full_year) if wants_number and terms else None
    if declined is not None:
        return Abstention(
            f"the call declines to give it: “{declined}”", f"电话会上明确表示不提供这一数字:“{declined}”"
        )
    other_periods = _figures_only_for_other_quarters(request, hits, terms) if wants_number else []
    if other_periods:
        words = ", ".join(f"“{t.text}”" for t in terms)
        asked = ", ".join(request.quarters_named)
        given = ", ".join(other_periods)
        return Abstention(
            f"the calls state {words} for {given}, not for {asked}",
            f"电话会只给出了 {given} 的 {words},没有 {asked} 的数字",
        )
    years = set(request.years)
    # evidence of absence: the passages state the figure, for other years only (a passage that words
    # it otherwise, "capital expenditures" for "capex", proves nothing)
    stated = (
        years_with_figures(
            [h.chunk for h in hits],
            terms,
            stop_at=years,
            counts=asks_a_count(request.question),
            asked=[corpus.question_answered(h.row) for h in hits],
        )
        if wants_number and years
        else set()
    )
    if wants_number and years and not stated & years and (stated or _discussed_in(hits, terms, years)):
        words = ", ".join(f"“{t.text}”" for t in terms)
        asked = ", ".join(str(y) for y in sorted(years))
        if not stated:
            return Abstention(
                f"no passage gives a figure for {words} in {asked}",
                f"没有任何段落给出 {asked} 年 {words} 的具体数字",
            )
        given = ", ".join(str(y) for y in sorted(stated))
        return Abstention(
            f"the passages give {words} for {given}, not for {asked}",
            f"检索到的段落只给出了 {given} 年的 {words},没有 {asked} 年的数字",
        )
    # a name ("Threads", "Reality Labs"), not an acronym ("EPS" is also "earnings per share")
    specific = [t for t in terms if t.specific and not t.text.isupper()]
    others = [t for t in terms if not t.specific and len(t.variants) > 1]  # glossary terms ("operating loss")
    money = bool(_ASKS_MONEY.search(request.question))
    # what was spent on a measure ("share repurchases") is an amount beside it, names or not
    named = specific or (others if money else [])
    if wants_number and named and not _figure_with_terms(hits, specific, others, money):
        words = ", ".join(f"“{t.text}”" for t in named)
        return Abstention(
            f"no passage gives a figure for {words}",
            f"没有任何段落给出 {words} 的具体数字",
        )
    # guidance asked ("What 2021 sales guidance did SMP give?"): a figure beside the measure in a sentence
    # that looks ahead, or beside one that does, by management; the year's actuals are no guidance
    # the measures asked and the asking words ("guidance" counts beside the figure: "revised full-year
    # earnings guidance"); when the asking word is the only firm term ("预计"), the dictionary's leads are
    # the measures ("船队": fleet)
    asking = [t for t in terms if _ASKS_GUIDANCE.fullmatch(t.text)]
    measures = [t for t in firm_terms(terms) if t not in asking] or [t for t in terms if t not in asking]
    asked_of = [corpus.question_answered(h.row) for h in hits]
    if (
        wants_number
        and measures + asking
        and _ASKS_GUIDANCE.search(request.question)
        and not _gives_figure(hits, [*measures, *asking], asked_of)
    ):
        words = ", ".join(f"“{t.text}”" for t in [*measures, *asking])
        return Abstention(
            f"no passage gives guidance or an expected figure for {words}",
            f"没有任何段落给出 {words} 的指引或预期数字",
        )
    # any other figure an English question asks: a management figure beside the measure, or answering
    # the question that asks it. (Over every set, 3 unanswerable questions refused for 1 answerable one;
    # on Chinese questions, whose measures are bridged, 4 for 4, so they are left to the rules above.)
    if (
        wants_number
        and measures
        and request.language == "en"
        and not _ASKS_GUIDANCE.search(request.question)
        and not _gives_figure(hits, measures, asked_of, looking_ahead=False, askers=set(request.speakers))
    ):
        words = ", ".join(f"“{t.text}”" for t in measures)
        return Abstention(
            f"no passage by the company gives a figure for {words}",
            f"公司的发言中没有任何段落给出 {words} 的具体数字",
        )
    return None


def _gives_figure(
    hits: list[Hit],
    terms: list[Term],
    asked_of: list[str],
    *,
    looking_ahead: bool = True,
    askers: set[str] | None = None,
) -> bool:
    """Whether a management sentence among the passages states a figure with one of the terms in it, in
    the sentence before or after, or in the analyst question it answers (`asked_of`, by hit: "we would
    expect 200 to 300 basis points" of the margin asked), one of which looks ahead ("we expect",
    "guidance", "updated … for the full year to 18.6%") unless only a figure is asked (`looking_ahead`
    False). An analyst's number is no guidance, nor the company's figure, unless the question asks what
    that analyst said (`askers`: "What range did Anmuth cite when he asked …")."""
    for hit, question in zip(hits, asked_of, strict=True):
        if hit.chunk.kind == "question" and hit.chunk.speaker not in (askers or set()):
            continue
        asked = bool(question) and any(t.found_in(question) for t in terms)
        sentences = split_sentences(hit.chunk.text)
        for i, sentence in enumerate(sentences):
            if not (claims(sentence) or states_in_words(sentence)):
                continue
            window = " ".join(sentences[max(0, i - 1) : i + 2])
            if (asked or any(t.found_in(window) for t in terms)) and (
                not looking_ahead or _LOOKS_AHEAD_WORDS.search(window)
            ):
                return True
    return False


# a question after guidance or an expectation: "What 2021 sales guidance did …", "What does X expect"
_ASKS_GUIDANCE = re.compile(
    r"\bguid(?:e|ed|es|ance)\b|\boutlook\b|\bexpect(?:s|ed|ing)?\b|\bforecast\w*|\bproject(?:s|ed|ing)?\b"
    r"|指引|预计|预期|展望",
    re.I,
)
# what a sentence that gives guidance says (broadly: a near miss only keeps an answer)
_LOOKS_AHEAD_WORDS = re.compile(
    r"\b(?:expect|anticipat|guid|forecast|outlook|project|target|plan|assum|estimat|range|see|believe|should"
    r"|will|would|can|could|may|might|going to|implies|goal|aim|budget|intend|look for|call for|updat|rais"
    r"|narrow|reaffirm"
    r"|reiterat|full[- ]year|for the year)\w*"
    r"|预计|预期|指引|展望|将|目标|计划|全年",
    re.I,
)


def _results_after_last_call(request: SearchRequest, corpus: CorpusFacts) -> tuple[str, str, str] | None:
    """(period, company, last call) when the question asks what a period's figure was, not what was
    expected of it, and the period ended after the last call of the company asked about: Teradata's Q4
    2021 revenue is not on its Q3 2021 call, only its guidance is. None otherwise."""
    question = request.question
    if not request.companies or _ASKS_AHEAD.search(question) or _PART_OF_PERIOD.search(question):
        return None
    ends = {q: q for q in request.quarters_named}
    if not ends and request.years and not _QUARTER_WORD.search(question):
        half = _FIRST_HALF.search(question)
        ends = {(f"H1 {y}" if half else str(y)): f"{y}Q{2 if half else 4}" for y in request.years}
    if not ends:
        return None
    period, end = max(ends.items(), key=lambda item: item[1])
    for company in request.companies:
        calls = corpus.calls_of(company)
        if not calls or max(calls) >= end:
            return None
    company = request.companies[0]
    return period, company, max(corpus.calls_of(company))


# what a question asks to have been expected, not reported: "What does X expect …", "guidance", "预计"
_ASKS_AHEAD = re.compile(
    r"\b(?:expect|anticipat|guid|forecast|outlook|target|project|plan|aim|goal|hope|intend|estimat|budget"
    r"|request|seek)\w*|\b(?:will|would|could|should|might|going to|give|gave|given|provide[ds]?)\b"
    r"|\b(?:set|scheduled|slated|due|poised|on track) to\b"  # "homes in backlog set to close in Q1"
    r"|预计|预期|指引|展望|目标|计划|打算|希望|将|预算|申请|给出|要|会(?:是|有|在|达到|增长|下降|超过|保持)",
    re.I,
)
# part of a period, reported before it ends: "so far in 2021", "year to date", "through September"; a
# span of years ("2022至2024") is a plan's
_PART_OF_PERIOD = re.compile(
    r"\bso far\b|\byear[- ]to[- ]date\b|\bYTD\b|\bthrough\b|\b(?:nine|six|three)[- ]months?\b"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
    r"|截至|迄今|到目前|前三季度|前两个季度|前[一二三四五六七八九十\d]+个月|[一二三四五六七八九十]月"
    r"|20\d\d\s*年?\s*(?:到|至|-|–|to)\s*20\d\d",
    re.I,
)
# a quarter the question's wording names that the period reader did not date: not a year's figure
_QUARTER_WORD = re.compile(r"\bQ[1-4]\b|\bquarter|季度", re.I)
_FIRST_HALF = re.compile(r"\bfirst half\b|\bH1\b|上半年", re.I)


def _names_asked_about(request: SearchRequest) -> list[Term]:
    """The names (no glossary word: "EPS") the question makes its subject: "Home Depot's …", "did Nike
    report …" (none when it names a company or person of the corpus)."""
    if request.companies or request.speakers:
        return []
    names = [
        t
        for t in request.terms
        if t.specific and not t.bridged and len(t.variants) == 1 and not is_glossary_word(t.text)
    ]
    return [t for t in names if re.search(_SUBJECT.format(name=re.escape(t.text)), request.question)]


_SUBJECT = (
    r"\b{name}['’]s?(?=\s)"
    r"|\b(?:did|does|do|has|have|will|would|is|was)\s+{name}\s+(?:report|post|guide|give|expect|say|see"
    r"|earn|deliver|generate|announce|spend|lose|book|record|forecast|project|plan)"
)


def _on_topic(request: SearchRequest, retrieved: str, settings: AbstentionSettings) -> bool:
    """Whether the retrieved passages share enough of the question's other content words (its plain
    English words outside the glossary: "windfall", "gains") that a key term missing from them was just
    worded otherwise ("inventory gains" asked, "windfall gains" said)."""
    lowered = retrieved.lower()
    words = {
        w.lower()
        for w in re.findall(r"[A-Za-z]{5,}", request.topic_text or request.question)
        if w.lower() not in common_english() and not any(t.found_in(w) for t in request.terms)
    }
    shared = [w for w in words if re.search(rf"\b{re.escape(w[:6])}", lowered)]
    return len(shared) >= settings.on_topic_words


def _discussed_in(hits: list[Hit], terms: list[Term], years: set[int]) -> bool:
    """Whether a passage sentence (or the one before) names an asked year with one of the terms: the
    passages speak of the thing for that year, so a figure for it would be there."""
    for hit in hits:
        sentences = split_sentences(hit.chunk.text)
        for i in range(len(sentences)):
            context = "".join(sentences[max(0, i - 1) : i + 1])
            if years_named(context) & years and any(t.found_in(context) for t in terms):
                return True
    return False


# the legal reading at the start of a call
_BOILERPLATE = re.compile(
    r"forward[- ]looking (?:statements|information)|safe harbou?r|non-GAAP (?:financial )?measures"
    r"|Private Securities Litigation Reform Act|reconciliations? (?:of|to) (?:these|those|the)",
    re.I,
)


# a speaker declining to give a figure: "we didn't give any G&A guidance for the full year", "we're not
# going to break out what the revenue was", "we do not disclose build rates", "we're not at the stage of
# providing an outlook on pricing", "我们不提供全年指引"
_DECLINES = re.compile(
    r"\b(?:we|I)\s*(?:'re|are|'m|am|do|did|have|will|would|'ll|can|could|ca)?\s*(?:not|n't|no longer)\s+"
    # "we can't really give", "we don't typically provide"
    r"(?:(?:really|necessarily|specifically|typically|usually|generally|actually|normally)\s+)?"
    r"(?:going to\s+|able to\s+|currently\s+|yet\s+|ready to\s+|in a position to\s+|intend to\s+|"
    r"plan to\s+|be\s+|"
    r"at (?:the|this) (?:stage|point) (?:of|where we(?:'re| are))\s+)?"
    r"(?:provid|giv|disclos|break(?:ing)? out|guid|shar|quantif|comment on the|updat)\w*"
    r"|\bnot (?:providing|giving|disclosing) (?:any |annual |full[- ]year )?(?:guidance|numbers|figures)"
    # "it's too early for us to give any type of detailed guidance", "a little early for an EBITDA number",
    # "decided to no longer provide specific guidance", "will not update its guidance"
    r"|\btoo early (?:for us )?to (?:give|provide|talk about|put|quantify)"
    r"|\b(?:a little|a bit|still) early for"
    r"|\bno longer (?:provide|give|guide)|\bnot (?:going to )?(?:update|reinstate)\w* (?:\w+ ){0,3}guidance"
    r"|(?:不|没有|暂不|未)(?:提供|给出|披露|公布)",
    re.I,
)


# a full-year figure asked: "full-year", "annual", "fiscal 2021", "FY22", "2021财年"
_FULL_YEAR = re.compile(
    r"\bfull[- ]year\b|\bannual\b|\bfor the year\b|\bfiscal (?:year )?(?:20)?\d\d\b|\bFY\s?'?\d{2,4}\b"
    r"|全年|年度|财年",
    re.I,
)


def _declined(hits: list[Hit], terms: list[Term], years: set[int], full_year: bool = False) -> str | None:
    """A sentence of a management turn, among the top passages, in which the speaker declines to give a
    figure for one of the question's terms, when no retrieved management sentence states an amount or a
    share for those terms (for one of the asked `years`, when the question asks some, and for a year
    rather than a quarter when it asks a `full_year` figure): a call that declines one figure may give
    the one asked. None otherwise."""
    declined, terms = None, list(firm_terms(terms))
    # a name asked about ("Endeavor Content") must be in the figure's sentence too: the segment's
    # revenue is not the one the speaker declines to break out
    names = [t for t in terms if t.specific]
    for hit in hits:
        sentences = split_sentences(hit.chunk.text)
        for i, sentence in enumerate(sentences):
            if not any(t.found_in(sentence) for t in terms):
                continue
            if hit.chunk.kind == "question":  # an analyst's figure, or refusal, is not the company's
                continue
            figure = any(q.kind in ("currency", "percent") for q in claims(sentence)) or states_in_words(
                sentence
            )
            # a quarter's figure is not the full-year one asked
            for_the_year = (
                not full_year
                or quarters_meant(sentence, hit.chunk.quarter) is None
                or bool(_FULL_YEAR.search(sentence))
            )
            context = "".join(sentences[max(0, i - 1) : i + 1])
            if (
                figure
                and for_the_year
                and (not years or years_meant(sentence, hit.chunk.quarter, hit.chunk.call_date) & years)
                and (not names or any(t.found_in(context) for t in names))
            ):
                return None
            if declined is None and _DECLINES.search(sentence):
                declined = sentence.strip()
    return declined


def known_names(asked: Sequence[str], known: list[str], settings: AbstentionSettings) -> str:
    """The corpus's names for an abstention message: all of them while they are few, else the few
    closest to what was asked."""
    return name_listing(asked, known, settings.max_listed, settings.closest_listed)


# a question after an amount of money paid or spent: "How much did Valmont pay for PivoTrac?"
_ASKS_MONEY = re.compile(
    r"\bhow much (?:did|does|do|will|would|has|have|is|was)\b[^?]{0,40}?\b(?<!time )"
    r"(?:pay|paid|spend|spent|cost|invest)"  # (not "time spent")
    r"|\b(?:purchase|acquisition|deal) price\b|多少钱|花了多少|支付了多少|收购价",
    re.I,
)


def _figure_with_terms(hits: list[Hit], terms: list[Term], others: list[Term], money: bool = False) -> bool:
    """Whether some retrieved sentence states a figure (an amount of money, when the question asks
    what was paid), mentions one of `terms` (the names: "Reality Labs", "Threads") in a turn that
    mentions every one and, when the question has other key terms, one of them ("operating loss"):
    9,000 connections is no price."""
    # the names may be spread over a turn (its parts are passages of their own): "… Foxconn … built on
    # NVIDIA Omniverse …" then "In its Mexico facility alone, Foxconn expects … a reduction of over 30%"
    turns: dict[tuple[str, int], str] = {}
    for hit in hits:
        key = (hit.chunk.source, hit.chunk.turn)
        turns[key] = f"{turns.get(key, '')}\n{hit.chunk.text}"
    for hit in hits:
        if not all(t.found_in(turns[(hit.chunk.source, hit.chunk.turn)]) for t in terms):
            continue
        sentences = split_sentences(hit.chunk.text)
        for i, sentence in enumerate(sentences):
            context = "".join(sentences[max(0, i - 1) : i + 1])  # "…是Meta AI。它的月活跃用户超过10亿。"
            # a price is stated beside what was bought: "paid $X for Shell's Appalachian assets"
            near = all if money else any
            if (
                (not terms or near(t.found_in(context) for t in terms))
                and (not others or any(t.found_in(context) for t in others))
                and (
                    any(q.kind == "currency" for q in claims(sentence))
                    if money
                    else _states_a_figure(sentence)
                )
            ):
                return True
    return False


def _figures_only_for_other_quarters(request: SearchRequest, hits: list[Hit], terms: list[Term]) -> list[str]:
    """The quarters the retrieved figures for the question's terms are stated for, when none is one the
    question asks about ("Q2 2023 revenue?" answered only by "2023 年第三季度的总收入将在…" is guidance
    for another quarter, and "revenue grew 5%" on the Q1 call is Q1's); else []. A figure for a year or a
    half says nothing either way."""
    asked = set(request.quarters_named)
    if not asked or not terms:
        return []
    # the measure asked ("gross margin"), where the question names one beside a name ("Concentrix"):
    # Concentrix's debt for the fourth quarter is no fourth-quarter gross margin
    measures = [t for t in terms if not t.specific and len(t.variants) > 1 and not t.bridged] or terms
    stated: list[str] = []
    for hit in hits:
        sentences = split_sentences(hit.chunk.text)
        for i, sentence in enumerate(sentences):
            if not (
                any(t.found_in(sentence) for t in measures)
                and (claims(sentence) or states_in_words(sentence))
            ):
                continue
            if request.quarters_from_period:
                meant = quarters_meant(sentence, hit.chunk.quarter, sentences[i - 1] if i else "")
            else:  # the quarter names a call ("on the Q2 2023 call, …"): only a named quarter tells
                meant = set(quarters_named(sentence)) or {*asked}
            if meant is None:
                continue
            if asked & meant:
                return []
            # a figure with no period of its own, in a passage that speaks of the quarter asked ("as we
            # look at the fourth quarter … we're at about 13.5% EBIT"), may well be that quarter's
            if meant == {hit.chunk.quarter} and asked & quarters_named_in(hit.chunk.text, hit.chunk.quarter):
                return []
            stated += sorted(q for q in meant if q not in stated)
    return stated


_ROUGH_FIGURE = re.compile(r"[数几]\s*[十百千万亿]|\d")


def _states_a_figure(sentence: str) -> bool:
    """A figure the question could be after: a claim with a unit, or a rough one ("数亿用户")."""
    if claims(sentence) or states_in_words(sentence):  # years, quarter names, list numbers are not claims
        return True
    return bool(_ROUGH_FIGURE.search(sentence)) and not claims(sentence) and "数" in sentence
