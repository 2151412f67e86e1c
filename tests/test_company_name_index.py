"""The question vocabulary's company names: a corpus of hundreds of companies is indexed in one pass."""

from __future__ import annotations

from rag.query.understand import _company_names
from rag.text.glossary import company_aliases, company_key


def _reference(known: list[str]) -> dict[str, tuple[str, ...]]:
    """The rule as first written: each company compared with every entry."""
    names = dict(company_aliases())
    for company in known:
        key = company_key(company)
        listed = next((n for n, aliases in names.items() if key in {company_key(a) for a in aliases}), None)
        aliases = names.pop(listed) if listed is not None else ()
        names[company] = tuple(dict.fromkeys([company, *aliases]))
    return names


def test_company_names_match_the_one_by_one_rule_in_content_and_order() -> None:
    listed = list(company_aliases())
    aliases = [a for name in listed[:40] for a in company_aliases()[name][1:2]]
    known = [*listed[::7], *aliases, "Acme Widgets", "acme-widgets", listed[0].upper(), "Meta", "META"]
    known += [f"Company {i}" for i in range(300)]
    assert list(_company_names(known).items()) == list(_reference(known).items())
