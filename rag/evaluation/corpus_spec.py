"""A corpus spec: the calls an evaluation set is asked over, as a small JSON file (eval/corpora/*.json).

Each call names its source — a path under the shared samples folder (read in place, never copied into
the project) or a shipped seed file — and the metadata the call itself states: company, ticker, its true
quarter (as the operator's welcome says it; a fiscal quarter stays the company's own), the call date when
stated, the language. `people` lists spellings of one person the gold accepts as the same
(["Zhuangzhuang Peng", "庄庄鹏", "庄庄彭"]), first the name the questions use; `label_scope` says how far a
speaker label reaches in a text file ("turn": until the next label; "line": its own paragraph only, for
files whose unlabelled paragraphs are not the previous speaker's).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.evaluation.seed_sources import DEFAULT_TRANSCRIPTS_DIR
from rag.settings import PROJECT_ROOT

SAMPLES_VARIABLE = "RAG_SAMPLES_DIR"
# ../shared/samples beside a checkout; a git worktree under wt/ has it one level further up
SAMPLES_CANDIDATES = (
    PROJECT_ROOT.parent / "shared" / "samples",
    PROJECT_ROOT.parent.parent / "shared" / "samples",
)
QUARTER_FORM = re.compile(r"^(19|20)\d\dQ[1-4]$")
DATE_FORM = re.compile(r"^20\d\d-[01]\d-[0-3]\d$")
CALL_FIELDS = (
    "source",
    "company",
    "ticker",
    "quarter",
    "call_date",
    "language",
    "people",
    "label_scope",
    "note",
)
REQUIRED_CALL_FIELDS = ("source", "company", "quarter", "language")
LABEL_SCOPES = ("turn", "line")


class CorpusSpecError(ValueError):
    """A corpus spec that cannot be used; the message names the file, the call and what is allowed."""


def samples_dir() -> Path:
    """Where the shared samples are: RAG_SAMPLES_DIR, else ../shared/samples (or ../../ from a worktree)."""
    if os.environ.get(SAMPLES_VARIABLE):
        return Path(os.environ[SAMPLES_VARIABLE]).expanduser()
    return next((p for p in SAMPLES_CANDIDATES if p.is_dir()), SAMPLES_CANDIDATES[0])


def seed_calls(transcripts_dir: Path = DEFAULT_TRANSCRIPTS_DIR) -> dict[str, dict[str, Any]]:
    """The shipped seed manifest entries, by shipped file name and by original name."""
    manifest = json.loads((transcripts_dir / "manifest.json").read_text(encoding="utf-8"))
    entries: dict[str, dict[str, Any]] = {}
    for call in manifest["calls"]:
        entries[call["file"]] = call
        if call.get("original_name"):
            entries[call["original_name"]] = call
    return entries


@dataclass(frozen=True)
class SpecCall:
    """One call of a corpus spec."""

    source: str  # "motley-fool-100/CL_q3_2021.json" (under the samples folder) or a seed file name
    company: str
    quarter: str
    language: str
    path: Path  # where the source is read from
    ticker: str | None = None
    call_date: str | None = None
    people: tuple[tuple[str, ...], ...] = ()
    label_scope: str = "turn"
    seed: dict[str, Any] | None = None  # the shipped manifest entry when the source is a seed
    note: str = ""

    @property
    def file_name(self) -> str:
        """The name the call has in the evaluation corpus (unique within a spec)."""
        return self.seed["file"] if self.seed else Path(self.source).name

    @property
    def names(self) -> frozenset[str]:
        """Every name a passage's source may carry for this call."""
        names = {self.source, self.file_name}
        if self.seed and self.seed.get("original_name"):
            names.add(self.seed["original_name"])
        return frozenset(names)

    def same_person(self, name: str) -> tuple[str, ...]:
        """The spellings of `name` this call's spec accepts (the name itself when none are listed)."""
        return next((group for group in self.people if name in group), (name,))


@dataclass(frozen=True)
class CorpusSpec:
    path: Path
    about: str
    calls: tuple[SpecCall, ...]

    def call(self, source: str) -> SpecCall | None:
        return next((c for c in self.calls if source in c.names), None)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(c.source for c in self.calls)

    def digest(self) -> str:
        """sha256 of the spec's calls and every source's bytes: names the evaluation corpus built from it."""
        hasher = hashlib.sha256()
        for call in self.calls:
            entry = {
                "source": call.source,
                "company": call.company,
                "quarter": call.quarter,
                "ticker": call.ticker,
                "call_date": call.call_date,
                "language": call.language,
            }
            hasher.update(json.dumps(entry, sort_keys=True, ensure_ascii=False).encode())
            hasher.update(call.path.read_bytes())
        return hasher.hexdigest()


def load_corpus_spec(path: Path, samples: Path | None = None) -> CorpusSpec:
    """Read and validate a spec; every problem is named in one CorpusSpecError."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusSpecError(f"corpus spec {path} does not exist") from None
    except ValueError as err:
        raise CorpusSpecError(f"corpus spec {path} is not valid JSON ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("calls"), list) or not data["calls"]:
        raise CorpusSpecError(f'corpus spec {path} must be an object with a non-empty "calls" list')
    root = samples or samples_dir()
    seeds = seed_calls()
    problems: list[str] = []
    calls: list[SpecCall] = []
    for number, raw in enumerate(data["calls"], 1):
        call, call_problems = _read_call(raw, number, root, seeds)
        problems += call_problems
        if call is not None:
            calls.append(call)
    for attribute, what in (("source", "source"), ("file_name", "file name")):
        seen: set[str] = set()
        for call in calls:
            key = getattr(call, attribute)
            if key in seen:
                problems.append(f"{call.source}: {what} {key!r} is used by two calls")
            seen.add(key)
    pairs = [(c.company.casefold(), c.quarter, c.language) for c in calls]
    for pair in sorted({p for p in pairs if pairs.count(p) > 1}):
        problems.append(f"two calls of {pair[0]} {pair[1]} ({pair[2]}); a corpus holds one call per quarter")
    if problems:
        raise CorpusSpecError(f"corpus spec {path} has {len(problems)} problems:\n" + "\n".join(problems))
    return CorpusSpec(path=path, about=str(data.get("about", "")), calls=tuple(calls))


def _read_call(
    raw: Any, number: int, root: Path, seeds: dict[str, dict[str, Any]]
) -> tuple[SpecCall | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"call {number}: expected an object, got {type(raw).__name__}"]
    name = str(raw.get("source", f"call {number}"))
    problems = [f"{name}: missing field {f!r}" for f in REQUIRED_CALL_FIELDS if not raw.get(f)]
    problems += [
        f"{name}: unknown field {f!r}; allowed fields are {list(CALL_FIELDS)}"
        for f in raw
        if f not in CALL_FIELDS
    ]
    if problems:
        return None, problems
    source = raw["source"]
    seed = seeds.get(source) if "/" not in source else None
    path = (DEFAULT_TRANSCRIPTS_DIR / seed["file"]) if seed else root / source
    if not path.is_file():
        problems.append(
            f"{name}: no such file {path} (a source is a path under the samples folder {root} — "
            f"{SAMPLES_VARIABLE} moves it — or a shipped seed: {', '.join(sorted(seeds))})"
        )
    if not QUARTER_FORM.match(str(raw["quarter"])):
        problems.append(f"{name}: quarter {raw['quarter']!r} must look like 2021Q3")
    if raw.get("call_date") is not None and not DATE_FORM.match(str(raw["call_date"])):
        problems.append(f"{name}: call_date {raw['call_date']!r} must look like 2021-10-29 (or be null)")
    if raw["language"] not in ("en", "zh"):
        problems.append(f"{name}: language {raw['language']!r} is not one of ['en', 'zh']")
    scope = raw.get("label_scope", "turn")
    if scope not in LABEL_SCOPES:
        problems.append(f"{name}: label_scope {scope!r} is not one of {list(LABEL_SCOPES)}")
    people = raw.get("people", [])
    if not isinstance(people, list) or any(
        not isinstance(group, list) or len(group) < 2 or not all(isinstance(n, str) and n for n in group)
        for group in people
    ):
        problems.append(f"{name}: people must be a list of lists of two or more names")
        people = []
    if seed and (seed["company"], seed["quarter"]) != (raw["company"], raw["quarter"]):
        problems.append(
            f"{name}: the seed manifest says {seed['company']} {seed['quarter']}, "
            f"the spec {raw['company']} {raw['quarter']}"
        )
    if problems:
        return None, problems
    call = SpecCall(
        source=source,
        company=raw["company"],
        quarter=raw["quarter"],
        language=raw["language"],
        path=path,
        ticker=raw.get("ticker"),
        call_date=raw.get("call_date"),
        people=tuple(tuple(group) for group in people),
        label_scope=scope,
        seed=seed,
        note=str(raw.get("note", "")),
    )
    return call, []
