"""One row per transcript layout: turns, passages, attributed share and one cited answer.
"named speaker": passages whose speaker is a person the transcript names (not a role label such as
"Operator", "Analyst" or an anonymous "Speaker 3"); "Unattributed": passages nobody is known to say.

Adds one file of each layout the readers take (the generated IR PDF and saved web page in
tests/fixtures, the official IR text, Motley Fool text and JSON, a Chinese labelled write-up and an
anonymous "Speaker N" transcript from ../shared/samples) to a scratch data folder with the real model,
then asks one question of each call. Prints a markdown table; nothing outside the scratch folder changes.

    .venv/bin/python bench/layouts_table.py            # about 6 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rag.api import QueryEngine
from rag.chunks import UNATTRIBUTED
from rag.indexing.store import load_index
from rag.indexing.updates import add_transcript
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    layout: str
    path: Path
    company: str
    quarter: str
    language: str
    question: str


def cases(samples: Path) -> list[Case]:
    fixtures = ROOT / "tests" / "fixtures"
    return [
        Case(
            "IR PDF (generated)",
            fixtures / "acme-2025q3-ir.pdf",
            "Acme Robotics",
            "2025Q3",
            "en",
            "What did the CFO say about gross margin?",
        ),
        Case(
            "IR text (Meta, official)",
            samples / "ir-official" / "meta_2024_Q3.md",
            "Meta",
            "2024Q3",
            "en",
            "What did Susan Li say about capital expenditures?",
        ),
        Case(
            "Motley Fool text",
            samples / "nvda-fy25q3-motley-fool.md",
            "NVIDIA",
            "2024Q4",
            "en",
            "What did Colette Kress say about Blackwell?",
        ),
        Case(
            "Motley Fool JSON",
            samples / "ko-2021q3-motley-fool.json",
            "Coca-Cola",
            "2021Q3",
            "en",
            "Who asked about pricing?",
        ),
        Case(
            "HTML page (generated)",
            fixtures / "acme-2025q3-saved-page.html",
            "Acme Web",
            "2025Q3",
            "en",
            "What was said about revenue guidance?",
        ),
        Case(
            "Chinese labelled (TAL)",
            samples / "tal-2026q2-zh-machine-translated.txt",
            "TAL Education",
            "2025Q3",
            "zh",
            "学而思学习机的销售情况如何?",
        ),
        Case(
            "Speaker N (Earnings-21)",
            samples / "earnings21-4389907-speaker-n.txt",
            "Phoenix New Media",
            "2020Q3",
            "en",
            "What was said about advertising revenue?",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="layouts-") as scratch:
        settings = Settings.from_env().with_data_dir(Path(scratch))
        engine = QueryEngine.open(settings, progress=lambda _line: None)  # the library, made on first use
        rows = []
        for case in cases(args.samples):
            if not case.path.exists():
                rows.append((case, None, None, "file absent"))
                continue
            clock = time.perf_counter()
            added = add_transcript(
                case.path,
                settings,
                company=case.company,
                quarter=case.quarter,
                language=case.language,
                progress=lambda _line: None,
            )
            print(f"added {case.path.name}: {added.chunks} passages in {time.perf_counter() - clock:.0f} s")
            rows.append((case, added, None, ""))
        store = load_index(settings)
        print()
        print(
            "| layout | file | turns | passages | named speaker | Unattributed | question "
            "| cited answer (first citation) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for case, added, _, note in rows:
            if added is None:
                print(f"| {case.layout} | {case.path.name} | – | – | – | – | – | {note} |")
                continue
            mine = [c for c in store.chunks if c.source == added.call.file]
            named = sum(c.attributed for c in mine) / max(1, len(mine))
            unattributed = sum(c.speaker == UNATTRIBUTED for c in mine) / max(1, len(mine))
            answer = engine.ask(case.question, company=case.company, quarter=case.quarter)
            if answer.abstained or not answer.citations:
                cited = "abstained: " + answer.text[:120].replace("\n", " ")
            else:
                first = answer.citations[0]
                cited = f"{first.label}: “{first.text[:110].strip()}…”".replace("\n", " ").replace("|", "/")
            print(
                f"| {case.layout} | {case.path.name} | {added.turns} | {len(mine)} | {named:.0%} "
                f"| {unattributed:.0%} "
                f"| {case.question} | {cited} |"
            )


if __name__ == "__main__":
    main()
