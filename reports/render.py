"""The report as HTML (one Jinja template for the page and the PDF) and as PDF (WeasyPrint)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from reports import charts, numbers
from reports.release import Release

# The top-level templates/ and translations/ folders are installed as these packages' data
# (pyproject.toml maps them), so a checkout and a wheel install find them the same way.
TEMPLATES = Path(str(files("reports.templates")))
TRANSLATIONS = Path(str(files("reports.translations")))
ROOT = Path(__file__).resolve().parent.parent
STYLESHEET = ROOT / "survey" / "static" / "css" / "report.css"


@lru_cache(maxsize=4)
def translations(lang: str) -> Translations:
    return Translations.load(str(TRANSLATIONS), [lang])


@lru_cache(maxsize=4)
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    numbers.install(env, lang)
    return env


def report_charts(report: Release, scale_labels: list[str]) -> dict[str, Markup]:
    """Every chart of the report as inline SVG."""
    if not report.enough:
        return {}
    _ = translations(report.lang).gettext
    radar_labels = (_("This round"), _("Benchmark median"))
    names = [d.name for d in report.dimensions]
    scores = [d.score if d.shown else np.nan for d in report.dimensions]
    median = None
    if report.benchmark:
        marks = {row.key: row.median for row in report.benchmark.dimensions}
        median = [marks.get(d.key, np.nan) for d in report.dimensions]
    made = {"radar": charts.radar(names, scores, median, labels=radar_labels)}
    shown = [d for d in report.dimensions if d.shown and not d.kept]
    for dim in shown + ([report.outcome] if report.outcome else []):
        made[f"shares-{dim.key}"] = charts.diverging_bar(
            (dim.unfavourable, dim.neutral, dim.favourable)
        )
        for narrow in (False, True):  # the page shows the narrow chart on a phone
            made[f"items{'-narrow' if narrow else ''}-{dim.key}"] = charts.likert_bars(
                [
                    item.text + (" " + _("(agreeing is unfavourable)") if item.reverse else "")
                    for item in dim.items
                ],
                np.array([item.counts for item in dim.items]),
                scale_labels,
                dont_know=_("Don't know"),
                percent=lambda share: numbers.percent(share, report.lang),
                reverse=[item.reverse for item in dim.items],
                narrow=narrow,
            )
    if report.drivers and report.drivers.principles:
        weights = {w.key: w for w in report.drivers.principles}
        known = [d for d in report.dimensions if d.shown and d.key in weights]
        ax = charts.impact_chart(
            [d.name for d in known],
            [d.score for d in known],
            [weights[d.key].share for d in known],
            [weights[d.key].beyond_chance for d in known],
            (_("work on these first"), _("keep these strong"), _("less urgent"),
             _("fine as they are")),
            overall=report.overall.score if report.overall else None,
        )  # fmt: skip
        ax.set_xlabel(_("Score (0–100)"), fontsize=7)
        ax.set_ylabel(_("Share of what drives advocacy (%)"), fontsize=7)
        made["impact"] = ax
    legend = (_("below the organisation"), _("above the organisation"))
    for breakdown in report.breakdowns:
        if breakdown.groups and not breakdown.tree:  # the tree is a table of its own
            values = np.array(
                [[g.score_of(d.key).score for g in breakdown.groups] for d in report.dimensions],
                dtype=float,
            )
            counts = [[g.score_of(d.key).n for g in breakdown.groups] for d in report.dimensions]
            own = [d.score if d.shown else np.nan for d in report.dimensions]
            made[f"heatmap-{breakdown.key}"] = charts.heatmap(
                names,
                [g.label for g in breakdown.groups],
                values,
                reference=own,
                counts=counts,
                number=lambda v: numbers.number(v, 1, report.lang),
                hidden=breakdown.hidden_groups,
                hidden_label=_("not shown"),
                legend=legend,
                name=f"heatmap-{breakdown.key}",
            )
    return {key: Markup(charts.to_svg(ax.figure)) for key, ax in made.items()}


def render_body(
    report: Release, scale_labels: list[str], base_url: str = "", plan: Sequence[dict] = ()
) -> str:
    """The report's content (no <html> around it), for the web page; with ``plan`` (the round's
    action plan, :func:`survey.services.actions.plan_rows`'s rows) it holds the plan too."""
    from reports.office import heat_colour

    template = environment(report.lang).get_template("report/body.html")
    return template.render(
        report=report,
        charts=report_charts(report, scale_labels),
        base_url=base_url,
        plan=plan,
        heat=heat_colour,
    )


def render_document(
    report: Release,
    scale_labels: list[str],
    *,
    cover: bool = False,
    closed_on: datetime.date | str | None = None,
    plan: Sequence[dict] = (),
) -> str:
    """A standalone HTML document of the report, with the print stylesheet inline; ``cover``
    adds a first page (organisation, round, the day it closed, responses and participation)."""
    template = environment(report.lang).get_template("report/document.html")
    return template.render(
        report=report,
        body=Markup(render_body(report, scale_labels, plan=plan)),
        stylesheet=Markup(STYLESHEET.read_text(encoding="utf-8")),
        cover=cover,
        closed_on=closed_on,
    )


def render_pdf(
    report: Release,
    scale_labels: list[str],
    *,
    closed_on: datetime.date | str | None = None,
    plan: Sequence[dict] = (),
) -> bytes:
    """The report as an A4 PDF: a cover page, the report and the round's action plan."""
    return html_to_pdf(
        render_document(report, scale_labels, cover=True, closed_on=closed_on, plan=plan)
    )


def html_to_pdf(html: str) -> bytes:
    """A standalone HTML document (stylesheet inline) as PDF, via WeasyPrint."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(ROOT)).write_pdf()
