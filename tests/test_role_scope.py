"""Role words ("the CFO", "管理层") mean the people of the company a question is about, once users
have added other companies' calls with `rag add`.

The corpus is the shipped Meta calls plus NVIDIA's real Q3 FY25 call (read in place from
../shared/samples) and a short Acme call written here, each added through the real ingestion path
with the real embedding model; the Meta index is copied from the session's index so that only the
added calls are embedded.
"""

from __future__ import annotations

import shutil

import pytest

from rag.api import QueryEngine
from rag.indexing.embedding.embedders import load_embedder
from rag.indexing.store import staleness
from rag.indexing.updates import add_transcript
from rag.settings import Settings
from tests.samples import SAMPLES

NVIDIA_CALL = SAMPLES / "nvda-fy25q3-motley-fool.md"

ACME_CALL = """# Acme Corporation — Q3 2024 Earnings Call

Operator
Welcome to the Acme earnings call. Our first question comes from Jane Roe with Big Bank.
Jane Roe -- Analyst
How did cloud revenue grow this quarter, and what should we expect for gross margins and capex next year?
Dana Whitfield -- Chief Financial Officer
Cloud revenue grew 25% to $4.2 billion, and gross margin reached 61% on better pricing. We expect capex
of about $3 billion next year as we keep investing in new data centers.
Operator
That concludes today's call. Thank you for participating.
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def three_companies(engine: QueryEngine, tmp_path_factory: pytest.TempPathFactory) -> QueryEngine:
    """Meta's calls plus NVIDIA's and Acme's, added one by one, then a fresh query engine."""
    if not NVIDIA_CALL.is_file():
        pytest.skip(f"{NVIDIA_CALL} is not here")
    root = tmp_path_factory.mktemp("role_scope")
    settings = Settings(transcripts_dir=root / "transcripts", index_dir=root / "index" / "default")
    shutil.copytree(engine.settings.transcripts_dir, settings.transcripts_dir)
    shutil.copytree(engine.settings.index_dir, settings.index_dir)
    assert staleness(settings) is None  # the copied Meta index is reused, not rebuilt
    acme = root / "acme.md"
    acme.write_text(ACME_CALL, encoding="utf-8")
    model = load_embedder(settings, for_queries=False, progress=lambda _: None)
    for path in (NVIDIA_CALL, acme):
        add_transcript(path, settings, embedder=lambda: model, progress=lambda _: None)
    return QueryEngine.open(settings, progress=lambda _: None)


def _cited(answer) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(c.speaker, c.company) for c in answer.citations}


def test_the_corpus_has_a_cfo_at_each_company(three_companies):
    assert three_companies.store.companies == ["Acme", "Meta", "NVIDIA"]
    cfos = {p.name: p.company for p in three_companies.store.directory.people if p.role == "CFO"}
    assert cfos == {"Susan Li": "Meta", "Colette M. Kress": "NVIDIA", "Dana Whitfield": "Acme"}


def test_the_cfo_of_another_company_cites_only_that_cfo(three_companies):
    answer = three_companies.ask("What did the CFO of NVIDIA say about gross margins?")
    assert not answer.abstained and _cited(answer) == {("Colette M. Kress", "NVIDIA")}
    assert answer.filters["speaker"] == ["Colette M. Kress"] and answer.filters["company"] == ["NVIDIA"]


def test_metas_cfo_cites_only_susan_li(three_companies):
    answer = three_companies.ask("What did Meta's CFO say about capex?")
    assert not answer.abstained and _cited(answer) == {("Susan Li", "Meta")}


def test_a_company_named_anywhere_in_the_question_scopes_the_role_and_the_search(three_companies):
    request = three_companies.understand(
        "What did the CFO say about Meta's capex?", speaker=None, quarter=None, company=None
    )
    assert (request.speakers, request.companies) == (("Susan Li",), ("Meta",))


def test_the_company_filter_scopes_the_role(three_companies):
    answer = three_companies.ask("What did the CFO say about capex?", company="Acme")
    assert not answer.abstained and _cited(answer) == {("Dana Whitfield", "Acme")}


def test_the_cfo_of_no_company_means_each_company_s_cfo(three_companies):
    request = three_companies.understand(
        "What did the CFO say about gross margins?", speaker=None, quarter=None, company=None
    )
    assert set(request.speakers) == {"Susan Li", "Colette M. Kress", "Dana Whitfield"}
    assert request.companies == ()
    answer = three_companies.ask("What did the CFO say about gross margins?")
    assert answer.citations and _cited(answer) <= {
        ("Susan Li", "Meta"),
        ("Colette M. Kress", "NVIDIA"),
        ("Dana Whitfield", "Acme"),
    }


def test_a_company_s_management_is_its_ceo_and_cfo(three_companies):
    answer = three_companies.ask("What did NVIDIA's management say about Blackwell?")
    assert answer.citations and _cited(answer) <= {("Jensen Huang", "NVIDIA"), ("Colette M. Kress", "NVIDIA")}


def test_the_cfo_of_a_company_without_a_call_is_not_another_company_s_cfo(three_companies):
    answer = three_companies.ask("What did Apple's CFO say about margins?")
    assert answer.abstained and not answer.citations and "Apple" in answer.text


def test_a_named_person_asked_about_another_company_keeps_her_own_calls(three_companies):
    answer = three_companies.ask("What did Susan Li say about NVIDIA GPUs?")
    assert not answer.abstained and _cited(answer) == {("Susan Li", "Meta")}


def test_an_executive_fallback_searches_only_the_executive_s_own_company(three_companies):
    # Colette Kress never mentions Prometheus; Meta's unnamed management paragraphs do, and are
    # not hers to have said
    answer = three_companies.ask("What was said about Prometheus?", speaker="Colette Kress")
    assert all(c.company == "NVIDIA" for c in answer.citations), _cited(answer)
