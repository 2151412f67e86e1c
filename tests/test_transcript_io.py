"""Transcript files in the encodings real sources use are read; what is not text is refused."""

import codecs

import pytest

from rag.errors import TranscriptError
from rag.transcripts.read import MAX_TRANSCRIPT_BYTES, decode_transcript_bytes, read_transcript_file

CHINESE = "李苏珊：我们预计 2025 年第三季度收入在 475 亿至 505 亿美元之间。\n扎克伯格：谢谢。\n"
ENGLISH = "Colette Kress -- Chief Financial Officer\nRevenue of $35.1 billion was up 17% sequentially.\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CHINESE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + CHINESE.encode("utf-8"), "utf-8-sig"),
        (CHINESE.encode("gb18030"), "gb18030"),
        (CHINESE.encode("gbk"), "gb18030"),
        (CHINESE.encode("utf-16"), "utf-16"),  # with a byte-order mark
        (codecs.BOM_UTF16_BE + CHINESE.encode("utf-16-be"), "utf-16"),
        (ENGLISH.encode("utf-16-le"), "utf-16-le"),  # no byte-order mark
        (ENGLISH.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_each_encoding_reads_back_the_same_text(data, encoding):
    decoded = decode_transcript_bytes(data, "call.txt")
    expected = CHINESE if "李苏珊" in decoded.text else ENGLISH
    assert decoded.text == expected
    assert decoded.encoding == encoding


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t\n", "empty"),
        ("—— 。。。 …… ---".encode(), "no usable text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
        (bytes(range(128, 256)) * 40, "not readable"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 200, "control characters"),
    ],
)
def test_what_is_not_a_transcript_is_refused_with_the_reason(data, reason):
    with pytest.raises(TranscriptError, match=reason):
        decode_transcript_bytes(data, "upload.bin")


def test_a_missing_file_and_an_oversized_file_are_refused(tmp_path):
    with pytest.raises(TranscriptError, match="no such file"):
        read_transcript_file(tmp_path / "missing.txt")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_TRANSCRIPT_BYTES + 1)  # sparse: no 50 MB written
    with pytest.raises(TranscriptError, match="larger than the 50 MB limit"):
        read_transcript_file(huge)
