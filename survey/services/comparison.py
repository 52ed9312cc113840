"""Comparing two to six rounds of any clients: scores side by side and honest tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from scoring.benchmark import benjamini_hochberg, compare_groups
from scoring.disclosure import BoxStatistics, box_statistics, enough
from scoring.instrument import Instrument
from scoring.scores import points_from_offsets, respondent_scores, score_answers
from survey.models import Campaign
from survey.policy import SIGNIFICANCE_LEVEL
from survey.services.campaigns import campaign_instrument
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
class DimensionTest:
    """Whether the rounds differ on one principle."""

    key: str
    name: str
    test: str
    statistic: float
    pvalue: float
    effect_size: float
    effect_name: str
    pvalue_bh: float
    real: bool


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
    results = [compare_groups([r.scores[:, d] for r in shown]) for d, _dim in dimensions]
    adjusted = benjamini_hochberg([r.pvalue for r in results])
    return [
        DimensionTest(
            key=dim.key,
            name=dim.name[lang],
            test=result.test,
            statistic=result.statistic,
            pvalue=result.pvalue,
            effect_size=result.effect_size,
            effect_name=result.effect_name,
            pvalue_bh=float(p),
            real=bool(not np.isnan(p) and p < SIGNIFICANCE_LEVEL),
        )
        for (_d, dim), result, p in zip(dimensions, results, adjusted, strict=True)
    ]


def compare(session: Session, campaigns: list[Campaign], lang: str) -> Comparison:
    """Rounds side by side: scores with intervals, and per principle whether they really differ."""
    ids = [c.id for c in campaigns]
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED or len(set(ids)) != len(ids):
        raise InvalidInput(f"choose {MIN_COMPARED} to {MAX_COMPARED} different rounds")
    if any(c.instrument_name != campaigns[0].instrument_name for c in campaigns):
        raise InvalidInput("only rounds of the same instrument can be compared")
    instrument = campaign_instrument(campaigns[0])
    rounds = [_compared_round(session, c, instrument) for c in campaigns]
    return Comparison(instrument, rounds, _tests(instrument, [r for r in rounds if r.shown], lang))
