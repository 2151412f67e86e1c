"""The lexical index beside FAISS: BM25 (bm25s) over tokens that work for Chinese and for Latin terms.

Chinese runs are cut with jieba (search mode); Latin words are lower-cased with common English words
dropped, so an English question's "MTIA" finds the Chinese turn that says MTIA; figures become
unit-normalised tokens so that "$47.5 billion" finds "475 亿美元"-style numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from rag.numbers import claims
from rag.terms import common_english, glossary_digest, jieba_with_glossary

LEXICAL_FOLDER = "bm25"
# Recorded in the index manifest: bump it when passage tokenisation changes, so indexes are rebuilt.
LEXICAL_VERSION = "jieba-min30-glossary+bigrams+latin+quantities/3"


def lexical_identity() -> str:
    """The tokeniser's version and the glossary it cuts with (its Chinese terms are jieba words)."""
    return f"{LEXICAL_VERSION} glossary:{glossary_digest()}"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+\-]*[A-Za-z0-9+]|[A-Za-z]")
_CJK_STOP = frozenset(
    ["的", "了", "在", "是", "和", "与", "及", "或", "我", "我们", "你", "你们", "他们", "这", "那", "这些", "那些", "一个", "也", "都", "就", "而", "并", "对", "将", "会", "有", "为", "以", "于", "把", "被", "从", "等", "等等", "其", "之", "上", "中", "下", "个"]
)


def _jieba():  # type: ignore[no-untyped-def]
    return jieba_with_glossary()


def quantity_tokens(text: str) -> list[str]:
    """ "475.16亿美元" and "$47.516 billion" both give "num:4.75e10"-style tokens (3 significant digits)."""
    tokens = []
    for q in claims(text):
        if q.value > 0:
            tokens.append(f"num:{q.kind}:{q.value:.3g}")
    return tokens


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        words = [w for w in _jieba().lcut_for_search(run) if w not in _CJK_STOP]
        tokens.extend(words)
        # bigrams catch the words jieba cuts wrongly ("当季营|收为" still yields "营收")
        seen = set(words)
        tokens.extend(b for b in (run[i : i + 2] for i in range(len(run) - 1)) if b not in seen)
    common = common_english()
    tokens.extend(w for w in (m.lower() for m in _LATIN.findall(text)) if w not in common)
    tokens.extend(quantity_tokens(text))
    return tokens


def tokenize_query(text: str) -> list[str]:
    """Query tokens without loading jieba (about 1.4 s of a cold start); passages were indexed with
    jieba search-mode words plus every bigram, which the query's character n-grams meet."""
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        # every 2- to 4-character substring: the ones that are jieba words or bigrams of some
        # passage meet it in the index, the rest are unknown to BM25 and dropped when scoring
        tokens.extend(run[i : i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1))
    common = common_english()
    tokens.extend(w for w in (m.lower() for m in _LATIN.findall(text)) if w not in common)
    tokens.extend(quantity_tokens(text))
    return tokens


class LexicalIndex:
    """BM25 scores for every row, so filters can be applied before ranking."""

    def __init__(self, retriever) -> None:  # type: ignore[no-untyped-def]
        self._retriever = retriever

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["∅"] for t in texts], show_progress=False)
        return cls(retriever)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._retriever.vocab_dict]
        if not known:
            return np.zeros(self._retriever.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder / LEXICAL_FOLDER))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(folder / LEXICAL_FOLDER)))
