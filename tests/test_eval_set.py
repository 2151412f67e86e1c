"""The eval question set is well-formed, covers what it must, and its evidence is really in the transcripts.

Fast: reads eval/questions.jsonl and the three shipped transcripts; no model, no index.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

CHECKER_PATH = Path(__file__).resolve().parent.parent / "eval" / "check_questions.py"


def _load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_questions", CHECKER_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


checker = _load_checker()


@pytest.fixture(scope="module")
def raw_rows() -> list[dict[str, Any]]:
    rows, problems = checker.read_raw_questions(checker.QUESTIONS_FILE)
    assert problems == []
    return rows


@pytest.fixture(scope="module")
def questions(raw_rows: list[dict[str, Any]]) -> list[Any]:
    return [checker.EvalQuestion.from_dict(row) for row in raw_rows]


@pytest.fixture(scope="module")
def transcripts() -> dict[str, str]:
    texts, missing = checker.load_clean_transcripts(checker.default_transcripts_dir())
    assert missing == [], "\n".join(missing)
    return texts


def _by_text(questions: list[Any], text: str) -> Any:
    return next(q for q in questions if q.question == text)


# ---- the real set


def test_every_line_follows_the_schema(raw_rows: list[dict[str, Any]]) -> None:
    problems = [p for row in raw_rows for p in checker.schema_problems(row)]
    assert problems == []


def test_fields_agree_with_each_other_and_with_the_question_text(questions: list[Any]) -> None:
    problems = [p for q in questions for p in checker.consistency_problems(q)]
    assert problems == []


def test_set_meets_the_coverage_minimums(questions: list[Any]) -> None:
    assert checker.coverage_problems(questions) == []


def test_every_evidence_string_is_in_its_gold_source_after_noise_removal(
    questions: list[Any], transcripts: dict[str, str]
) -> None:
    problems = [p for q in questions for p in checker.evidence_problems(q, transcripts)]
    assert problems == []


def test_expected_speaker_is_who_the_transcript_names_at_the_evidence(
    questions: list[Any], transcripts: dict[str, str]
) -> None:
    problems = [p for q in questions for p in checker.attribution_problems(q, transcripts)]
    assert problems == []


def test_evidence_survives_the_products_own_cleaner(questions: list[Any]) -> None:
    """The metrics match evidence against chunks cleaned by rag.clean, not by the checker's simple regex."""
    from rag.clean import clean_transcript as product_clean

    paths = checker.find_transcripts(checker.default_transcripts_dir(), checker.SOURCE_QUARTERS)
    cleaned = {name: product_clean(path.read_text(encoding="utf-8")) for name, path in paths.items()}
    missing = [
        (q.id, item)
        for q in questions
        for item in q.evidence
        if not any(item in cleaned[source] for source in q.gold_sources)
    ]
    assert missing == []


def test_whole_check_passes_and_cli_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert checker.main([]) == 0
    out = capsys.readouterr().out
    assert "unanswerable" in out and out.rstrip().endswith("OK")


# Terms from the unanswerable questions that must not occur in any transcript, so that "not in the
# transcripts" is a fact, not a guess. (Things that do occur, such as TikTok in a linked headline,
# Apple, Google and dividends, are explained in each question's note instead.)
ABSENT_TERMS = (
    "Sandberg",
    "桑德伯格",
    "Jensen",
    "黄仁勋",
    "英伟达",
    "Nvidia",
    "bitcoin",
    "比特币",
    "加密",
    "稳定币",
    "iPhone",
    "谷歌云",
    "Google Cloud",
    "EPS",
    "每股收益",
    "Tim Cook",
    "库克",
    "Vision Pro",
    "禁令",
)


@pytest.mark.parametrize("term", ABSENT_TERMS)
def test_topics_of_unanswerable_questions_are_absent_from_every_transcript(
    term: str, transcripts: dict[str, str]
) -> None:
    whole_word = re.compile(rf"(?<![A-Za-z]){re.escape(term)}(?![A-Za-z])", re.IGNORECASE)  # not "DeepSeek"
    assert [name for name, text in transcripts.items() if whole_word.search(text)] == []


def test_analysts_asked_about_an_absent_quarter_never_speak_there(transcripts: dict[str, str]) -> None:
    ron_josey_2025q2 = "罗恩·乔西" in transcripts["002_706ceaf5544a39ec.txt"]
    youssef_squali_2024q4 = "约瑟夫·斯考利" in transcripts["001_9147edf8487de863.txt"]
    assert not ron_josey_2025q2 and not youssef_squali_2024q4


def test_2023q2_has_no_q2_revenue_figure_and_2024q4_no_revenue_at_all(transcripts: dict[str, str]) -> None:
    """Backs two 'a number that is not there' questions: the 2023Q2 write-up only guides Q3."""
    assert "营收" not in transcripts["000_7add484cde785a54.txt"]
    assert not re.search(r"收入(为|达到|是)", transcripts["000_7add484cde785a54.txt"])
    assert "营收" not in transcripts["001_9147edf8487de863.txt"]


# ---- the checker catches what it claims to


def test_noise_inside_numbers_is_removed() -> None:
    assert checker.clean_transcript("营收为475◆--◇▷▼.16亿美元") == "营收为475.16亿美元"


def test_evidence_missing_from_gold_source_is_reported(
    questions: list[Any], transcripts: dict[str, str]
) -> None:
    q = _by_text(questions, "What revenue guidance did Meta give for Q3 2023?")
    broken = checker.EvalQuestion.from_dict({**q.to_dict(), "evidence": ["999 亿美元"]})
    problems = checker.evidence_problems(broken, transcripts)
    assert any("'999 亿美元' not found" in p for p in problems)


def test_evidence_with_a_noise_symbol_is_rejected(raw_rows: list[dict[str, Any]]) -> None:
    row = copy.deepcopy(raw_rows[0])
    row["evidence"] = ["475◆.16亿美元"]
    assert any("noise symbol" in p for p in checker.schema_problems(row))


def test_unknown_speaker_name_is_rejected_with_the_allowed_names(raw_rows: list[dict[str, Any]]) -> None:
    row = copy.deepcopy(raw_rows[0])
    row["speaker"] = "Susna Li"
    problems = checker.schema_problems(row)
    assert any("'Susna Li' is not a canonical name" in p and "Susan Li" in p for p in problems)


def test_wrong_speaker_for_the_evidence_is_reported(
    questions: list[Any], transcripts: dict[str, str]
) -> None:
    # 3Q23 revenue guidance sits in the CFO's section of the 2023Q2 write-up
    q = _by_text(questions, "What revenue guidance did Meta give for Q3 2023?")
    broken = checker.EvalQuestion.from_dict({**q.to_dict(), "speaker": "Mark Zuckerberg"})
    assert any(
        "expected speaker 'Mark Zuckerberg'" in p for p in checker.attribution_problems(broken, transcripts)
    )


def test_named_speaker_for_an_unnamed_2023q2_qa_answer_is_reported(
    questions: list[Any], transcripts: dict[str, str]
) -> None:
    q = next(
        q
        for q in questions
        if "unattributed" in q.categories and q.gold_sources == ("000_7add484cde785a54.txt",)
    )
    cats = [c for c in q.categories if c != "unattributed"]
    broken = checker.EvalQuestion.from_dict({**q.to_dict(), "speaker": "Susan Li", "categories": cats})
    assert checker.attribution_problems(broken, transcripts) != []


def test_alias_without_alias_category_is_reported(questions: list[Any]) -> None:
    q = _by_text(questions, "What did Zuck say about DeepSeek?")
    cats = [c for c in q.categories if c != "alias"]
    broken = checker.EvalQuestion.from_dict({**q.to_dict(), "categories": cats})
    assert any("'alias'" in p for p in checker.consistency_problems(broken))


def test_cross_quarter_question_needs_evidence_from_every_gold_source(
    questions: list[Any], transcripts: dict[str, str]
) -> None:
    q = next(q for q in questions if "cross_quarter" in q.categories)
    broken = checker.EvalQuestion.from_dict({**q.to_dict(), "evidence": list(q.evidence[:1])})
    assert any(
        "no evidence string comes from gold source" in p
        for p in checker.evidence_problems(broken, transcripts)
    )


def test_duplicate_ids_and_too_few_unanswerable_are_reported(questions: list[Any]) -> None:
    answerable_only = [q for q in questions if q.answerable]
    problems = checker.coverage_problems([*answerable_only, answerable_only[0]])
    assert any("used 2 times" in p for p in problems)
    assert any("unanswerable questions; at least 14" in p for p in problems)


def test_cli_exits_nonzero_and_names_the_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = checker.QUESTIONS_FILE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "questions.jsonl"
    bad.write_text("\n".join([lines[0], "{not json", *lines[1:]]) + "\n", encoding="utf-8")
    assert checker.main(["--questions", str(bad)]) == 1
    assert "line 2: not valid JSON" in capsys.readouterr().err


def test_questions_file_is_one_json_object_per_line() -> None:
    for line in checker.QUESTIONS_FILE.read_text(encoding="utf-8").splitlines():
        assert isinstance(json.loads(line), dict)
