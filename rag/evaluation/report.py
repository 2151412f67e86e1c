"""What `rag eval` prints and writes: per-category table, ablations, goals and gates, failing questions."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.evaluation.gold import is_gated_set
from rag.evaluation.metrics import (
    LOWER_IS_BETTER,
    METRIC_NAMES,
    RETRIEVAL_METRICS,
    QuestionScore,
    Summary,
    groups,
    retrieval_values,
    summarize,
)
from rag.evaluation.question_set import CATEGORIES
from rag.evaluation.results import EvalReport
from rag.settings import PROJECT_ROOT

GATES_FILE = PROJECT_ROOT / "eval" / "gates.json"

# The per-category table (the ablation table and the JSON have every metric).
CATEGORY_COLUMNS = {
    "hit@1": "hit@1",
    "hit@5": "hit@5",
    "mrr": "MRR",
    "retrieval_hit@5": "ret@5",
    "citation_precision": "citP",
    "citation_precision_strict": "citP*",
    "citation_recall": "citR",
    "speaker_precision": "spkP",
    "attribution_accuracy": "attr",
    "number_grounding": "numG",
    "citation_validity": "citV",
    "abstention_precision": "absP",
    "abstention_recall": "absR",
    "false_abstention_rate": "fAbs",
    "answer_evidence": "ansEv",
}
LEGEND = (
    "hit@k/MRR: gold among the answer's citations (an abstention is a miss); ret@5: gold in the\n"
    "retrieval's own top 5, before the abstention decision; citP: citations holding gold evidence or\n"
    "quoted verbatim; citP*: referenced citations holding gold; citR: gold evidence found; spkP: speaker\n"
    "precision; attr: evidence passages carrying the right speaker; numG: figures found in a cited passage;\n"
    "citV: sentences with a valid [n]; absP/absR: abstention precision/recall; fAbs: false abstentions;\n"
    "ansEv: the answer text quotes the gold evidence"
)
# Failure causes, in the order the lead should work on them.
CAUSES = (
    "retrieval miss",
    "incomplete evidence",
    "wrong speaker",
    "misattribution",
    "false abstention",
    "missed abstention",
    "answer misses the evidence",
    "ungrounded number",
    "invalid citation",
)


# --- gates ------------------------------------------------------------------------------------------


def load_gates(path: Path, mode: str) -> dict[str, dict[str, float]]:
    """The gates for `mode` from eval/gates.json: metric -> {"min": x} or {"max": x}."""
    data = json.loads(path.read_text(encoding="utf-8"))
    gates = data.get("gates", {})
    if mode not in gates:
        raise ValueError(f"{path} has no gates for mode {mode!r}; it has gates for {sorted(gates)}")
    for metric, rule in gates[mode].items():
        if metric not in METRIC_NAMES:
            raise ValueError(f"{path}: unknown metric {metric!r}; known metrics: {', '.join(METRIC_NAMES)}")
        if not rule or set(rule) - {"min", "max"}:
            raise ValueError(f"{path}: gate for {metric} must be {{'min': x}} or {{'max': x}}, got {rule!r}")
    return dict(gates[mode])


def check_gates(values: Mapping[str, float | None], gates: Mapping[str, Mapping[str, float]]) -> list[str]:
    """One line per metric outside its gate; a metric that could not be measured fails too."""
    failures = []
    for metric, rule in gates.items():
        value = values.get(metric)
        if value is None:
            failures.append(f"{metric} was not measured (nothing to measure it on); its gate is {rule}")
            continue
        if "min" in rule and value < rule["min"]:
            failures.append(f"{metric} = {value:.3f} is below its gate {rule['min']:.3f}")
        if "max" in rule and value > rule["max"]:
            failures.append(f"{metric} = {value:.3f} is above its gate {rule['max']:.3f}")
    return failures


def check_report_gates(report: EvalReport, path: Path = GATES_FILE) -> list[str]:
    return check_gates(summarize(report.default.scores).values, load_gates(path, report.mode))


GATED_METRICS = (
    "hit@5",
    "mrr",
    "retrieval_hit@5",
    "retrieval_mrr",
    "citation_precision",
    "citation_recall",
    "speaker_precision",
    "attribution_accuracy",
    "number_grounding",
    "citation_validity",
    "abstention_precision",
    "abstention_recall",
    "false_abstention_rate",
)


def proposed_gates(values: Mapping[str, float | None], margin: float) -> dict[str, dict[str, float]]:
    """Gates from measured values: `margin` worse than each, on a 0.01 grid rounded towards the worse side.

    A metric measured at a perfect 1.0 (0.0 for lower-is-better) is gated there: any loss is a bug.
    """
    gates: dict[str, dict[str, float]] = {}
    for metric in GATED_METRICS:
        value = values.get(metric)
        if value is None:
            continue
        if metric in LOWER_IS_BETTER:
            bound = 0.0 if value == 0.0 else min(1.0, math.ceil((value + margin) * 100 - 1e-9) / 100)
            gates[metric] = {"max": bound}
        else:
            bound = 1.0 if value == 1.0 else max(0.0, math.floor((value - margin) * 100 + 1e-9) / 100)
            gates[metric] = {"min": bound}
    return gates


def update_gates(report_json_path: Path, gates_path: Path = GATES_FILE, margin: float | None = None) -> None:
    """Rewrite the gates for the report's mode from a `rag eval --json` file (goals and margin kept)."""
    report = json.loads(Path(report_json_path).read_text(encoding="utf-8"))
    data = json.loads(gates_path.read_text(encoding="utf-8")) if gates_path.is_file() else {}
    margin = data.get("margin", 0.03) if margin is None else margin
    data["margin"] = margin
    data.setdefault("gates", {})[report["mode"]] = proposed_gates(
        report["default"]["summary"]["overall"], margin
    )
    gates_path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- tables -----------------------------------------------------------------------------------------


def _cell(value: float | None, width: int = 6) -> str:
    return f"{'–' if value is None else f'{value:.2f}':>{width}}"


def format_category_table(scores: Sequence[QuestionScore]) -> str:
    categories = CATEGORIES
    header = f"{'group':<16}{'n':>4}" + "".join(f"{short:>6}" for short in CATEGORY_COLUMNS.values())
    lines = [header, "-" * len(header)]
    for name, members in groups(scores, categories).items():
        values = summarize(members).values
        lines.append(f"{name:<16}{len(members):>4}" + "".join(_cell(values[m]) for m in CATEGORY_COLUMNS))
    return "\n".join(lines)


BASELINES = ("naive-500", "plain-dense")  # retrieval only: no answer text, no abstention
# The numbers that tell a change that helps the seeds and hurts real calls, first in the report.
HEADLINE_METRICS = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("retrieval_hit@5", "retrieval hit@5"),
    ("speaker_precision", "speaker precision"),
    ("false_abstention_rate", "false-abstention rate"),
    ("abstention_precision", "abstention precision"),
    ("abstention_recall", "abstention recall"),
)


def _baseline_values(ranks: Sequence[int | None]) -> dict[str, float | None]:
    # no answerer and no abstention: its citations are its retrieved passages
    return retrieval_values(ranks) | retrieval_values(ranks, "retrieval_")


def format_headline(report: EvalReport) -> str:
    """The product beside the plain-dense baseline (same chunks, raw question, no understanding)."""
    product = summarize(report.default.scores).values
    dense = _baseline_values(list(report.plain_dense.ranks.values())) if report.plain_dense else None
    lines = [f"{'':<24}{'product':>10}{'plain-dense':>14}"]
    for metric, label in HEADLINE_METRICS:
        baseline = _cell(dense.get(metric), 14) if dense and metric in RETRIEVAL_METRICS else f"{'–':>14}"
        lines.append(f"{label:<24}{_cell(product.get(metric), 10)}{baseline}")
    answerable = [s for s in report.default.scores if s.answerable]
    abstained = sum(1 for s in answerable if s.abstained)
    lines.append(f"{'(false abstentions)':<24}{f'{abstained} of {len(answerable)}':>10}")
    return "\n".join(lines)


def format_ablation_table(report: EvalReport) -> str:
    columns: list[tuple[str, dict[str, float | None]]] = []
    if report.naive is not None:
        columns.append(("naive-500", _baseline_values(list(report.naive.ranks.values()))))
    if report.plain_dense is not None:
        columns.append(("plain-dense", _baseline_values(list(report.plain_dense.ranks.values()))))
    columns += [(run.name, summarize(run.scores).values) for run in report.ablations]
    columns.append((f"default-{report.mode}", summarize(report.default.scores).values))
    width = max(12, *(len(name) + 2 for name, _ in columns))
    lines = [f"{'metric':<28}" + "".join(f"{name:>{width}}" for name, _ in columns)]
    for metric in METRIC_NAMES:
        cells = []
        for name, values in columns:
            if name in BASELINES and metric not in RETRIEVAL_METRICS:
                cells.append(f"{'n/a':>{width}}")
            else:
                cells.append(_cell(values.get(metric), width))
        lines.append(f"{metric:<28}" + "".join(cells))
    notes = [
        f"  {run.name}: {run.description}"
        + (f" (the {run.same_as}'s settings: its run, not repeated)" if run.same_as else "")
        for run in report.ablations
    ]
    if report.mode != "extractive":
        notes.append("  the ablations answer in extractive mode; their retrieval is the same as in LLM mode")
    if report.plain_dense is not None:
        notes.append(
            f"  plain-dense: the index's own {report.plain_dense.chunks} chunks, dense top 5 over the raw "
            "question; no filters, glossary or key terms, no abstention; retrieval metrics only"
        )
    if report.naive is not None:
        notes.append(
            f"  naive-500: {report.naive.chunks} windows of 500 characters (50 overlap), dense search on the "
            "raw question, no speaker metadata, no filters; retrieval metrics only"
        )
    return "\n".join(lines + notes)


def format_goals(values: Mapping[str, float | None], mode: str, path: Path = GATES_FILE) -> str:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    gates = load_gates(path, mode) if mode in data.get("gates", {}) else {}
    goals = data.get("goals", {})
    lines = [f"{'metric':<28}{'now':>8}{'gate':>10}{'goal':>10}"]
    for metric in METRIC_NAMES:
        if metric in gates or metric in goals:
            gate, goal = _rule(gates.get(metric)), _rule(goals.get(metric))
            lines.append(f"{metric:<28}{_cell(values.get(metric), 8)}{gate:>10}{goal:>10}")
    return "\n".join(lines)


def _rule(rule: Mapping[str, float] | None) -> str:
    if not rule:
        return "–"
    return f">= {rule['min']:.2f}" if "min" in rule else f"<= {rule['max']:.2f}"


# --- failing questions ------------------------------------------------------------------------------


def causes(score: QuestionScore) -> list[str]:
    """Why a question counts as failed, in CAUSES order; [] when it passed every check."""
    found = []
    answered = score.answerable and not score.abstained
    missed = score.retrieval_rank is None if score.retrieval_probed else score.hit_rank is None
    if score.answerable and missed:
        found.append("retrieval miss")
    if answered and score.hit_rank is not None and (score.citation_recall or 0) < 1:
        found.append("incomplete evidence")
    if score.speaker_precision is not None and score.speaker_precision < 1:
        found.append("wrong speaker")
    if score.misattributed:
        found.append("misattribution")
    if score.answerable and score.abstained:
        found.append("false abstention")
    if not score.answerable and not score.abstained:
        found.append("missed abstention")
    if answered and score.hit_rank is not None and score.answer_has_evidence is False:
        found.append("answer misses the evidence")
    if score.ungrounded_numbers:
        found.append("ungrounded number")
    if score.invalid_units:
        found.append("invalid citation")
    return found


def failures_by_cause(scores: Sequence[QuestionScore]) -> dict[str, list[QuestionScore]]:
    grouped: dict[str, list[QuestionScore]] = {cause: [] for cause in CAUSES}
    for score in scores:
        for cause in causes(score):
            grouped[cause].append(score)
    return {cause: members for cause, members in grouped.items() if members}


def _detail(score: QuestionScore, cause: str) -> list[str]:
    filters = score.filters or {}
    applied = ", ".join(f"{k}={v}" for k, v in filters.items() if v) or "none"
    got = (
        "abstained: " + _short(score.text, 100) if score.abstained else "top: " + " | ".join(score.top_labels)
    )
    lines = [f"got {got}", f"filters {applied}"]
    if cause == "retrieval miss" and score.abstained:
        lines.append(f"retrieval top: {' | '.join(score.retrieved_labels) or 'nothing'}")
    if cause in ("retrieval miss", "incomplete evidence"):
        lines.append(f"missing evidence {list(score.missing_evidence)}")
    elif cause == "wrong speaker":
        lines.append(
            f"speaker precision {score.speaker_precision:.2f}; wrong: {' | '.join(score.wrong_speakers)}"
        )
    elif cause == "misattribution":
        lines.append(f"evidence passages with the wrong speaker: {' | '.join(score.misattributed)}")
    elif cause == "false abstention" and score.probe:
        lines.append(score.probe)
    elif cause == "answer misses the evidence":
        lines.append(f"answer: {_short(score.text, 140)}")
    elif cause == "ungrounded number":
        lines += list(score.ungrounded_numbers[:3])
    elif cause == "invalid citation":
        lines += list(score.invalid_units[:3])
    return lines


def format_failures(scores: Sequence[QuestionScore]) -> str:
    grouped = failures_by_cause(scores)
    if not grouped:
        return "No failing questions."
    lines = []
    for cause, members in grouped.items():
        lines.append(f"{cause} ({len(members)}):")
        for score in members:
            lines.append(f"  {score.id} [{','.join(score.categories)}] {score.question}")
            lines += [f"      {line}" for line in _detail(score, cause)]
    return "\n".join(lines)


def _set_name(path: Path) -> str:
    """eval/heldout.jsonl for a file inside the project, else the path as given."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def format_report(report: EvalReport) -> str:
    scores = report.default.scores
    overall = summarize(scores)
    answerable = sum(1 for q in report.questions if q.answerable)
    title = (
        f"rag eval — {_set_name(report.questions_file)}, mode {report.mode}, {len(report.questions)} "
        f"questions ({answerable} answerable, {len(report.questions) - answerable} unanswerable), top_k 5, "
        f"{report.seconds:.1f} s"
    )
    gates_heading = "Against the gates (eval/gates.json) and the goals:"
    if not is_gated_set(report.questions_file):
        gates_heading = (
            "Against the gates and goals of eval/gates.json (set on questions.jsonl; shown for comparison, "
            "not checked here):"
        )
    sections = [title]
    if report.corpus:
        sections.append(f"corpus {report.corpus}")
    sections += [
        "",
        "Product beside the plain-dense baseline:",
        format_headline(report),
        "",
        "Product default, per category (n = questions in the group):",
        format_category_table(scores),
        LEGEND,
        "",
        "Ablations (overall):",
        format_ablation_table(report),
        "",
        gates_heading,
        format_goals(overall.values, report.mode),
        "",
        "Failing questions by cause (product default):",
        format_failures(scores),
    ]
    sections += [f"warning: {w}" for w in report.warnings]
    return "\n".join(sections)


# --- JSON -------------------------------------------------------------------------------------------


def report_json(report: EvalReport, gate_failures: list[str] | None = None) -> dict[str, Any]:
    scores = report.default.scores
    categories = CATEGORIES
    result: dict[str, Any] = {
        "mode": report.mode,
        "question_file": _set_name(report.questions_file),
        "questions": len(report.questions),
        "seconds": round(report.seconds, 2),
        "default": {
            "summary": {
                name: summarize(members).to_dict() for name, members in groups(scores, categories).items()
            },
            "seconds": round(report.default.seconds, 2),
            "questions": [{**s.to_dict(), "causes": causes(s)} for s in scores],
        },
        "ablations": {
            run.name: {
                "description": run.description,
                "same_as": run.same_as,
                "summary": summarize(run.scores).to_dict(),
                "seconds": round(run.seconds, 2),
            }
            for run in report.ablations
        },
        "failures": {cause: [s.id for s in members] for cause, members in failures_by_cause(scores).items()},
        "warnings": list(report.warnings),
    }
    if report.naive is not None:
        result["naive"] = {
            "description": "500-character windows (50 overlap), dense search, raw question, no metadata",
            "chunks": report.naive.chunks,
            "seconds": round(report.naive.seconds, 2),
            "summary": retrieval_values(list(report.naive.ranks.values())),
            "ranks": report.naive.ranks,
        }
    if report.plain_dense is not None:
        result["plain_dense"] = {
            "description": "the index's own chunks, dense top 5 over the raw question, no understanding",
            "chunks": report.plain_dense.chunks,
            "seconds": round(report.plain_dense.seconds, 2),
            "summary": retrieval_values(list(report.plain_dense.ranks.values())),
            "ranks": report.plain_dense.ranks,
        }
    if report.corpus:
        result["corpus"] = report.corpus
    if gate_failures is not None:
        result["gates"] = {"passed": not gate_failures, "failures": gate_failures}
    return result


def write_json(report: EvalReport, path: Path, gate_failures: list[str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(report_json(report, gate_failures), ensure_ascii=False, indent=1), encoding="utf-8"
    )


__all__ = [
    "Summary",
    "check_gates",
    "format_report",
    "load_gates",
    "proposed_gates",
    "report_json",
    "write_json",
]
