"""Whether a Chinese name transliterates an English one: "克罗格" (ke-luo-ge) is Kroger, "克劳斯" (ke-lao-si)
Clouse, "斯凯奇" (si-kai-qi) Skechers. The dictionary has the best-known names ("高露洁" is Colgate);
these are the rest, which Chinese write-ups coin by sound.

Both names become a skeleton of consonant classes, the way transliteration hears them: b/p, d/t,
g/k/c, f/v, the sibilants (s, z, j, q, x, sh, ch, zh), l/r, m, n; vowels, h, w and y drop out, a
syllable's nasal final counts as n ("康尼格拉" is k-n-n-k-l: Conagra), "er" as l; English "th" is heard
as t or s ("沃辛顿" is Worthington) and "ng" before a consonant as n ("华盛顿" is Washington). A Chinese
name matches an English one when the skeletons agree but for English r and l, which Chinese drops
("诺福克" n-f-k is Norfolk n-l-f-l-k), and a final -s ("斯凯奇" s-k-s is Skechers s-k-s-l-s). Skeletons
shorter than three classes are too common to tell names apart and match nothing. Where several names
match, the closest (fewest classes left unsaid) is the one meant, and a tie means none.
"""

from __future__ import annotations

import re

from rag.text.cedict import pinyin_of

MIN_SKELETON = 3
_ENGLISH_DIGRAPHS = (
    ("ph", "f"),
    ("ch", "s"),
    ("sh", "s"),
    ("ck", "k"),
    ("qu", "k"),
    ("x", "ks"),
)
_ENGLISH_CLASSES = {
    **dict.fromkeys("bp", "P"),
    **dict.fromkeys("dt", "T"),
    **dict.fromkeys("gkq", "K"),
    **dict.fromkeys("fv", "F"),
    **dict.fromkeys("sz", "S"),
    "j": "S",
    "l": "L",
    "r": "L",
    "m": "M",
    "n": "N",
}
_PINYIN_INITIAL = re.compile(r"^(zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?")
_PINYIN_CLASSES = {
    **dict.fromkeys(["b", "p"], "P"),
    **dict.fromkeys(["d", "t"], "T"),
    **dict.fromkeys(["g", "k"], "K"),
    "f": "F",
    **dict.fromkeys(["j", "q", "x", "zh", "ch", "sh", "z", "c", "s"], "S"),
    **dict.fromkeys(["l", "r"], "L"),
    "m": "M",
    "n": "N",
}


def _collapse(classes: list[str]) -> str:
    return "".join(c for i, c in enumerate(classes) if i == 0 or c != classes[i - 1])


def english_skeleton(name: str, th: str = "t") -> str:
    """ "Kroger" → "KLKL", "Clouse" → "KLS"; `th` is how "th" is heard (Chinese hears it as t or s)."""
    word = re.sub(r"[^a-z]", "", name.casefold())
    word = word.replace("th", th)
    word = re.sub(r"ng(?![aeiouy])", "n", word)  # a nasal final: "Washington" is 华盛顿 (s-n-t-n)
    for digraph, sound in _ENGLISH_DIGRAPHS:
        word = word.replace(digraph, sound)
    word = re.sub(r"c(?=[eiy])", "s", word).replace("c", "k")
    return _collapse([_ENGLISH_CLASSES[ch] for ch in word if ch in _ENGLISH_CLASSES])


def chinese_skeleton(name: str) -> str | None:
    """ "克罗格" → "KLK"; None when a character has no reading."""
    syllables = pinyin_of(name)
    if syllables is None:
        return None
    classes: list[str] = []
    for syllable in syllables:
        if syllable == "er":
            classes.append("L")
            continue
        initial = _PINYIN_INITIAL.match(syllable).group(1) or ""  # type: ignore[union-attr]
        if initial in _PINYIN_CLASSES:
            classes.append(_PINYIN_CLASSES[initial])
        if syllable.endswith(("n", "ng")) and len(syllable) > len(initial) + 1:
            classes.append("N")
    return _collapse(classes)


def sounds_like(chinese: str, english: str) -> bool:
    """Whether the Chinese name transliterates the English one (module docstring)."""
    return sound_distance(chinese, english) is not None


def sound_distance(chinese: str, english: str) -> int | None:
    """How many English consonant classes the Chinese name leaves unsaid (0: every one heard), or None
    when it does not transliterate the English name. Chinese drops an r or l anywhere ("诺福克" is
    Norfolk) and a final -s or -r ("斯凯奇" is Skechers), never another consonant ("克罗格" is not
    Colgate: its final t would be heard)."""
    heard = chinese_skeleton(chinese)
    if heard is None or len(heard) < MIN_SKELETON:
        return None
    distances = [d for th in ("t", "s") if (d := _unsaid(heard, english_skeleton(english, th))) is not None]
    return min(distances, default=None)


def _unsaid(heard: str, written: str) -> int | None:
    i, dropped = 0, 0
    for position, c in enumerate(written):
        if i < len(heard) and c == heard[i]:
            i += 1
        elif c == "L" or (i == len(heard) and c == "S"):
            dropped += 1
        else:
            return None
        if i == len(heard) and all(rest in "LS" for rest in written[position + 1 :]):
            return dropped + len(written) - position - 1
    return None
