"""A release's figures of each principle (and of the outcome), from scoring results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from reports.release import Basis, Overall, Principle, Statement
from scoring.disclosure import merge_small_bins
from scoring.instrument import Instrument
from scoring.reliability import (
    ITEM_REST_FLAG,
    RELIABILITY_MIN_N,
    item_rest_correlations,
    mcdonald_omega,
)
from scoring.scores import LEVEL_NAMES, DimensionResult, maturity_level, t_interval

__all__ = ["ALPHA_WARNING", "figure", "hidden", "kept", "overall", "principle"]

ALPHA_WARNING = 0.7
OUTCOME_NAME = {"en": "Advocacy", "nl": "Ambassadeurschap"}


def figure(value) -> float | None:
    """A figure as the release carries it: unrounded (the page rounds what it shows; JSON and
    CSV keep full precision), None when missing."""
    return None if value is None or np.isnan(value) else float(value)


def interval(low, high) -> tuple[float | None, float | None] | None:
    return None if low is None or np.isnan(low) else (figure(low), figure(high))


def spread_interval(low, high, sd) -> tuple[float | None, float | None] | None:
    """A score's interval, or None when everyone gave the same answers: an interval of zero
    width would read as certainty, while it only says that these people did not differ."""
    return None if sd == 0 else interval(low, high)


def _names(instrument: Instrument, key: str, lang: str):
    if key == "outcome":
        return instrument.outcomes, OUTCOME_NAME[lang], ""
    source = instrument.dimension(key)
    return source.items, source.name[lang], source.description.get(lang, "")


def hidden(instrument: Instrument, key: str, lang: str) -> Principle:
    """A principle whose score the audit does not publish: its name, and no figure."""
    _items, name, description = _names(instrument, key, lang)
    return Principle(key, name, description, shown=False)


def principle(
    instrument: Instrument, dim: DimensionResult, lang: str, k: int, block: np.ndarray
) -> Principle:
    """A shown principle's figures; ``block`` holds the statement points of the people with a
    score on it (as the release counts them)."""
    low, high = dim.confidence_interval()
    # reliability only from 30 complete respondents: below that its interval spans most of [0, 1]
    reliable = dim.alpha is not None and dim.alpha.n >= RELIABILITY_MIN_N
    alpha = dim.alpha.statistic if reliable else np.nan
    alpha_ci = dim.alpha.confidence_interval() if reliable else (np.nan, np.nan)
    items, name, description = _names(instrument, dim.key, lang)
    item_rest = item_rest_correlations(block) if reliable else np.full(len(items), np.nan)
    omega = mcdonald_omega(block) if reliable else None
    return Principle(
        dim.key,
        name,
        description,
        shown=True,
        n=dim.n,
        score=figure(dim.statistic),
        sd=figure(dim.sd),
        ci95=spread_interval(low, high, dim.sd),
        level=dim.level,
        level_name=LEVEL_NAMES.get(dim.level),
        levels=levels(low, high, dim.level),
        favourable=figure(dim.favourable),
        neutral=figure(dim.neutral),
        unfavourable=figure(dim.unfavourable),
        dont_know=figure(dim.dont_know),
        alpha=figure(alpha),
        alpha_ci95=interval(*alpha_ci) if reliable else None,
        # the number of complete answers only with the reliability it rests on: below 30, it
        # and the principle's n would count the people with a "don't know" in ways the statement
        # bins do not show
        alpha_n=int(dim.alpha.n) if reliable else None,
        # the warning looks at the interval: reliability may well be below 0.7
        alpha_warning=bool(reliable and alpha_ci[0] < ALPHA_WARNING),
        omega=figure(omega.statistic) if omega is not None else None,
        omega_ci95=interval(omega.low, omega.high) if omega is not None else None,
        omega_method=omega.method if omega is not None else None,
        rests_on=Basis(scored=(dim.key,)),
        reliability_rests_on=Basis(scored=(dim.key,), complete=True) if reliable else None,
        items=tuple(
            Statement(
                item.key,
                item.text[lang],
                item.reverse,
                # what the people with a score answered: "don't know", then the scale's order
                # (for a reverse-keyed statement, agreeing is unfavourable); the release merged
                # every answer given by 1 … k−1 of them, "don't know" included
                counts=(
                    int(dim.distribution[i][0]),
                    *_as_answered(dim.distribution[i][1:].tolist(), k, item.reverse),
                ),
                dont_know=figure(dim.distribution[i][0] / dim.n) if dim.n else None,
                item_rest=figure(item_rest[i]),
                weak=bool(not np.isnan(item_rest[i]) and item_rest[i] < ITEM_REST_FLAG),
                rests_on=Basis(scored=(dim.key,)),
            )
            for i, item in enumerate(items)
        ),
    )


def kept(instrument: Instrument, key: str, lang: str, n: int, mean: float, sd) -> Principle:
    """A principle of a round whose answers were deleted: its n, mean and SD were kept, so its
    score, interval and level; nothing that needed the answers."""
    sd = sd if sd is not None else np.nan
    low, high = t_interval(mean, sd, n, 0.95)
    _items, name, description = _names(instrument, key, lang)
    level = int(maturity_level(mean))
    return Principle(
        key,
        name,
        description,
        shown=True,
        kept=True,
        rests_on=Basis(scored=(key,)),
        n=n,
        score=figure(mean),
        sd=figure(sd),
        ci95=spread_interval(low, high, sd),
        level=level,
        level_name=LEVEL_NAMES.get(level),
        levels=levels(low, high, level),
    )


def _as_answered(keyed: list[int], k: int, reverse: bool) -> list[int]:
    """An item's answer counts as people gave them: the scored distribution is after reverse
    keying, so a reverse-keyed item's counts are turned back to the scale's order."""
    merged = merge_small_bins(keyed, k)
    return merged[::-1] if reverse else merged


def levels(low: float, high: float, level: int) -> tuple[int, ...]:
    """The maturity levels the 95 % interval spans ((2, 3) reads "level 2–3"): one level only
    when the whole interval lies in its band."""
    if low is None or high is None or np.isnan(low) or np.isnan(high):
        return (int(level),)
    return (int(maturity_level(low)), int(maturity_level(high)))


def overall(
    statistic: float, level: int | None, scores: np.ndarray, dimensions: Sequence[Principle]
) -> Overall | None:
    """The mean of the principle scores — only when every principle's score is shown (else the
    overall and the shown ones would give the hidden one away)."""
    if not all(d.shown for d in dimensions):
        return None
    # its interval's width comes from the respondents who have a score on every principle
    per_respondent = scores[~np.isnan(scores).any(axis=1)].mean(axis=1)
    sd = per_respondent.std(ddof=1) if per_respondent.size > 1 else np.nan
    low, high = t_interval(statistic, sd, per_respondent.size, 0.95)
    shown = spread_interval(low, high, sd) or (None, None)  # zero spread: no interval
    return Overall(
        figure(statistic),
        shown,
        level,
        LEVEL_NAMES.get(level),
        levels(low, high, level),
        rests_on=Basis(scored=tuple(d.key for d in dimensions)),
    )


def kept_overall(dimensions: Sequence[Principle]) -> Overall | None:
    """The overall score of a purged round: the mean of its kept principle means (its interval
    needs each respondent's scores, which are gone)."""
    if not all(d.shown for d in dimensions):
        return None
    score = float(np.mean([d.score for d in dimensions]))
    level = int(maturity_level(score))
    return Overall(score, (None, None), level, LEVEL_NAMES.get(level))


def scores_by_key(dimensions: Sequence[Principle]) -> Mapping[str, float]:
    return {d.key: d.score for d in dimensions if d.shown}
