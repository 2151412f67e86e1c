"""Abbreviations match the phrases they shorten, read from the text, not from the hand glossary."""

from __future__ import annotations

from rag.text.abbreviations import expands_in, is_abbreviation
from rag.text.terms import Term


def test_initialisms_and_clipped_compounds_match_their_phrases() -> None:
    assert expands_in("EPS", "adjusted earnings per share of $1.20")
    assert expands_in("FFO", "core funds from operations grew 8%")
    assert expands_in("FCF", "free cash flow was $2 billion")
    assert expands_in("EBITDA", "earnings before interest, taxes, depreciation and amortization")
    assert expands_in("capex", "capital expenditures of about $25 million")
    assert expands_in("opex", "operating expenses rose")
    # earnings are stated per diluted share; a dividend per share is no EPS
    assert expands_in("EPS", "increased 78% to $3.06 per diluted share")
    assert not expands_in("EPS", "a dividend of $0.45 per share")


def test_a_phrase_that_is_not_the_abbreviations_does_not_match() -> None:
    assert not expands_in("capex", "capital spending")  # a synonym, not the phrase capex shortens
    assert not expands_in("FFO", "free cash flow")
    assert not is_abbreviation("revenue") and not is_abbreviation("Threads")


def test_a_term_that_is_an_abbreviation_is_found_where_its_phrase_is_spelt_out() -> None:
    capex = Term("capex", ("capex", "资本支出"))
    assert capex.found_in("We now expect capital expenditures of $25 million.")
    assert not Term("margin", ("margin",)).found_in("gross profit rose")


def test_a_chinese_glossary_word_carries_its_english_keys_to_english_passages() -> None:
    from rag.text.terms import key_terms

    terms = key_terms("Meta 2025年第一季度的自由现金流是多少?", set())
    (term,) = [t for t in terms if t.text == "自由现金流"]
    assert term.found_in("Free cash flow was $10.3 billion.")
    assert not term.found_in("Cash on hand was $70 billion.")


def test_a_chinese_glossary_verb_is_a_topic_term() -> None:
    from rag.text.terms import key_terms

    terms = key_terms("可口可乐预计2022年的产品提价幅度是多少?", set())
    assert any(t.text == "提价" and t.found_in("pricing was up 5%") for t in terms)
