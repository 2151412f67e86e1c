"""The hand-kept vocabulary of the text stage: the English ↔ Chinese finance glossary, the common
English words that are never topic terms, and the company names users write (rag/data/*.json)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from rag.settings import DATA_DIR

GLOSSARY_FILE = DATA_DIR / "glossary.json"
COMMON_ENGLISH_FILE = DATA_DIR / "english_common.txt"
COMPANIES_FILE = DATA_DIR / "companies.json"


def glossary_file() -> Path:
    """rag/data/glossary.json, or the file RAG_GLOSSARY_FILE names (`rag eval --without-hand-knowledge`
    points it at an empty one, to show what the hand-kept terms carry)."""
    return Path(os.environ.get("RAG_GLOSSARY_FILE") or GLOSSARY_FILE)


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    """English key (lower case) → its Chinese renderings and English synonyms."""
    terms = json.loads(glossary_file().read_text(encoding="utf-8"))["terms"]
    return {k.lower(): tuple(v) for k, v in terms.items()}


def glossary_digest() -> str:
    """A short hash of the glossary file: an index cut with another glossary is stale."""
    return hashlib.sha256(glossary_file().read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def english_renderings() -> dict[str, tuple[str, ...]]:
    """A Chinese rendering → the English keys it renders and their English synonyms ("自由现金流": "free
    cash flow", "fcf"; "提价": "price increase", "pricing"), so a Chinese question's term can be found in
    English passages."""
    found: dict[str, list[str]] = {}
    for key, renderings in glossary().items():
        english = [key, *(r for r in renderings if not _CJK.search(r))]
        for rendering in renderings:
            if _CJK.search(rendering):
                found.setdefault(rendering, []).extend(english)
    return {rendering: tuple(dict.fromkeys(words)) for rendering, words in found.items()}


_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def glossary_words() -> frozenset[str]:
    return frozenset(w.lower() for key, renderings in glossary().items() for w in (key, *renderings))


def is_glossary_word(word: str) -> bool:
    """An English key or a rendering of the glossary ("资本支出", "capex")."""
    return word.lower() in glossary_words()


@lru_cache(maxsize=1)
def glossary_phrases() -> re.Pattern[str]:
    """Every glossary phrase as whole words, longest first so "capital expenditures" beats "capital"
    (one compiled pattern: a pattern per phrase cost ~1 ms a question)."""
    phrases = sorted(glossary(), key=len, reverse=True)
    if not phrases:
        return re.compile(r"(?!)")  # an empty glossary matches nothing (not the empty string everywhere)
    return re.compile(rf"(?<![a-z])(?:{'|'.join(re.escape(p) for p in phrases)})(?![a-z])")


@lru_cache(maxsize=1)
def common_english() -> frozenset[str]:
    words: set[str] = set()
    for line in COMMON_ENGLISH_FILE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.lower().split())
    return frozenset(words)


@lru_cache(maxsize=1)
def company_aliases() -> dict[str, tuple[str, ...]]:
    """Every company name users may write, by canonical name."""
    data = json.loads(COMPANIES_FILE.read_text(encoding="utf-8"))["companies"]
    return {name: tuple(dict.fromkeys([name, *aliases])) for name, aliases in data.items()}


def company_key(name: str) -> str:
    """ "Coca Cola", "Coca-Cola" and "coca-cola" are one company."""
    return re.sub(r"[\W_]+", "", name).casefold()
