"""The instrument check for consultants: the factor structure on the pooled answers of chosen
closed rounds, overall and per language, and whether the languages' versions measure the same
thing (measurement invariance; ``ambassador validate``).

It reads no answer. Each round keeps, when it closes, the moments of its complete answers (as its
release counts them) and of each language's, with the languages it may name
(:func:`scoring.structure.round_structure`, kept with the round's aggregates and after its answers
are deleted); the check pools those. A language is a group of respondents like a department: the
check names a language, and shows its number of complete answers, only when every round that
offered it allows it — a "Dutch version" row must not say that the one Dutch speaker took part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.invariance import Invariance, invariance_of_moments
from scoring.structure import MIN_RESPONDENTS, Moments, StructureFit, fit_moments
from survey.models import Campaign, RoundAggregate
from survey.services.campaigns import campaign_instrument, same_measure
from survey.services.errors import InvalidInput


@dataclass(frozen=True)
class Validation:
    instrument: str
    rounds: int
    overall: StructureFit | None
    languages: dict[str, StructureFit | None]  # language → the same model on its respondents
    # configural, metric and scalar invariance across the languages with enough complete answers
    invariance: Invariance | None = None
    compared: tuple[str, ...] = ()  # the languages compared, in order
    statements: tuple[str, ...] = ()  # statement keys, by index in the invariance model
    # languages named whose fit (with its n) is withheld: with the other figures, their number
    # of complete answers would isolate fewer than k people
    withheld: tuple[str, ...] = ()

    def named(self, indices: tuple[int, ...]) -> list[str]:
        return [self.statements[i] for i in indices]


def validate(session: Session, campaigns: list[Campaign]) -> Validation:
    """Fit the structure to the closed rounds' pooled answers, and to each language's."""
    if not campaigns:
        raise InvalidInput("choose at least one round")
    if any(not c.is_closed for c in campaigns):
        raise InvalidInput(
            "only closed rounds can be checked: an open round's answers are unpublished"
        )
    if not all(same_measure(campaigns[0], c) for c in campaigns):
        raise InvalidInput("only rounds of one instrument (one measure) can be pooled")
    instrument = campaign_instrument(campaigns[0])
    kept = dict(
        session.execute(
            sa.select(RoundAggregate.campaign_id, RoundAggregate.structure).where(
                RoundAggregate.campaign_id.in_([c.id for c in campaigns])
            )
        ).all()
    )
    missing = [c.name for c in campaigns if kept.get(c.id) is None]
    if missing:
        raise InvalidInput(
            "these rounds keep nothing the check can pool (fewer than k people had a score on"
            " a principle, or they closed before rounds kept it: the worker's hourly"
            " housekeeping keeps it while their answers exist): " + ", ".join(missing)
        )
    uncounted = [c.name for c in campaigns if kept[c.id].get("all") is None]
    if uncounted:
        raise InvalidInput(
            "these rounds cannot be pooled: beside their reports, their number of complete "
            "answers would count fewer than k people: " + ", ".join(uncounted)
        )
    rounds = [kept[c.id] for c in campaigns]
    offered = sorted({lang for part in rounds for lang in part["offered"]})
    # named (or fitted) only when every round that offered the language allows it
    named = [
        lang for lang in offered
        if all(lang in part["named"] for part in rounds if lang in part["offered"])
    ]  # fmt: skip
    fitted = [
        lang for lang in named
        if all(lang in part["languages"] for part in rounds if lang in part["offered"])
    ]  # fmt: skip
    everyone = [Moments.from_dict(part["all"]) for part in rounds if part["all"]]
    by_language = {
        lang: Moments.pooled(
            [
                Moments.from_dict(part["languages"][lang])
                for part in rounds
                if lang in part["offered"]
            ]
        )
        for lang in fitted
    }
    compared, check = _invariance(by_language, instrument)
    return Validation(
        instrument=f"{instrument.id} v{instrument.version}",
        rounds=len(campaigns),
        overall=fit_moments(Moments.pooled(everyone), instrument) if everyone else None,
        languages={
            lang: fit_moments(by_language[lang], instrument) if lang in fitted else None
            for lang in named
        },
        invariance=check,
        compared=compared,
        statements=tuple(item.key for dim in instrument.dimensions for item in dim.items),
        withheld=tuple(lang for lang in named if lang not in fitted),
    )


def _invariance(by_language: dict[str, Moments], instrument):
    """Invariance across the languages whose fit is shown and that each have enough complete
    answers (none with fewer than two such languages)."""
    names, stats = [], []
    for lang in sorted(by_language):
        n, mean, cov = by_language[lang].arrays()
        if n >= MIN_RESPONDENTS and np.all(np.diag(cov) > 0):
            names.append(lang)
            stats.append((n, mean, cov))
    if len(stats) < 2:
        return (), None
    factors, start = [], 0
    for dim in instrument.dimensions:
        factors.append(list(range(start, start + len(dim.items))))
        start += len(dim.items)
    return tuple(names), invariance_of_moments(stats, factors)
