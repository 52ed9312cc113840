"""Service layer of the consultant pages: the portfolio and the comparison of rounds."""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from reports.model import POOL_MIN_ORGANISATIONS
from scoring.benchmark import benjamini_hochberg, compare_groups, pool_marks, pool_position
from scoring.scores import (
    LEVEL_NAMES,
    maturity_level,
    points_from_offsets,
    respondent_scores,
    score_answers,
)
from survey.benchmarking import pool_entries
from survey.models import Campaign, Organisation, Response
from survey.responses import answer_matrix, campaign_instrument

MAX_COMPARED = 6


def _round_scores(session: Session, campaign: Campaign):
    instrument = campaign_instrument(campaign)
    points = points_from_offsets(answer_matrix(session, campaign), instrument)
    return instrument, points


def portfolio(session: Session, organisations: list[Organisation]) -> list[dict[str, Any]]:
    """Each organisation's latest round with responses: figures, pool percentile and change."""
    rows = []
    pools: dict[tuple[str, str], list] = {}
    for organisation in organisations:
        rounds = session.scalars(
            sa.select(Campaign)
            .where(
                Campaign.organisation_id == organisation.id,
                sa.exists().where(Response.campaign_id == Campaign.id),
            )
            .order_by(Campaign.id.desc())
            .limit(2)
        ).all()
        row = {"organisation": organisation, "sector": organisation.sector, "campaign": None}
        rows.append(row)
        if not rounds:
            continue
        latest = rounds[0]
        instrument, points = _round_scores(session, latest)
        row.update(
            campaign=latest, n=int(points.shape[0]), shown=points.shape[0] >= latest.min_group_size
        )
        if not row["shown"]:
            continue
        result = score_answers(points, instrument)
        row["overall"] = result.overall.statistic
        row["level"] = result.overall.level
        row["level_name"] = LEVEL_NAMES.get(result.overall.level)
        row["dimensions"] = {d.key: (d.statistic, d.level) for d in result.dimensions}
        key = (latest.instrument_id, latest.instrument_version)
        if key not in pools:
            pools[key] = pool_entries(session, *key)
        others = [e.overall for e in pools[key] if e.organisation_id != organisation.id]
        row["pool_size"] = len(others)
        row["pool_external"] = sum(
            1 for e in pools[key] if e.external and e.organisation_id != organisation.id
        )
        row["percentile"] = (
            pool_position(row["overall"], others).percentile
            if len(others) >= POOL_MIN_ORGANISATIONS
            else None
        )
        row["change"] = None
        if len(rounds) > 1 and rounds[1].instrument_name == latest.instrument_name:
            before_instrument, before = _round_scores(session, rounds[1])
            if before.shape[0] >= rounds[1].min_group_size:
                previous = score_answers(before, before_instrument).overall.statistic
                row["change"] = row["overall"] - previous
    return rows


def compare(session: Session, campaigns: list[Campaign], lang: str) -> dict[str, Any]:
    """Rounds side by side: scores with intervals, and per principle whether they really differ."""
    instrument = campaign_instrument(campaigns[0])
    if any(c.instrument_name != campaigns[0].instrument_name for c in campaigns):
        raise ValueError("only rounds of the same instrument can be compared")
    rounds, per_respondent = [], []
    for campaign in campaigns:
        _, points = _round_scores(session, campaign)
        n = int(points.shape[0])
        entry = {"campaign": campaign, "n": n, "shown": n >= campaign.min_group_size}
        if entry["shown"]:
            result = score_answers(points, instrument)
            entry["dimensions"] = {
                d.key: {
                    "score": d.statistic,
                    "ci95": list(d.confidence_interval()),
                    "level": d.level,
                }
                for d in result.dimensions
            }
            entry["overall"] = result.overall.statistic
            per_respondent.append(respondent_scores(points, instrument))
        rounds.append(entry)
    shown = [r for r in rounds if r["shown"]]
    tests = []
    if len(shown) >= 2:
        for d, dim in enumerate(instrument.dimensions):
            result = compare_groups([scores[:, d] for scores in per_respondent])
            tests.append(
                {
                    "key": dim.key,
                    "name": dim.name[lang],
                    "test": result.test,
                    "statistic": result.statistic,
                    "pvalue": result.pvalue,
                    "effect_size": result.effect_size,
                    "effect_name": result.effect_name,
                }
            )
        for test, adjusted in zip(
            tests, benjamini_hochberg([t["pvalue"] for t in tests]), strict=True
        ):
            test["pvalue_bh"] = float(adjusted)
            test["real"] = bool(not np.isnan(adjusted) and adjusted < 0.05)
    return {
        "instrument": instrument,
        "rounds": rounds,
        "tests": tests,
        "distributions": [
            (r["campaign"], scores) for r, scores in zip(shown, per_respondent, strict=True)
        ],
        "level_of": lambda score: int(maturity_level(score)),
    }


def pool_overview(session: Session, instrument, lang: str, *, sector=None, size_band=None):
    """The pool's entries and, once it holds enough organisations, its marks per principle."""
    entries = pool_entries(
        session, instrument.id, instrument.version, sector=sector, size_band=size_band
    )
    marks = []
    if len(entries) >= POOL_MIN_ORGANISATIONS:
        marks = [
            (dim.name[lang], *pool_marks([e.mean(dim.key) for e in entries]))
            for dim in instrument.dimensions
        ]
    sectors = sorted(filter(None, session.scalars(sa.select(Organisation.sector).distinct())))
    return entries, marks, sectors
