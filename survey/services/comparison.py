"""Comparing two to six rounds of any clients: scores side by side and honest tests.

Every test reads only what each round publishes per principle — its number of scored respondents,
mean and SD — never the respondents' own scores: two rounds are compared with Welch's t-test,
three or more with Welch's ANOVA and Games–Howell pairs. What the comparison shows can therefore
tell nothing about a round that its published figures do not tell already (a statistic of ranks
or quantiles of the respondents could: set against rounds in which everyone gave one known
score, it would place every respondent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.benchmark import (
    benjamini_hochberg,
    games_howell_from_stats,
    welch_anova_from_stats,
    welch_from_stats,
)
from scoring.differences import judge, minimal_important_difference
from scoring.instrument import Instrument
from survey.models import Campaign, CampaignStatus, Organisation
from survey.policy import COMMENT_MIN_GROUP_SIZE, SIGNIFICANCE_LEVEL
from survey.services import report_files
from survey.services.campaigns import campaign_instrument, same_measure
from survey.services.errors import InvalidInput

MIN_COMPARED, MAX_COMPARED = 2, 6


@dataclass(frozen=True)
class DimensionFigures:
    """What a round publishes about one principle: its scored respondents, mean, SD, interval."""

    n: int
    score: float
    sd: float
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

    @property
    def label(self) -> str:
        return f"{self.campaign.organisation.name} · {self.campaign.name}"


@dataclass(frozen=True)
class PairDifference:
    """The Games–Howell test of two of three or more rounds on one principle."""

    first: str  # the rounds' labels
    second: str
    difference: float  # mean of the second − mean of the first
    difference_ci95: tuple[float, float]  # simultaneous over the pairs
    statistic: float  # Welch's t
    df: float
    pvalue: float  # already accounts for the number of pairs (studentized range)
    effect_size: float  # Hedges' g
    effect_size_ci95: tuple[float, float]
    # judged as every difference is (scoring.differences.judge)
    statistically_significant: bool
    important: bool
    verdict: str


@dataclass(frozen=True)
class DimensionTest:
    """Whether the rounds differ on one principle.

    Two rounds: Welch's t-test — the same test as a report's change since the previous round —
    with the difference (second − first) and its 95 % interval, and Hedges' g with its interval.
    Three or more: Welch's ANOVA with ω² and its interval; when it is significant, Games–Howell
    tests of every pair say which rounds differ. Judged as every difference is
    (:func:`scoring.differences.judge`): ``important`` when the corrected p is below the
    significance level *and* the difference's whole interval (for three or more rounds: a
    pair's simultaneous one) lies beyond the minimal important difference, the instrument's or
    a fifth of the rounds' pooled SD (``mid``).
    """

    key: str
    name: str
    test: str  # "welch" or "welch-anova"
    statistic: float  # t or F
    df: tuple[float, ...]  # (ν,) for t, (k − 1, Welch's ν) for F
    pvalue: float
    effect_size: float
    effect_name: str  # "hedges-g" or "omega-squared"
    effect_size_ci95: tuple[float, float]
    pvalue_bh: float  # corrected across the principles
    statistically_significant: bool
    important: bool
    difference: float = np.nan
    difference_ci95: tuple[float, float] = (np.nan, np.nan)
    pairs: tuple[PairDifference, ...] = ()
    verdict: str = "unclear"
    mid: float = np.nan

    @property
    def tested(self) -> bool:
        """False when the test is undefined: a round's scores on the principle do not vary."""
        return not np.isnan(self.pvalue)


@dataclass(frozen=True)
class Comparison:
    instrument: Instrument
    rounds: list[ComparedRound]
    tests: list[DimensionTest]  # empty unless two or more rounds are shown

    @property
    def shown(self) -> list[ComparedRound]:
        return [r for r in self.rounds if r.shown]


def _compared_round(
    session: Session, campaign: Campaign, lang: str, comment_min_group: int
) -> ComparedRound:
    """A round as its release publishes it (a closed round's kept release; an open round shows
    only how many answered, in steps of k)."""
    release, _labels = report_files.release_for(session, campaign, lang, comment_min_group)
    entry = ComparedRound(campaign, release.n_responses, shown=release.enough)
    if entry.shown:
        entry.dimensions = {
            d.key: DimensionFigures(
                d.n, d.score, d.sd if d.sd is not None else np.nan, d.ci95 or (np.nan, np.nan),
                d.level,
            )
            for d in release.dimensions
            if d.shown
        }
        if release.overall is not None:
            entry.overall = release.overall.score
    return entry


def _tests(instrument: Instrument, shown: list[ComparedRound], lang: str) -> list[DimensionTest]:
    if len(shown) < 2:
        return []
    dimensions = [
        dim
        for dim in instrument.dimensions
        if all(dim.key in r.dimensions for r in shown)  # only principles every round shows
    ]
    figures = [[r.dimensions[dim.key] for r in shown] for dim in dimensions]
    if len(shown) == 2:
        results = [welch_from_stats(a.score, a.sd, a.n, b.score, b.sd, b.n) for a, b in figures]
    else:
        results = [
            welch_anova_from_stats([f.score for f in row], [f.sd for f in row], [f.n for f in row])
            for row in figures
        ]
    adjusted = benjamini_hochberg([r.pvalue for r in results])
    fixed = instrument.minimal_important_difference
    tests = []
    for dim, row, result, p in zip(dimensions, figures, results, adjusted, strict=True):
        mid = minimal_important_difference([f.sd for f in row], [f.n for f in row], fixed=fixed)
        common = {"key": dim.key, "name": dim.name[lang], "pvalue": result.pvalue,
                  "pvalue_bh": float(p), "statistic": result.statistic, "mid": mid}  # fmt: skip
        if len(shown) == 2:
            judged = judge(result.difference, result.ci_low, result.ci_high, p, mid,
                           SIGNIFICANCE_LEVEL)  # fmt: skip
            tests.append(
                DimensionTest(
                    **common,
                    test="welch",
                    df=(result.df,),
                    effect_size=result.effect_size,
                    effect_name="hedges-g",
                    effect_size_ci95=(result.g_low, result.g_high),
                    statistically_significant=judged.statistically_significant,
                    important=judged.important,
                    verdict=judged.verdict,
                    difference=result.difference,
                    difference_ci95=(result.ci_low, result.ci_high),
                )
            )
            continue
        significant = bool(not np.isnan(p) and p < SIGNIFICANCE_LEVEL)
        pairs = _pairs(shown, row, mid)
        verdict = judge_anova(p, pairs)
        tests.append(
            DimensionTest(
                **common,
                test="welch-anova",
                df=(result.df_num, result.df_den),
                effect_size=result.effect_size,
                effect_name="omega-squared",
                effect_size_ci95=result.effect_size_interval(),
                statistically_significant=significant,
                important=verdict == "important",
                verdict=verdict,
                pairs=pairs if significant else (),
            )
        )
    return tests


def judge_anova(pvalue: float, pairs: tuple[PairDifference, ...]) -> str:
    """The verdict of three or more rounds on a principle, by the one rule applied to the
    Games–Howell pairs (whose p-values and simultaneous intervals allow for the number of
    pairs): a significant Welch's ANOVA takes its strongest significant pair's verdict
    ("unclear" when no pair is significant on its own); a non-significant one is "none" when
    every pair's interval lies within the minimal important difference, else "unclear"."""
    if np.isnan(pvalue):
        return "untested"
    verdicts = [pair.verdict for pair in pairs]
    if pvalue < SIGNIFICANCE_LEVEL:
        for verdict in ("important", "possibly important", "small"):
            if verdict in verdicts:
                return verdict
        return "unclear"
    return "none" if verdicts and all(v in ("none", "small") for v in verdicts) else "unclear"


def _pairs(
    shown: list[ComparedRound], row: list[DimensionFigures], mid: float
) -> tuple[PairDifference, ...]:
    """Games–Howell tests of every pair of rounds after a significant Welch's ANOVA."""
    found = games_howell_from_stats([f.score for f in row], [f.sd for f in row], [f.n for f in row])
    pairs = []
    for pair in found:
        judged = judge(pair.difference, pair.ci_low, pair.ci_high, pair.pvalue, mid,
                       SIGNIFICANCE_LEVEL)  # fmt: skip
        pairs.append(
            PairDifference(
                shown[pair.first].label,
                shown[pair.second].label,
                pair.difference,
                pair.confidence_interval(),
                pair.statistic,
                pair.df,
                pair.pvalue,
                pair.effect_size,
                (pair.g_low, pair.g_high),
                judged.statistically_significant,
                judged.important,
                judged.verdict,
            )
        )
    return tuple(pairs)


def compare(
    session: Session,
    campaigns: list[Campaign],
    lang: str,
    comment_min_group: int = COMMENT_MIN_GROUP_SIZE,
) -> Comparison:
    """Rounds side by side: scores with intervals, and per principle whether they really differ."""
    ids = [c.id for c in campaigns]
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED or len(set(ids)) != len(ids):
        raise InvalidInput(f"choose {MIN_COMPARED} to {MAX_COMPARED} different rounds")
    if not all(same_measure(campaigns[0], c) for c in campaigns):
        raise InvalidInput("only rounds of the same instrument can be compared")
    instrument = campaign_instrument(campaigns[0])
    rounds = [_compared_round(session, c, lang, comment_min_group) for c in campaigns]
    return Comparison(instrument, rounds, _tests(instrument, [r for r in rounds if r.shown], lang))


def closed_rounds(session: Session, organisations: list) -> list[tuple[int, str, str]]:
    """The closed rounds of these organisations that could be compared: (id, organisation,
    round), newest first within each organisation."""
    ids = [o.id for o in organisations]
    rows = session.execute(
        sa.select(Campaign.id, Organisation.name, Campaign.name)
        .join(Organisation, Organisation.id == Campaign.organisation_id)
        .where(Campaign.organisation_id.in_(ids), Campaign.status == CampaignStatus.CLOSED)
        .order_by(Organisation.name, Campaign.id.desc())
    ).all()
    return [tuple(row) for row in rows]
