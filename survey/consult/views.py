"""Consultants: the portfolio of client organisations, the benchmark pool, comparing rounds."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from flask_login import login_required
from markupsafe import Markup

from reports import charts
from scoring.instrument import load_instrument
from survey import access
from survey.consult.service import MAX_COMPARED, compare, pool_overview, portfolio
from survey.extensions import db

blueprint = Blueprint("consult", __name__)
SORTS = {
    "name": lambda row: row["organisation"].name.lower(),
    "responses": lambda row: row.get("n") or 0,
    "overall": lambda row: row.get("overall") if row.get("overall") is not None else -1,
    "percentile": lambda row: row.get("percentile") if row.get("percentile") is not None else -1,
    "change": lambda row: row.get("change") if row.get("change") is not None else -999,
}


def _lang() -> str:
    lang = str(get_locale())
    return lang if lang in ("en", "nl") else "en"


def _portfolio_rows():
    sector = request.args.get("sector") or None
    query = access.visible_organisations()
    organisations = db.session.scalars(query).all()
    sectors = sorted({o.sector for o in organisations if o.sector})
    if sector:
        organisations = [o for o in organisations if o.sector == sector]
    rows = portfolio(db.session, organisations)
    sort = request.args.get("sort", "name")
    rows.sort(key=SORTS.get(sort, SORTS["name"]), reverse=request.args.get("dir") == "desc")
    return rows, sectors, sector, sort


@blueprint.get("/portfolio")
@login_required
def portfolio_page():
    """Every client organisation with its latest round, sortable and filterable by sector."""
    rows, sectors, sector, sort = _portfolio_rows()
    dimensions = []
    for row in rows:
        if row.get("campaign") is not None:
            from survey.responses import campaign_instrument

            dimensions = campaign_instrument(row["campaign"]).dimensions
            break
    return render_template(
        "consult/portfolio.html",
        rows=rows,
        sectors=sectors,
        sector=sector,
        sort=sort,
        direction=request.args.get("dir", "asc"),
        dimensions=dimensions,
        lang=_lang(),
    )


@blueprint.get("/portfolio.csv")
@login_required
def portfolio_csv():
    """The portfolio as CSV: one row per organisation, aggregates only."""
    rows, _sectors, _sector, _sort = _portfolio_rows()
    out = io.StringIO()
    writer = csv.writer(out)
    keys = ["guidelines", "error_tolerance", "patience", "leadership", "dialogue"]
    writer.writerow(
        [
            "organisation",
            "sector",
            "round",
            "responses",
            "overall",
            "level",
            *keys,
            "pool_percentile",
            "change",
        ]
    )
    for row in rows:
        shown = row.get("shown")
        writer.writerow(
            [
                row["organisation"].name,
                row["sector"] or "",
                row["campaign"].name if row.get("campaign") else "",
                row.get("n", 0),
                _fmt(row.get("overall")) if shown else "",
                row.get("level", "") if shown else "",
                *[
                    _fmt(row["dimensions"][k][0])
                    if shown and k in row.get("dimensions", {})
                    else ""
                    for k in keys
                ],
                _fmt(row.get("percentile")),
                _fmt(row.get("change")),
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=portfolio.csv"},
    )


def _fmt(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _compared():
    ids = request.args.getlist("campaign", type=int)
    if not 2 <= len(ids) <= MAX_COMPARED or len(set(ids)) != len(ids):
        abort(400)
    campaigns = [access.campaign_or_404(campaign_id) for campaign_id in ids]
    try:
        return compare(db.session, campaigns, _lang())
    except ValueError:
        abort(400)


def _label(campaign) -> str:
    return f"{campaign.organisation.name} · {campaign.name}"


def _compare_charts(result) -> dict[str, Markup]:
    instrument, lang = result["instrument"], _lang()
    names = [dim.name[lang] for dim in instrument.dimensions]
    shown = [r for r in result["rounds"] if r["shown"]]
    if not shown:
        return {}
    overlay = charts.radar_overlay(
        names,
        [
            (
                _label(r["campaign"]),
                [r["dimensions"][d.key]["score"] for d in instrument.dimensions],
            )
            for r in shown
        ],
    )
    boxes = charts.distributions(names, [(_label(c), s) for c, s in result["distributions"]])
    return {
        "radar": Markup(charts.to_svg(overlay.figure)),
        "distributions": Markup(charts.to_svg(boxes.figure)),
    }


@blueprint.get("/compare")
@login_required
def compare_page():
    """Two to six rounds side by side, with honest tests of their differences."""
    result = _compared()
    return render_template(
        "consult/compare.html",
        result=result,
        charts=_compare_charts(result),
        lang=_lang(),
        query=request.query_string.decode(),
    )


@blueprint.get("/compare.csv")
@login_required
def compare_csv():
    """The comparison as CSV: per round and principle, score and interval; per principle, test."""
    result = _compared()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "round",
            "principle",
            "n",
            "score",
            "ci95_low",
            "ci95_high",
            "test",
            "pvalue_bh",
            "effect_size",
        ]
    )
    tests = {t["key"]: t for t in result["tests"]}
    for entry in result["rounds"]:
        for dim in result["instrument"].dimensions:
            figures = entry.get("dimensions", {}).get(dim.key) if entry["shown"] else None
            test = tests.get(dim.key, {})
            writer.writerow(
                [
                    _label(entry["campaign"]),
                    dim.key,
                    entry["n"],
                    _fmt(figures["score"]) if figures else "",
                    _fmt(figures["ci95"][0]) if figures else "",
                    _fmt(figures["ci95"][1]) if figures else "",
                    test.get("test", ""),
                    f"{test['pvalue_bh']:.4f}" if test else "",
                    f"{test['effect_size']:.3f}" if test else "",
                ]
            )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=comparison.csv"},
    )


@blueprint.get("/compare.pdf")
@login_required
def compare_pdf():
    """The comparison as an A4 PDF."""
    from reports.render import STYLESHEET, html_to_pdf

    result = _compared()
    html = render_template(
        "consult/compare_document.html",
        result=result,
        charts=_compare_charts(result),
        lang=_lang(),
        stylesheet=Markup(STYLESHEET.read_text(encoding="utf-8")),
    )
    return Response(
        html_to_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": "attachment; filename=comparison.pdf"},
    )


@blueprint.get("/benchmark")
@login_required
def benchmark_page():
    """The benchmark pool: how many organisations, and the marks per principle (no names)."""
    sector = request.args.get("sector") or None
    size_band = request.args.get("size_band") or None
    entries, marks, sectors = pool_overview(
        db.session,
        load_instrument("social-culture-v1"),
        _lang(),
        sector=sector,
        size_band=size_band,
    )
    return render_template(
        "consult/benchmark.html",
        entries=entries,
        marks=marks,
        sector=sector,
        size_band=size_band,
        sectors=sectors,
        lang=_lang(),
    )
