"""Machine-readable exports: CSV of a report, of the portfolio and of a comparison.

Aggregates only, never one row per respondent. Each export takes the same figures the page shows.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: links_csv must not load the statistics
    from reports.model import Report


def table_csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Rows as CSV, every text cell safe from spreadsheet formulas."""
    return _csv(header, rows)


def _csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A text that a spreadsheet would run as a formula (a name such as ``=HYPERLINK(…)``) is
    written with a leading apostrophe; numbers, also negative ones, stay numbers, at full
    precision; a missing number (None, NaN) is an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


REPORT_COLUMNS = (
    "segment",
    "group",
    "dimension",
    "n",
    "score",
    "ci95_low",
    "ci95_high",
    "level",
    "favourable",
    "neutral",
    "unfavourable",
    "alpha",
    "omega",
)


def report_csv(report: Report) -> str:
    """Aggregates per principle, and per principle and allowed segment group."""
    return _csv(REPORT_COLUMNS, _report_rows(report) if report.enough else [])


def _report_rows(report: Report):
    shown = [d for d in report.dimensions if d["shown"]]
    for d in shown + ([report.outcome] if report.outcome else []):
        low, high = d["ci95"] or (None, None)
        yield (
            "all",
            "all",
            d["key"],
            d["n"],
            d["score"],
            low,
            high,
            d["level"],
            d["favourable"],
            d["neutral"],
            d["unfavourable"],
            d["alpha"],
            d.get("omega"),
        )
    for breakdown in report.breakdowns:
        for group in breakdown["groups"]:
            for key, figure in group["scores"].items():
                if figure["score"] is not None:
                    row = (breakdown["key"], group["group"], key, figure["n"], figure["score"])
                    yield row + ("",) * 8


def portfolio_csv(rows, dimension_keys: Sequence[str]) -> str:
    """One row per organisation (``survey.services.portfolio.PortfolioRow``), aggregates only."""
    header = (
        "organisation",
        "sector",
        "round",
        "responses",
        "overall",
        "level",
        *dimension_keys,
        "pool_percentile",
        "change",
    )
    return _csv(header, (_portfolio_row(row, dimension_keys) for row in rows))


def _portfolio_row(row, keys: Sequence[str]) -> tuple:
    shown = row.shown
    figures = [row.dimensions[k][0] if shown and k in row.dimensions else "" for k in keys]
    return (
        row.organisation.name,
        row.sector or "",
        row.campaign.name if row.campaign else "",
        row.n,
        row.overall if shown else "",
        row.level if shown else "",
        *figures,
        row.percentile,
        row.change,
    )


COMPARISON_COLUMNS = (
    "round",
    "principle",
    "n",
    "score",
    "ci95_low",
    "ci95_high",
    "test",
    "pvalue_bh",
    "effect_size",
)


def comparison_csv(comparison) -> str:
    """Per round and principle: score and interval; per principle: the test of the difference
    (``survey.services.comparison.Comparison``)."""
    tests = {t.key: t for t in comparison.tests}
    rows = []
    for entry in comparison.rounds:
        for dim in comparison.instrument.dimensions:
            figures = entry.dimensions.get(dim.key) if entry.shown else None
            test = tests.get(dim.key)
            rows.append(
                (
                    entry.label,
                    dim.key,
                    entry.n,
                    figures.score if figures else "",
                    figures.ci95[0] if figures else "",
                    figures.ci95[1] if figures else "",
                    test.test if test else "",
                    test.pvalue_bh if test else "",
                    test.effect_size if test else "",
                )
            )
    return _csv(COMPARISON_COLUMNS, rows)


def links_csv(base_url: str, tokens: Iterable[str]) -> str:
    """Personal survey links, one per row, for HR's own mail merge (shown once, never stored)."""
    return _csv(("link",), ([f"{base_url}/s/{token}"] for token in tokens))
