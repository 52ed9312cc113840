"""Numbers and dates as people read them: rounded for the page and the PDF only, in the reader's
locale (decimal comma in Dutch), p-values below 0.001 as ``< 0.001``, a missing figure as a dash.

Machine outputs (JSON, CSV) carry the unrounded figures; these functions are for what is shown.
"""

from __future__ import annotations

import datetime
import math

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

MISSING = "–"
SMALLEST_P = 0.001


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, digits: int = 1, lang: str = "en", sign: bool = False) -> str:
    """``value`` with ``digits`` decimals; ``sign`` puts a + before a positive number."""
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    text = format_decimal(value, format=pattern, locale=lang)
    if text.lstrip("-−").strip("0.,") == "":  # rounds to zero: no sign, no "-0.0"
        text = text.lstrip("-−")
        return text
    return ("+" + text) if sign and value > 0 else text


def percent(value, lang: str = "en") -> str:
    """A share (0.12) as a whole percentage (12%)."""
    return MISSING if _missing(value) else format_percent(value, format="#,##0%", locale=lang)


def pvalue(value, lang: str = "en") -> str:
    """A p-value with three decimals, or ``< 0.001``; never ``0.000``."""
    if _missing(value):
        return MISSING
    if value < SMALLEST_P:
        return "< " + format_decimal(SMALLEST_P, format="0.000", locale=lang)
    return format_decimal(value, format="0.000", locale=lang)


def p_equals(value, lang: str = "en") -> str:
    """``p = 0.051`` or ``p < 0.001``, as a statement of a test's result."""
    text = pvalue(value, lang)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def as_date(value) -> datetime.date | None:
    """``value`` (a date or its ISO text) as a date; None when there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def display_date(value, lang: str, width: str = "medium") -> str:
    """The date as the reader's language writes it ("1 Mar 2027", "1 mrt 2027"; ``width``
    "long": "1 March 2027", "1 maart 2027")."""
    day = as_date(value)
    # the report's English is British: "3 February 2027", not "February 3, 2027"
    return format_date(day, width, locale="en_GB" if lang == "en" else lang) if day else ""


def install(env, lang: str) -> None:
    """Add the filters ``num``, ``pct``, ``pvalue``, ``p`` and ``day`` in ``lang`` to a Jinja
    environment."""
    env.filters["num"] = lambda value, digits=1, sign=False: number(value, digits, lang, sign)
    env.filters["pct"] = lambda value: percent(value, lang)
    env.filters["pvalue"] = lambda value: pvalue(value, lang)
    env.filters["p"] = lambda value: p_equals(value, lang)
    env.filters["day"] = lambda value, width="medium": display_date(value, lang, width)
