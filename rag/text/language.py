"""Which language a text is in: one rule for questions, answers, prompts and transcripts."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Chinese when ideographs are at least this share of the letters: "What did 李苏珊 say about capex?"
# (3 of 25) is an English question naming a person in Chinese; "capex 指引是多少" is Chinese.
CHINESE_SHARE = 0.2
_SAMPLE_CHARS = 50_000


def language_of(text: str) -> str:
    """ "zh" or "en"."""
    sample = text[:_SAMPLE_CHARS]
    cjk = len(CJK.findall(sample))
    letters = sum(ch.isalpha() for ch in sample)
    return "zh" if letters and cjk / letters >= CHINESE_SHARE else "en"


def is_chinese(text: str) -> bool:
    return language_of(text) == "zh"


def has_cjk(text: str) -> bool:
    return CJK.search(text) is not None
