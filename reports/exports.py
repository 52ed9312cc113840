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
    from reports.release import Release


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
    "dont_know",  # share of "don't know" among the principle's statement answers
    "alpha_n",  # people who answered every statement: alpha and omega rest on them (may be held)
    "omega_method",  # "omega-u" (McDonald's, of the raw sum) or "spearman-brown" (2 statements)
)


def report_csv(report: Release) -> str:
    """Aggregates per principle, and per principle and allowed segment group."""
    return _csv(REPORT_COLUMNS, _report_rows(report) if report.enough else [])


def _report_rows(report: Release):
    shown = [d for d in report.dimensions if d.shown]
    for d in shown + ([report.outcome] if report.outcome else []):
        low, high = d.ci95 or (None, None)
        yield (
            "all",
            "all",
            d.key,
            d.n,
            d.score,
            low,
            high,
            d.level,
            d.favourable,
            d.neutral,
            d.unfavourable,
            d.alpha,
            d.omega,
            d.dont_know,
            d.alpha_n,
            d.omega_method,
        )
    for breakdown in report.breakdowns:
        for group in breakdown.groups:
            for figure in group.scores:
                if figure.score is not None:
                    row = (breakdown.key, group.group, figure.principle, figure.n, figure.score)
                    yield row + ("",) * (len(REPORT_COLUMNS) - len(row))


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
    "versus",  # a pair's other round (Games–Howell rows)
    "principle",
    "n",  # the round's respondents
    "n_scored",  # those with a score on the principle
    "score",
    "sd",
    "ci95_low",
    "ci95_high",
    "test",  # "welch", "welch-anova" or "games-howell"
    "statistic",  # t or F
    "df1",  # F's numerator degrees of freedom (empty for t)
    "df2",  # Welch's degrees of freedom
    "pvalue",
    "pvalue_bh",  # corrected across the principles
    "effect_size_name",  # "hedges-g" or "omega-squared"
    "effect_size",
    "effect_size_ci95_low",
    "effect_size_ci95_high",
    "difference",  # this round − the other (two rounds: second − first)
    "difference_ci95_low",
    "difference_ci95_high",
    "statistically_significant",  # the (corrected) p below 0.05
    "important",  # and the whole interval beyond the minimal important difference
    "verdict",  # important, possibly important, small, unclear or none
    "minimal_important_difference",
)


def comparison_csv(comparison) -> str:
    """Per round and principle: its published n, score, SD and interval, with the principle's
    test; then per principle tested with Games–Howell, one row per pair of rounds
    (``survey.services.comparison.Comparison``). Every statistic is a function of the rounds'
    n, scores and SDs in the same file."""
    tests = {t.key: t for t in comparison.tests}
    rows = []
    for entry in comparison.rounds:
        for dim in comparison.instrument.dimensions:
            figures = entry.dimensions.get(dim.key) if entry.shown else None
            own = (figures.n, figures.score, figures.sd, *figures.ci95) if figures else ("",) * 5
            rows.append((entry.label, "", dim.key, entry.n, *own, *_test_cells(tests.get(dim.key))))
    for test in comparison.tests:
        for pair in test.pairs:
            rows.append(
                (pair.second, pair.first, test.key, *("",) * 6, "games-howell", pair.statistic,
                 "", pair.df, pair.pvalue, "", "hedges-g", pair.effect_size,
                 *pair.effect_size_ci95, pair.difference, *pair.difference_ci95,
                 _truth(pair.statistically_significant), _truth(pair.important),
                 pair.verdict, test.mid)
            )  # fmt: skip
    return _csv(COMPARISON_COLUMNS, rows)


def _test_cells(test) -> tuple:
    if test is None:
        return ("",) * (len(COMPARISON_COLUMNS) - COMPARISON_COLUMNS.index("test"))
    df1, df2 = test.df if len(test.df) == 2 else ("", *test.df)
    return (
        test.test,
        test.statistic,
        df1,
        df2,
        test.pvalue,
        test.pvalue_bh,
        test.effect_name,
        test.effect_size,
        *test.effect_size_ci95,
        test.difference,
        *test.difference_ci95,
        _truth(test.statistically_significant) if test.tested else "",
        _truth(test.important) if test.tested else "",
        test.verdict if test.tested else "",
        test.mid,
    )


def _truth(value: bool) -> str:
    return "true" if value else "false"


def links_csv(base_url: str, tokens: Iterable[str]) -> str:
    """Personal survey links, one per row, for HR's own mail merge (shown once, never stored)."""
    return _csv(("link",), ([f"{base_url}/s/{token}"] for token in tokens))
