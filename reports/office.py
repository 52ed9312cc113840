"""What the workbook and the deck share: dates (stored as ISO text, shown as the reader's language
writes them) and the heatmap's colour scale, taken from the report's palette."""

from __future__ import annotations

import datetime

from reports import charts

__all__ = ["as_date", "display_date", "heat_colour"]


def as_date(value) -> datetime.date | None:
    """``value`` (a date or its ISO text) as a date; None when there is none."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def display_date(value, lang: str) -> str:
    """The date as the report's language writes it in a table ("1 Mar 2027", "1 mrt 2027")."""
    from babel.dates import format_date

    day = as_date(value)
    return format_date(day, "medium", locale=lang) if day else ""


def heat_colour(difference: float, strength: float = 0.85) -> str:
    """A group's cell: purple above the organisation's score, orange below, the stronger the
    further away (full ``strength`` from :data:`reports.charts.HEAT_RANGE` points on)."""
    t = min(abs(difference) / charts.HEAT_RANGE, 1.0) * strength
    return charts.blend("#ffffff", charts.FAVOURABLE if difference > 0 else charts.UNFAVOURABLE, t)
