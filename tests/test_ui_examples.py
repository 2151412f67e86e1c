"""The chat page's example questions and menus come from the loaded calls, whatever their size."""

from __future__ import annotations

from rag.api import Catalog, speaker_label
from rag.chunks import Chunk
from rag.transcripts.manifest import CallInfo, corpus_summary
from rag.transcripts.speakers import Person
from ui.app import _menus, listed_speakers
from ui.examples import curated_examples, drawn_examples


def _chunk(text: str, speaker: str, role: str, kind: str, company: str = "Acme", quarter: str = "2024Q3"):
    return Chunk(
        text=text,
        company=company,
        quarter=quarter,
        speaker=speaker,
        role=role,
        firm=None,
        turn=1,
        source=f"{company}-{quarter}.txt",
        start=0,
        end=len(text),
        kind=kind,
        language="en",
    )


def test_checked_examples_are_offered_only_while_their_company_is_loaded() -> None:
    assert "What did Susan say about MTIA?" in curated_examples(["Meta", "Acme"])
    assert curated_examples(["Acme", "Globex"]) == []


def test_drawn_examples_name_a_real_speaker_and_a_term_from_their_call() -> None:
    chunks = [
        _chunk("Our gross margin expanded and gross margin will keep rising.", "Jane Roe", "CFO", "remarks"),
        _chunk("Can you talk about free cash flow?", "Raj Patel", "Analyst", "question"),
        _chunk("Old news about revenue.", "Old Timer", "CEO", "remarks", quarter="2020Q1"),
    ]
    assert drawn_examples(chunks, ["2020Q1", "2024Q3"]) == [
        "What did Jane Roe say about gross margin in 2024Q3?",
        "Who asked about free cash flow on the Acme call?",
    ]


def test_menus_are_sorted_and_a_speaker_shows_role_and_company_but_keeps_the_name_as_value() -> None:
    people = [Person("Zed Alpha", "CEO", company="Acme"), Person("amy Beta", "Analyst", firm="Big Bank")]
    known = Catalog(
        companies=["globex", "Acme"],
        quarters=["2024Q3", "2024Q4"],
        speakers=["Zed Alpha", "amy Beta"],
        speaker_labels={p.name: speaker_label(p) for p in people},
    )
    companies, quarters, speakers = _menus(known)
    assert companies == [("Any company", ""), ("Acme", "Acme"), ("globex", "globex")]
    assert quarters == [("Any quarter", ""), ("2024Q4", "2024Q4"), ("2024Q3", "2024Q3")]
    assert speakers == [
        ("Anyone", ""),
        ("amy Beta — Analyst, Big Bank", "amy Beta"),
        ("Zed Alpha — CEO, Acme", "Zed Alpha"),
    ]


def test_the_corpus_summary_is_one_line_whatever_its_size() -> None:
    calls = [CallInfo(f"c{i}.txt", f"Co{i % 30}", f"202{i % 3}Q{i % 4 + 1}") for i in range(60)]
    assert corpus_summary(calls) == "30 companies · 60 calls · 2020Q1–2022Q4"
    assert corpus_summary(calls[:1]) == "1 company · 1 call · 2020Q1"
    many = [CallInfo(f"c{i}.txt", f"Co{i}", "2024Q1") for i in range(1200)]
    assert corpus_summary(many) == "1,200 companies · 1,200 calls · 2024Q1"


class _Engine:
    def speakers_of(self, company: str) -> list[str]:
        return {"Acme": ["Zed Alpha"]}.get(company, [])


def test_a_large_library_lists_speakers_once_a_company_is_chosen() -> None:
    known = Catalog(companies=["Acme", "Globex"], quarters=["2024Q3"], speakers=["Zed Alpha", "amy Beta"])
    assert listed_speakers(_Engine(), known, "", most=2) == ["Zed Alpha", "amy Beta"]  # type: ignore[arg-type]
    assert listed_speakers(_Engine(), known, "", most=1) == []  # type: ignore[arg-type]
    assert listed_speakers(_Engine(), known, "Acme", most=1) == ["Zed Alpha"]  # type: ignore[arg-type]
