"""Consultants: the portfolio of client organisations, the benchmark pool, comparing rounds."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from reports import charts
from reports.exports import comparison_csv, portfolio_csv
from reports.render import STYLESHEET, html_to_pdf
from scoring.benchmark import TOP10_MIN_ORGANISATIONS
from survey.extensions import db
from survey.services import access, comparison, pool, portfolio
from survey.services.campaigns import DEFAULT_INSTRUMENT, instrument_named
from survey.services.errors import InvalidInput
from survey.web.consult.sectors import sector_label, sector_options
from survey.web.downloads import download
from survey.web.locale import page_language

blueprint = Blueprint("consult", __name__)
blueprint.add_app_template_filter(sector_label, "sector")
blueprint.add_app_template_global(sector_options)


@blueprint.before_request
@login_required
def require_login():
    """Every consultant page needs a logged-in user whose role may compare organisations."""
    access.require_compare(current_user)


def _portfolio():
    """The portfolio as the query string asks for it: sector filter and sort order."""
    sector = request.args.get("sector") or None
    organisations = db.session.scalars(access.viewable_organisations(current_user)).all()
    sectors = portfolio.sectors(organisations)
    if sector:
        organisations = [o for o in organisations if o.sector == sector]
    sort = request.args.get("sort", "name")
    rows = portfolio.portfolio(
        db.session, organisations, sort=sort, descending=request.args.get("dir") == "desc"
    )
    dimensions = portfolio.principles(db.session, rows)
    return rows, dimensions, {"sectors": sectors, "sector": sector, "sort": sort}


@blueprint.get("/portfolio")
def portfolio_page():
    """Every client organisation with its latest round, sortable and filterable by sector."""
    rows, dimensions, filters = _portfolio()
    return render_template(
        "consult/portfolio.html",
        rows=rows,
        dimensions=dimensions,
        direction=request.args.get("dir", "asc"),
        lang=page_language(),
        **filters,
    )


@blueprint.get("/portfolio.csv", endpoint="portfolio_csv")
def portfolio_csv_download():
    """The portfolio as CSV: one row per organisation, aggregates only."""
    rows, dimensions, _filters = _portfolio()
    text = portfolio_csv(rows, [dim.key for dim in dimensions])
    return download(text, "text/csv", "portfolio.csv")


def _compared() -> comparison.Comparison:
    ids = request.args.getlist("campaign", type=int)
    campaigns = [access.campaign_for(db.session, current_user, i) for i in ids]
    return comparison.compare(
        db.session, campaigns, page_language(), current_app.config["COMMENT_MIN_GROUP_SIZE"]
    )


def _compare_charts(result: comparison.Comparison) -> dict[str, Markup]:
    if not result.shown:
        return {}
    names = [dim.name[page_language()] for dim in result.instrument.dimensions]
    overlay = charts.radar_overlay(
        names,
        [(r.label, [_score(r, d.key) for d in result.instrument.dimensions]) for r in result.shown],
    )
    intervals = charts.score_intervals(
        names,
        [
            (r.label, [_interval(r, d.key) for d in result.instrument.dimensions])
            for r in result.shown
        ],
    )
    return {
        "radar": Markup(charts.to_svg(overlay.figure)),
        "intervals": Markup(charts.to_svg(intervals.figure)),
    }


def _score(compared: comparison.ComparedRound, key: str) -> float:
    figures = compared.dimensions.get(key)
    return figures.score if figures is not None else float("nan")


def _interval(compared: comparison.ComparedRound, key: str) -> tuple[float, float, float]:
    figures = compared.dimensions.get(key)
    if figures is None:
        return (float("nan"),) * 3
    return (figures.score, *figures.ci95)


@blueprint.get("/compare")
def compare_page():
    """Two to six rounds side by side, with honest tests of their differences; with fewer or
    more rounds chosen, the page says so and offers the rounds to choose from."""
    chosen = request.args.getlist("campaign", type=int)
    organisations = db.session.scalars(access.viewable_organisations(current_user)).all()
    choices = comparison.closed_rounds(db.session, organisations)
    if not chosen:  # arriving from the menu: nothing chosen yet is not a mistake
        return render_template(
            "consult/compare.html",
            result=None,
            problem=None,
            choices=choices,
            chosen=chosen,
            lang=page_language(),
        )
    try:
        result = _compared()
    except InvalidInput as problem:
        page = render_template(
            "consult/compare.html",
            result=None,
            problem=str(problem),
            choices=choices,
            chosen=chosen,
            lang=page_language(),
        )
        return page, 400
    return render_template(
        "consult/compare.html",
        result=result,
        charts=_compare_charts(result),
        choices=choices,
        chosen=chosen,
        lang=page_language(),
        query=request.query_string.decode(),
    )


@blueprint.get("/compare.csv")
def compare_csv():
    """The comparison as CSV: per round and principle, score and interval; per principle, test."""
    return download(comparison_csv(_compared()), "text/csv", "comparison.csv")


@blueprint.get("/compare.pdf")
def compare_pdf():
    """The comparison as an A4 PDF."""
    result = _compared()
    html = render_template(
        "consult/compare_document.html",
        result=result,
        charts=_compare_charts(result),
        lang=page_language(),
        stylesheet=Markup(STYLESHEET.read_text(encoding="utf-8")),
    )
    return download(html_to_pdf(html), "application/pdf", "comparison.pdf")


@blueprint.get("/benchmark")
def benchmark_page():
    """One view of the benchmark pool's published version: how many organisations, and the
    marks per principle (no names). Reading it publishes nothing."""
    sector = request.args.get("sector") or None
    size_band = request.args.get("size_band") or None
    overview = pool.pool_overview(
        db.session,
        instrument_named(DEFAULT_INSTRUMENT),
        page_language(),
        sector=sector,
        size_band=size_band,
    )
    chosen = request.args.get("campaign", type=int)
    client = access.campaign_for(db.session, current_user, chosen, "compare") if chosen else None
    position = pool.kept_scores(db.session, client) if client else None
    return render_template(
        "consult/benchmark.html",
        overview=overview,
        sector=sector,
        size_band=size_band,
        client=client if position else None,
        chart=_pool_chart(overview, position),
        top10_min=TOP10_MIN_ORGANISATIONS,
        lang=page_language(),
    )


def _pool_chart(overview, position: dict | None):
    """The pool's spread per principle, with a round's position when one is chosen."""
    if not overview.marks:
        return None
    from flask_babel import gettext as _

    instrument = instrument_named(DEFAULT_INSTRUMENT)
    marks = [(m.bottom10, m.bottom25, m.median, m.top25, m.top10) for m in overview.marks]
    scores = [position[d.key] for d in instrument.dimensions] if position else None
    labels = (
        _("Bottom 10% to top 10%"), _("The middle half: bottom 25% to top 25%"), _("Median"),
        _("This round"),
    )  # fmt: skip
    ax = charts.pool_marks_chart([m.name for m in overview.marks], marks, scores, labels)
    return Markup(charts.to_svg(ax.figure))


@blueprint.get("/validate")
def validate_page():
    """The instrument check: the five-principle structure on the pooled answers of chosen closed
    rounds, overall and per language (needs the ``validate`` extra: semopy)."""
    from survey.services.validation import validate

    try:
        import semopy  # noqa: F401
    except ImportError:
        return render_template(
            "consult/validate.html", result=None, missing=True, lang=page_language()
        )
    ids = request.args.getlist("campaign", type=int)
    organisations = db.session.scalars(access.viewable_organisations(current_user)).all()
    page = {
        "choices": comparison.closed_rounds(db.session, organisations),
        "chosen": ids,
        "missing": False,
        "result": None,
        "lang": page_language(),
    }
    if not ids:  # arriving from the menu: the page explains the check and offers the rounds
        return render_template("consult/validate.html", problem=None, **page)
    rounds = [access.campaign_for(db.session, current_user, i) for i in ids]
    try:
        page["result"] = validate(db.session, rounds)
    except InvalidInput as problem:
        return render_template("consult/validate.html", problem=str(problem), **page), 400
    return render_template("consult/validate.html", problem=None, **page)
