"""Which PDF library reads IR transcripts best: pypdf, pdfplumber and pdfminer.six compared.

    python bench/pdf_extraction.py [--samples DIR]

Renders the official IR samples (../shared/samples/ir-official, their paragraphs as the reflow reads
them) and the checked-in Acme fixture into IR-style PDFs (tests/pdf_fixtures.py: running header,
"Page x of y" footers, justified wrapped paragraphs), extracts each with the three libraries, reflows
the text as the product does, and prints per library: word accuracy against the rendered paragraphs
(difflib ratio over words), the share of paragraphs that come back as paragraphs, and seconds per page.
(PyMuPDF is AGPL and not considered.)
"""

from __future__ import annotations

import argparse
import difflib
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.transcripts.reflow import reflow_paragraphs  # noqa: E402
from tests.pdf_fixtures import ACME_PARAGRAPHS, render_transcript_pdf  # noqa: E402


def _pypdf(data: bytes) -> tuple[str, int]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\f".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


def _pdfplumber(data: bytes) -> tuple[str, int]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\f".join(page.extract_text() or "" for page in pdf.pages), len(pdf.pages)


def _pdfminer(data: bytes) -> tuple[str, int]:
    from pdfminer.high_level import extract_text

    text = extract_text(io.BytesIO(data))
    return text, text.rstrip("\f").count("\f") + 1


LIBRARIES = {"pypdf (BSD-3)": _pypdf, "pdfplumber (MIT)": _pdfplumber, "pdfminer.six (MIT)": _pdfminer}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    args = parser.parse_args()
    documents = {"acme fixture": ACME_PARAGRAPHS * 3}
    for path in sorted((args.samples / "ir-official").glob("*.md")):
        paragraphs = [p.text for p in reflow_paragraphs(path.read_text(encoding="utf-8"))]
        documents[path.name] = [p for p in paragraphs if not p.startswith(("#", "-", "*"))]
    with tempfile.TemporaryDirectory() as scratch:
        print(f"{'document':<18} {'library':<20} {'words':>7} {'paragraphs':>11} {'s/page':>7}")
        for name, paragraphs in documents.items():
            pdf = render_transcript_pdf(
                paragraphs,
                Path(scratch) / "doc.pdf",
                running_header=f"{name} Earnings Call",
                unicode_font=True,
            ).read_bytes()
            truth_words = " ".join(paragraphs).split()
            truth_starts = {" ".join(p.split()[:6]) for p in paragraphs if len(p.split()) >= 6}
            for library, extract in LIBRARIES.items():
                clock = time.perf_counter()
                text, pages = extract(pdf)
                seconds = (time.perf_counter() - clock) / max(1, pages)
                got = [p.text for p in reflow_paragraphs(text)]
                words = difflib.SequenceMatcher(
                    None, truth_words, " ".join(got).split(), autojunk=False
                ).ratio()
                starts = {" ".join(p.split()[:6]) for p in got}
                kept = len(truth_starts & starts) / max(1, len(truth_starts))
                print(f"{name:<18} {library:<20} {words:>7.3f} {kept:>11.2f} {seconds:>7.3f}")


if __name__ == "__main__":
    main()
