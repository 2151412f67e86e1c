"""Text out of the documents analysts have: PDF (its text layer, page by page), saved web pages, DOCX.

PDF: pdfminer.six (MIT), chosen over pypdf (BSD) and pdfplumber (MIT) by bench/pdf_extraction.py on
IR-style PDFs rendered from the two Meta IR samples and the Acme fixture: words 0.999 against 1.000
for both others, but paragraphs kept 0.98-1.00 against pypdf's 0.86-0.91 and pdfplumber's 0.79-0.91
(it leaves a blank line between text boxes, which the reflow needs to tell a wrapped line from a
paragraph end); 0.15-0.20 s a page against pypdf's 0.05-0.10 and pdfplumber's 0.38-0.43. PyMuPDF
(AGPL) is not an option. Pages are joined with a form feed ("\\f") so that the page of every passage
survives into the stored transcript. A PDF without a text layer (a scan) is refused: this product does no OCR.
HTML: trafilatura keeps the main text and drops navigation, ads and comments.
"""

from __future__ import annotations

import io
import re
import zipfile

from rag.errors import TranscriptError

PAGE_BREAK = "\f"
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
# fewer letters or digits than this per page on average: the PDF has no usable text layer
MIN_TEXT_PER_PAGE = 40
_HTML_START = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body|<meta|<!--)", re.I)


def looks_like_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(PDF_MAGIC)


def looks_like_docx(data: bytes) -> bool:
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def looks_like_html(data: bytes) -> bool:
    return bool(_HTML_START.match(data[:2048].lstrip(b"\xef\xbb\xbf")))


def pdf_text(data: bytes, name: str) -> str:
    """The text layer of a PDF, pages separated by form feeds; scans and unreadable PDFs refused."""
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        text = extract_text(io.BytesIO(data), laparams=LAParams())
    except (PDFPasswordIncorrect, PDFEncryptionError) as err:
        raise TranscriptError(
            f"{name}: the PDF is encrypted ({type(err).__name__}); save an unprotected copy and add it again"
        ) from err
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AssertionError) as err:
        raise TranscriptError(
            f"{name}: not a readable PDF ({type(err).__name__}: {err}); re-export it and add it again"
        ) from err
    pages = text.rstrip(PAGE_BREAK).split(PAGE_BREAK)
    letters = sum(ch.isalnum() for ch in text)
    if letters < MIN_TEXT_PER_PAGE * len(pages):
        raise TranscriptError(
            f"{name}: the PDF has no text layer ({letters} letters on {len(pages)} pages): it looks like "
            "a scan. Run OCR on it (or get the text version) and add that"
        )
    # justified lines come out with runs of spaces; one is what the words had
    return PAGE_BREAK.join(re.sub(r"[ \t]{2,}", " ", page) for page in pages)


def html_text(markup: str, name: str) -> str:
    """The main text of a saved web page, one paragraph a line (navigation, ads, comments dropped)."""
    import trafilatura

    text = trafilatura.extract(
        markup, include_comments=False, include_tables=False, include_links=False, favor_recall=True
    )
    if not text or not text.strip():
        raise TranscriptError(f"{name}: no article text found in the web page; save the transcript as text")
    return text


def docx_text(data: bytes, name: str) -> str:
    """The paragraphs of a Word document, one a line."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (ValueError, KeyError, zipfile.BadZipFile) as err:
        raise TranscriptError(f"{name}: not a readable Word document ({err})") from err
    text = "\n\n".join(p.text for p in document.paragraphs if p.text.strip())
    if not text.strip():
        raise TranscriptError(f"{name}: the Word document holds no text")
    return text
