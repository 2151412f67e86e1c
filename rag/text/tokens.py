"""Lexical tokens of passages and questions: words that work for Chinese and for Latin terms.

Chinese runs are cut with jieba (search mode) plus every character bigram; Latin words are lower-cased
with common English words dropped, so an English question's "MTIA" finds the Chinese turn that says
MTIA; figures become unit-normalised tokens so that "$47.5 billion" finds "475 亿美元"-style numbers.
"""

from __future__ import annotations

import re

from rag.text.glossary import common_english
from rag.text.language import CJK_RUN
from rag.text.numbers import claims
from rag.text.segmenter import segmenter

# Bump when passage tokenisation changes: the index manifest records it, so indexes are rebuilt.
TOKENIZER_VERSION = "jieba-min30-glossary+bigrams+latin+quantities/3"
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9+\-]*[A-Za-z0-9+]|[A-Za-z]")
_CJK_STOP = frozenset(
    """
    的 了 在 是 和 与 及 或 我 我们 你 你们 他们 这 那 这些 那些 一个 也 都 就 而 并 对 将 会 有 为 以 于
    把 被 从 等 等等 其 之 上 中 下 个
    """.split()  # noqa: SIM905 (one word list reads better than 40 quoted strings)
)


def quantity_tokens(text: str) -> list[str]:
    """ "475.16亿美元" and "$47.516 billion" both give "num:4.75e10"-style tokens (3 significant digits)."""
    return [f"num:{q.kind}:{q.value:.3g}" for q in claims(text) if q.value > 0]


def _latin_tokens(text: str) -> list[str]:
    common = common_english()
    return [w for w in (m.lower() for m in _LATIN.findall(text)) if w not in common]


def tokenize(text: str) -> list[str]:
    """Tokens of a passage (and of a Chinese question): jieba words, bigrams, Latin words, figures."""
    tokens: list[str] = []
    for run in CJK_RUN.findall(text):
        words = [w for w in segmenter().cut_for_search(run) if w not in _CJK_STOP]
        tokens.extend(words)
        # bigrams catch the words jieba cuts wrongly ("当季营|收为" still yields "营收")
        seen = set(words)
        tokens.extend(b for b in (run[i : i + 2] for i in range(len(run) - 1)) if b not in seen)
    tokens.extend(_latin_tokens(text))
    tokens.extend(quantity_tokens(text))
    return tokens


def tokenize_query(text: str) -> list[str]:
    """Query tokens without loading jieba (about 1.4 s of a cold start); passages were indexed with
    jieba search-mode words plus every bigram, which the query's character n-grams meet."""
    tokens: list[str] = []
    for run in CJK_RUN.findall(text):
        # every 2- to 4-character substring: the ones that are jieba words or bigrams of some
        # passage meet it in the index, the rest are unknown to BM25 and dropped when scoring
        tokens.extend(run[i : i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1))
    tokens.extend(_latin_tokens(text))
    tokens.extend(quantity_tokens(text))
    return tokens
