"""Key terms of a question, bridged across English and Chinese with the glossary.

Used to check that retrieved passages actually mention what the question is about, and (later)
to expand lexical search.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data"
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+\-']*[A-Za-z0-9+]|[A-Za-z]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# filler words of questions, never topic terms
_CJK_STOP = frozenset(
    """
    什么 多少 如何 怎么 怎样 哪些 哪个 为什么 是否 有没有 关于 对于 谈到 提到 说了 说过
    表示 认为 看待 问题 问了 提问 询问 回答 分析师 管理层 电话会 电话 会议 业绩 财报 季度
    年度 公司 他们 我们 这个 那个 今年 明年 去年 情况 方面 一下 可以 还是 以及 哪位 谁
    的 了 吗 呢 和 与 在 是 有 对 中 上 下 提及 说 问 谈 讲 介绍 解释 评论 观点
    看法 变化 发生 指出 预期 期间 时候 之间 评价 态度 立场 内容 原因 理由 方式 计划
    """.split()  # noqa: SIM905 (one word list reads better than 90 quoted strings)
)


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    terms = json.loads((_DATA / "glossary.json").read_text(encoding="utf-8"))["terms"]
    return {k.lower(): tuple(v) for k, v in terms.items()}


def glossary_digest() -> str:
    """A short hash of the glossary file: an index cut with another glossary is stale."""
    return hashlib.sha256((_DATA / "glossary.json").read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def common_english() -> frozenset[str]:
    words: set[str] = set()
    for line in (_DATA / "english_common.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.lower().split())
    return frozenset(words)


@dataclass(frozen=True)
class Term:
    """A key term of a question and the strings that count as mentioning it."""

    text: str
    variants: tuple[str, ...]
    specific: bool = False  # a name-like term (Threads, Reality Labs, MTIA) rather than a common word

    def found_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(v.lower() in lowered for v in self.variants)


def _is_specific(word: str) -> bool:
    """A name-like Latin word (MTIA, iPhone, TikTok, Llama4): capitals or digits beyond the first letter."""
    return any(ch.isupper() or ch.isdigit() for ch in word[1:]) or (word[0].isupper() and len(word) > 1)


@lru_cache(maxsize=1)
def _glossary_phrases() -> re.Pattern[str]:
    """Every glossary phrase as whole words, longest first so "capital expenditures" beats "capital"
    (one compiled pattern: a pattern per phrase cost ~1 ms a question)."""
    phrases = sorted(glossary(), key=len, reverse=True)
    return re.compile(rf"(?<![a-z])(?:{'|'.join(re.escape(p) for p in phrases)})(?![a-z])")


def _latin_terms(question: str, ignore: set[str]) -> list[Term]:
    """Glossary phrases, and name-like words; plain English words outside the glossary cannot be
    checked against Chinese passages, so they are not key terms."""
    lowered = question.lower().replace("-", " ")  # "foreign-exchange" is the glossary's "foreign exchange"
    terms: list[Term] = []
    taken: list[tuple[int, int]] = []
    for m in _glossary_phrases().finditer(lowered):
        phrase = m.group(0)
        taken.append(m.span())
        surface = question[m.start() : m.end()]
        terms.append(Term(surface, (phrase, *glossary()[phrase]), specific=surface != surface.lower()))
    for m in _LATIN_WORD.finditer(question):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        word = m.group(0).removesuffix("'s").removesuffix("'")
        key = word.lower()
        if key in ignore or key in common_english() or len(key) < 2:
            continue
        singular = key[:-1] if key.endswith("s") and key[:-1] in glossary() else key
        if singular in glossary():
            terms.append(Term(word, (word, *glossary()[singular]), specific=word != word.lower()))
        elif _is_specific(word) and m.start() > 0:
            terms.append(Term(word, (word,), specific=True))
    return terms


# jieba part-of-speech flags of topic words: nouns, proper nouns, verbal nouns, foreign words
_TOPIC_FLAGS = ("n", "nz", "nt", "ns", "vn", "eng")


@lru_cache(maxsize=1)
def jieba_with_glossary():  # type: ignore[no-untyped-def]
    """jieba on the trimmed dictionary (rag.jieba_dictionary), taught the glossary's Chinese terms so
    "资本支出" and "比特币" stay whole words."""
    import logging

    import jieba

    from rag.jieba_dictionary import trimmed_dictionary

    jieba.setLogLevel(logging.WARNING)
    # before jieba.posseg is first imported: it reads the part-of-speech tags of this dictionary
    dictionary = trimmed_dictionary()
    if dictionary is not None:
        jieba.set_dictionary(str(dictionary))
        jieba.dt.tmp_dir = str(dictionary.parent)  # jieba's own pickled cache of it lives beside it
    for renderings in glossary().values():
        for word in renderings:
            if _CJK_RUN.fullmatch(word):
                jieba.add_word(word, freq=20000, tag="n")
    return jieba


def _cjk_terms(question: str, ignore: set[str]) -> list[Term]:
    runs = _CJK_RUN.findall(question)
    if not runs:
        return []  # an English question never pays jieba's 1.4 s start-up
    jieba_with_glossary()  # first: it picks the dictionary jieba.posseg loads its tags from
    import jieba.posseg

    terms: list[Term] = []
    for run in runs:
        for pair in jieba.posseg.lcut(run):
            word, flag = pair.word, pair.flag
            if len(word) >= 2 and flag in _TOPIC_FLAGS and word not in _CJK_STOP and word not in ignore:
                terms.append(Term(word, (word,)))
    return terms


@lru_cache(maxsize=1)
def _glossary_words() -> frozenset[str]:
    return frozenset(w.lower() for key, renderings in glossary().items() for w in (key, *renderings))


def is_glossary_word(word: str) -> bool:
    """An English key or a rendering of the glossary ("资本支出", "capex")."""
    return word.lower() in _glossary_words()


def key_terms(question: str, ignore: set[str]) -> list[Term]:
    """Topic terms of the question; names, company names and filler words (in `ignore` or the common
    lists) are left out."""
    lowered_ignore = {w.lower() for w in ignore}
    return _latin_terms(question, lowered_ignore) + _cjk_terms(question, ignore)
