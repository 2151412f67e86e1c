"""Reading transcript files in the encodings real sources use, refusing what is not text."""

from __future__ import annotations

import codecs
from pathlib import Path

from rag.errors import TranscriptError

MAX_TRANSCRIPT_BYTES = 50 * 1024 * 1024


def decode_transcript(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with BOM), or GB18030/GBK; binary and empty input refused."""
    if not data.strip():
        raise TranscriptError(f"{name}: the file is empty; nothing to index")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    elif data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    else:
        if b"\x00" in data[:4096]:
            raise TranscriptError(
                f"{name}: looks like a binary file (NUL bytes), not a transcript; "
                "save it as plain text (UTF-8) and add it again"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as err:
                raise TranscriptError(
                    f"{name}: not readable as UTF-8, UTF-16 or GB18030 text; "
                    "save it as UTF-8 and add it again"
                ) from err
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if printable < 0.95 * len(text):
        raise TranscriptError(f"{name}: mostly control characters; this does not look like a transcript")
    if not any(ch.isalnum() for ch in text):
        raise TranscriptError(f"{name}: no usable text (no letters or digits)")
    return text


def read_transcript(path: Path) -> str:
    if not path.is_file():
        raise TranscriptError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(f"{path.name}: {size / 1e6:.0f} MB is larger than the 50 MB limit for one transcript")
    return decode_transcript(path.read_bytes(), path.name)
