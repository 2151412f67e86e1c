"""The verifier cleans markers, flags unmarked sentences and figures no cited passage states."""

from __future__ import annotations

from rag.answer.types import Citation
from rag.answer.verify import markers_in, verify_answer
from rag.chunks import Chunk
from rag.text.sentences import split_answer_sentences as split_sentences

CAPEX = (
    "我们预计 2025 年全年资本支出将在 600 亿至 650 亿美元之间。"
    "2025 年第一季度收入预计在 395 亿至 418 亿美元之间。"
)
MTIA = "目前,内部 MTIA 计划专注于支持我们的核心排名和推荐推理工作负载。我们从 2024 年上半年开始采用 MTIA。"
REVENUE = "Revenue was $48.39 billion, up 21% year over year. Daily active people reached 3.35 billion."
Q2_2023 = "三季度收入指引 320 亿-345 亿美元。全年总费用 880 - 910 亿美元。"


def citation(n: int, text: str) -> Citation:
    chunk = Chunk(
        text=text,
        company="Meta",
        quarter="2024Q4",
        speaker="Susan Li",
        role="CFO",
        firm="Meta",
        turn=n,
        source="meta-2024q4.txt",
        start=0,
        end=len(text),
    )
    return Citation.from_chunk(n, chunk, 0.5)


CITATIONS = [citation(1, CAPEX), citation(2, MTIA), citation(3, REVENUE), citation(4, Q2_2023)]


def test_supported_chinese_answer_passes() -> None:
    text, checks, problems = verify_answer("Meta 预计 2025 年资本支出为 600 亿至 650 亿美元[1]。", CITATIONS)
    assert problems == []
    assert [c.passed for c in checks] == [True]
    assert checks[0].citations == (1,)
    assert text == "Meta 预计 2025 年资本支出为 600 亿至 650 亿美元[1]。"


def test_english_answer_supported_by_chinese_passage_after_unit_normalisation() -> None:
    _, checks, problems = verify_answer("Capex is expected to be $60-65 billion in 2025 [1].", CITATIONS)
    assert problems == []
    assert checks[0].passed


def test_320_yi_dollars_supported_by_32_billion_dollars() -> None:
    passage = citation(
        1, "Third-quarter revenue is expected to be in the range of $32 billion to $34.5 billion."
    )
    _, checks, problems = verify_answer("三季度收入指引为 320亿美元至345亿美元[1]。", [passage])
    assert problems == []
    assert checks[0].passed


def test_range_end_without_its_own_unit_is_checked_with_the_shared_unit() -> None:
    _, checks, _ = verify_answer("Total expenses are guided at $88-91 billion [4].", CITATIONS)
    assert checks[0].passed
    _, checks, problems = verify_answer("Total expenses are guided at $88-95 billion [4].", CITATIONS)
    assert not checks[0].passed
    assert any("95 billion" in p for p in problems)


def test_out_of_range_marker_is_removed_and_reported() -> None:
    text, checks, problems = verify_answer("MTIA supports ranking and recommendation [2][7].", CITATIONS)
    assert text == "MTIA supports ranking and recommendation [2]."
    assert checks[0].citations == (2,)
    assert any("removed marker [7]" in p for p in problems)


def test_sentence_left_with_no_valid_marker_is_flagged() -> None:
    text, checks, problems = verify_answer("MTIA supports ranking [9].", CITATIONS)
    assert text == "MTIA supports ranking."
    assert not checks[0].passed
    assert "no citation marker" in checks[0].problems


def test_unmarked_sentence_is_flagged() -> None:
    _, checks, problems = verify_answer(
        "Meta adopted MTIA in the first half of 2024 [2]. It will expand MTIA to training.", CITATIONS
    )
    assert [c.passed for c in checks] == [True, False]
    assert checks[1].problems == ("no citation marker",)
    assert any("no citation marker" in p for p in problems)


def test_unsupported_number_is_flagged() -> None:
    _, checks, problems = verify_answer("Revenue was $52 billion, up 21% [3].", CITATIONS)
    assert not checks[0].passed
    assert checks[0].problems == ("unsupported number '$52 billion': not in any cited passage",)
    assert len(problems) == 1


def test_percent_forms_match_across_languages() -> None:
    _, checks, _ = verify_answer("收入同比增长百分之二十一[3]。", CITATIONS)
    assert checks[0].passed
    _, checks, _ = verify_answer("收入同比增长 22%[3]。", CITATIONS)
    assert not checks[0].passed


def test_number_in_another_supplied_passage_passes_with_a_note() -> None:
    _, checks, _ = verify_answer("Daily active people reached 3.35 billion [1].", CITATIONS)
    assert checks[0].passed
    assert checks[0].problems == ("'3.35 billion' is in [3], not in the cited passage",)


def test_years_and_quarters_are_not_checked_as_figures() -> None:
    _, checks, _ = verify_answer("In Q1 2025 and 4Q24 Meta kept adopting MTIA [2].", CITATIONS)
    assert checks[0].passed


def test_marker_forms_are_normalised() -> None:
    text, checks, _ = verify_answer("资本支出 600 亿至 650 亿美元【1】。MTIA 用于推理[1, 2]。", CITATIONS)
    assert text == "资本支出 600 亿至 650 亿美元[1]。MTIA 用于推理[1][2]。"
    assert [c.citations for c in checks] == [(1,), (1, 2)]


def test_markers_after_the_full_stop_stay_with_their_sentence() -> None:
    sentences = split_sentences("Capex is $60-65 billion. [1] MTIA serves ranking. [2][3]")
    assert sentences == ["Capex is $60-65 billion. [1]", "MTIA serves ranking. [2][3]"]


def test_decimal_points_and_abbreviations_do_not_split_sentences() -> None:
    text = "Revenue was $48.39 billion, e.g. in the U.S. and Canada [3]. 收入增长 21%[3]！真的吗?"
    assert split_sentences(text) == [
        "Revenue was $48.39 billion, e.g. in the U.S. and Canada [3].",
        "收入增长 21%[3]！",
        "真的吗?",
    ]


def test_marker_lists_and_ranges_are_read() -> None:
    assert markers_in("x [1][2]") == (1, 2)
    assert markers_in("x [1, 3]") == (1, 3)
    assert markers_in("x 【2、4】") == (2, 4)
    assert markers_in("x [1-3]") == (1, 2, 3)


def test_abstention_sentence_needs_no_marker() -> None:
    _, checks, problems = verify_answer("The transcripts do not cover this.", CITATIONS)
    assert checks[0].passed
    assert problems == []
    _, checks, _ = verify_answer("文字记录中没有相关信息。", CITATIONS)
    assert checks[0].passed


def test_references_to_passage_numbers_are_not_figures() -> None:
    _, checks, _ = verify_answer("According to passage 2, MTIA serves ranking [2].", CITATIONS)
    assert checks[0].passed


def test_list_item_numbers_do_not_split_or_count_as_figures() -> None:
    text = "1. MTIA serves ranking [2].\n2. Capex is $60-65 billion [1]."
    assert split_sentences(text) == ["1. MTIA serves ranking [2].", "2. Capex is $60-65 billion [1]."]
    _, checks, problems = verify_answer(text, CITATIONS)
    assert problems == []
    assert [c.passed for c in checks] == [True, True]
