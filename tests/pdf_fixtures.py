"""Rendering a transcript's paragraphs into an investor-relations style PDF (fpdf2): a running header,
"Page x of y" footers, wrapped and justified paragraphs, bold "Name, Title" header lines.

Used to make the small PDF fixtures checked in under tests/fixtures (`python -m tests.pdf_fixtures`)
and, by bench/pdf_extraction.py, to render the real IR samples for the extraction comparison."""

from __future__ import annotations

import sys
from pathlib import Path

from fpdf import FPDF

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


class _TranscriptPDF(FPDF):
    def __init__(self, running_header: str, font: str) -> None:
        super().__init__(format="letter")
        self.running_header = running_header
        self.body_font = font

    def header(self) -> None:
        self.set_font(self.body_font, size=8)
        self.cell(0, 8, self.running_header, align="R")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.body_font, size=8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def render_transcript_pdf(
    paragraphs: list[str],
    target: Path,
    *,
    running_header: str,
    justify: bool = True,
    unicode_font: bool = False,
) -> Path:
    """One PDF page flow of `paragraphs`; a paragraph that ends in a title (no final stop, with a
    comma) and is short is set in bold as a speaker header line."""
    font = "Helvetica"
    pdf = _TranscriptPDF(running_header, font)
    if unicode_font:
        pdf.add_font("DejaVu", "", str(_UNICODE_FONT))
        pdf.add_font("DejaVu", "B", str(_UNICODE_FONT.with_name("DejaVuSans-Bold.ttf")))
        pdf.body_font = font = "DejaVu"
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(22, 18, 22)
    pdf.add_page()
    for paragraph in paragraphs:
        header = len(paragraph) < 70 and "," in paragraph and not paragraph.endswith((".", "?", "!", ":"))
        pdf.set_font(font, "B" if header else "", size=10.5)
        pdf.multi_cell(0, 5.2, paragraph, align="J" if justify and not header else "L")
        pdf.ln(3.5)
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return target


def render_scanned_pdf(target: Path) -> Path:
    """A PDF whose page is only a picture (no text layer), as a scanner makes it."""
    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_fill_color(230, 230, 230)
    for row in range(40):
        pdf.rect(20, 20 + row * 6, 160 - (row * 7) % 50, 3, style="F")
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return target


ACME_PARAGRAPHS = [
    "Acme Robotics, Inc. (ACME)",
    "Third Quarter 2025 Results Conference Call",
    "October 28, 2025",
    "Dana Whitfield, Vice President, Investor Relations",
    "Thank you. Good afternoon and welcome to the Acme Robotics third quarter 2025 earnings conference "
    "call. Joining me today to discuss our results are Gerard H. Sweeney, CEO and Priya Raman, CFO.",
    "Our remarks today will include forward-looking statements, which are based on assumptions as of today. "
    "Actual results may differ materially from those contemplated by these statements.",
    "And now, I would like to turn the call over to Gerry.",
    "Gerard H. Sweeney, Chief Executive Officer",
    "Thanks, Dana. This was a strong quarter for Acme. Revenue grew 18% year-over-year to $412 million, "
    "driven by demand for our warehouse picking arms across North America and Europe. Our installed base "
    "passed 9,000 robots, and customers who deployed the new vision module last quarter are reporting "
    "throughput gains of about 30% on mixed-item orders.",
    "We also started shipping the Atlas gripper to our first three logistics customers. It handles soft "
    "packaging that our older grippers could not pick reliably, and the early field data is encouraging. "
    "We expect the gripper to be available to every customer by the second quarter of next year.",
    "On the factory side, the new plant in Monterrey is now producing arms at volume, which lowers our unit "
    "cost and shortens delivery times for customers in the Americas from twelve weeks to about six weeks.",
    "Now I will hand over to Priya.",
    "Priya Raman, Chief Financial Officer",
    "Thank you, Gerry. Third quarter revenue was $412 million, up 18% compared with the third quarter of "
    "2024. Gross margin was 41.5%, up 220 basis points, mainly because the Monterrey plant reached volume "
    "production earlier than we had planned.",
    "Operating expenses were $121 million. Research and development grew 24%, as we keep investing in the "
    "vision module and the gripper. We ended the quarter with $690 million in cash and no debt.",
    "Turning to the outlook. For the fourth quarter of 2025 we expect revenue of $430 million to $450 "
    "million. For the full year 2025 we now expect capital expenditures of about $95 million, up from our "
    "prior estimate of $80 million, as we add a second production line in Monterrey.",
    "With that, operator, let us open the call for questions.",
    "Operator: Thank you. We will now open the lines for questions. Your first question comes from the "
    "line of Marcus Lee with Goldman Sachs. Please go ahead.",
    "Marcus Lee: Thanks for taking my question. Gerry, could you talk about the gripper rollout and how "
    "quickly you expect customers to adopt it? And Priya, what drives the higher capital expenditure "
    "estimate for next year?",
    "Gerard H. Sweeney: Thanks, Marcus. The gripper rollout is going well. The first three customers are "
    "running it on live orders, and we are adding customers each month as our field teams are trained.",
    "Priya Raman: On capital expenditures, the increase is the second production line in Monterrey. It "
    "lets us meet demand we already see in our order book, and we expect it to be running by mid-2026.",
    "Operator: Your next question comes from Elena Petrova with Morgan Stanley. Please go ahead.",
    "Elena Petrova: Thank you. Can you say more about pricing? Are customers paying more for the vision "
    "module, or is it part of the standard arm?",
    "Gerard H. Sweeney: The vision module is sold as an upgrade. About 40% of new arms shipped with it "
    "this quarter, and we price it at roughly 15% of the cost of the arm.",
    "Dana Whitfield: Thank you for joining us today. We look forward to speaking with you next quarter.",
    "Operator: This concludes today's conference call. You may now disconnect.",
]


def make_fixtures(folder: Path = FIXTURES) -> list[Path]:
    """(Re)write the PDF fixtures: an IR transcript (three pages and more) and a scanned page."""
    return [
        render_transcript_pdf(
            ACME_PARAGRAPHS,
            folder / "acme-2025q3-ir.pdf",
            running_header="Acme Robotics Q3 2025 Earnings Call",
        ),
        render_scanned_pdf(folder / "scanned.pdf"),
    ]


if __name__ == "__main__":
    for written in make_fixtures(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES):
        print(written, written.stat().st_size, "bytes")
