"""Scoring one `Answer` against its gold question, and aggregating scores into rates.

Definitions (the same in the table, the JSON and eval/RESULTS.md):

- hit: a citation from a gold source that holds the evidence (every string of that source in `all`
  mode, one in `any` mode, compared after `gold.canonical`). hit@k: a hit among the first k
  citations; MRR: 1 / rank of the first hit (0 when none). Over answerable questions; an abstention
  has no citations, so it is a miss.
- retrieval hit@k / MRR: the same, on the retrieval's own top 5 for the question (run separately,
  before the answerer decides whether to abstain), so retrieval is measured apart from abstention.
- citation recall: per gold source, the share of its evidence strings found in citations from that
  source (`any` mode: 1 when one is found), averaged over the gold sources. Answerable questions.
- citation precision (in the spirit of ALCE): the share of the answer's citations that are relevant:
  they hold at least one gold evidence string (from a gold source), or a sentence that cites them
  quotes them verbatim (text inside quotation marks found in the passage), so the citation supports
  the statement it is attached to. Answerable questions that were answered.
  strict citation precision: the share of the citations the answer text refers to ([n]) that hold
  gold evidence; quoting alone earns nothing.
- speaker precision: questions that name the expected speaker (speaker_topic): the share of the
  citations the answer refers to that this person speaks; who_asked questions: the share spoken by the
  expected asker (or replying to that asker, since the answer then names him); unattributed questions:
  the share of evidence-holding cited passages that carry no person's name (a named one is a
  misattribution). Other questions are not scored.
- attribution accuracy: over every answerable question with a single expected speaker (or
  unattributed), the share of evidence-holding citations whose speaker is the one the text names.
- number grounding: every figure the answer states (rag.text.numbers claims) appears, units normalised, in
  a passage cited by its own sentence; rate over all figures of all answered questions.
- citation validity: every sentence carries at least one [n] and every [n] points to a citation
  (a quotation followed by its marker is one unit); rate over all sentences of all answered questions.
- abstention: precision and recall of `Answer.abstained` for the unanswerable questions; false
  abstention rate: the share of answerable questions that were abstained on.
- answer evidence: the answer text itself contains the evidence (as `hit`, over the whole text);
  meaningful for the extractive answerer, which quotes the passages in their own language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from rag.answer.prompting import is_abstention
from rag.answer.types import Answer, Citation
from rag.answer.verify import markers_in
from rag.evaluation.gold import GoldQuestion, canonical
from rag.text.numbers import claims, number_supported
from rag.text.sentences import split_answer_sentences as split_sentences
from rag.text.sentences import strip_markers

K_VALUES = (1, 3, 5)
# A quotation immediately followed by a marker: “…” [1]. Kept as one unit when splitting sentences,
# because the marker cites every sentence inside the quotation.
# Non-greedy up to the closing mark that a marker follows, so a quotation may hold quoted words.
_QUOTE_THEN_MARKER = re.compile(r"[“\"「『][^\n]*?[”\"」』](?=\s*[\[【]\s*\d)")
_QUOTED = re.compile(r"[“\"「『]([^“”\"「」『』]{4,})[”\"」』]")
_QUOTED_OUTERMOST = re.compile(r"[“\"「『](.{4,})[”\"」』]")  # first opening to last closing mark
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
# "passage 2", "段落 2", "第2段": references to the prompt's numbering, not figures.
_PASSAGE_REFERENCE = re.compile(r"(?i)\bpassages?\s*\d+|段落\s*\d+|第\s*\d+\s*段")


@dataclass(frozen=True)
class QuestionScore:
    """Every metric for one question, plus what came back (for the failure list)."""

    id: str
    question: str
    categories: tuple[str, ...]
    language: str
    answerable: bool
    abstained: bool
    mode: str
    hit_rank: int | None = None  # 1-based rank of the first hit; None for a miss (or unanswerable)
    retrieval_rank: int | None = None  # the same in the retrieval's own top 5, before any abstention
    retrieval_probed: bool = False
    citation_recall: float | None = None
    citation_precision: float | None = None
    citation_precision_strict: float | None = None
    speaker_precision: float | None = None
    attribution_correct: int = 0
    attribution_total: int = 0
    numbers_grounded: int = 0
    numbers_total: int = 0
    units_valid: int = 0
    units_total: int = 0
    answer_has_evidence: bool | None = None
    wrong_speakers: tuple[str, ...] = ()  # labels of the citations that failed the speaker check
    misattributed: tuple[str, ...] = ()  # labels of evidence-holding citations with the wrong speaker
    ungrounded_numbers: tuple[str, ...] = ()
    invalid_units: tuple[str, ...] = ()
    missing_evidence: tuple[str, ...] = ()  # gold strings no citation holds
    top_labels: tuple[str, ...] = ()
    retrieved_labels: tuple[str, ...] = ()
    filters: dict[str, Any] | None = None
    text: str = ""
    notice: str | None = None  # e.g. why the LLM answer fell back to the extractive one
    probe: str | None = None  # for a false abstention: where retrieval ranked the gold passage

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- the answer's structure -------------------------------------------------------------------------


def claim_units(text: str) -> list[str]:
    """The answer's sentences (the answer splitter), with a quotation and its marker kept together."""
    quotes: list[str] = []

    def protect(match: re.Match[str]) -> str:
        quotes.append(match.group(0))
        return f"\ue000{len(quotes) - 1}\ue001"

    protected = _QUOTE_THEN_MARKER.sub(protect, text)
    return [_PLACEHOLDER.sub(lambda m: quotes[int(m.group(1))], unit) for unit in split_sentences(protected)]


def referenced(answer: Answer) -> list[Citation]:
    """The citations the answer text points to with [n], in order; all of them when it points to none."""
    numbers = set(markers_in(answer.text))
    used = [c for c in answer.citations if c.n in numbers]
    return used or list(answer.citations)


def citation_validity(answer: Answer) -> tuple[int, int, list[str]]:
    """(valid sentences, sentences, the invalid ones with why). The fixed abstention sentence needs no [n]."""
    known = {c.n for c in answer.citations}
    valid, total, problems = 0, 0, []
    for unit in claim_units(answer.text):
        if is_abstention(strip_markers(unit)):
            continue
        total += 1
        cited = markers_in(unit)
        dangling = [n for n in cited if n not in known]
        if cited and not dangling:
            valid += 1
        elif not cited:
            problems.append(f"no [n]: {_shorten(unit)}")
        else:
            problems.append(
                f"[{', '.join(map(str, dangling))}] points past the {len(known)} citations: {_shorten(unit)}"
            )
    return valid, total, problems


def number_grounding(answer: Answer) -> tuple[int, int, list[str]]:
    """(figures found in a passage their sentence cites, figures stated, the unsupported ones)."""
    by_number = {c.n: c for c in answer.citations}
    grounded, total, problems = 0, 0, []
    for unit in claim_units(answer.text):
        cited = [by_number[n] for n in markers_in(unit) if n in by_number]
        for quantity in claims(_PASSAGE_REFERENCE.sub(" ", strip_markers(unit))):
            total += 1
            if any(number_supported(quantity, c.text) for c in cited):
                grounded += 1
            else:
                problems.append(f"'{quantity.raw.strip()}' not in {_cited_list(cited)}: {_shorten(unit)}")
    return grounded, total, problems


# --- against the gold -------------------------------------------------------------------------------


def hit_rank(gold: GoldQuestion, citations: Sequence[Citation]) -> int | None:
    """1-based position of the first citation holding the gold evidence, None when none does."""
    for rank, citation in enumerate(citations, start=1):
        if gold.holds_evidence(citation.source, citation.text):
            return rank
    return None


def citation_recall(gold: GoldQuestion, citations: Sequence[Citation]) -> tuple[float, list[str]]:
    """Share of gold evidence found in some citation, averaged over gold sources; and what is missing."""
    shares, missing = [], []
    for source in gold.sources:
        found = {p for c in citations if c.source in source.names for p in gold.pieces_in(c.source, c.text)}
        missing += [p for p in source.evidence if p not in found]
        if not source.evidence:
            shares.append(0.0)
        elif gold.evidence_mode == "any":
            shares.append(1.0 if found else 0.0)
        else:
            shares.append(len(found) / len(source.evidence))
    return (sum(shares) / len(shares) if shares else 0.0), missing


def quoted_citations(answer: Answer) -> set[int]:
    """Citations quoted verbatim: text in quotation marks found in a passage the same sentence cites."""
    by_number = {c.n: c for c in answer.citations}
    quoted: set[int] = set()
    for unit in claim_units(answer.text):
        body = strip_markers(unit)
        spans = [canonical(m.group(1)) for m in [*_QUOTED.finditer(body), *_QUOTED_OUTERMOST.finditer(body)]]
        for n in markers_in(unit):
            if n in by_number and any(s and s in canonical(by_number[n].text) for s in spans):
                quoted.add(n)
    return quoted


def citation_precision(gold: GoldQuestion, answer: Answer) -> tuple[float | None, float | None]:
    """(precision over all citations: gold evidence or quoted; strict: referenced citations holding gold)."""
    if not answer.citations:
        return None, None
    quoted = quoted_citations(answer)
    relevant = [c for c in answer.citations if gold.pieces_in(c.source, c.text) or c.n in quoted]
    used = referenced(answer)
    strict = [c for c in used if gold.pieces_in(c.source, c.text)]
    return len(relevant) / len(answer.citations), len(strict) / len(used)


def speaker_precision(gold: GoldQuestion, answer: Answer) -> tuple[float | None, list[str]]:
    """Share of the referenced citations with the right speaker (module docstring); None if not scored."""
    used = referenced(answer)
    if not gold.answerable or not used:
        return None, []
    if "who_asked" in gold.categories and gold.asker:
        askers = gold.same_person(gold.asker)
        good = [c for c in used if _speaks(c, askers) or c.asker in askers]
    elif "speaker_topic" in gold.categories and gold.speaker:
        good = [c for c in used if _speaks(c, gold.same_person(gold.speaker))]
    elif "unattributed" in gold.categories:
        used = [c for c in used if gold.pieces_in(c.source, c.text)]
        if not used:
            return None, []
        good = [c for c in used if not c.attributed]
    else:
        return None, []
    wrong = [c.label or c.speaker for c in used if c not in good]
    return len(good) / len(used), wrong


def attribution(gold: GoldQuestion, citations: Sequence[Citation]) -> tuple[int, int, list[str]]:
    """(evidence-holding citations with the speaker the text names, evidence-holding ones, wrong ones)."""
    if not gold.answerable or (gold.speaker is None and "unattributed" not in gold.categories):
        return 0, 0, []
    holding = [c for c in citations if gold.holds_evidence(c.source, c.text)]
    if gold.speaker is None:
        good = [c for c in holding if not c.attributed]
    else:
        good = [c for c in holding if _speaks(c, gold.same_person(gold.speaker))]
    wrong = [c.label or c.speaker for c in holding if c not in good]
    return len(good), len(holding), wrong


def answer_has_evidence(gold: GoldQuestion, answer: Answer) -> bool:
    """The answer text itself holds the evidence of every gold source (all strings or one, per mode)."""
    flat = canonical(answer.text)
    for source in gold.sources:
        found = [p for p in source.evidence if canonical(p) in flat]
        if not found or (gold.evidence_mode == "all" and len(found) < len(source.evidence)):
            return False
    return bool(gold.sources)


def score_answer(gold: GoldQuestion, answer: Answer) -> QuestionScore:
    """Every per-question metric for one answer."""
    citations = answer.citations
    base = QuestionScore(
        id=gold.id,
        question=gold.question,
        categories=gold.categories,
        language=gold.language,
        answerable=gold.answerable,
        abstained=answer.abstained,
        mode=answer.mode,
        top_labels=tuple(c.label or c.speaker for c in citations[:3]),
        filters=dict(answer.filters),
        text=answer.text,
        notice=answer.notice,
    )
    fields: dict[str, Any] = {}
    if not answer.abstained:
        fields["units_valid"], fields["units_total"], invalid = citation_validity(answer)
        fields["numbers_grounded"], fields["numbers_total"], ungrounded = number_grounding(answer)
        fields["invalid_units"], fields["ungrounded_numbers"] = tuple(invalid), tuple(ungrounded)
    if gold.answerable:
        recall, missing = citation_recall(gold, citations)
        fields.update(
            hit_rank=hit_rank(gold, citations), citation_recall=recall, missing_evidence=tuple(missing)
        )
        if not answer.abstained:
            precision, strict = citation_precision(gold, answer)
            speaker, wrong = speaker_precision(gold, answer)
            good, total, misattributed = attribution(gold, citations)
            fields.update(
                citation_precision=precision,
                citation_precision_strict=strict,
                speaker_precision=speaker,
                wrong_speakers=tuple(wrong),
                attribution_correct=good,
                attribution_total=total,
                misattributed=tuple(misattributed),
                answer_has_evidence=answer_has_evidence(gold, answer),
            )
    return replace(base, **fields)


# --- aggregation ------------------------------------------------------------------------------------

# Metrics where lower is better; every other one is "higher is better".
LOWER_IS_BETTER = frozenset({"false_abstention_rate"})
METRIC_NAMES = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "retrieval_hit@1",
    "retrieval_hit@3",
    "retrieval_hit@5",
    "retrieval_mrr",
    "citation_precision",
    "citation_precision_strict",
    "citation_recall",
    "speaker_precision",
    "attribution_accuracy",
    "number_grounding",
    "citation_validity",
    "abstention_precision",
    "abstention_recall",
    "false_abstention_rate",
    "answer_evidence",
)
RETRIEVAL_METRICS = (
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "retrieval_hit@1",
    "retrieval_hit@3",
    "retrieval_hit@5",
    "retrieval_mrr",
)


@dataclass(frozen=True)
class Summary:
    """Rates over a set of questions; a metric with nothing to measure is None (shown as "–")."""

    questions: int
    answerable: int
    values: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        return {"questions": self.questions, "answerable": self.answerable, **self.values}


def retrieval_values(ranks: Sequence[int | None], prefix: str = "") -> dict[str, float | None]:
    """hit@k and MRR from the rank of the first hit per answerable question (None: a miss)."""
    values: dict[str, float | None] = {}
    for k in K_VALUES:
        values[f"{prefix}hit@{k}"] = _mean(1.0 if r is not None and r <= k else 0.0 for r in ranks)
    values[f"{prefix}mrr"] = _mean(1.0 / r if r else 0.0 for r in ranks)
    return values


def summarize(scores: Sequence[QuestionScore]) -> Summary:
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    answered = [s for s in answerable if not s.abstained]
    abstained = [s for s in scores if s.abstained]
    values = retrieval_values([s.hit_rank for s in answerable])
    values |= retrieval_values([s.retrieval_rank for s in answerable if s.retrieval_probed], "retrieval_")
    values["citation_precision"] = _mean_defined(s.citation_precision for s in answered)
    values["citation_precision_strict"] = _mean_defined(s.citation_precision_strict for s in answered)
    values["citation_recall"] = _mean_defined(s.citation_recall for s in answerable)
    values["speaker_precision"] = _mean_defined(s.speaker_precision for s in answered)
    values["attribution_accuracy"] = _ratio(
        sum(s.attribution_correct for s in scores), sum(s.attribution_total for s in scores)
    )
    values["number_grounding"] = _ratio(
        sum(s.numbers_grounded for s in scores), sum(s.numbers_total for s in scores)
    )
    values["citation_validity"] = _ratio(
        sum(s.units_valid for s in scores), sum(s.units_total for s in scores)
    )
    correct_abstentions = sum(1 for s in abstained if not s.answerable)
    values["abstention_precision"] = _ratio(correct_abstentions, len(abstained))
    values["abstention_recall"] = _ratio(correct_abstentions, len(unanswerable))
    values["false_abstention_rate"] = _ratio(sum(1 for s in answerable if s.abstained), len(answerable))
    values["answer_evidence"] = _mean(1.0 if s.answer_has_evidence else 0.0 for s in answered)
    return Summary(questions=len(scores), answerable=len(answerable), values=values)


def groups(scores: Sequence[QuestionScore], categories: Iterable[str]) -> dict[str, list[QuestionScore]]:
    """Questions per group: "overall", each category, each language (empty groups left out)."""
    result: dict[str, list[QuestionScore]] = {"overall": list(scores)}
    for category in categories:
        members = [s for s in scores if category in s.categories]
        if members:
            result[category] = members
    for language in sorted({s.language for s in scores}):
        result[f"lang:{language}"] = [s for s in scores if s.language == language]
    return result


def _speaks(citation: Citation, names: frozenset[str]) -> bool:
    """The citation is attributed to one of `names` (the spellings of one person the gold accepts)."""
    return citation.attributed and citation.speaker in names


def _mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def _mean_defined(values: Iterable[float | None]) -> float | None:
    return _mean(v for v in values if v is not None)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _cited_list(cited: Sequence[Citation]) -> str:
    return "".join(f"[{c.n}]" for c in cited) or "any cited passage (the sentence cites none)"


def _shorten(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
