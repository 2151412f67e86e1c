"""Real transcripts as analysts have them: PDF (with pages), saved web pages, DOCX, the official IR
layout (header lines, wrapped lines, page numbers), metadata that is right or refused, speaker
aliases that never name the wrong person, and bulk adds that survive a SIGKILL.

The PDF and HTML fixtures in tests/fixtures are generated (tests/pdf_fixtures.py); the IR and
Motley Fool samples are read in place from ../shared/samples and skipped when it is absent.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rag.errors import RagError, TranscriptError
from rag.indexing.build import build_index
from rag.indexing.bulk import add_many, find_transcripts
from rag.indexing.chunking import chunk_turns
from rag.indexing.store import load_index, model_name
from rag.indexing.updates import AddOptions
from rag.settings import PROJECT_ROOT, Settings
from rag.text.sentences import split_sentences
from rag.transcripts.clean import CleaningRules
from rag.transcripts.detect_layout import detect_layout
from rag.transcripts.json_layout import split_json_turns
from rag.transcripts.manifest import CallInfo, load_manifest
from rag.transcripts.metadata import MetadataRefused, quarter_evidence, resolve_metadata
from rag.transcripts.metadata_sources import NamePattern, load_file_manifest
from rag.transcripts.parse import parse_call
from rag.transcripts.read import SUPPORTED_SUFFIXES, read_transcript_file
from rag.transcripts.reflow import repair_split_words
from rag.transcripts.speakers import Person, SpeakerDirectory
from tests.samples import SAMPLES
from tests.test_ingest import FakeEmbedder

FIXTURES = Path(__file__).parent / "fixtures"
IR_SAMPLES = sorted((SAMPLES / "ir-official").glob("*.md"))
MOTLEY_FOOL = sorted((SAMPLES / "motley-fool-100").glob("*.json"))
needs_ir = pytest.mark.skipif(not IR_SAMPLES, reason="../shared/samples/ir-official is absent")
needs_mf = pytest.mark.skipif(not MOTLEY_FOOL, reason="../shared/samples/motley-fool-100 is absent")


def _parse(path: Path, company: str = "Acme Robotics"):  # type: ignore[no-untyped-def]
    decoded = read_transcript_file(path)
    directory = SpeakerDirectory.load(Settings().speakers_file)
    layout = detect_layout(decoded.text, directory).layout
    call = CallInfo(file=path.name, company=company, quarter="2025Q3", language="en", layout=layout)
    parsed = parse_call(decoded.text, call, directory, CleaningRules.load())
    return parsed, chunk_turns(parsed.turns, call, Settings().chunking, parsed.pages)


# --- readers -----------------------------------------------------------------------------------------


def test_a_pdf_is_read_page_by_page_and_its_passages_know_their_page() -> None:
    parsed, chunks = _parse(FIXTURES / "acme-2025q3-ir.pdf")
    assert {c.page for c in chunks} >= {1, 2}
    sweeney = [c for c in chunks if c.speaker == "Gerard H. Sweeney"]
    assert sweeney and sweeney[0].role == "CEO" and "p. 1" in sweeney[0].label
    text = " ".join(c.text for c in chunks)
    assert "Page 1 of" not in text and "Earnings Call\nAcme" not in text  # footer and running header gone


def test_a_pdf_named_txt_is_still_read_as_a_pdf_never_decoded_as_text(tmp_path: Path) -> None:
    disguised = tmp_path / "call.txt"
    disguised.write_bytes((FIXTURES / "acme-2025q3-ir.pdf").read_bytes())
    decoded = read_transcript_file(disguised)
    assert decoded.encoding == "pdf" and "endobj" not in decoded.text and "Gerard H. Sweeney" in decoded.text


def test_a_scanned_pdf_is_refused_with_a_message_saying_so() -> None:
    with pytest.raises(TranscriptError, match="no text layer"):
        read_transcript_file(FIXTURES / "scanned.pdf")


def test_a_saved_web_page_keeps_the_transcript_and_drops_navigation_ads_and_comments() -> None:
    text = read_transcript_file(FIXTURES / "acme-2025q3-saved-page.html").text
    assert "Gerard H. Sweeney -- Chief Executive Officer" in text
    for noise in ("Go Premium", "ZetaBroker", "BullishBob", "All rights reserved", "could double"):
        assert noise not in text
    parsed, chunks = _parse(FIXTURES / "acme-2025q3-saved-page.html")
    assert any(c.speaker == "Marcus Lee" and c.firm == "Goldman Sachs" for c in chunks)


def test_a_word_document_is_read(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Operator: Welcome to the Initech second quarter 2025 earnings call.")
    document.add_paragraph("Bill Lumbergh: Revenue grew 12% this quarter on strong demand for reports.")
    document.save(str(tmp_path / "initech.docx"))
    assert "Bill Lumbergh: Revenue grew 12%" in read_transcript_file(tmp_path / "initech.docx").text


def test_an_unsupported_file_type_is_refused_naming_the_supported_ones(tmp_path: Path) -> None:
    sheet = tmp_path / "call.xlsx"
    sheet.write_text("not really a spreadsheet")
    with pytest.raises(TranscriptError, match=r"\.xlsx files are not supported; supported: .*\.pdf"):
        read_transcript_file(sheet)
    assert {".pdf", ".html", ".docx", ".txt", ".md", ".json"} <= set(SUPPORTED_SUFFIXES)


# --- the official IR layout --------------------------------------------------------------------------


def test_letter_splits_are_repaired_only_into_dictionary_words() -> None:
    assert repair_split_words("are availa ble on our website") == "are available on our website"
    assert (
        repair_split_words("their third pa rty tools and they’r e") == "their third party tools and they’re"
    )
    assert (
        repair_split_words("a new product line") == "a new product line"
    )  # "anew" is a word, so are both parts
    assert repair_split_words("Susan Li said") == "Susan Li said"


def _joined_source(path: Path) -> str:
    """The IR text as paragraphs with every line rejoined, page numbers dropped: whitespace-blind."""
    lines = [
        line
        for line in path.read_text(encoding="utf-8").split("\n")
        if not re.fullmatch(r"\s*\d{1,3}\s*", line)
    ]
    return re.sub(r"[\s\-]+", "", "\n".join(lines))


@needs_ir
@pytest.mark.parametrize("path", IR_SAMPLES, ids=lambda p: p.name)
def test_an_ir_transcript_is_attributed_and_every_sentence_is_whole(path: Path) -> None:
    parsed, chunks = _parse(path, company="Meta")
    unattributed = [c for c in chunks if not c.attributed and c.speaker != "Operator"]
    assert len(unattributed) <= 0.05 * len(chunks)
    executives = {c.speaker for c in chunks if c.kind == "remarks" and c.attributed}
    assert {"Mark Zuckerberg", "Susan Li"} <= executives
    analysts = [c for c in chunks if c.kind == "question"]
    assert analysts and all(c.role == "Analyst" for c in analysts)
    assert sum(1 for c in analysts if c.firm) >= 0.8 * len(analysts)  # the operator named the firm
    source = _joined_source(path)
    for chunk in (c for c in chunks if c.attributed):  # speech; the cover page's title lines are not
        for sentence in split_sentences(chunk.text):
            flat = re.sub(r"[\s\-]+", "", sentence)
            if len(flat) < 20:
                continue
            assert flat in source, sentence
            # a whole sentence: it ends a sentence in the source too (not cut at a line wrap)
            assert re.search(r"[.?!:;”\"’)]$", sentence.strip()), sentence


# --- metadata ------------------------------------------------------------------------------------------


def test_the_quarter_comes_from_the_introduction_not_a_comparison() -> None:
    text = (
        "Operator\nGood morning, and welcome to the ADM fourth quarter 2021 earnings conference call.\n"
        "Revenue was up versus the fourth quarter of 2020, and the fourth quarter of 2020 had one-offs; "
        "compared with the fourth quarter of 2020 margins improved. The fourth quarter of 2020 was weak.\n"
    )
    evidence = quarter_evidence(text)
    assert (evidence.quarter, evidence.sure) == ("2021Q4", True)


def test_a_file_name_that_disagrees_with_the_text_is_refused_with_both(tmp_path: Path) -> None:
    path = tmp_path / "ADM_q4_2022.txt"
    text = "Operator\nWelcome to the ADM fourth quarter 2021 earnings conference call.\n"
    with pytest.raises(MetadataRefused, match=r"file name says 2022Q4 but .*2021Q4.*fourth quarter 2021"):
        resolve_metadata(
            path, text, {}, lambda _: None, from_name=NamePattern.parse("{ticker}_q{q}_{year}").fields(path)
        )


def test_a_fiscal_quarter_is_recorded_as_stated_with_its_calendar_quarter(tmp_path: Path) -> None:
    text = (
        "Operator\nGood afternoon, and welcome to the Beazer Homes conference call discussing our results "
        "for the second quarter of fiscal 2021, the quarter ended March 31, 2021.\n"
    )
    meta = resolve_metadata(tmp_path / "bzh.txt", text, {"company": "Beazer Homes"}, lambda _: None)
    assert (meta["quarter"], meta["fiscal_period"], meta["calendar_quarter"]) == (
        "2021Q2",
        "fiscal 2021 Q2",
        "2021Q1",
    )


def test_an_unsure_quarter_is_refused_not_guessed(tmp_path: Path) -> None:
    text = "Operator\nWelcome to the Acme earnings call.\nRevenue in the third quarter of 2024 grew.\n"
    with pytest.raises(MetadataRefused, match="not sure of the quarter"):
        resolve_metadata(tmp_path / "acme.txt", text, {"company": "Acme"}, lambda _: None)


def test_a_csv_manifest_and_a_name_pattern_are_read(tmp_path: Path) -> None:
    manifest = tmp_path / "calls.csv"
    manifest.write_text("file,company,ticker,quarter,date\nx.json,Acme,ACME,Q3 2025,2025-10-28\n")
    assert load_file_manifest(manifest)["x.json"] == {
        "company": "Acme",
        "ticker": "ACME",
        "quarter": "Q3 2025",
        "call_date": "2025-10-28",
    }
    assert NamePattern.parse("{ticker}_q{q}_{year}").fields(Path("ADM_q4_2021.json")) == {
        "quarter": "2021Q4",
        "ticker": "ADM",
    }
    with pytest.raises(RagError, match="unknown field"):
        NamePattern.parse("{tick}_{q}")


@needs_mf
def test_motley_fool_calls_get_their_own_quarter_or_are_refused() -> None:
    """Over the 100 real calls: the year-earlier calls filed under a later name are refused, and
    whatever is accepted has a company and a quarter the file name or the introduction confirm."""
    pattern = NamePattern.parse("{ticker}_q{q}_{year}")
    accepted, refused = [], {}
    rules = CleaningRules.load()
    for path in MOTLEY_FOOL:
        text = split_json_turns(path.read_text(encoding="utf-8"), rules).text
        try:
            accepted.append(resolve_metadata(path, text, {}, lambda _: None, from_name=pattern.fields(path)))
        except MetadataRefused as err:
            refused[path.stem] = str(err)
    for year_earlier in ("ACC_q4_2020", "AIN_q4_2020", "CHE_q4_2020", "DFS_q4_2020", "RM_q4_2020"):
        assert "2019Q4" in refused[year_earlier] and "2020Q4" in refused[year_earlier]
    assert len(accepted) >= 80


# --- speaker aliases ---------------------------------------------------------------------------------


def test_a_nickname_finds_the_person_and_an_ambiguous_alias_names_nobody() -> None:
    directory = SpeakerDirectory(
        people=[
            Person("Gerard H. Sweeney", "CEO", "Acme", "Acme", ("Gerard H. Sweeney",)),
            Person("Mark Mahaney", "Analyst", "Evercore ISI", None, ("Mark Mahaney",)),
            Person("Mark Lipacis", "Analyst", "Jefferies", None, ("Mark Lipacis",)),
        ]
    )
    assert directory.get("Gerry Sweeney").name == "Gerard H. Sweeney"  # type: ignore[union-attr]
    assert directory.get("Gerard Sweeney").name == "Gerard H. Sweeney"  # type: ignore[union-attr]
    assert directory.get("Sweeney").name == "Gerard H. Sweeney"  # type: ignore[union-attr]
    assert directory.get("Mark") is None  # two Marks: the generated alias names nobody
    assert directory.get("Mahaney").name == "Mark Mahaney"  # type: ignore[union-attr]
    assert "Mark" not in {alias for alias, _ in directory.alias_patterns()}


# --- bulk add ----------------------------------------------------------------------------------------


def _bulk_folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "incoming"
    (folder / "nested").mkdir(parents=True)
    for i in range(count):
        company = f"Company{chr(65 + i % 26)}{i}"
        text = (
            f"Operator\nGood morning, and welcome to the {company} third quarter 2024 earnings call.\n"
            f"Jane Doe{i} -- Chief Financial Officer\n"
            + " ".join(
                f"In segment {k} revenue grew {i + k}% as customers of {company} ordered more."
                for k in range(12)
            )
            + "\nOperator\nOur first question comes from Raj Patel with North Securities.\n"
            "Raj Patel -- North Securities -- Analyst\nHow do you see margins developing next year?\n"
            f"Jane Doe{i} -- Chief Financial Officer\nWe expect margins of about {20 + i}% next year.\n"
        )
        (folder / ("nested" if i % 2 else "") / f"call{i:02d}.txt").write_text(text, encoding="utf-8")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 200)
    (folder / "no-company.txt").write_text("Some notes about the third quarter of 2024 and nothing else.\n")
    return folder


def test_a_bulk_add_keeps_going_past_bad_files_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    settings = Settings(transcripts_dir=tmp_path / "transcripts", index_dir=tmp_path / "index" / "default")
    folder = _bulk_folder(tmp_path, 6)
    assert len(find_transcripts([folder])) == 9
    embedder = FakeEmbedder(model_name(settings))
    report = add_many([folder], settings, AddOptions(), embedder=lambda: embedder, progress=lambda _: None)
    assert report.count("added") == 6 and report.count("refused") == 3
    reasons = {o.path.name: o.detail for o in report.outcomes if o.status == "refused"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "company" in reasons["no-company.txt"]
    before = (settings.transcripts_dir / "manifest.json").read_bytes()
    again = add_many([folder], settings, AddOptions(), embedder=lambda: embedder, progress=lambda _: None)
    assert again.count("unchanged") == 6 and again.count("added") == 0
    assert (settings.transcripts_dir / "manifest.json").read_bytes() == before


def test_the_bulk_commits_give_the_index_a_full_rebuild_gives(tmp_path: Path) -> None:
    """The commits reuse token ids and JSON lines across calls; what they write must be what a full
    build writes: the same chunks and the same BM25 scores, and no token the corpus does not have."""
    settings = Settings(transcripts_dir=tmp_path / "transcripts", index_dir=tmp_path / "index" / "default")
    embedder = FakeEmbedder(model_name(settings))
    add_many(
        [_bulk_folder(tmp_path, 5)],
        settings,
        AddOptions(),
        embedder=lambda: embedder,
        progress=lambda _: None,
    )
    committed = load_index(settings)
    rebuilt = build_index(settings, embedder, progress=lambda _: None)
    assert [c.to_dict() for c in committed.chunks] == [c.to_dict() for c in rebuilt.chunks]
    for query in (["margins"], ["segment", "revenue"], ["north", "securities"], ["nothing-like-this"]):
        assert np.allclose(committed.lexical.scores(query), rebuilt.lexical.scores(query))
    assert not committed.lexical.knows("nothing-like-this")


_KILLABLE = """
import sys, time
from pathlib import Path
from rag.indexing.bulk import add_many
from rag.indexing.store import model_name
from rag.indexing.updates import AddOptions
from rag.settings import Settings
from tests.samples import SAMPLES
from tests.samples import SAMPLES
from tests.test_ingest import FakeEmbedder

class SlowEmbedder(FakeEmbedder):
    def embed(self, texts, *, is_query):
        time.sleep(0.3)
        return super().embed(texts, is_query=is_query)

root = Path(sys.argv[1])
settings = Settings(
    transcripts_dir=root / "transcripts", index_dir=root / "index" / "default", bulk_embed_window=8
)
model = SlowEmbedder(model_name(settings))
add_many([root / "incoming"], settings, AddOptions(), embedder=lambda: model, progress=print)
"""


def test_a_bulk_add_killed_mid_way_and_run_again_has_every_call_once(tmp_path: Path) -> None:
    folder = _bulk_folder(tmp_path, 10)
    script = tmp_path / "bulk.py"
    script.write_text(_KILLABLE)
    manifest = tmp_path / "transcripts" / "manifest.json"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, str(script), str(tmp_path)], cwd=PROJECT_ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if manifest.is_file() and len(json.loads(manifest.read_text())["calls"]) >= 3:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    committed = len(json.loads(manifest.read_text())["calls"])
    assert 3 <= committed < 10  # killed mid-way
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], cwd=PROJECT_ROOT, env=env, timeout=300
    )
    assert done.returncode == 0
    settings = Settings(transcripts_dir=tmp_path / "transcripts", index_dir=tmp_path / "index" / "default")
    calls = load_manifest(settings.transcripts_dir)
    assert sorted(c.original_name for c in calls) == sorted(p.name for p in folder.rglob("call*.txt"))
    store = load_index(settings)
    assert {c.source for c in store.chunks} == {c.file for c in calls}
    assert len({c.id for c in store.chunks}) == len(store.chunks)  # nothing indexed twice
    assert not list(settings.transcripts_dir.glob(".*staged*"))
    assert folder.is_dir() and not list(tmp_path.glob("index/.default.journal*"))
