"""Key terms of a question, bridged across English and Chinese with the glossary.

Used to check that retrieved passages actually mention what the question is about, and (later)
to expand lexical search.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent.parent / "data"
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+\-']*[A-Za-z0-9+]|[A-Za-z]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CJK_STOP = set(
    "什么 多少 如何 怎么 怎样 哪些 哪个 为什么 是否 有没有 关于 对于 谈到 提到 说了 说过 表示 认为 看待 问题 问了 提问 "
    "询问 回答 分析师 管理层 电话会 电话 会议 业绩 财报 季度 年度 公司 他们 我们 这个 那个 今年 明年 去年 情况 方面 "
    "一下 可以 还是 以及 以及 哪位 谁 的 了 吗 呢 和 与 在 是 有 对 中 上 下 提及 说 问 谈 讲 介绍 解释 评论 观点 看法 "
    "变化 发生 如何 指出 预期 期间 时候 之间".split()
)


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    terms = json.loads((_DATA / "glossary.json").read_text(encoding="utf-8"))["terms"]
    return {k.lower(): tuple(v) for k, v in terms.items()}


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

    def found_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(v.lower() in lowered for v in self.variants)


def _latin_terms(question: str, ignore: set[str]) -> list[Term]:
    lowered = question.lower()
    terms: list[Term] = []
    taken: list[tuple[int, int]] = []
    for phrase in sorted(glossary(), key=len, reverse=True):
        for m in re.finditer(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", lowered):
            if not any(m.start() < e and s < m.end() for s, e in taken):
                taken.append(m.span())
                terms.append(Term(question[m.start() : m.end()], (phrase, *glossary()[phrase])))
    for m in _LATIN_WORD.finditer(question):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        word = m.group(0)
        key = word.lower().removesuffix("'s")
        if key in ignore or key in common_english() or len(key) < 2:
            continue
        singular = key[:-1] if key.endswith("s") and key[:-1] in glossary() else key
        variants = (word, *glossary().get(singular, ()))
        terms.append(Term(word, variants))
    return terms


def _cjk_terms(question: str, ignore: set[str]) -> list[Term]:
    import jieba

    terms: list[Term] = []
    for run in _CJK_RUN.findall(question):
        for word in jieba.lcut(run):
            if len(word) >= 2 and word not in _CJK_STOP and word not in ignore:
                terms.append(Term(word, (word,)))
    return terms


def key_terms(question: str, ignore: set[str]) -> list[Term]:
    """Topic terms of the question; names, company names and filler words in `ignore` or common lists are left out."""
    lowered_ignore = {w.lower() for w in ignore}
    return _latin_terms(question, lowered_ignore) + _cjk_terms(question, ignore)
