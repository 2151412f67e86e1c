"""Who speaks: canonical people with their aliases, roles and firms, read from data/speakers.json."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag.errors import UnknownSpeaker

_NAME_DOTS = re.compile(r"[·・•‧∙.\s]+")


def name_key(name: str) -> str:
    """Comparison key for a name: case-folded, without spaces and the dots between name parts."""
    return _NAME_DOTS.sub("", name).casefold()


def _is_latin(alias: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z .'\-]+", alias))


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


@dataclass
class SpeakerDirectory:
    """People by every name they go by, plus role and firm vocabularies for reading questions."""

    people: list[Person]
    role_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    firm_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SpeakerDirectory:
        data = json.loads(path.read_text(encoding="utf-8"))
        people = [
            Person(
                name=p["name"],
                role=p["role"],
                firm=p.get("firm"),
                company=p.get("company"),
                aliases=tuple(dict.fromkeys([p["name"], *p.get("aliases", [])])),
            )
            for p in data["people"]
        ]
        roles = {k: tuple(v) for k, v in data.get("roles", {}).items()}
        firms = {k: tuple(v) for k, v in data.get("firms", {}).items()}
        return cls(people=people, role_aliases=roles, firm_aliases=firms)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.people]

    def get(self, name: str) -> Person | None:
        """The person whose canonical name or any alias is exactly `name` (spacing and dots ignored)."""
        key = name_key(name)
        for person in self.people:
            if any(name_key(alias) == key for alias in person.aliases):
                return person
        return None

    def resolve(self, name: str, *, among: list[str] | None = None) -> Person:
        """Like `get`, but an unknown name is an error that lists who is known."""
        person = self.get(name)
        if person is None or (among is not None and person.name not in among):
            known = ", ".join(among if among is not None else self.names)
            raise UnknownSpeaker(f"unknown speaker {name!r}: known speakers are {known}")
        return person

    def add(self, person: Person) -> Person:
        """Add a new person, or merge new aliases into the one already known under that name."""
        existing = self.get(person.name)
        if existing is None:
            self.people.append(person)
            return person
        merged = Person(
            name=existing.name,
            role=existing.role,
            firm=existing.firm or person.firm,
            company=existing.company or person.company,
            aliases=tuple(dict.fromkeys([*existing.aliases, *person.aliases])),
        )
        self.people[self.people.index(existing)] = merged
        return merged

    def canonical_firm(self, firm: str) -> str:
        """The canonical spelling of a firm name ("摩根大通" → "J.P. Morgan"); unknown firms pass through."""
        key = name_key(firm)
        for canonical, aliases in self.firm_aliases.items():
            if any(name_key(a) == key for a in (canonical, *aliases)):
                return canonical
        return firm

    def alias_patterns(self) -> list[tuple[str, Person]]:
        """(alias, person) pairs, longest alias first, for scanning free text."""
        pairs = [(alias, person) for person in self.people for alias in person.aliases]
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


@lru_cache(maxsize=4096)
def _alias_pattern(alias: str) -> re.Pattern[str]:
    if _is_latin(alias):
        return re.compile(rf"(?<![A-Za-z]){re.escape(alias)}(?![A-Za-z])", re.IGNORECASE)
    return re.compile(re.escape(alias))


def find_aliases(text: str, pairs: Sequence[tuple[str, object]]) -> list[tuple[int, int, object]]:
    """Non-overlapping (start, end, value) matches of aliases in `text`, longest alias first.

    Latin aliases match whole words, case-insensitively; CJK aliases match anywhere.
    """
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, object]] = []
    folded = text.casefold()
    for alias, value in pairs:
        if alias.casefold() not in folded:  # cheap test first: most aliases are absent
            continue
        for match in _alias_pattern(alias).finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append((start, end, value))
    return sorted(found, key=lambda item: item[0])
