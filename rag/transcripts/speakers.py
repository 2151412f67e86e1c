"""Who speaks: canonical people with their aliases, roles and firms.

The shipped directory (rag/data/speakers.json) holds only what a transcript cannot say (the Chinese
transliterations of the seed speakers, role and firm vocabularies); everyone else is read from the
transcripts. Parsing a call never changes the directory it is given: it works on its own copy and
reports the people it named, and `merge_people` adds them in one explicit step.

Besides the aliases a transcript or speakers.json spells out, every person is found by the aliases
rag.transcripts.aliases generates from their name (first name, surname, nicknames); a generated
alias counts only while it names exactly one person and is no one's spelled-out alias.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import UnknownSpeaker
from rag.text.names import name_key, name_listing
from rag.transcripts.aliases import derived_aliases, same_person_name


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    firm: str | None = None
    company: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def is_analyst(self) -> bool:
        return self.role == "Analyst"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "firm": self.firm,
            "company": self.company,
            "aliases": list(self.aliases),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Person:
        return cls(
            name=data["name"],
            role=data["role"],
            firm=data.get("firm"),
            company=data.get("company"),
            aliases=tuple(dict.fromkeys([data["name"], *data.get("aliases", [])])),
        )


@dataclass
class SpeakerDirectory:
    """People by every name they go by, plus role and firm vocabularies for reading questions."""

    people: list[Person]
    role_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    firm_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _by_key: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # generated alias key -> the people it could name (used only when that is one person)
    _derived: dict[str, set[int]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _derived_text: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._reindex()

    def _reindex(self) -> None:
        self._by_key = {}
        self._derived = {}
        for i, person in enumerate(self.people):
            for alias in person.aliases or (person.name,):
                self._by_key.setdefault(name_key(alias), i)
            self._index_derived(i, person)

    def _index_derived(self, index: int, person: Person) -> None:
        for alias in _derived_of(person):
            key = name_key(alias)
            self._derived.setdefault(key, set()).add(index)
            self._derived_text.setdefault(key, alias)

    def _unindex_derived(self, index: int, person: Person) -> None:
        for alias in _derived_of(person):
            self._derived.get(name_key(alias), set()).discard(index)

    def _derived_person(self, key: str) -> int | None:
        """The one person a generated alias names: a single holder, or several that are one person
        spelt otherwise on other calls ("Petrello": Tony Petrello and Anthony G. Petrello of Nabors),
        the first of them then; None when it could name two people."""
        holders = sorted(self._derived.get(key, ()))
        if not holders:
            return None
        first = self.people[holders[0]]
        same = all(
            same_person_name(self.people[i].name, first.name) and _same_employer(self.people[i], first)
            for i in holders[1:]
        )
        return holders[0] if same else None

    @classmethod
    def load(cls, path: Path) -> SpeakerDirectory:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeakerDirectory:
        return cls(
            people=[Person.from_dict(p) for p in data.get("people", [])],
            role_aliases={k: tuple(v) for k, v in data.get("roles", {}).items()},
            firm_aliases={k: tuple(v) for k, v in data.get("firms", {}).items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "people": [p.to_dict() for p in self.people],
            "roles": {k: list(v) for k, v in self.role_aliases.items()},
            "firms": {k: list(v) for k, v in self.firm_aliases.items()},
        }

    def copy(self) -> SpeakerDirectory:
        """An independent copy: changes to it leave this directory as it is."""
        return SpeakerDirectory(list(self.people), dict(self.role_aliases), dict(self.firm_aliases))

    def companies_of(self, names: Iterable[str]) -> list[str]:
        """The companies of the people with these canonical names, in directory order (found by key,
        not by a pass over everyone: a question asks this, and a library has thousands of people)."""
        found: dict[int, str] = {}
        for name in names:
            index = self._by_key.get(name_key(name))
            if index is None or self.people[index].name != name:  # an alias of someone else first
                index = next((i for i, p in enumerate(self.people) if p.name == name), None)
            if index is not None and self.people[index].company:
                found[index] = self.people[index].company or ""
        return [found[i] for i in sorted(found)]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.people]

    def get(self, name: str) -> Person | None:
        """The person whose canonical name or any alias is exactly `name` (spacing and dots ignored)."""
        key = name_key(name)
        index = self._by_key.get(key)
        if index is None:
            index = self._derived_person(key)
        return self.people[index] if index is not None else None

    def same_person_elsewhere(self, person: Person) -> list[Person]:
        """Other entries that are this person under another spelling on another call: their names make
        this one's ("Nels Richard Nelson" is Rick Nelson by his middle name) and they work at the same
        firm or company ("Stephens" and "Stephens Inc." are one firm)."""
        found = []
        for index in self._derived.get(name_key(person.name), set()):
            other = self.people[index]
            if other.name != person.name and _same_employer(other, person):
                found.append(other)
        return found

    def resolve(self, name: str, *, among: list[str] | None = None) -> Person:
        """Like `get`, but an unknown name is an error that lists who is known."""
        person = self.get(name)
        if person is None or (among is not None and person.name not in among):
            known = name_listing([name], among if among is not None else self.names)
            raise UnknownSpeaker(f"unknown speaker {name!r}: known speakers are {known}")
        return person

    def add(self, person: Person) -> Person:
        """Add a new person, or merge new aliases into the one already known under that name."""
        existing = self.get(person.name)
        if existing is None:
            self.people.append(person)
            index = len(self.people) - 1
            for alias in person.aliases or (person.name,):
                self._by_key.setdefault(name_key(alias), index)
            self._index_derived(index, person)
            return person
        merged = Person(
            name=existing.name,
            role=existing.role,
            firm=existing.firm or person.firm,
            company=existing.company or person.company,
            aliases=tuple(dict.fromkeys([*existing.aliases, *person.aliases])),
        )
        self.replace(existing, merged)
        return merged

    def replace(self, old: Person, new: Person) -> None:
        """Put `new` where `old` was (same position, its aliases indexed)."""
        index = self.people.index(old)
        self._unindex_derived(index, old)
        self.people[index] = new
        self._index_derived(index, new)
        for alias in new.aliases or (new.name,):
            key = name_key(alias)
            if self._by_key.get(key, index) >= index:  # the first person in order owns an alias
                self._by_key[key] = index

    def canonical_firm(self, firm: str) -> str:
        """The canonical spelling of a firm name ("摩根大通" → "J.P. Morgan"); unknown firms pass through."""
        key = name_key(firm)
        for canonical, aliases in self.firm_aliases.items():
            if any(name_key(a) == key for a in (canonical, *aliases)):
                return canonical
        return firm

    def alias_patterns(self) -> list[tuple[str, Person]]:
        """(alias, person) pairs, longest alias first, for scanning free text: the spelled-out aliases
        and the generated ones that name one person."""
        pairs = [(alias, person) for person in self.people for alias in person.aliases]
        for key, alias in self._derived_text.items():
            index = self._derived_person(key)
            if index is not None and key not in self._by_key:
                pairs.append((alias, self.people[index]))
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)

    def ambiguous_patterns(self, most: int) -> list[tuple[str, list[Person]]]:
        """(alias, people) for the generated aliases that name two to `most` different people ("Dave
        Williams": David P. Williams of Chemed and David Lyle Williams), with the one an alias spells
        out first ("Jeff Martin" the analyst, then Jeffrey W. Martin of Sempra): a question's company
        picks among them (rag.query.understand)."""
        found = []
        for key, alias in self._derived_text.items():
            spelled = self._by_key.get(key)
            indexes = [*([spelled] if spelled is not None else []), *sorted(self._derived.get(key, ()))]
            indexes = list(dict.fromkeys(indexes))
            if not 1 < len(indexes) <= most:
                continue
            first = self.people[indexes[0]]
            if all(
                same_person_name(self.people[i].name, first.name) and _same_employer(self.people[i], first)
                for i in indexes[1:]
            ):
                continue  # one person spelt otherwise on another call
            found.append((alias, [self.people[i] for i in indexes]))
        return found


def merge_people(directory: SpeakerDirectory, people: Iterable[Person]) -> SpeakerDirectory:
    """A new directory: `directory` plus `people` (the speakers parsed calls named), merged by name."""
    merged = directory.copy()
    for person in people:
        merged.add(person)
    return merged


def _derived_of(person: Person) -> tuple[str, ...]:
    """Aliases generated from the person's name and from the other full names they go by ("Yemi
    Akinkugbe", as the host introduces Olayemi Akinkugbe, makes "Yemi")."""
    found = list(derived_aliases(person.name))
    for alias in person.aliases:
        if alias != person.name:
            found += derived_aliases(alias)
    return tuple(dict.fromkeys(found))


def _same_employer(a: Person, b: Person) -> bool:
    if a.company or b.company:
        return a.company == b.company
    first = [w for w in re.findall(r"[a-z0-9&]+", (a.firm or "").casefold()) if w not in _FIRM_TAILS]
    second = [w for w in re.findall(r"[a-z0-9&]+", (b.firm or "").casefold()) if w not in _FIRM_TAILS]
    return bool(first) and first == second


_FIRM_TAILS = {"inc", "llc", "co", "corp", "ltd", "plc", "lp", "the", "and", "company", "group", "securities"}
