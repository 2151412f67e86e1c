"""The other names a person goes by, generated from the name a transcript gives.

"Gerard H. Sweeney" is also "Gerard Sweeney" (middle initials and suffixes dropped), "Gerard",
"Sweeney", and "Gerry Sweeney": the English nickname table of the `nicknames` package (Doug =
Douglas, Ken = Kenneth, Jim = James), the diminutive a table nickname makes of the name's first
letters (Gerry: Ger-ard), and the given name cut short ("Raj Agrawal" for Rajesh K. Agrawal). These
aliases are derived, so weaker than the ones a transcript or speakers.json spells out: the directory
uses one only while it names a single person (rag.transcripts.speakers), so two people called Mark
make "Mark" name nobody.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "cpa", "esq"}
_LATIN_TOKEN = re.compile(r"[A-Z][A-Za-z'’\-]+")
_MIN_STEM = 3  # "Ger" of Gerry: shorter stems ("Al", "Ed") begin too many names
# a given name cut short, with the surname: "Raj Agrawal" is Rajesh K. Agrawal, "Alex" of Alexander
_MIN_CUT, _MAX_CUT = 3, 5


@lru_cache(maxsize=1)
def _nicknamer():  # type: ignore[no-untyped-def]
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=1)
def _nicknames_by_stem() -> dict[str, frozenset[str]]:
    """Table nicknames by their stem: "gerry" → "ger", "kenny" → "ken", "geri" → "ger"."""
    by_stem: dict[str, set[str]] = {}
    for nickname in _nicknamer().canonical_lookup:
        stem = _stem(nickname)
        if len(stem) >= _MIN_STEM:
            by_stem.setdefault(stem, set()).add(nickname)
    return {stem: frozenset(names) for stem, names in by_stem.items()}


def _stem(nickname: str) -> str:
    stem = re.sub(r"(?:ie|y|i)$", "", nickname.casefold())
    return stem[:-1] if len(stem) > 1 and stem[-1] == stem[-2] else stem


def name_tokens(name: str) -> tuple[str, list[str], str] | None:
    """(given name, middle names, surname) of a Latin "Given [Middle] Surname [Jr.]" name, else None."""
    tokens = [t for t in name.replace(",", " ").split() if t.strip(".").casefold() not in _SUFFIXES]
    if len(tokens) < 2 or not all(_LATIN_TOKEN.fullmatch(t) or re.fullmatch(r"[A-Z]\.?", t) for t in tokens):
        return None
    given, *middle, surname = tokens
    # an initial is a given name only before a full middle name ("K. Jon Taylor")
    if len(surname) < 2 or (len(given.rstrip(".")) < 2 and not any(len(m.rstrip(".")) > 1 for m in middle)):
        return None
    return given, middle, surname


def nicknames_of(given: str) -> list[str]:
    """Nicknames of a given name: the table's, and table nicknames whose stem begins it (capitalised)."""
    return list(_nicknames_of_key(given.casefold()))


@lru_cache(maxsize=16384)  # given names repeat: a directory of 8,000 people has a few hundred
def _nicknames_of_key(key: str) -> tuple[str, ...]:
    found = set(_nicknamer().nicknames_of(key))
    for size in range(_MIN_STEM, len(key)):
        found |= _nicknames_by_stem().get(key[:size], frozenset())
    return tuple(sorted(n.capitalize() for n in found if n != key))


def same_given_name(a: str, b: str) -> bool:
    """ "Ron" and "Ronald", "Gerry" and "Gerard", "Ken" and "Kenneth": one given name."""
    a_key, b_key = a.casefold(), b.casefold()
    if a_key == b_key:
        return True
    return b.capitalize() in nicknames_of(a) or a.capitalize() in nicknames_of(b)


@lru_cache(maxsize=65536)
def derived_aliases(name: str) -> tuple[str, ...]:
    """Aliases generated from a person's name, most specific first; [] for a name of one word or a
    name in another script (a Chinese name's variants come from speakers.json or the transcript)."""
    parts = name_tokens(name)
    if parts is None:
        return ()
    given, middle, surname = parts
    found = [f"{given} {surname}"] if middle and len(given.rstrip(".")) > 1 else []
    found += [f"{nickname} {surname}" for nickname in nicknames_of(given)]
    # a short form the table lacks is most often the name cut short: "Raj" of Rajesh, "Chris" of Christopher
    if len(given) >= _MIN_CUT + 2 and given.isalpha():
        found += [f"{given[:size]} {surname}" for size in range(_MIN_CUT, min(len(given) - 1, _MAX_CUT + 1))]
    # a person may go by a middle name: "K. Jon Taylor" is Jon Taylor, "Nels Richard Nelson" Rick Nelson
    for other in (m for m in middle if len(m.rstrip(".")) > 1):
        found += [f"{other} {surname}", *(f"{nickname} {surname}" for nickname in nicknames_of(other))]
    found += [given, surname] if len(given.rstrip(".")) > 1 else [surname]
    found += [m for m in middle if len(m.rstrip(".")) > 1]  # "Lyle" of David Lyle Williams
    return tuple(alias for alias in dict.fromkeys(found) if alias != name)


_QUOTED_NICKNAME = re.compile(r"\s*[\"“”'‘’(]([A-Z][a-z]+)[\"“”'‘’)]\s*")


def without_quoted_nickname(label: str) -> str:
    """A label with its quoted nickname taken out: 'Cynthia M. "Cindy" Sanborn' is Cynthia M. Sanborn
    (the nickname table then makes her Cindy Sanborn too)."""
    return _QUOTED_NICKNAME.sub(" ", label).strip()


def quoted_nickname_alias(label: str) -> str | None:
    """The name a label's quoted nickname makes with its surname: 'Earl C. "Duke" Austin, Jr.' goes by
    Duke Austin; None without a quoted nickname."""
    found = _QUOTED_NICKNAME.search(label)
    parts = name_tokens(without_quoted_nickname(label)) if found else None
    return f"{found.group(1)} {parts[2]}" if found and parts else None


def same_person_name(a: str, b: str) -> bool:
    """Two spellings of one person's name: same surname, and the same given name or a nickname of it
    ("Ron Josey" / "Ronald Josey", "Gerry Sweeney" / "Gerard H. Sweeney")."""
    pa, pb = name_tokens(a), name_tokens(b)
    if pa is None or pb is None:
        return False
    return pa[2].casefold() == pb[2].casefold() and same_given_name(pa[0], pb[0])


def is_given_name(word: str) -> bool:
    """Whether `word` is a given name or nickname of the English table ("Charles", "Martin")."""
    key = word.casefold()
    return key in _nicknamer().canonical_lookup or key in _nicknamer().nickname_lookup
