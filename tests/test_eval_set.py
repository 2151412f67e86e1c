"""The eval question sets are well-formed, cover what they must, and their evidence is in the transcripts.

Both shipped sets are checked the same way: eval/questions.jsonl (the tuning set) and eval/heldout.jsonl
(the held-out set, held to its own id prefix and scaled minimums, sharing no id or question with the other).
Fast: reads the question files and the three shipped transcripts; no model, no index.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from rag.evaluation import question_set as checker

CHECKER_SCRIPT = Path(__file__).resolve().parent.parent / "eval" / "check_questions.py"
SET_IDS = {checker.MAIN_SET: "questions", checker.HELDOUT_SET: "heldout"}


def _rows(question_set: Any) -> list[dict[str, Any]]:
    rows, problems = checker.read_raw_questions(question_set.path)
    assert problems == []
    return rows


@pytest.fixture(scope="module", params=checker.QUESTION_SETS, ids=SET_IDS.get)
def question_set(request: pytest.FixtureRequest) -> Any:
    """Each shipped question set in turn; the tests under "the real sets" run once per set."""
    return request.param


@pytest.fixture(scope="module")
def set_rows(question_set: Any) -> list[dict[str, Any]]:
    return _rows(question_set)


@pytest.fixture(scope="module")
def set_questions(set_rows: list[dict[str, Any]]) -> list[Any]:
    return [checker.EvalQuestion.from_dict(row) for row in set_rows]


@pytest.fixture(scope="module")
def raw_rows() -> list[dict[str, Any]]:
    """The main set's rows, for the tests that break a known question to see the checker catch it."""
    return _rows(checker.MAIN_SET)


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


# ---- the real sets (each test runs once per shipped set)


def test_every_line_follows_the_schema(question_set: Any, set_rows: list[dict[str, Any]]) -> None:
    problems = [p for row in set_rows for p in checker.schema_problems(row, question_set.id_prefix)]
    assert problems == []


def test_fields_agree_with_each_other_and_with_the_question_text(set_questions: list[Any]) -> None:
    problems = [p for q in set_questions for p in checker.consistency_problems(q)]
    assert problems == []


def test_set_meets_the_coverage_minimums(question_set: Any, set_questions: list[Any]) -> None:
    assert checker.coverage_problems(set_questions, question_set.minimums) == []


def test_every_evidence_string_is_in_its_gold_source_after_noise_removal(
    set_questions: list[Any], transcripts: dict[str, str]
) -> None:
    problems = [p for q in set_questions for p in checker.evidence_problems(q, transcripts)]
    assert problems == []


def test_expected_speaker_is_who_the_transcript_names_at_the_evidence(
    set_questions: list[Any], transcripts: dict[str, str]
) -> None:
    problems = [p for q in set_questions for p in checker.attribution_problems(q, transcripts)]
    assert problems == []


def test_evidence_survives_the_products_own_cleaner(set_questions: list[Any]) -> None:
    """The metrics match evidence against chunks cleaned by rag.transcripts.clean, not the checker's regex."""
    from rag.transcripts.clean import clean_transcript as product_clean

    paths = checker.find_transcripts(checker.default_transcripts_dir(), checker.SOURCE_QUARTERS)
    cleaned = {name: product_clean(path.read_text(encoding="utf-8")) for name, path in paths.items()}
    missing = [
        (q.id, item)
        for q in set_questions
        for item in q.evidence
        if not any(item in cleaned[source] for source in q.gold_sources)
    ]
    assert missing == []


def test_whole_check_passes_and_cli_exits_zero(question_set: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert checker.main([str(question_set.path)]) == 0
    out = capsys.readouterr().out
    assert "unanswerable" in out and out.rstrip().endswith("OK")


def test_the_default_question_file_is_the_main_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert checker.main([]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[-1] == str(len(_rows(checker.MAIN_SET)))


def test_ids_and_questions_are_unique_across_the_sets() -> None:
    main, heldout = _rows(checker.MAIN_SET), _rows(checker.HELDOUT_SET)
    assert {r["id"] for r in main}.isdisjoint({r["id"] for r in heldout})
    assert {r["question"] for r in main}.isdisjoint({r["question"] for r in heldout})
    assert len({r["id"] for r in main + heldout}) == len(main) + len(heldout)


def test_question_files_are_one_json_object_per_line(question_set: Any) -> None:
    for line in question_set.path.read_text(encoding="utf-8").splitlines():
        assert isinstance(json.loads(line), dict)


# Terms from the unanswerable questions that must not occur in any transcript, so that "not in the
# transcripts" is a fact, not a guess. (Things that do occur, such as TikTok in a linked headline,
# Apple, Google and dividends, are explained in each question's note instead.)
MAIN_ABSENT_TERMS = (
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
# The same for the held-out set's unanswerable questions (free cash flow, Andrew Bosworth, Snapchat,
# operating margin); the figures that are missing although their topic occurs (ad impressions, glasses
# sold) and the calls that do not exist (2024Q1, 2022Q4) are tested below.
HELDOUT_ABSENT_TERMS = (
    "现金流",
    "cash flow",
    "Bosworth",
    "博斯沃思",
    "Snap",
    "Snapchat",
    "色拉布",
    "利润率",
    "margin",
)
ABSENT_TERMS = [
    *(pytest.param(t, id=f"questions-{t}") for t in MAIN_ABSENT_TERMS),
    *(pytest.param(t, id=f"heldout-{t}") for t in HELDOUT_ABSENT_TERMS),
]


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


def test_heldout_quarters_without_a_call_have_none() -> None:
    """Backs 'the Q1 2024 call' and 'the 2022Q4 call': the corpus has exactly three calls, neither of them."""
    manifest = json.loads((checker.default_transcripts_dir() / "manifest.json").read_text(encoding="utf-8"))
    shipped = sorted(call["quarter"] for call in manifest["calls"])
    assert shipped == sorted(checker.SOURCE_QUARTERS.values()) == ["2023Q2", "2024Q4", "2025Q2"]


def test_2025q2_gives_no_ad_impression_figure_and_no_glasses_unit_count(transcripts: dict[str, str]) -> None:
    """Backs two held-out 'a number that is not there' questions."""
    q2_2025 = transcripts["002_706ceaf5544a39ec.txt"]
    assert "展示量" not in q2_2025
    assert not re.search(r"(眼镜|雷朋)[^。]{0,20}\d", q2_2025)  # no count near the glasses
    assert not any(re.search(r"\d\s*(万|百万|亿)?\s*副", text) for text in transcripts.values())


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
    assert checker.main([str(bad)]) == 1  # the positional path works the same way


def test_heldout_set_is_held_to_its_own_id_prefix(raw_rows: list[dict[str, Any]]) -> None:
    heldout_row = _rows(checker.HELDOUT_SET)[0]
    assert checker.schema_problems(heldout_row, "h") == []
    assert any("must look like 'q001'" in p for p in checker.schema_problems(heldout_row))
    assert any("must look like 'h001'" in p for p in checker.schema_problems(raw_rows[0], "h"))


def test_a_file_is_judged_by_the_set_it_is_named_after(tmp_path: Path) -> None:
    assert checker.question_set_for(Path("eval/heldout.jsonl")) is checker.HELDOUT_SET
    assert checker.question_set_for(tmp_path / "questions.jsonl") is checker.MAIN_SET
    assert checker.question_set_for(tmp_path / "other.jsonl") is checker.MAIN_SET  # strictest rules


def test_an_id_or_question_shared_with_the_other_set_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows(checker.HELDOUT_SET)
    main_first = _rows(checker.MAIN_SET)[0]
    copied = {**rows[0], "question": main_first["question"]}
    shared_id = checker.EvalQuestion.from_dict({**rows[1], "id": main_first["id"]})
    problems = checker.overlap_problems(
        [checker.EvalQuestion.from_dict(copied), shared_id], [checker.MAIN_SET.path]
    )
    assert any(f"the same question as {main_first['id']} in questions.jsonl" in p for p in problems)
    assert any(f"{main_first['id']}: id also used in questions.jsonl" in p for p in problems)
    bad = tmp_path / "heldout.jsonl"  # named like the held-out set, so checked against the main set
    bad.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in [copied, *rows[1:]]) + "\n", encoding="utf-8"
    )
    assert checker.main([str(bad)]) == 1
    assert "the same question as" in capsys.readouterr().err


# ---- `rag eval --questions`: which set is scored, and the gates only on the one they were set on


def test_rag_eval_scores_the_main_set_unless_given_another() -> None:
    from rag.cli import build_parser

    assert build_parser().parse_args(["eval"]).questions is None
    given = build_parser().parse_args(["eval", "--questions", "eval/heldout.jsonl"])
    assert given.questions == "eval/heldout.jsonl"


def test_rag_eval_hands_the_question_file_to_the_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI plumbing only: evaluate() is replaced, so no model or index is loaded."""
    import rag.evaluation.runner as runner
    from rag.cli import main

    asked: list[Path] = []

    class Stop(Exception):
        pass

    def fake_evaluate(settings: Any, mode: str, questions_file: Path) -> Any:
        asked.append(questions_file)
        raise Stop

    monkeypatch.setattr(runner, "evaluate", fake_evaluate)
    with pytest.raises(Stop):
        main(["eval", "--questions", str(checker.HELDOUT_FILE)])
    with pytest.raises(Stop):
        main(["eval"])
    assert asked == [checker.HELDOUT_FILE, checker.QUESTIONS_FILE]


def test_rag_eval_refuses_gates_on_a_set_they_were_not_set_on(capsys: pytest.CaptureFixture[str]) -> None:
    from rag.cli import main

    assert main(["eval", "--questions", str(checker.HELDOUT_FILE), "--gates"]) == 2
    assert "--gates applies only to questions.jsonl" in capsys.readouterr().err
    assert main(["eval", "--questions", "eval/no-such-set.jsonl"]) == 2
    assert "no-such-set.jsonl does not exist" in capsys.readouterr().err


def test_heldout_set_loads_for_the_metrics_with_its_sources_resolved() -> None:
    from rag.evaluation.gold import HELDOUT_FILE, load_questions

    gold = load_questions(checker.default_transcripts_dir(), HELDOUT_FILE)
    assert [q.id for q in gold] == [f"h{i:03d}" for i in range(1, 41)]
    cross = [q for q in gold if "cross_quarter" in q.categories]
    assert cross and all(len(q.sources) == 2 and all(s.evidence for s in q.sources) for q in cross)
