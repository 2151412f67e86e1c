"""Quantities are normalised across languages, units, scales and ranges; years and labels are not claims."""

from __future__ import annotations

import pytest

from rag.text.numbers import Quantity, claims, extract_quantities, number_supported, quantities_match


def values(text: str) -> list[tuple[float, str]]:
    return [(q.value, q.kind) for q in claims(text)]


def only(text: str) -> Quantity:
    found = claims(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text",
    ["320亿美元", "$32 billion", "32,000 million dollars", "US$32bn", "$32B", "USD 32 billion", "320 亿美元"],
)
def test_chinese_and_english_scales_give_the_same_amount(text: str) -> None:
    assert only(text).value == pytest.approx(32e9)
    assert only(text).kind == "currency"


def test_decimal_hundred_millions_become_billions() -> None:
    assert only("收入 475.16亿美元").value == pytest.approx(47.516e9)
    assert quantities_match(only("475.16亿美元"), only("$47.516 billion"))


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("10亿", 1e9, "count"),
        ("38 亿人", 3.8e9, "count"),
        ("2,000 亿次", 2e11, "count"),
        ("3.4 billion people", 3.4e9, "count"),
        ("300M users", 3e8, "count"),
        ("32000000000", 32e9, "plain"),
        ("1,234.5", 1234.5, "plain"),
        ("25 万亿", 25e12, "count"),
        ("１２％", 12, "percent"),
    ],
)
def test_scales_and_counters(text: str, value: float, kind: str) -> None:
    assert only(text).value == pytest.approx(value)
    assert only(text).kind == kind


@pytest.mark.parametrize("text", ["5%", "5 %", "5 percent", "5 per cent", "百分之五", "5个百分点", "500 bps"])
def test_percent_forms_are_the_same_percent(text: str) -> None:
    assert only(text).kind == "percent"
    assert only(text).value == pytest.approx(5.0)


def test_chinese_numeral_percentages() -> None:
    assert only("百分之四十五").value == 45
    assert only("百分之十二点五").value == 12.5
    assert only("百分之一百").value == 100
    assert only("百分之百").value == 100  # "百分之百": a bare 百 (cn2an refuses it)


@pytest.mark.parametrize(
    ("text", "low", "high", "kind"),
    [
        ("880 - 910 亿美元", 88e9, 91e9, "currency"),
        ("600 亿至 650 亿美元", 60e9, 65e9, "currency"),
        ("320 亿-345 亿美元", 32e9, 34.5e9, "currency"),
        ("$66-72 billion", 66e9, 72e9, "currency"),
        ("$114 billion to $119 billion", 114e9, 119e9, "currency"),
        ("25% to 35%", 25, 35, "percent"),
        ("5-7%", 5, 7, "percent"),
        ("2至3亿人", 2e8, 3e8, "count"),
    ],
)
def test_ranges_apply_the_unit_to_both_ends(text: str, low: float, high: float, kind: str) -> None:
    assert values(text) == [(pytest.approx(low), kind), (pytest.approx(high), kind)]


@pytest.mark.parametrize(
    "text",
    [
        "2024",
        "2025年",
        "2024年1月29日",
        "2025-01-29",
        "Q4",
        "4Q24",
        "3Q23 Guidance",
        "FY25",
        "Q1'25",
        "第3季度",
        "H100 chips",
        "GPT-4",
        "5G",
        "1) revenue",
        "(2) costs",
        "3、广告",
        "第2",
        "2025 至2026",
    ],
)
def test_years_dates_quarters_labels_and_list_numbers_are_not_claims(text: str) -> None:
    assert claims(text) == []
    assert all(not q.claim for q in extract_quantities(text))


def test_spans_point_into_the_original_text() -> None:
    text = "资本支出 600 亿至 650 亿美元,增长 5%。"
    for q in extract_quantities(text):
        assert text[q.span[0] : q.span[1]] == q.raw


def test_a_percent_never_matches_an_amount() -> None:
    assert not quantities_match(only("5%"), only("5"))
    assert not quantities_match(only("5 billion"), only("5%"))


def test_currency_matches_a_bare_scaled_figure_of_the_same_size() -> None:
    assert quantities_match(only("$32 billion"), only("收入 320 亿"))


def test_different_amounts_do_not_match() -> None:
    assert not quantities_match(only("$32 billion"), only("$33 billion"))
    assert not quantities_match(only("38 亿"), only("3.9 billion"))


def test_rounding_to_the_stated_precision_matches() -> None:
    assert quantities_match(only("$48 billion"), only("475.16亿美元"))
    assert quantities_match(only("$47.5 billion"), only("475.16亿美元"))
    assert not quantities_match(only("$47.8 billion"), only("475.16亿美元"))


def test_one_digit_figures_are_not_rounded_into_a_match() -> None:
    assert not quantities_match(only("5%"), only("4.6%"))


def test_number_supported_by_passage_in_another_language() -> None:
    passage = "我们预计 2025 年全年资本支出将在 600 亿至 650 亿美元之间。"
    assert number_supported(only("capex of $60 billion"), passage)
    assert number_supported(only("$65 billion"), passage)
    assert not number_supported(only("$70 billion"), passage)


def test_number_supported_ignores_years_in_the_answer() -> None:
    year = extract_quantities("in 2024")[0]
    assert number_supported(year, "no figures here")


def test_plain_figure_found_inside_a_model_name_in_the_passage() -> None:
    assert number_supported(only("about 4 models"), "我希望 Llama 4 成为一组非常令人兴奋的发布")


def test_figures_stated_in_words_are_figures() -> None:
    from rag.text.numbers import states_in_words

    for text in (
        "a mid-single-digit impact on cost of goods sold",
        "low-double-digit growth",
        "in the high teens",
    ):
        assert states_in_words(text), text
    assert states_in_words("收入翻倍") and states_in_words("Revenue doubled")
    assert not states_in_words("we saw digital growth across the business")
    # a multiple: demand "could grow 10 to 15 times by 2030", leverage "three times", "2.5x", "三倍"
    for text in (
        "could grow 10 to 15 times by 2030",
        "our goal continues to be three times",
        "2.5x",
        "增长三倍",
    ):
        assert states_in_words(text), text
    assert not states_in_words("at times demand was weak")
