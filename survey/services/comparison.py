"""Comparing two to six rounds of any clients: scores side by side and honest tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.benchmark import benjamini_hochberg, compare_groups, dunn, welch
from scoring.disclosure import BoxStatistics, box_statistics, enough
from scoring.instrument import Instrument
from scoring.scores import points_from_offsets, respondent_scores, score_answers
from survey.models import Campaign, Organisation
from survey.policy import SIGNIFICANCE_LEVEL
from survey.services.campaigns import campaign_instrument, same_measure
from survey.services.errors import InvalidInput
from survey.services.responses import answer_matrix

MIN_COMPARED, MAX_COMPARED = 2, 6
_NO_BOX = BoxStatistics(0, None, None, None, None, None)


@dataclass(frozen=True)
class DimensionFigures:
    score: float
    ci95: tuple[float, float]
    level: int | None


@dataclass
class ComparedRound:
    """One round of the comparison; its figures only when it has enough responses."""

    campaign: Campaign
    n: int
    shown: bool
    dimensions: dict[str, DimensionFigures] = field(default_factory=dict)  # principles shown
    overall: float | None = None  # only when every principle is shown
    scores: np.ndarray | None = None  # respondents × principles, for the tests (never shown)
    boxes: list[BoxStatistics] = field(default_factory=list)  # what a box plot may draw

    @property
    def label(self) -> str:
        return f"{self.campaign.organisation.name} · {self.campaign.name}"


@dataclass(frozen=True)
class PairDifference:
    """Dunn's test of two of three or more rounds on one principle."""

    first: str  # the rounds' labels
    second: str
    difference: float  # mean of the second − mean of the first
    pvalue_bh: float  # corrected across the pairs of this principle
    real: bool


@dataclass(frozen=True)
class DimensionTest:
    """Whether the rounds differ on one principle.

    Two rounds: Welch's t-test — the same test as a report's change since the previous round —
    with the difference (second − first) and its 95 % interval, and Hedges' g with its interval.
    Three or more: Kruskal–Wallis with ε², then Dunn's pairwise tests (BH-corrected) that say which
    rounds differ. ``real``: the corrected p is below the significance level *and* the difference
    reaches the instrument's minimal important difference.
    """

    key: str
    name: str
    test: str  # "welch" or "kruskal-wallis"
    statistic: float
    pvalue: float
    effect_size: float
    effect_name: str  # "hedges-g" or "epsilon-squared"
    pvalue_bh: float
    real: bool
    difference: float = np.nan
    difference_ci95: tuple[float, float] = (np.nan, np.nan)
    effect_size_ci95: tuple[float, float] = (np.nan, np.nan)
    pairs: tuple[PairDifference, ...] = ()


@dataclass(frozen=True)
class Comparison:
    instrument: Instrument
    rounds: list[ComparedRound]
    tests: list[DimensionTest]  # empty unless two or more rounds are shown

    @property
    def shown(self) -> list[ComparedRound]:
        return [r for r in self.rounds if r.shown]


def _compared_round(session: Session, campaign: Campaign, instrument: Instrument) -> ComparedRound:
    points = points_from_offsets(answer_matrix(session, campaign), instrument)
    n = int(points.shape[0])
    # an open round's figures are published once it closes
    shown = campaign.status == "closed" and enough(n, campaign.min_group_size)
    entry = ComparedRound(campaign, n, shown=shown)
    if entry.shown:
        k = campaign.min_group_size
        result = score_answers(points, instrument)
        entry.dimensions = {
            d.key: DimensionFigures(d.statistic, tuple(d.confidence_interval()), d.level)
            for d in result.dimensions
            if enough(d.n, k)
        }
        if len(entry.dimensions) == len(result.dimensions):
            entry.overall = result.overall.statistic
        entry.scores = respondent_scores(points, instrument)
        entry.boxes = [
            box_statistics(entry.scores[:, d], k) if dim.key in entry.dimensions else _NO_BOX
            for d, dim in enumerate(instrument.dimensions)
        ]
    return entry


def _tests(instrument: Instrument, shown: list[ComparedRound], lang: str) -> list[DimensionTest]:
    if len(shown) < 2:
        return []
    dimensions = [
        (d, dim)
        for d, dim in enumerate(instrument.dimensions)
        if all(dim.key in r.dimensions for r in shown)  # only principles every round shows
    ]
    mid = instrument.minimal_important_difference
    if len(shown) == 2:
        results = [welch(shown[0].scores[:, d], shown[1].scores[:, d]) for d, _dim in dimensions]
    else:
        results = [compare_groups([r.scores[:, d] for r in shown]) for d, _dim in dimensions]
    adjusted = benjamini_hochberg([r.pvalue for r in results])
    tests = []
    for (d, dim), result, p in zip(dimensions, results, adjusted, strict=True):
        significant = bool(not np.isnan(p) and p < SIGNIFICANCE_LEVEL)
        common = {"key": dim.key, "name": dim.name[lang], "pvalue": result.pvalue}
        if len(shown) == 2:
            tests.append(
                DimensionTest(
                    **common,
                    test="welch",
                    statistic=result.statistic,
                    effect_size=result.effect_size,
                    effect_name="hedges-g",
                    pvalue_bh=float(p),
                    real=significant and abs(result.difference) >= mid,
                    difference=result.difference,
                    difference_ci95=(result.ci_low, result.ci_high),
                    effect_size_ci95=(result.g_low, result.g_high),
                )
            )
            continue
        pairs = _pairs(shown, d, mid) if significant else ()
        tests.append(
            DimensionTest(
                **common,
                test=result.test,
                statistic=result.statistic,
                effect_size=result.effect_size,
                effect_name=result.effect_name,
                pvalue_bh=float(p),
                real=significant and any(pair.real for pair in pairs),
                pairs=pairs,
            )
        )
    return tests


def _pairs(shown: list[ComparedRound], d: int, mid: float) -> tuple[PairDifference, ...]:
    """Dunn's pairwise tests after a significant Kruskal–Wallis, BH-corrected over the pairs."""
    columns = [r.scores[:, d][~np.isnan(r.scores[:, d])] for r in shown]
    _z, p = dunn(columns)
    first, second = np.triu_indices(len(shown), 1)
    adjusted = benjamini_hochberg(p[first, second])
    pairs = []
    for i, j, q in zip(first, second, adjusted, strict=True):
        difference = float(columns[j].mean() - columns[i].mean())
        real = bool(q < SIGNIFICANCE_LEVEL and abs(difference) >= mid)
        pairs.append(PairDifference(shown[i].label, shown[j].label, difference, float(q), real))
    return tuple(pairs)


def compare(session: Session, campaigns: list[Campaign], lang: str) -> Comparison:
    """Rounds side by side: scores with intervals, and per principle whether they really differ."""
    ids = [c.id for c in campaigns]
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED or len(set(ids)) != len(ids):
        raise InvalidInput(f"choose {MIN_COMPARED} to {MAX_COMPARED} different rounds")
    if not all(same_measure(campaigns[0], c) for c in campaigns):
        raise InvalidInput("only rounds of the same instrument can be compared")
    instrument = campaign_instrument(campaigns[0])
    rounds = [_compared_round(session, c, instrument) for c in campaigns]
    return Comparison(instrument, rounds, _tests(instrument, [r for r in rounds if r.shown], lang))


def closed_rounds(session: Session, organisations: list) -> list[tuple[int, str, str]]:
    """The closed rounds of these organisations that could be compared: (id, organisation,
    round), newest first within each organisation."""
    ids = [o.id for o in organisations]
    rows = session.execute(
        sa.select(Campaign.id, Organisation.name, Campaign.name)
        .join(Organisation, Organisation.id == Campaign.organisation_id)
        .where(Campaign.organisation_id.in_(ids), Campaign.status == "closed")
        .order_by(Organisation.name, Campaign.id.desc())
    ).all()
    return [tuple(row) for row in rows]
