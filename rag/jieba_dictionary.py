"""The dictionary jieba cuts with: its own, trimmed to the words common enough to matter here.

jieba's full dictionary has 349k words, most of them rare idioms and names; loading it costs ~1.1 s
and its part-of-speech table another ~0.6 s in every process that reads a Chinese question. Words
seen at least MIN_FREQUENCY times in jieba's own counts (67k) load in ~0.3 s together, and cut the
questions and transcripts here the same way where it counts: topic nouns, product and finance terms
(the glossary is added on top), person names. Words it no longer knows fall to jieba's HMM, and the
lexical index also keeps every character bigram, so a rarer word still matches.

The trimmed file is derived from the installed jieba on first use and kept in the cache folder; its
name carries jieba's version and the threshold, and the index manifest records LEXICAL_VERSION, so a
change in either rebuilds what depends on it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

MIN_FREQUENCY = 30


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "earnings-rag" / "jieba"


def trimmed_lines(full_dictionary: Path, min_frequency: int = MIN_FREQUENCY) -> list[str]:
    """Lines "word frequency tag" of the full dictionary whose frequency reaches min_frequency."""
    kept = []
    for line in full_dictionary.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) >= min_frequency:
            kept.append(line)
    return kept


def trimmed_dictionary(folder: Path | None = None) -> Path | None:
    """The trimmed dictionary file, written atomically the first time it is asked for; None when the
    cache folder cannot be written (jieba then keeps its full dictionary: slower to load, same use)."""
    import jieba

    folder = folder or cache_folder()
    target = folder / f"dict-jieba{jieba.__version__}-min{MIN_FREQUENCY}.txt"
    if target.is_file():
        return target
    full = Path(jieba.__file__).parent / "dict.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=".dict-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("\n".join(trimmed_lines(full)) + "\n")
        os.replace(staging, target)
    except OSError as exc:
        logging.getLogger(__name__).warning("cannot write jieba's trimmed dictionary in %s: %s", folder, exc)
        return None
    return target
