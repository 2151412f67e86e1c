"""The evaluation metrics measure what eval/RESULTS.md says they measure.

Hand-made answers and questions (fast, no model) for each metric, then one run of the real evaluation
(real index, real embedder, real `ask()`) on a few questions of the shipped set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answer.types import Answer, Citation
from rag.evaluation.baseline import fixed_windows
from rag.evaluation.gold import GoldQuestion, GoldSource, canonical, load_questions
from rag.evaluation.metrics import (
    citation_precision,
    citation_recall,
    citation_validity,
    claim_units,
    hit_rank,
    number_grounding,
    score_answer,
    speaker_precision,
    summarize,
)
from rag.evaluation.report import check_gates, format_report, load_gates, proposed_gates, write_json
from rag.evaluation.runner import EvalReport
from rag.settings import Settings

SOURCE = "meta-2024q4.zh.txt"
OTHER = "meta-2025q2.zh.txt"
GATES_FILE = Path(__file__).resolve().parent.parent / "eval" / "gates.json"


def gold(
    evidence: tuple[str, ...] = ("400 亿美元",),
    mode: str = "all",
    categories: tuple[str, ...] = ("number",),
    speaker: str | None = "Susan Li",
    asker: str | None = None,
    sources: tuple[GoldSource, ...] | None = None,
    answerable: bool = True,
) -> GoldQuestion:
    if sources is None:
        sources = (GoldSource(frozenset({SOURCE, "001_x.txt"}), "2024Q4", evidence),) if answerable else ()
    return GoldQuestion(
        id="t001",
        question="test question",
        language="en",
        categories=categories,
        answerable=answerable,
        speaker=speaker,
        asker=asker,
        evidence=evidence if answerable else (),
        evidence_mode=mode,
        sources=sources,
    )


def cite(
    n: int,
    text: str,
    speaker: str = "Susan Li",
    source: str = SOURCE,
    attributed: bool = True,
    asker: str | None = None,
    kind: str = "remarks",
) -> Citation:
    return Citation(
        n=n,
        chunk_id=f"c{n}",
        company="Meta",
        quarter="2025Q2" if source == OTHER else "2024Q4",
        speaker=speaker,
        role="CFO" if attributed else "Management",
        firm=None,
        text=text,
        score=0.9 - n / 100,
        source=source,
        label=f"Meta · {speaker} · turn {n}",
        kind=kind,
        attributed=attributed,
        asker=asker,
    )


def answer(text: str, citations: list[Citation], abstained: bool = False) -> Answer:
    return Answer(question="test question", text=text, citations=citations, abstained=abstained)


# --- evidence matching ------------------------------------------------------------------------------


def test_evidence_matches_through_noise_symbols_and_whitespace() -> None:
    q = gold(evidence=("475.16亿美元",))
    assert q.holds_evidence(SOURCE, "收入为 475◆--◇▷▼.16 亿美元。")
    assert canonical("38 亿人每月") == canonical("38亿人 每月")


def test_evidence_from_a_non_gold_source_is_not_a_hit() -> None:
    q = gold()
    assert not q.holds_evidence(OTHER, "收入 400 亿美元")
    assert hit_rank(q, [cite(1, "收入 400 亿美元", source=OTHER)]) is None


def test_all_mode_needs_every_string_and_any_mode_needs_one() -> None:
    both = ("320 亿", "345 亿美元")
    passage = "预计收入在 320 亿之间"
    assert not gold(evidence=both, mode="all").holds_evidence(SOURCE, passage)
    assert gold(evidence=both, mode="any").holds_evidence(SOURCE, passage)


# --- retrieval --------------------------------------------------------------------------------------


def test_hit_rank_is_the_position_of_the_first_evidence_holding_citation() -> None:
    q = gold()
    citations = [cite(1, "别的内容"), cite(2, "还是别的"), cite(3, "收入 400 亿美元"), cite(4, "400 亿美元")]
    assert hit_rank(q, citations) == 3


def test_hit_at_k_and_mrr_aggregate_over_answerable_questions() -> None:
    q = gold()
    first = score_answer(q, answer("“收入 400 亿美元” [1]", [cite(1, "收入 400 亿美元")]))
    third = score_answer(q, answer("x [1]", [cite(1, "a"), cite(2, "b"), cite(3, "收入 400 亿美元")]))
    miss = score_answer(q, answer("x [1]", [cite(1, "a")]))
    unanswerable = score_answer(gold(answerable=False), answer("x [1]", [cite(1, "a")]))
    values = summarize([first, third, miss, unanswerable]).values
    assert values["hit@1"] == pytest.approx(1 / 3)
    assert values["hit@3"] == pytest.approx(2 / 3)
    assert values["hit@5"] == pytest.approx(2 / 3)
    assert values["mrr"] == pytest.approx((1 + 1 / 3 + 0) / 3)


def test_an_abstention_on_an_answerable_question_is_a_retrieval_miss() -> None:
    score = score_answer(gold(), answer("The transcripts do not cover this.", [], abstained=True))
    assert score.hit_rank is None
    assert score.citation_recall == 0.0
    assert summarize([score]).values["hit@5"] == 0.0


# --- citations --------------------------------------------------------------------------------------


def test_recall_counts_evidence_per_source_across_quarters() -> None:
    sources = (
        GoldSource(frozenset({SOURCE}), "2024Q4", ("600 亿至 650 亿美元",)),
        GoldSource(frozenset({OTHER}), "2025Q2", ("2026年资本支出增长", "基础设施")),
    )
    q = gold(
        evidence=("600 亿至 650 亿美元", "2026年资本支出增长", "基础设施"), sources=sources, speaker=None
    )
    citations = [cite(1, "资本支出 600 亿至 650 亿美元"), cite(2, "2026年资本支出增长很快", source=OTHER)]
    recall, missing = citation_recall(q, citations)
    assert recall == pytest.approx((1.0 + 0.5) / 2)
    assert missing == ["基础设施"]


def test_recall_in_any_mode_is_full_when_one_string_is_found() -> None:
    q = gold(evidence=("对我们的轨迹相当乐观", "专注于留存"), mode="any")
    assert citation_recall(q, [cite(1, "我们对我们的轨迹相当乐观")])[0] == 1.0


def test_precision_credits_gold_and_quoted_citations_but_strict_only_gold() -> None:
    q = gold()
    citations = [
        cite(1, "收入 400 亿美元。"),
        cite(2, "广告展示量增长 6%。"),
        cite(3, "无关内容。"),
        cite(4, "别的。"),
    ]
    text = "Susan Li [1]:\n“收入 400 亿美元。” [1]\nSusan Li [2]:\n“广告展示量增长 6%。” [2]"
    precision, strict = citation_precision(q, answer(text, citations))
    assert precision == pytest.approx(2 / 4)  # [1] holds gold, [2] is quoted, [3] [4] are neither
    assert strict == pytest.approx(1 / 2)  # of the referenced [1] [2], only [1] holds gold


def test_a_quote_not_in_the_cited_passage_earns_no_precision() -> None:
    q = gold()
    citations = [cite(1, "广告展示量增长 6%。"), cite(2, "收入 400 亿美元。")]
    precision, _ = citation_precision(q, answer("“用户增长了很多很多” [1]", citations))
    assert precision == pytest.approx(1 / 2)  # only [2], for its gold evidence


# --- speakers ---------------------------------------------------------------------------------------


def test_speaker_precision_is_the_share_of_referenced_citations_by_the_named_speaker() -> None:
    q = gold(categories=("speaker_topic",), speaker="Susan Li")
    citations = [cite(1, "a"), cite(2, "b", speaker="Mark Zuckerberg"), cite(3, "c", speaker="Brian Nowak")]
    value, wrong = speaker_precision(q, answer("x [1]\ny [2]", citations))
    assert value == pytest.approx(1 / 2)  # [3] is not referenced by the text
    assert wrong == ["Meta · Mark Zuckerberg · turn 2"]


def test_speaker_precision_does_not_count_an_unattributed_passage_as_the_named_speaker() -> None:
    q = gold(categories=("speaker_topic",), speaker="Mark Zuckerberg")
    citations = [cite(1, "a", speaker="Mark Zuckerberg", attributed=False)]
    assert speaker_precision(q, answer("x [1]", citations))[0] == 0.0


def test_who_asked_counts_the_askers_question_and_replies_to_him() -> None:
    q = gold(categories=("who_asked",), speaker="Brian Nowak", asker="Brian Nowak")
    citations = [
        cite(1, "a", speaker="Brian Nowak", kind="question"),
        cite(2, "b", speaker="Susan Li", asker="Brian Nowak", kind="answer"),
        cite(3, "c", speaker="Justin Post", kind="question"),
    ]
    assert speaker_precision(q, answer("x [1]\ny [2]\nz [3]", citations))[0] == pytest.approx(2 / 3)


def test_naming_a_person_for_an_unattributed_gold_passage_is_a_misattribution() -> None:
    q = gold(evidence=("Q1 基数低",), categories=("unattributed",), speaker=None)
    named = cite(1, "因为 Q1 基数低", speaker="Susan Li")
    unnamed = cite(2, "因为 Q1 基数低,外汇", speaker="Meta management", attributed=False)
    unrelated = cite(3, "别的", speaker="Susan Li")
    value, wrong = speaker_precision(q, answer("x [1]\ny [2]\nz [3]", [named, unnamed, unrelated]))
    assert value == pytest.approx(1 / 2)  # the unrelated named passage is not judged
    assert wrong == ["Meta · Susan Li · turn 1"]


def test_questions_that_name_no_speaker_are_not_speaker_scored() -> None:
    assert speaker_precision(gold(categories=("number",)), answer("x [1]", [cite(1, "a")]))[0] is None


def test_attribution_accuracy_checks_the_speaker_of_evidence_holding_citations() -> None:
    q = gold(speaker="Susan Li")
    citations = [
        cite(1, "收入 400 亿美元"),
        cite(2, "收入 400 亿美元", speaker="Mark Zuckerberg"),
        cite(3, "x"),
    ]
    score = score_answer(q, answer("x [1]", citations))
    assert (score.attribution_correct, score.attribution_total) == (1, 2)


# --- grounding --------------------------------------------------------------------------------------


def test_numbers_are_grounded_across_units_and_languages() -> None:
    citations = [cite(1, "第三季度收入预计在 320 亿至 345 亿美元之间,增长 5%。")]
    text = "Revenue is expected to be $32 billion to $34.5 billion [1]. Growth was 5 percent [1]."
    assert number_grounding(answer(text, citations))[:2] == (3, 3)


def test_a_number_only_in_an_uncited_passage_is_ungrounded() -> None:
    citations = [cite(1, "收入增长。"), cite(2, "收入 400 亿美元。")]
    grounded, total, problems = number_grounding(answer("Revenue was $40 billion [1].", citations))
    assert (grounded, total) == (0, 1)
    assert "$40 billion" in problems[0]


def test_years_and_quarter_names_are_not_figures_to_ground() -> None:
    text = "Susan Li (CFO, Meta), Meta 2024Q4 call [1]: in 2025 spending rises [1]."
    assert number_grounding(answer(text, [cite(1, "spending rises")]))[1] == 0


def test_citation_validity_needs_a_marker_per_sentence_and_no_dangling_marker() -> None:
    citations = [cite(1, "a"), cite(2, "b")]
    text = "Revenue grew [1]. Costs fell. Margins held [3]. Users rose [2]."
    valid, total, problems = citation_validity(answer(text, citations))
    assert (valid, total) == (2, 4)
    assert problems[0].startswith("no [n]: Costs fell")
    assert "[3] points past the 2 citations" in problems[1]


def test_a_quotation_of_several_sentences_is_cited_by_the_marker_after_it() -> None:
    text = "Susan Li, Meta 2024Q4 call [1]:\n“收入 400 亿美元。利润率 48%。” [1]"
    assert claim_units(text) == ["Susan Li, Meta 2024Q4 call [1]:", "“收入 400 亿美元。利润率 48%。” [1]"]
    assert citation_validity(answer(text, [cite(1, "收入 400 亿美元。利润率 48%。")]))[:2] == (2, 2)


def test_the_abstention_sentence_needs_no_marker() -> None:
    assert citation_validity(answer("The transcripts do not cover this.", []))[:2] == (0, 0)


# --- abstention -------------------------------------------------------------------------------------


def test_abstention_precision_recall_and_false_abstention_rate() -> None:
    unanswerable, answerable = gold(answerable=False, speaker=None), gold()
    abstain = answer("The transcripts do not cover this.", [], abstained=True)
    reply = answer("“收入 400 亿美元” [1]", [cite(1, "收入 400 亿美元")])
    scores = [
        score_answer(unanswerable, abstain),  # right
        score_answer(unanswerable, reply),  # missed abstention
        score_answer(answerable, abstain),  # false abstention
        score_answer(answerable, reply),
        score_answer(answerable, reply),
    ]
    values = summarize(scores).values
    assert values["abstention_precision"] == pytest.approx(1 / 2)
    assert values["abstention_recall"] == pytest.approx(1 / 2)
    assert values["false_abstention_rate"] == pytest.approx(1 / 3)


# --- gates ------------------------------------------------------------------------------------------


def test_gates_name_each_metric_below_its_threshold() -> None:
    gates = {"hit@5": {"min": 0.8}, "false_abstention_rate": {"max": 0.1}, "mrr": {"min": 0.5}}
    failures = check_gates({"hit@5": 0.75, "false_abstention_rate": 0.2, "mrr": 0.6}, gates)
    assert len(failures) == 2
    assert failures[0].startswith("hit@5 = 0.750 is below its gate 0.800")
    assert failures[1].startswith("false_abstention_rate = 0.200 is above its gate 0.100")


# --- the naive baseline's windows -------------------------------------------------------------------


def test_naive_windows_overlap_so_every_short_evidence_string_lies_inside_one() -> None:
    text = "".join(chr(0x4E00 + i % 500) for i in range(1234))
    windows = fixed_windows(text, SOURCE)
    assert all(len(w.text) <= 500 for w in windows)
    assert windows[-1].text.endswith(text[-1])
    for start in range(0, len(text) - 25):
        assert any(text[start : start + 25] in w.text for w in windows)


# --- the real thing ---------------------------------------------------------------------------------

REAL_IDS = ["q024", "q025", "q050", "q078", "q086"]


@pytest.fixture(scope="module")
def real_report(settings: Settings) -> EvalReport:
    """On the shipped corpus (the session fixture): the data folder's own library may be empty when
    this module runs alone."""
    from rag.evaluation.runner import evaluate

    questions = load_questions(settings.transcripts_dir, ids=REAL_IDS)
    return evaluate(settings, questions=questions, baselines=False, progress=lambda _: None)


def test_real_evaluation_runs_ask_on_the_shipped_index_and_scores_each_question(
    real_report: EvalReport,
) -> None:
    scores = {s.id: s for s in real_report.default.scores or ()}
    assert sorted(scores) == REAL_IDS
    mtia = scores["q025"]  # 苏珊 on MTIA in 2024Q4: the speaker filter and the evidence are both findable
    assert mtia.hit_rank is not None and mtia.speaker_precision == 1.0
    assert scores["q086"].abstained  # Sheryl Sandberg never speaks on these calls
    assert scores["q078"].citation_recall is not None  # cross-quarter recall is computed per source


def test_real_report_prints_every_section_and_writes_json(real_report: EvalReport, tmp_path: Path) -> None:
    text = format_report(real_report)
    for heading in ("per category", "Ablations", "gates", "Failing questions"):
        assert heading in text
    path = tmp_path / "eval.json"
    write_json(real_report, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [q["id"] for q in data["default"]["questions"]] == REAL_IDS
    assert set(data["default"]["summary"]["overall"]) >= {"hit@5", "mrr", "speaker_precision"}


def test_a_quotation_holding_quoted_words_is_still_one_cited_unit() -> None:
    passage = "我对进展感到兴奋,包括“休斯顿”系列。"
    text = "Mark Zuckerberg, Meta 2025Q2 call [1]:\n“我对进展感到兴奋,包括“休斯顿”系列。” [1]"
    reply = answer(text, [cite(1, passage, speaker="Mark Zuckerberg")])
    assert citation_validity(reply)[:2] == (2, 2)
    assert citation_precision(gold(evidence=("别的",)), reply)[0] == 1.0  # quoted verbatim


def test_proposed_gates_are_a_margin_worse_and_perfect_scores_stay_perfect() -> None:
    gates = proposed_gates({"hit@5": 0.5176, "number_grounding": 1.0, "false_abstention_rate": 0.4588}, 0.03)
    assert gates == {
        "hit@5": {"min": 0.48},
        "number_grounding": {"min": 1.0},
        "false_abstention_rate": {"max": 0.49},
    }


def test_shipped_gates_file_is_valid_for_extractive_mode() -> None:
    gates = load_gates(GATES_FILE, "extractive")
    assert {"hit@5", "speaker_precision", "number_grounding", "citation_validity"} <= set(gates)
    assert json.loads(GATES_FILE.read_text(encoding="utf-8"))["margin"] > 0
