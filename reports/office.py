"""What the workbook and the deck share: dates (stored as ISO text, shown as the reader's language
writes them) and the heatmap's colour scale, taken from the report's palette."""

from __future__ import annotations

from reports import charts
from reports.numbers import as_date, display_date

__all__ = ["as_date", "display_date", "heat_colour"]


def heat_colour(difference: float, strength: float = 0.85) -> str:
    """A group's cell: purple above the organisation's score, orange below, the stronger the
    further away (full ``strength`` from :data:`reports.charts.HEAT_RANGE` points on)."""
    t = min(abs(difference) / charts.HEAT_RANGE, 1.0) * strength
    return charts.blend("#ffffff", charts.FAVOURABLE if difference > 0 else charts.UNFAVOURABLE, t)
