"""The three shipped seed transcripts as gold sources: where they are, how the checker cleans them, and
who each file says is speaking at a position (by section, by a name line, by an inline label).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from rag.settings import DATA_DIR

DEFAULT_TRANSCRIPTS_DIR = DATA_DIR / "transcripts"  # Settings.transcripts_dir, RAG_TRANSCRIPTS_DIR overrides
SOURCE_QUARTERS: dict[str, str] = {
    "000_7add484cde785a54.txt": "2023Q2",
    "001_9147edf8487de863.txt": "2024Q4",
    "002_706ceaf5544a39ec.txt": "2025Q2",
}

# The symbols the seed README lists as noise, and runs of - or =. A single - or = is removed too: the
# 2025Q2 file scatters lone ones inside words. Evidence strings may therefore contain none of them.
NOISE = re.compile(r"[•■◆▪★▼●☆…▷□▽◇◁○△▲]|[-=]+")

# How each seed file attributes text (see data README): 000 by section, 001 by a name alone on a line
# before each turn, 002 by an inline "name:" label inside the paragraph.
FILE_000_CFO_SECTION = "2、财务表现点评"
FILE_000_QA_SECTION = "二、Q&A"
TURN_LABELS_001: dict[str, str] = {
    "马克·扎克伯格": "Mark Zuckerberg",
    "Susan": "Susan Li",
    "布莱恩·诺瓦克": "Brian Nowak",
    "艾瑞克·谢里丹": "Eric Sheridan",
    "马克·史穆里克": "Mark Shmulik",
    "贾斯汀·波斯特": "Justin Post",
    "道格拉斯·安穆斯": "Doug Anmuth",
    "罗恩·乔西": "Ron Josey",
    "肯·高瑞尔斯基": "Ken Gawrelski",
    "罗斯·桑德勒": "Ross Sandler",
}
INLINE_LABELS_002: dict[str, str] = {
    "李苏珊": "Susan Li",
    "扎克伯格": "Mark Zuckerberg",
    "布莱恩·诺瓦克": "Brian Nowak",
    "埃里克·谢里丹": "Eric Sheridan",
    "马克·施穆莱克": "Mark Shmulik",
    "贾斯汀·波斯特": "Justin Post",
    "道格·安慕斯": "Doug Anmuth",
    "约瑟夫·斯考利": "Youssef Squali",
}
INLINE_LABEL_002 = re.compile("(" + "|".join(map(re.escape, INLINE_LABELS_002)) + r")(?:\([A-Za-z .]+\))?:")


def clean_transcript(text: str) -> str:
    """Remove the seed noise symbols so that '475◆--◇▷▼.16亿美元' reads '475.16亿美元'."""
    return NOISE.sub("", text)


def find_transcripts(transcripts_dir: Path, names: Iterable[str]) -> dict[str, Path]:
    """Locate each gold source under transcripts_dir: by a manifest.json "original_name" entry (the
    project ships the seeds renamed, e.g. meta-2024q4.zh.txt), or else by the file name itself."""
    wanted = set(names)
    found: dict[str, Path] = {}
    if not transcripts_dir.is_dir():
        return found
    for manifest in sorted(transcripts_dir.rglob("manifest.json")):
        calls = json.loads(manifest.read_text(encoding="utf-8")).get("calls", [])
        for call in calls:
            original, file = call.get("original_name"), call.get("file")
            if original in wanted and file and (manifest.parent / file).is_file():
                found.setdefault(original, manifest.parent / file)
    for path in sorted(transcripts_dir.rglob("*")):
        if path.name in wanted and path.is_file():
            found.setdefault(path.name, path)
    return found


def load_clean_transcripts(transcripts_dir: Path) -> tuple[dict[str, str], list[str]]:
    found = find_transcripts(transcripts_dir, SOURCE_QUARTERS)
    missing = sorted(set(SOURCE_QUARTERS) - set(found))
    problems = [
        f"gold source {name} not found under {transcripts_dir} "
        "(pass --transcripts-dir or set RAG_TRANSCRIPTS_DIR to the folder holding the seed transcripts)"
        for name in missing
    ]
    texts = {name: clean_transcript(path.read_text(encoding="utf-8")) for name, path in found.items()}
    return texts, problems


def speaker_at(source: str, text: str, position: int) -> str | None:
    """Who the cleaned transcript says is speaking at a character position; None when it names nobody."""
    if source == "000_7add484cde785a54.txt":
        if position < text.index(FILE_000_CFO_SECTION):
            return "Mark Zuckerberg"  # 一、管理层概述 / 1、产品和业务: the CEO's prepared remarks
        if position < text.index(FILE_000_QA_SECTION):
            return "Susan Li"  # 2、财务表现点评 and 3、3Q23 Guidance: the CFO's
        return None  # Q1/A1 ... pairs carry no names
    if source == "001_9147edf8487de863.txt":
        speaker = None
        offset = 0
        for line in text.splitlines(keepends=True):
            if offset > position:
                break
            speaker = TURN_LABELS_001.get(line.strip(), speaker)
            offset += len(line)
        return speaker
    line_start = text.rfind("\n", 0, position) + 1
    labels = list(INLINE_LABEL_002.finditer(text, line_start, position))
    return INLINE_LABELS_002[labels[-1].group(1)] if labels else None


def default_transcripts_dir() -> Path:
    return Path(os.environ.get("RAG_TRANSCRIPTS_DIR") or DEFAULT_TRANSCRIPTS_DIR)
