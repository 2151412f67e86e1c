"""Key terms of a question, bridged across English and Chinese with the glossary.

Used to check that retrieved passages actually mention what the question is about, and to expand
lexical search with the other language's renderings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text.abbreviations import expands_in
from rag.text.glossary import common_english, english_renderings, glossary, glossary_phrases
from rag.text.language import CJK_RUN
from rag.text.segmenter import segmenter

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+\-'&]*[A-Za-z0-9+]|[A-Za-z]")  # "M&A", "G&A" are words
# filler words of questions, never topic terms (同比 "year over year" and 环比 compare periods; an
# English call words it "up 5% from last year")
_CJK_STOP = frozenset(
    """
    什么 多少 如何 怎么 怎样 哪些 哪个 为什么 是否 有没有 关于 对于 谈到 提到 说了 说过
    表示 认为 看待 问题 问了 提问 询问 回答 分析师 管理层 电话会 电话 会议 业绩 财报 季度
    年度 公司 他们 我们 这个 那个 今年 明年 去年 情况 方面 一下 可以 还是 以及 哪位 谁
    的 了 吗 呢 和 与 在 是 有 对 中 上 下 提及 说 问 谈 讲 介绍 解释 评论 观点
    看法 变化 发生 指出 预期 期间 时候 之间 评价 态度 立场 内容 原因 理由 方式 计划
    同比 环比 实际
    """.split()  # noqa: SIM905 (one word list reads better than 90 quoted strings)
)


@dataclass(frozen=True)
class Term:
    """A key term of a question and the strings that count as mentioning it."""

    text: str
    variants: tuple[str, ...]
    specific: bool = False  # a name-like term (Threads, Reality Labs, MTIA) rather than a common word
    # variants from the general dictionary (rag.text.cedict), not the glossary: a lead for search,
    # never proof that the calls do not mention the term
    bridged: bool = False
    # forms that count only as whole words: an acronym's singular ("DUC" of "DUCs" is in "product")
    words: tuple[str, ...] = ()

    def found_in(self, text: str) -> bool:
        """A variant occurs in `text`, or (for an abbreviation) the phrase it shortens: "capital
        expenditures" mentions capex, "earnings per share" EPS (rag.text.abbreviations)."""
        lowered = text.lower()
        return (
            any(v.lower() in lowered for v in self.variants)
            or any(re.search(rf"\b{re.escape(w)}\b", text) for w in self.words)
            or expands_in(self.text, text)
        )


# a part of the call ("according to the Q&A", "the first question"), not a topic
_CALL_PARTS = {"q&a", "question", "questions"}
# a month that ends a period is the period, like a quarter: "the quarter ended June 2020" is said "the
# fiscal third quarter"; a month asked about ("October shipments", "the January period") is a topic
_PERIOD_ENDS_IN = re.compile(r"\b(?:ended|ending|end of|through|to)\s+$", re.I)
_MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def _singular(phrase: str) -> tuple[str, ...]:
    """The singular a plural glossary phrase also counts as ("costs" asked, "cost" said; it is a part of
    the plural, so either matches): () for short words, where a part would match too much ("ad")."""
    if phrase.endswith("s") and not phrase.endswith("ss") and len(phrase) >= 5:
        return (phrase[:-1],)
    return ()


def _is_specific(word: str) -> bool:
    """A name-like Latin word (MTIA, iPhone, TikTok, Llama4): capitals or digits beyond the first letter."""
    return any(ch.isupper() or ch.isdigit() for ch in word[1:]) or (word[0].isupper() and len(word) > 1)


def _capitalised(surface: str, start: int) -> bool:
    """A glossary phrase written as a name ("Reality Labs", "MTIA"), not one capitalised only because it
    opens the question ("Backlog at the end of the quarter?")."""
    return any(ch.isupper() for ch in surface[1:]) or (start > 0 and surface != surface.lower())


_ACRONYM_PLURAL = re.compile(r"^([A-Z]{2,})s$")
_INITIALISM = re.compile(r"[A-Z]{2,5}")


def _latin_terms(question: str, ignore: set[str]) -> list[Term]:
    """Glossary phrases, and name-like words; plain English words outside the glossary cannot be
    checked against Chinese passages, so they are not key terms."""
    lowered = question.lower().replace("-", " ")  # "foreign-exchange" is the glossary's "foreign exchange"
    terms: list[Term] = []
    names: list[tuple[int, int, str]] = []  # name-like words: (start, end, word)
    taken: list[tuple[int, int]] = []
    for m in glossary_phrases().finditer(lowered):
        phrase = m.group(0)
        if phrase in _CALL_PARTS:
            continue
        taken.append(m.span())
        surface = question[m.start() : m.end()]
        variants = (phrase, *_singular(phrase), *glossary()[phrase])
        terms.append(Term(surface, variants, specific=_capitalised(surface, m.start())))
    for m in _LATIN_WORD.finditer(question):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        word = m.group(0).removesuffix("'s").removesuffix("'")
        key = word.lower()
        if key in ignore or key in common_english() or key in _CALL_PARTS or len(key) < 2:
            continue
        if key in _MONTHS and _PERIOD_ENDS_IN.search(question, 0, m.start()):
            continue
        singular = key[:-1] if key.endswith("s") and key[:-1] in glossary() else key
        if singular in glossary():
            terms.append(Term(word, (word, *glossary()[singular]), specific=_capitalised(word, m.start())))
        elif _is_specific(word) and (m.start() > 0 or CJK_RUN.search(question)):  # Chinese has no capitals
            names.append((m.start(), m.start() + len(word), word))
    places, names = _place_terms(names)
    # "low-70s" is also written "low 70s"; an acronym's plural is also said in the singular ("DUCs" asked,
    # "the DUC count" said)
    named = [
        Term(
            t,
            tuple(dict.fromkeys((t, t.replace("-", " ")))),
            specific=True,
            words=tuple(_ACRONYM_PLURAL.findall(t)),
        )
        for t in _name_phrases(question, names)
    ]
    return terms + places + named


# a people's or region's adjective and the place it names: "Chinese plants" are spoken of as "China"
_DEMONYMS = {
    "american": "America",
    "african": "Africa",
    "asian": "Asia",
    "australian": "Australia",
    "brazilian": "Brazil",
    "british": "U.K.",
    "canadian": "Canada",
    "chinese": "China",
    "european": "Europe",
    "french": "France",
    "german": "Germany",
    "indian": "India",
    "italian": "Italy",
    "japanese": "Japan",
    "korean": "Korea",
    "mexican": "Mexico",
    "russian": "Russia",
    "spanish": "Spain",
}


def _place_terms(names: list[tuple[int, int, str]]) -> tuple[list[Term], list[tuple[int, int, str]]]:
    """Demonyms as terms of their own that the place's name also satisfies (a qualifier, not a name a
    figure must stand beside), and the other names."""
    places = [Term(w, (w, _DEMONYMS[w.lower()])) for _, _, w in names if w.lower() in _DEMONYMS]
    # the rest by their endings: "Cambodian" is Cambodia, "Vietnamese" Vietnam
    regular = [(w, place) for _, _, w in names if w.lower() not in _DEMONYMS and (place := _demonym_place(w))]
    places += [Term(w, (w, place)) for w, place in regular]
    adjectives = {w.lower() for w in _DEMONYMS} | {w.lower() for w, _ in regular}
    return places, [n for n in names if n[2].lower() not in adjectives]


def _demonym_place(word: str) -> str | None:
    """The place a regular demonym names ("Cambodian" → "Cambodia", "Vietnamese" → "Vietnam"); None for
    other words."""
    if re.fullmatch(r"[A-Z][a-z]{3,}(?<!t)ian", word):  # (not "Christian", "Sebastian")
        return word[:-1]
    if re.fullmatch(r"[A-Z][a-z]{3,}ese", word):
        return word[:-3]
    return None


def _name_phrases(question: str, names: list[tuple[int, int, str]]) -> list[str]:
    """Name-like words, those next to each other as one name: "Union Pacific" is one company, and a
    corpus that mentions a union and the Pacific does not mention it."""
    phrases: list[str] = []
    end = -1
    for start, stop, word in names:
        # (two initialisms side by side are two names: "80 MW RFP" is megawatts and a request for proposals)
        previous = phrases[-1].split()[-1] if phrases else ""
        initialisms = bool(_INITIALISM.fullmatch(word) and _INITIALISM.fullmatch(previous))
        if phrases and question[end:start] == " " and not initialisms:
            phrases[-1] += " " + word
        else:
            phrases.append(word)
        end = stop
    return phrases


# jieba part-of-speech flags of topic words: nouns, proper nouns, verbal nouns, foreign words
_TOPIC_FLAGS = ("n", "nz", "nt", "ns", "vn", "eng")


def _cjk_terms(question: str, ignore: set[str]) -> list[Term]:
    runs = CJK_RUN.findall(question)
    if not runs:
        return []  # an English question never pays jieba's 1.4 s start-up
    terms: list[Term] = []
    for run in runs:
        for word, flag in segmenter().tagged(run):
            # a glossary word is a topic whatever its part of speech ("提价", a verb, is "price increase")
            topic = flag in _TOPIC_FLAGS or word in english_renderings()
            if len(word) >= 2 and topic and word not in _CJK_STOP and word not in ignore:
                terms.append(Term(word, (word, *english_renderings().get(word, ()))))
    # a month asked about is a topic, as in English ("七月的入住率": "occupied in July"); one that ends a
    # period ("截至 10 月") is the period
    for m in _CJK_MONTH.finditer(question):
        number = _CJK_MONTH_NUMBERS.get(m.group("n")) or int(m.group("n"))
        if not _CJK_PERIOD_ENDS_IN.search(question, 0, m.start()) and 1 <= number <= 12:
            month = _MONTH_NAMES[number - 1]
            terms.append(Term(m.group(0), (m.group(0), f"{number}月", month.title())))
    return terms


_CJK_MONTH = re.compile(
    r"(?<![\d一二三四五六七八九十])(?P<n>十[一二]?|[一二三四五六七八九]|1[0-2]|[1-9])\s*月(?!份?(?:至|到|-))"
)
_CJK_MONTH_NUMBERS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_CJK_MONTH_NUMBERS |= {"十一": 11, "十二": 12}
_CJK_PERIOD_ENDS_IN = re.compile(r"(?:截至|截止|到|至|前)\s*$")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def key_terms(question: str, ignore: set[str]) -> list[Term]:
    """Topic terms of the question; names, company names and filler words (in `ignore` or the common
    lists) are left out."""
    lowered_ignore = {w.lower() for w in ignore}
    return _latin_terms(question, lowered_ignore) + _cjk_terms(question, ignore)
