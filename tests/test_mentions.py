"""Term presence from the lexical index agrees with a scan of every passage's text."""

from __future__ import annotations

import pytest

from rag.indexing.lexical import LexicalIndex
from rag.indexing.mentions import CorpusMentions
from rag.text.terms import Term

TEXTS = [
    "Our MTIA chips ramped. Smart glasses sold out this quarter.",
    "Capital expenditures will be $12 billion; Reality Labs lost money.",
    "我们预计2025年资本支出在640亿到720亿美元之间。",
    "The Llama4 model and Meta AI assistant reached new users.",
]


@pytest.fixture(scope="module")
def mentions() -> CorpusMentions:
    return CorpusMentions(LexicalIndex.build(TEXTS), lambda row: TEXTS[row], len(TEXTS))


@pytest.mark.parametrize(
    "variant",
    [
        "MTIA",  # a whole token
        "glass",  # part of a longer word
        "smart glasses",  # a phrase
        "capital expenditures",
        "reality labs",
        "资本支出",  # Chinese: found through its character bigrams
        "支出在640",
        "llama4",
        "bitcoin",  # in no passage
        "TikTok",
        "glasses sold in",  # every word present, the phrase is not
        "收入指引",
    ],
)
def test_a_variant_is_mentioned_exactly_when_some_passage_contains_it(mentions, variant) -> None:
    scanned = any(variant.lower() in text.lower() for text in TEXTS)
    assert mentions.variant(variant) == scanned


def test_a_term_is_mentioned_when_any_of_its_variants_is(mentions) -> None:
    assert mentions.term(Term("capex", ("capex", "资本支出")))
    assert not mentions.term(Term("bitcoin", ("bitcoin", "比特币")))
