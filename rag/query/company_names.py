"""The names users write for the corpus's companies, generated from the names the calls record.

"Colgate-Palmolive" is also "Colgate", "Edwards Lifesciences" is "Edwards", "WEC Energy Group" is "WEC
Energy" and "WEC", "Yum! Brands" is "Yum", "Hawaiian Electric Industries" is "HEI", and every call's
ticker ("GLW", "DHI") names its company.
These aliases are derived, so they count only while they name one company and are no name part of a
person on the calls ("Martin Marietta" is not "Martin" while a Martin speaks; "Campbell Soup" is
"Campbell" though Campbell is also a given name).
A short name and a ticker match only as written, capitalised or upper case ("Discover", "Extra",
"CL", "AN"), so "discover" or "extra" in a question stay words. rag/data/companies.json keeps what
cannot be derived (Google for Alphabet, 谷歌, 苹果).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# words that make a legal or descriptive tail, dropped to make the short name ("WEC Energy Group")
_TAIL_WORDS = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "companies",
    "group",
    "holdings",
    "holding",
    "plc",
    "ltd",
    "limited",
    "llc",
    "lp",
    "sa",
    "ag",
    "nv",
    "trust",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z.'’&]*")
_MIN_SHORT = 4  # shorter first words count only as acronyms ("WEC") or trademarks ("Yum!")


@dataclass(frozen=True)
class CompanyAlias:
    alias: str
    company: str
    exact_case: bool  # match only as written (tickers and one-word short names)
    whole: bool = False  # the company's whole name without its legal tail ("Graham" of "Graham Corp.")


def generated_company_aliases(
    companies: Iterable[str],
    tickers: Mapping[str, Iterable[str]],
    person_words: Iterable[str] = (),
) -> list[CompanyAlias]:
    """Aliases of each company, those that would name two companies (or a person) left out."""
    person = {w.casefold() for w in person_words}
    candidates: dict[str, list[CompanyAlias]] = {}

    def offer(alias: str, company: str, exact_case: bool, whole: bool = False) -> None:
        alias = alias.strip(" !.,")
        if len(alias) < 2 or alias.casefold() == company.casefold():
            return
        candidates.setdefault(alias.casefold(), []).append(CompanyAlias(alias, company, exact_case, whole))

    for company in companies:
        # "The Kroger Co." is Kroger, "The Western Union Company" Western Union
        named = re.sub(r"^the\s+", "", company, flags=re.I)
        words = _WORD.findall(named.replace("-", " "))
        tail_less = list(words)
        while len(tail_less) > 1 and tail_less[-1].strip(".").casefold() in _TAIL_WORDS:
            tail_less.pop()
        if tail_less != words:
            # one word left is the company's own name, capitalised as written where a person shares it
            whole = len(tail_less) == 1
            offer(" ".join(tail_less), company, whole and tail_less[0].casefold() in person, whole)
        if len(tail_less) >= 3 and "." not in tail_less[1]:
            offer(
                " ".join(tail_less[:2]), company, False
            )  # "Charles River", "Extra Space", "Royal Caribbean"
        if "-" in company:
            offer(company.replace("-", " "), company, False)
        first = re.split(r"[\s\-]", named.strip())[0].strip("!.,")
        if (
            len(words) > 1
            and (len(first) >= _MIN_SHORT or first.isupper() or named.split()[0].endswith("!"))
            and first.casefold() not in person
        ):
            offer(first, company, True)
        for initials in {"".join(w[0] for w in words), "".join(w[0] for w in tail_less)}:
            if len(initials) >= 3 and initials.isupper():  # "HEI" for Hawaiian Electric Industries
                offer(initials, company, True)
        for ticker in tickers.get(company, ()):
            if ticker and ticker.isupper():
                offer(ticker, company, True)
    kept: list[CompanyAlias] = []
    for options in candidates.values():
        owners = {o.company for o in options}
        # an upper-case ticker matches only as written: "WU" is no Shirley Wu
        is_ticker = options[0].exact_case and options[0].alias.isupper()
        # a company's whole name stays its name though a person shares it: "Graham" of Graham Corp.
        whole = any(o.whole for o in options)
        if len(owners) == 1 and (is_ticker or whole or options[0].alias.casefold() not in person):
            kept.append(next((o for o in options if o.whole), options[0]))
    return kept


def written_as(text: str, start: int, end: int, alias: CompanyAlias) -> bool:
    """Whether an exact-case alias is written as it must be (a mention of text[start:end])."""
    return not alias.exact_case or text[start:end] == alias.alias
