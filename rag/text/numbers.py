"""Quantities in English and Chinese text, normalised so that 320亿美元 == $32 billion == 32,000 million.

Used to check that every number an answer states appears in a passage it cites, and by the
evaluation code to compare numbers. Values are magnitudes: a leading minus or "down" is not kept.
Years, dates, quarter names (Q4, 4Q24, FY25), list enumerators ("1)", "(2)", "3、") and identifiers
(H100, GPT-4, 5G) are returned with `claim=False`: they are not figures a passage has to support.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from rag.text.quarters import period_name_spans

Kind = Literal["currency", "percent", "count", "plain"]

# Same-length translation so spans stay valid in the original text.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．＄￥", "0123456789%.$¥")

_CN_SCALES = {
    "万亿": 1e12, "萬億": 1e12, "兆": 1e12,
    "千亿": 1e11, "千億": 1e11,
    "百亿": 1e10, "百億": 1e10,
    "十亿": 1e9, "十億": 1e9,
    "亿": 1e8, "億": 1e8,
    "千万": 1e7, "千萬": 1e7,
    "百万": 1e6, "百萬": 1e6,
    "十万": 1e5, "十萬": 1e5,
    "万": 1e4, "萬": 1e4,
    "千": 1e3,
}  # fmt: skip
_EN_SCALES = {"trillion": 1e12, "tn": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mn": 1e6,
              "mm": 1e6, "thousand": 1e3}  # fmt: skip
_LETTER_SCALES = {"t": 1e12, "b": 1e9, "m": 1e6, "k": 1e3}  # only glued to the digits: $5B, 300M

_CURRENCY_PREFIXES = {"us$": "USD", "hk$": "HKD", "usd": "USD", "rmb": "CNY", "cny": "CNY", "$": "USD",
                      "¥": "CNY", "€": "EUR", "£": "GBP"}  # fmt: skip
_CURRENCY_SUFFIXES = {"美元": "USD", "美金": "USD", "港元": "HKD", "港币": "HKD", "欧元": "EUR",
                      "人民币": "CNY", "元": "CNY", "dollars": "USD", "dollar": "USD", "usd": "USD",
                      "rmb": "CNY", "yuan": "CNY"}  # fmt: skip
_PERCENT_SUFFIXES = {"%": 1.0, "percent": 1.0, "per cent": 1.0, "percentage points": 1.0,
                     "percentage point": 1.0, "个百分点": 1.0, "百分点": 1.0, "basis points": 0.01,
                     "basis point": 0.01, "bps": 0.01, "bp": 0.01, "基点": 0.01}  # fmt: skip
_COUNT_SUFFIXES = ("人次", "人", "次", "个", "家", "名", "位", "台", "users", "user", "people", "customers",
                   "advertisers", "employees", "shares", "units")  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_QUANTITY_RE = re.compile(
    rf"(?P<prefix>(?i:{_alternation(_CURRENCY_PREFIXES)}))?\s?"
    rf"(?P<number>{_NUMBER})"
    rf"(?:(?P<letter>[TtBbMmKk])(?![A-Za-z])"
    rf"|\s*(?P<cnscale>{_alternation(_CN_SCALES)})"
    rf"|\s?(?P<enscale>(?i:{_alternation(_EN_SCALES)}))(?![A-Za-z]))?"
    rf"(?:\s?(?P<percent>(?i:{_alternation(_PERCENT_SUFFIXES)}))(?![A-Za-z])"
    rf"|\s?(?P<currency>(?i:{_alternation(_CURRENCY_SUFFIXES)}))(?![A-Za-z])"
    rf"|\s?(?P<count>(?i:{_alternation(_COUNT_SUFFIXES)}))(?![A-Za-z]))?"
)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_CN_PERCENT_RE = re.compile(
    r"百分之(?P<number>[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?)"
)
_DATE_RE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])(?:[-/.](?:[0-2]?\d|3[01]))?(?!\d)"
    r"|(?:19|20)\d{2}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*[日号])?"
    r"|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*[日号](?![元本])"
    r"|\d{1,2}:\d{2})"
)
_RANGE_SEPARATOR_RE = re.compile(r"\s*(?:-|–|—|~|～|至|到|(?i:to))\s*")


@dataclass(frozen=True)
class Quantity:
    """A number stated in text, in base units: currency and counts as plain amounts, percent as percent."""

    value: float
    kind: Kind
    raw: str
    span: tuple[int, int]
    claim: bool = True  # False for years, dates, quarter names, list numbers and identifiers
    unit: str | None = None  # currency code (USD, CNY…) or counted noun (人, users…)
    precision: float = 0.0  # the value of the last stated digit: 1e9 for "$32 billion", 1e6 for 475.16亿


def extract_quantities(text: str) -> list[Quantity]:
    """Every number in `text`, in order, with units and scales applied (ranges share their unit)."""
    normalised = text.translate(_FULL_WIDTH)
    skipped = _non_claim_spans(normalised)
    found: list[Quantity] = []
    for match in _QUANTITY_RE.finditer(normalised):
        quantity = _quantity_from_match(match, normalised)
        if quantity is None:
            continue
        start, end = quantity.span
        if any(s <= start and end <= e for s, e in skipped) or _is_non_claim(normalised, quantity):
            quantity = replace(quantity, kind="plain", claim=False)
        found.append(replace(quantity, raw=text[start:end]))
    found.extend(_chinese_percentages(normalised, text))
    found.sort(key=lambda q: q.span)
    return _share_range_units(found, normalised)


def quantities_match(a: Quantity, b: Quantity, rel_tol: float = 0.005) -> bool:
    """Same amount once normalised, within `rel_tol`, or equal after rounding to the coarser statement.

    A percent only matches a percent; currency, counts and plain numbers match each other (a
    passage often names the currency once and then gives bare figures). Rounding is allowed only
    when the coarser figure states at least two significant digits ("$48 billion" for 475.16亿美元),
    so "5%" is not taken as support for 4.6%.
    """
    if (a.kind == "percent") != (b.kind == "percent"):
        return False
    if math.isclose(a.value, b.value, rel_tol=rel_tol, abs_tol=1e-9):
        return True
    coarse, fine = (a, b) if a.precision >= b.precision else (b, a)
    if coarse.precision <= 0 or _significant_digits(coarse) < 2:
        return False
    return abs(fine.value - coarse.value) <= coarse.precision / 2 + 1e-9 * max(abs(coarse.value), 1.0)


def number_supported(q: Quantity, passage_text: str) -> bool:
    """True when the passage states the same quantity (or `q` is not a claim, e.g. a year)."""
    if not q.claim:
        return True
    if any(p.claim and quantities_match(q, p) for p in extract_quantities(passage_text)):
        return True
    if q.kind == "plain":  # a bare figure written identically, e.g. inside a model name in the passage
        digits = q.raw.replace(",", "").strip()
        pattern = rf"(?<![\d.]){re.escape(digits)}(?![\d]|\.\d)"
        return re.search(pattern, passage_text.translate(_FULL_WIDTH).replace(",", "")) is not None
    return False


_MULTIPLE = re.compile(
    r"翻倍|翻番|翻了一番|翻两番|\b(?:doubled|tripled|quadrupled)\b"
    # "10 to 15 times by 2030", "three times" (leverage), "2.5x", "a tenfold increase", "三倍"
    r"|\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)(?:\s*(?:to|-)\s*\d+(?:\.\d+)?)?"
    r"(?:\s+times\b|x\b|[- ]?fold\b)|\b(?:two|three|four|five|ten|hundred)fold\b"
    r"|[\d一二三四五六七八九十两]\s*倍",
    re.I,
)


def states_a_multiple(text: str) -> bool:
    """A change stated as a multiple: "翻倍", "doubled", "10 to 15 times", "3x"."""
    return bool(_MULTIPLE.search(text))


# how guidance is often worded: "a mid-single-digit impact", "low-double-digit growth", "the high teens"
_MAGNITUDE_IN_WORDS = re.compile(
    r"\b(?:(?:low|mid|high|upper)[- ](?:to[- ](?:mid|high|upper)[- ])?)?(?:single|double)[- ]digits?\b"
    r"|\b(?:low|mid|high)[- ](?:to[- ](?:mid|high)[- ])?teens\b"
    r"|\b(?:low|mid|high)[- ](?:20|30|40|50|60|70|80|90)s\b"
    r"|个位数|两位数|双位数",
    re.I,
)


def states_in_words(text: str) -> bool:
    """A figure stated in words rather than digits: a multiple ("doubled") or a magnitude ("mid-single
    digits")."""
    return bool(_MULTIPLE.search(text) or _MAGNITUDE_IN_WORDS.search(text))


def claims(text: str) -> list[Quantity]:
    """The quantities of `text` that a citation has to support."""
    return [q for q in extract_quantities(text) if q.claim]


def _quantity_from_match(match: re.Match[str], text: str) -> Quantity | None:
    number = match.group("number")
    mantissa = float(number.replace(",", ""))
    decimals = len(number.split(".")[1]) if "." in number else 0
    scale = 1.0
    if match.group("letter"):
        # A lone letter is a scale only when glued to the digits, and K only after a currency sign.
        if not match.group("prefix") and match.group("letter").lower() in {"k", "t"}:
            return _bare(match, text)
        scale = _LETTER_SCALES[match.group("letter").lower()]
    elif match.group("cnscale"):
        scale = _CN_SCALES[match.group("cnscale")]
    elif match.group("enscale"):
        scale = _EN_SCALES[match.group("enscale").lower()]
    start = match.start("prefix") if match.group("prefix") else match.start("number")
    span = (start, match.end())
    kind: Kind = "plain"
    unit: str | None = None
    if match.group("percent"):
        factor = _PERCENT_SUFFIXES[match.group("percent").lower()]
        return Quantity(mantissa * factor, "percent", text[start : span[1]], span,
                        precision=10.0**-decimals * factor)  # fmt: skip
    if match.group("prefix") or match.group("currency"):
        kind = "currency"
        unit = _CURRENCY_PREFIXES.get((match.group("prefix") or "").lower()) or _CURRENCY_SUFFIXES.get(
            (match.group("currency") or "").lower()
        )
    elif match.group("count") or scale != 1.0:
        kind = "count"
        unit = match.group("count")
    return Quantity(mantissa * scale, kind, text[start : span[1]], span, unit=unit,
                    precision=10.0**-decimals * scale)  # fmt: skip


def _bare(match: re.Match[str], text: str) -> Quantity:
    number = match.group("number")
    decimals = len(number.split(".")[1]) if "." in number else 0
    start, end = match.span("number")
    return Quantity(float(number.replace(",", "")), "plain", text[start:end], (start, end),
                    precision=10.0**-decimals)  # fmt: skip


def _non_claim_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _DATE_RE.finditer(text)] + period_name_spans(text)


def _is_non_claim(text: str, q: Quantity) -> bool:
    """Years, list enumerators, ordinals and identifiers glued to letters (H100, GPT-4, 5G, 1st)."""
    start, end = q.span
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    digits = q.raw.strip()
    if q.kind == "plain":
        if re.fullmatch(r"(?:19|20)\d{2}", digits):
            return True
        if before == "第":
            return True
        if re.fullmatch(r"\d{1,2}", digits):
            line_start = text.rfind("\n", 0, start) + 1
            at_line_start = text[line_start:start].strip() in {"", "("}
            if after in {")", "）", "、"} and (at_line_start or before in {"(", "（"}):
                return True
            if at_line_start and text[end : end + 2] in {". ", ".\n"}:
                return True
    if before.isascii() and before.isalpha() and not q.raw[:1].isalpha():
        return True  # H100, Llama3, A1
    if before == "-" and start >= 2 and text[start - 2].isascii() and text[start - 2].isalpha():
        return True  # GPT-4
    return after.isascii() and after.isalpha() and after.lower() not in {"x"} and q.kind == "plain"


def _chinese_percentages(normalised: str, original: str) -> list[Quantity]:
    found = []
    for match in _CN_PERCENT_RE.finditer(normalised):
        value = _parse_chinese_number(match.group("number"))
        if value is not None:
            decimals = len(match.group("number").split("点")[1]) if "点" in match.group("number") else 0
            found.append(Quantity(value, "percent", original[match.start() : match.end()], match.span(),
                                  precision=10.0**-decimals))  # fmt: skip
    return found


def _parse_chinese_number(words: str) -> float | None:
    """五 → 5, 十二 → 12, 四十五 → 45, 一百 → 100, 百 → 100, 十二点五 → 12.5; None when it is not a plain
    numeral. (cn2an agrees on 0-999 and decimals but refuses the bare 百 of "百分之百", and costs
    0.2-0.5 s to import on a Chinese cold start, so this stays.)"""
    whole, _, fraction = words.partition("点")
    total, digit = 0, None
    for char in whole:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        elif char == "百":
            total += (digit if digit is not None else 1) * 100
            digit = None
        else:
            return None
    total += digit or 0
    if not fraction:
        return float(total)
    if any(c not in _CN_DIGITS for c in fraction):
        return None
    return float(f"{total}.{''.join(str(_CN_DIGITS[c]) for c in fraction)}")


def _share_range_units(quantities: list[Quantity], text: str) -> list[Quantity]:
    """Ranges share their unit: "880 - 910 亿美元", "600 亿至 650 亿美元", "$66-72 billion", "5-7%"."""
    result = list(quantities)
    for i in range(len(result) - 1):
        low, high = result[i], result[i + 1]
        if not (low.claim and high.claim):
            continue
        if not _RANGE_SEPARATOR_RE.fullmatch(text[low.span[1] : high.span[0]]):
            continue
        if low.kind == "percent" or high.kind == "percent":
            if low.kind == "plain" and high.kind == "percent":  # "5-7%", "25 to 35 percent"
                factor = _scale_of(high)
                result[i] = replace(low, value=low.value * factor, kind="percent",
                                    precision=low.precision * factor)  # fmt: skip
            continue
        low_scale, high_scale = _scale_of(low), _scale_of(high)
        if low_scale == 1.0 and high_scale != 1.0 and low.kind in {"plain", "currency"}:
            low = replace(low, value=low.value * high_scale, precision=low.precision * high_scale)
        elif high_scale == 1.0 and low_scale != 1.0 and high.kind in {"plain", "currency"}:
            high = replace(high, value=high.value * low_scale, precision=high.precision * low_scale)
        if high.kind == "currency" and low.kind != "currency":
            low = replace(low, kind="currency", unit=high.unit)
        elif low.kind == "currency" and high.kind != "currency":
            high = replace(high, kind="currency", unit=low.unit)
        elif high.kind == "count" and low.kind == "plain":
            low = replace(low, kind="count", unit=high.unit)
        result[i], result[i + 1] = low, high
    return result


def _decimals(raw: str) -> int:
    number = re.search(_NUMBER, raw)
    return len(number.group(0).split(".")[1]) if number and "." in number.group(0) else 0


def _scale_of(q: Quantity) -> float:
    """The multiplier the quantity's own text applied: 1e8 for "320 亿", 1 for "880" or "$66"."""
    if q.precision <= 0:
        return 1.0
    return q.precision / 10.0 ** -_decimals(q.raw)


def _significant_digits(q: Quantity) -> int:
    number = re.search(_NUMBER, q.raw.translate(_FULL_WIDTH))
    if number is None:
        return 0
    return len(number.group(0).replace(",", "").replace(".", "").lstrip("0"))
