"""The sets asked over corpus specs (eval/real_calls.jsonl, eval/samples_seeds.jsonl) and the dialogue set are
well-formed and their gold is in the calls, the checker catches what it claims to, and `rag eval` on a
corpus spec builds the corpus once into a cache and scores it beside the plain-dense baseline.

Fast, except the last test (marked slow: the real embedding model on two small calls). The samples are read
in place from ../shared/samples; the tests that need them skip when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rag.evaluation import corpus_questions, dialogues
from rag.evaluation import question_set as checker
from rag.evaluation.corpus_questions import CorpusMinimums, CorpusTexts
from rag.evaluation.corpus_spec import CorpusSpecError, load_corpus_spec, samples_dir
from rag.evaluation.gold_turns import read_gold_turns
from rag.evaluation.question_format import EvalQuestion

needs_samples = pytest.mark.skipif(not samples_dir().is_dir(), reason="../shared/samples is not here")
CORPUS_SETS = {
    checker.REAL_CALLS_SET: "real_calls",
    checker.SAMPLES_SEEDS_SET: "samples_seeds",
    checker.REAL_CALLS_2_SET: "real_calls_2",
    checker.REAL_CALLS_3_SET: "real_calls_3",
    checker.REAL_CALLS_4_SET: "real_calls_4",
    checker.REAL_CALLS_5_SET: "real_calls_5",
    checker.REAL_CALLS_6_SET: "real_calls_6",
    checker.REAL_CALLS_7_SET: "real_calls_7",
    checker.REAL_CALLS_8_SET: "real_calls_8",
    checker.REAL_CALLS_9_SET: "real_calls_9",
    checker.REAL_CALLS_10_SET: "real_calls_10",
    checker.REAL_CALLS_11_SET: "real_calls_11",
    checker.REAL_CALLS_12_SET: "real_calls_12",
    checker.REAL_CALLS_13_SET: "real_calls_13",
    checker.REAL_CALLS_14_SET: "real_calls_14",
    checker.REAL_CALLS_15_SET: "real_calls_15",
    checker.REAL_CALLS_16_SET: "real_calls_16",
    checker.REAL_CALLS_17_SET: "real_calls_17",
    checker.REAL_CALLS_18_SET: "real_calls_18",
    checker.SAMPLES_SEEDS_2_SET: "samples_seeds_2",
    checker.SAMPLES_SEEDS_3_SET: "samples_seeds_3",
    checker.SAMPLES_SEEDS_4_SET: "samples_seeds_4",
    checker.SAMPLES_SEEDS_5_SET: "samples_seeds_5",
    checker.SAMPLES_SEEDS_6_SET: "samples_seeds_6",
    checker.SAMPLES_SEEDS_7_SET: "samples_seeds_7",
    checker.SAMPLES_SEEDS_8_SET: "samples_seeds_8",
    checker.SAMPLES_SEEDS_9_SET: "samples_seeds_9",
}


def _rows(path: Path) -> list[dict[str, Any]]:
    rows, problems = checker.read_raw_questions(path)
    assert problems == []
    return rows


@pytest.fixture(scope="module")
def real_texts() -> CorpusTexts:
    return CorpusTexts(load_corpus_spec(checker.REAL_CALLS_SET.corpus))


@pytest.fixture(scope="module")
def samples_texts() -> CorpusTexts:
    return CorpusTexts(load_corpus_spec(checker.SAMPLES_SEEDS_SET.corpus))


def _question(rows: list[dict[str, Any]], text: str) -> dict[str, Any]:
    return next(r for r in rows if r["question"] == text)


def _check(row: dict[str, Any], texts: CorpusTexts, prefix: str = "r") -> list[str]:
    return corpus_questions.check_question(row, texts, prefix)[1]


# ---- the shipped sets


@needs_samples
@pytest.mark.parametrize("corpus_set", list(CORPUS_SETS), ids=CORPUS_SETS.get)
def test_every_shipped_corpus_set_passes_the_checker(corpus_set: Any) -> None:
    result = checker.check(corpus_set.path, checker.default_transcripts_dir())
    assert result.problems == ()
    assert len(result.questions) >= corpus_set.minimums.total


@needs_samples
@pytest.mark.parametrize("corpus_set", list(CORPUS_SETS), ids=CORPUS_SETS.get)
def test_the_checker_cli_prints_the_summary_and_ok(
    corpus_set: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert checker.main([str(corpus_set.path)]) == 0
    out = capsys.readouterr().out
    assert "calls asked about" in out and out.rstrip().endswith("OK")


@needs_samples
def test_the_dialogue_set_passes_the_checker_and_loads_for_scoring_per_turn() -> None:
    from rag.evaluation.gold import load_dialogues

    assert checker.check_dialogues().problems == ()
    loaded = load_dialogues()
    assert len(loaded) >= 30
    turns = [t for d in loaded for t in d.turns]
    follow_ups = [t for t in turns if t.inherits]
    assert len(follow_ups) >= 30 and all(t.full_question != t.question for t in follow_ups)
    assert all(s.evidence for t in turns if t.gold.answerable for s in t.gold.sources)
    assert any(d.turns[0].kind == "follow_up" for d in loaded)  # follow-ups with no previous question


def test_real_calls_spec_holds_sixty_calls_with_their_true_quarters() -> None:
    spec = load_corpus_spec(checker.REAL_CALLS_SET.corpus) if samples_dir().is_dir() else None
    data = json.loads(checker.REAL_CALLS_SET.corpus.read_text(encoding="utf-8"))
    assert len(data["calls"]) == 60
    quarters = {c["source"]: c["quarter"] for c in data["calls"]}
    assert quarters["motley-fool-100/NBR_q4_2020.json"] == "2019Q4"  # the file name is a year off
    assert quarters["motley-fool-100/AZZ_q3_2021.json"] == "2021Q3"  # fiscal quarters stay the company's
    if spec is not None:
        assert len({c.file_name for c in spec.calls}) == 60


@needs_samples
def test_ids_and_questions_are_unique_across_every_shipped_set() -> None:
    rows = [r for path in checker.shipped_files() for r in _rows(path)]
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["question"] for r in rows}) == len(rows)


# ---- the checker catches what it claims to


@needs_samples
def test_evidence_missing_from_the_gold_call_is_reported(real_texts: CorpusTexts) -> None:
    row = _question(_rows(checker.REAL_CALLS_FILE), "What did Noel say about Mexico?")
    problems = _check({**row, "evidence": ["low-single-digit performance in the quarter"]}, real_texts)
    assert any("no evidence string is found in gold source" in p for p in problems)


@needs_samples
def test_a_speaker_who_does_not_say_the_evidence_is_reported(real_texts: CorpusTexts) -> None:
    row = _question(_rows(checker.REAL_CALLS_FILE), "What did Noel say about Mexico?")
    problems = _check({**row, "speaker": "Stanley J. Sutula"}, real_texts)
    assert any("expected speaker 'Stanley J. Sutula'" in p and "Noel Wallace" in p for p in problems)


@needs_samples
def test_alias_is_checked_against_the_gold_calls_own_labels(real_texts: CorpusTexts) -> None:
    row = _question(_rows(checker.REAL_CALLS_FILE), "What did Noel say about Mexico?")
    named = {**row, "question": "What did Noel Wallace say about Mexico?"}
    assert any("names 'Noel Wallace' in full" in p for p in _check(named, real_texts))
    plain = {**named, "categories": ["speaker_topic"]}
    assert _check(plain, real_texts) == []
    bare = {**row, "categories": ["speaker_topic"]}
    assert any("add 'alias'" in p for p in _check(bare, real_texts))


@needs_samples
def test_a_gold_source_outside_the_spec_is_reported(real_texts: CorpusTexts) -> None:
    row = _question(_rows(checker.REAL_CALLS_FILE), "What did Noel say about Mexico?")
    problems = _check({**row, "gold_source": "motley-fool-100/VZ_q3_2021.json"}, real_texts)
    assert any("must be null, a source of real60.json" in p for p in problems)


@needs_samples
def test_quarters_must_be_the_calls_true_quarters(real_texts: CorpusTexts) -> None:
    row = _question(
        _rows(checker.REAL_CALLS_FILE), "What was Nabors' loss per share in the fourth quarter of 2019?"
    )
    problems = _check({**row, "quarters": ["2020Q4"]}, real_texts)
    assert any("do not match the gold sources' quarters ['2019Q4']" in p for p in problems)


def test_too_few_unanswerable_questions_or_a_missing_language_is_reported() -> None:
    base = {
        "question": "What did Noel say about Mexico?",
        "language": "en",
        "categories": ["speaker_topic", "alias"],
        "answerable": True,
        "quarters": ["2021Q3"],
        "speaker": "Noel Wallace",
        "asker": None,
        "evidence": ["x"],
        "evidence_mode": "any",
        "gold_source": "motley-fool-100/CL_q3_2021.json",
    }
    questions = [EvalQuestion.from_dict({**base, "id": f"r{i:03d}"}) for i in range(1, 11)]
    minimums = CorpusMinimums(total=10, languages=(("en", 1), ("zh", 1)))
    problems = corpus_questions.coverage_problems(questions, minimums)
    assert any("0 of 10 questions unanswerable (0%); at least 15% required" in p for p in problems)
    assert any("0 zh questions; at least 1 required" in p for p in problems)


def test_a_bad_corpus_spec_names_each_problem(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "calls": [
                    {
                        "source": "motley-fool-100/NONE.json",
                        "company": "X",
                        "quarter": "Q3 2021",
                        "language": "en",
                    },
                    {
                        "source": "meta-2024q4.zh.txt",
                        "company": "Meta",
                        "quarter": "2025Q1",
                        "language": "zh",
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CorpusSpecError) as raised:
        load_corpus_spec(spec)
    message = str(raised.value)
    assert "no such file" in message and "quarter 'Q3 2021' must look like 2021Q3" in message
    assert "the seed manifest says Meta 2024Q4, the spec Meta 2025Q1" in message


# ---- who speaks where, read by the checker on its own


@needs_samples
def test_a_machine_translation_label_names_only_its_own_paragraph(samples_texts: CorpusTexts) -> None:
    tal = samples_texts.spec.call("tal-2026q2-zh-machine-translated.txt")
    assert tal is not None and tal.label_scope == "line"
    turns = read_gold_turns(tal)
    # "感谢提问，Timothy。我是Alex" follows Timothy Zhao's labelled question but is the CEO's answer
    answer = next(t for t in turns if t.text.startswith("感谢提问，Timothy"))
    assert answer.speaker is None


@needs_samples
def test_prose_with_a_dash_is_not_a_title_line_and_headers_open_turns(samples_texts: CorpusTexts) -> None:
    nvda = samples_texts.spec.call("nvda-fy25q3-motley-fool.md")
    meta = samples_texts.spec.call("ir-official/meta_2024_Q3.md")
    assert nvda is not None and meta is not None
    nvda_speakers = {t.speaker for t in read_gold_turns(nvda)}
    assert "Colette M. Kress" in nvda_speakers and not any(s and s.startswith("And ") for s in nvda_speakers)
    meta_speakers = {t.speaker for t in read_gold_turns(meta)}
    assert {"Mark Zuckerberg", "Susan Li", "Douglas Anmuth"} <= meta_speakers
    assert all(s is None or len(s.split()) <= 3 for s in meta_speakers)


@needs_samples
def test_anonymous_speaker_labels_name_nobody(samples_texts: CorpusTexts) -> None:
    call = samples_texts.spec.call("earnings21-4389907-speaker-n.txt")
    assert call is not None
    assert {t.speaker for t in read_gold_turns(call)} == {None}


# ---- dialogues


def _dialogue(turns: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "d900", "turns": turns}


def _turn(**fields: Any) -> dict[str, Any]:
    base = {
        "question": "What did Susan say about capex in 2025?",
        "kind": "opening",
        "full_question": "What did Susan say about capex in 2025?",
        "language": "en",
        "categories": ["speaker_topic", "alias", "period", "cross_language"],
        "answerable": True,
        "quarters": ["2024Q4"],
        "speaker": "Susan Li",
        "asker": None,
        "evidence": ["2025 年资本支出将在您描述的所有三个部分中实现增长"],
        "evidence_mode": "any",
        "gold_source": "meta-2024q4.zh.txt",
        "note": "",
    }
    return {**base, **fields}


@needs_samples
def test_a_follow_up_must_write_out_what_it_inherits(samples_texts: CorpusTexts) -> None:
    lazy = _turn(question="And Zuckerberg?", kind="follow_up", full_question="And Zuckerberg?")
    _, problems = dialogues.check_dialogue(_dialogue([_turn(), lazy]), samples_texts, 1)
    assert any("must write out what it inherits" in p for p in problems)


@needs_samples
def test_a_standalone_or_first_turn_inherits_nothing(samples_texts: CorpusTexts) -> None:
    standalone = _turn(kind="standalone", full_question="What did Susan Li say about capex in 2025?")
    _, problems = dialogues.check_dialogue(_dialogue([_turn(), standalone]), samples_texts, 1)
    assert any("stands alone, so full_question must equal question" in p for p in problems)
    _, problems = dialogues.check_dialogue(_dialogue([_turn(kind="standalone"), _turn()]), samples_texts, 1)
    assert any("a first turn is 'opening'" in p for p in problems)


@needs_samples
def test_each_turn_is_checked_like_a_single_question(samples_texts: CorpusTexts) -> None:
    wrong = _turn(
        question="And capex?",
        kind="follow_up",
        speaker="Mark Zuckerberg",
        categories=["speaker_topic", "alias"],
    )
    _, problems = dialogues.check_dialogue(_dialogue([_turn(), wrong]), samples_texts, 1)
    assert any(p.startswith("d900.2: expected speaker 'Mark Zuckerberg'") for p in problems)


# ---- `rag eval` on a corpus spec


def test_rag_eval_has_a_corpus_option() -> None:
    from rag.cli import build_parser

    args = build_parser().parse_args(["eval", "--questions", "x.jsonl", "--corpus", "spec.json"])
    assert args.corpus == "spec.json"


def test_rag_eval_scores_the_dialogue_set_in_extractive_mode_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rag.cli import main

    assert main(["eval", "--questions", str(checker.DIALOGUES_FILE), "--mode", "llm"]) == 2
    assert "is a dialogue set" in capsys.readouterr().err


TINY_SPEC = {
    "about": "two small calls for the end-to-end test",
    "calls": [
        {
            "source": "motley-fool-100/NEU_q4_2019.json",
            "company": "NewMarket",
            "ticker": "NEU",
            "quarter": "2019Q4",
            "language": "en",
        },
        {
            "source": "motley-fool-100/PMT_q1_2021.json",
            "company": "PennyMac Mortgage Investment Trust",
            "ticker": "PMT",
            "quarter": "2021Q1",
            "language": "en",
        },
    ],
}
TINY_QUESTIONS = [
    {
        "id": "z001",
        "question": "What was NewMarket's net income for the fourth quarter of 2019?",
        "language": "en",
        "categories": ["number", "quarter", "company"],
        "answerable": True,
        "quarters": ["2019Q4"],
        "speaker": "Brian Paliotti",
        "asker": None,
        "evidence": ["Net income for the fourth quarter of 2019 was $50.1 million"],
        "evidence_mode": "any",
        "gold_source": "motley-fool-100/NEU_q4_2019.json",
        "note": "",
    },
    {
        "id": "z002",
        "question": "What common dividend did PennyMac Mortgage pay in the first quarter of 2021?",
        "language": "en",
        "categories": ["number", "quarter", "company"],
        "answerable": True,
        "quarters": ["2021Q1"],
        "speaker": "David Spector",
        "asker": None,
        "evidence": ["PMT paid a common dividend of $0.47 per share"],
        "evidence_mode": "any",
        "gold_source": "motley-fool-100/PMT_q1_2021.json",
        "note": "",
    },
    {
        "id": "z003",
        "question": "What did Tim Cook say about iPhone sales?",
        "language": "en",
        "categories": ["speaker_topic", "unanswerable"],
        "answerable": False,
        "quarters": [],
        "speaker": None,
        "asker": None,
        "evidence": [],
        "evidence_mode": "any",
        "gold_source": None,
        "note": "Nobody from Apple speaks on these calls.",
    },
]


@pytest.fixture
def tiny_set(tmp_path: Path) -> tuple[Path, Path]:
    spec, questions = tmp_path / "tiny.json", tmp_path / "tiny.jsonl"
    spec.write_text(json.dumps(TINY_SPEC), encoding="utf-8")
    questions.write_text("\n".join(json.dumps(q) for q in TINY_QUESTIONS) + "\n", encoding="utf-8")
    return spec, questions


@needs_samples
def test_an_unregistered_set_is_checked_against_the_corpus_it_names(tiny_set: tuple[Path, Path]) -> None:
    spec, questions = tiny_set
    result = checker.check(questions, checker.default_transcripts_dir(), spec)
    assert result.problems == ()
    assert checker.corpus_set_for(questions, spec) == corpus_questions.CorpusQuestionSet(
        questions, "z", spec, CorpusMinimums()
    )


@needs_samples
@pytest.mark.slow
def test_rag_eval_on_a_corpus_spec_builds_once_then_reuses_and_reports_the_plain_dense_baseline(
    tiny_set: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.evaluation.runner import run_eval_command
    from rag.settings import Settings

    spec, questions = tiny_set
    cache, report = tmp_path / "cache", tmp_path / "report.json"
    settings = Settings.from_env()
    assert (
        run_eval_command(settings, questions_file=questions, corpus=spec, json_path=report, cache=cache) == 0
    )
    first = json.loads(report.read_text(encoding="utf-8"))
    out = capsys.readouterr()
    assert "Product beside the plain-dense baseline" in out.out and "building 2 calls" in out.err
    (folder,) = [p for p in cache.iterdir() if p.name != "vectors"]
    assert sorted(p.name for p in (folder / "transcripts").iterdir()) == [
        "NEU_q4_2019.json",
        "PMT_q1_2021.json",
        "manifest.json",
    ]
    assert first["corpus"].startswith("tiny.json: 2 calls") and "built in" in first["corpus"]
    assert set(first["plain_dense"]["ranks"]) == {"z001", "z002"}
    overall = first["default"]["summary"]["overall"]
    assert {"speaker_precision", "false_abstention_rate", "hit@5"} <= set(overall)
    assert first["default"]["questions"][2]["abstained"]  # Tim Cook never speaks here

    assert (
        run_eval_command(settings, questions_file=questions, corpus=spec, json_path=report, cache=cache) == 0
    )
    assert "reusing" in capsys.readouterr().err
    assert json.loads(report.read_text(encoding="utf-8"))["corpus"].endswith(f"reused ({folder})")
