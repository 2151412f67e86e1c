"""Reading transcript files: text in the encodings real sources use, and PDF, saved web pages and DOCX
through rag.transcripts.documents; what is none of these is refused with the reason.

`SUPPORTED_SUFFIXES` is the one list of the file types the readers take (`rag add`, the upload form
and its limits use it). A file is recognised by its bytes first: a PDF is read as a PDF whatever its
name, and never decoded as text. For text, the byte-order marks, UTF-8, and GB18030 (a superset of
GBK and GB2312) are tried in that order; a
GB18030 reading that gives mostly rare symbols is binary. (charset-normalizer was measured instead: it
read a four-character GBK text as cp949 and cp1252 as cp775, so the explicit order stays.)"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from rag.errors import TranscriptError
from rag.transcripts.documents import (
    docx_text,
    html_text,
    looks_like_docx,
    looks_like_html,
    looks_like_pdf,
    pdf_text,
)

# the file types `rag add` and the upload form accept, and the reader of each kind
TEXT_SUFFIXES = (".txt", ".md", ".json")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".pdf", *HTML_SUFFIXES, ".docx")
MAX_TRANSCRIPT_BYTES = 50 * 1024 * 1024
_SAMPLE = 4096


@dataclass(frozen=True)
class DecodedTranscript:
    text: str
    # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-16", "gb18030"; or "pdf", "html", "docx"
    encoding: str


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when NUL bytes sit in one byte position only, as in BOM-less UTF-16."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    even, odd = sample[0::2], sample[1::2]
    if not sample or len(data) % 2:
        return None
    even_nuls, odd_nuls = even.count(0), odd.count(0)
    if odd_nuls > 0.3 * len(odd) and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > 0.3 * len(even) and odd_nuls == 0:
        return "utf-16-be"
    return None


def _decode(data: bytes, name: str) -> DecodedTranscript:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return DecodedTranscript(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as err:
            raise TranscriptError(
                f"{name}: starts with a UTF-16 byte-order mark but is not valid UTF-16"
            ) from err
    if data.startswith(codecs.BOM_UTF8):
        try:
            return DecodedTranscript(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as err:
            raise TranscriptError(
                f"{name}: starts with a UTF-8 byte-order mark but is not valid UTF-8"
            ) from err
    if b"\x00" in data[:_SAMPLE]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            try:
                return DecodedTranscript(data.decode(utf16), utf16)
            except UnicodeDecodeError:
                pass
        raise TranscriptError(
            f"{name}: looks like a binary file (NUL bytes), not a transcript; "
            "save it as plain text (UTF-8) and add it again"
        )
    try:
        return DecodedTranscript(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return DecodedTranscript(data.decode("gb18030"), "gb18030")  # a superset of GBK and GB2312
    except UnicodeDecodeError as err:
        raise TranscriptError(
            f"{name}: not readable as UTF-8, UTF-16 or GB18030 text; save it as UTF-8 and add it again"
        ) from err


def _has_common_script(text: str) -> bool:
    """Mostly Latin, CJK ideographs and their punctuation: what GB18030 text decodes to. Any byte
    string that is not UTF-8 decodes as GB18030, but bytes of another kind give rare symbols."""
    sample = [ch for ch in text[:20000] if not ch.isspace()]
    if not sample:
        return False
    common = sum(
        ch.isascii()
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or "\u2010" <= ch <= "\u206f"
        or "\u00a0" <= ch <= "\u024f"
        for ch in sample
    )
    return common >= 0.9 * len(sample)


def decode_transcript_bytes(data: bytes, name: str) -> DecodedTranscript:
    """UTF-8 (with or without BOM), UTF-16 (with BOM, or without one for mostly-ASCII text) or
    GB18030/GBK; binary, empty and letter-free input refused with a message that says why."""
    if not data.strip():
        raise TranscriptError(f"{name}: the file is empty; nothing to index")
    decoded = _decode(data, name)
    text = decoded.text
    if not text.strip():
        raise TranscriptError(f"{name}: the file holds only whitespace; nothing to index")
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if printable < 0.95 * len(text):
        raise TranscriptError(f"{name}: mostly control characters; this does not look like a transcript")
    if not any(ch.isalnum() for ch in text):
        raise TranscriptError(f"{name}: no usable text (no letters or digits)")
    if decoded.encoding == "gb18030" and not _has_common_script(text):
        raise TranscriptError(
            f"{name}: decodes as {decoded.encoding} only into rare symbols; this looks like a binary file, "
            "not a transcript"
        )
    return decoded


def decode_transcript(data: bytes, name: str) -> str:
    """The text of a transcript file's bytes (see decode_transcript_bytes)."""
    return decode_transcript_bytes(data, name).text


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def document_text(data: bytes, name: str) -> DecodedTranscript:
    """The text of a file's bytes by what they are: PDF, DOCX, web page, or text (`name` gives the
    suffix and names the file in messages)."""
    suffix = Path(name).suffix.lower()
    if looks_like_pdf(data):
        return DecodedTranscript(pdf_text(data, name), "pdf")
    if looks_like_docx(data):
        return DecodedTranscript(docx_text(data, name), "docx")
    if suffix == ".pdf":
        raise TranscriptError(f"{name}: named .pdf but not a PDF (no %PDF- header); re-export it")
    if suffix == ".docx":
        raise TranscriptError(f"{name}: named .docx but not a Word document; re-export it")
    if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and looks_like_html(data)):
        return DecodedTranscript(html_text(decode_transcript_bytes(data, name).text, name), "html")
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise TranscriptError(
            f"{name}: {suffix} files are not supported; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return decode_transcript_bytes(data, name)


def read_transcript_file(path: Path) -> DecodedTranscript:
    if not path.is_file():
        raise TranscriptError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(
            f"{path.name}: {size / 1e6:.0f} MB is larger than the {MAX_TRANSCRIPT_BYTES // 2**20} MB limit "
            "for one transcript; split it into one file per call"
        )
    return document_text(path.read_bytes(), path.name)


def read_transcript(path: Path) -> str:
    return read_transcript_file(path).text
