"""Parsing is a pure function of a file, its manifest entry and a read-only speaker directory.

The corpus is parsed call by call against the shipped directory, and the people the calls name are
merged in one step afterwards; so the order of the calls in the manifest changes nothing, and parsing
never changes the directory it is given.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from rag.indexing.build import parse_corpus
from rag.indexing.chunking import chunk_parsed
from rag.settings import Settings
from rag.transcripts.clean import CleaningRules
from rag.transcripts.detect_layout import detect_layout
from rag.transcripts.manifest import MANIFEST_NAME, CallInfo, load_manifest
from rag.transcripts.parse import parse_call
from rag.transcripts.read import read_transcript
from rag.transcripts.speakers import SpeakerDirectory
from tests.samples import SAMPLES

# other layouts beside the seeds: people learnt from one call could have changed how another is read
SAMPLE_CALLS = (
    ("nvda-fy25q3-motley-fool.md", "NVIDIA", "2024Q3"),
    ("ko-2021q3-motley-fool.json", "Coca-Cola", "2021Q3"),
    ("tal-2026q2-zh-machine-translated.txt", "TAL Education", "2025Q3"),
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[CallInfo]]:
    """The seeds, plus the sample calls when ../shared/samples is present, in a scratch folder."""
    settings = Settings().for_shipped_corpus()
    folder = tmp_path_factory.mktemp("transcripts")
    calls = load_manifest(settings.transcripts_dir)
    for call in calls:
        shutil.copy(settings.transcripts_dir / call.file, folder / call.file)
    directory = SpeakerDirectory.load(settings.speakers_file)
    for name, company, quarter in SAMPLE_CALLS if SAMPLES.is_dir() else ():
        text = read_transcript(SAMPLES / name)
        shutil.copy(SAMPLES / name, folder / name)
        layout = detect_layout(text, directory).layout
        calls.append(CallInfo(file=name, company=company, quarter=quarter, language="en", layout=layout))
    return replace(settings, transcripts_dir=folder), calls


def _write_manifest(settings: Settings, calls: list[CallInfo]) -> None:
    data = {"calls": [c.to_dict() for c in calls]}
    (settings.transcripts_dir / MANIFEST_NAME).write_text(
        json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )


def test_the_corpus_parsed_in_two_orders_gives_identical_chunks(
    corpus: tuple[Settings, list[CallInfo]],
) -> None:
    settings, calls = corpus
    _write_manifest(settings, calls)
    forward, forward_people = parse_corpus(settings, load_manifest(settings.transcripts_dir))
    _write_manifest(settings, list(reversed(calls)))
    backward, backward_people = parse_corpus(settings, load_manifest(settings.transcripts_dir))
    first = {c.id: c for c in chunk_parsed(forward, settings.chunking)}
    second = {c.id: c for c in chunk_parsed(backward, settings.chunking)}
    assert len(first) > 100
    assert first == second
    assert forward_people.to_dict() == backward_people.to_dict()  # the merge is in file-name order


def test_parsing_leaves_the_directory_it_is_given_unchanged(corpus: tuple[Settings, list[CallInfo]]) -> None:
    settings, calls = corpus
    directory = SpeakerDirectory.load(Settings().speakers_file)
    before = directory.to_dict()
    for call in calls:
        parsed = parse_call(
            read_transcript(settings.transcripts_dir / call.file), call, directory, CleaningRules.load()
        )
        assert parsed.turns
    assert directory.to_dict() == before


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not present")
def test_the_people_a_call_names_come_back_with_it(corpus: tuple[Settings, list[CallInfo]]) -> None:
    settings, calls = corpus
    nvidia = next(c for c in calls if c.company == "NVIDIA")
    parsed = parse_call(
        read_transcript(settings.transcripts_dir / nvidia.file),
        nvidia,
        SpeakerDirectory.load(Settings().speakers_file),
        CleaningRules.load(),
    )
    by_name = {p.name: p for p in parsed.people}
    assert by_name["Colette M. Kress"].role == "CFO" and by_name["Colette M. Kress"].company == "NVIDIA"
    assert {t.speaker for t in parsed.turns if t.attributed} == set(by_name)


ACME_Q1 = """Acme Corp (ACME) Q1 2025 Earnings Call
Operator
Good day, and welcome to the Acme first quarter 2025 earnings call.
Dana Whitfield -- Chief Financial Officer
Revenue grew 12% to $4.1 billion in the quarter, and we raised our outlook for the year.
"""
# an inline-labels write-up of another quarter: its labels are only read for people the directory knows
ACME_Q2 = """Acme 第二季度电话会纪要
会议开始,管理层介绍了本季度情况。Dana Whitfield: 本季度收入增长 9%,达到 43 亿美元,我们维持全年展望。
随后进入问答环节。Dana Whitfield: 我们预计下半年利润率将继续改善。
"""


def test_what_one_call_teaches_never_changes_how_another_is_read(tmp_path: Path) -> None:
    """Read one after the other, the second call would learn Dana Whitfield from the first and
    attribute its inline labels to her, or not, depending on the order; parsed alone, it never does."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    (folder / "acme-q1.txt").write_text(ACME_Q1, encoding="utf-8")
    (folder / "acme-q2.txt").write_text(ACME_Q2, encoding="utf-8")
    calls = [
        CallInfo(file="acme-q1.txt", company="Acme", quarter="2025Q1", language="en", layout="titled_lines"),
        CallInfo(file="acme-q2.txt", company="Acme", quarter="2025Q2", language="zh", layout="inline_labels"),
    ]
    settings = replace(Settings(), transcripts_dir=folder)
    results = []
    for order in (calls, list(reversed(calls))):
        _write_manifest(settings, order)
        parsed, directory = parse_corpus(settings, load_manifest(folder))
        results.append({c.id: c for c in chunk_parsed(parsed, settings.chunking)})
        assert directory.get("Dana Whitfield") is not None  # the corpus directory does know her
    assert results[0] == results[1]
    second_quarter = [c for c in results[0].values() if c.quarter == "2025Q2"]
    assert second_quarter and not any(c.speaker == "Dana Whitfield" for c in second_quarter)
