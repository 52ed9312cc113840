"""The instrument check for consultants: the factor structure on the pooled answers of chosen
closed rounds, overall and per language, and whether the languages' versions measure the same
thing (measurement invariance; ``ambassador validate``).

A language is a group of respondents like a department: the check names a language, and shows
its number of complete answers, only as the disclosure audit allows (see :func:`languages_shown`)
— a "Dutch version" row must not say that the one Dutch speaker took part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.invariance import Invariance, invariance
from scoring.scores import release_points
from scoring.structure import MIN_RESPONDENTS, StructureFit, fit_structure
from survey.models import Campaign, Response
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
    width = len(instrument.item_keys)
    parts, spoken_parts, rounds = [], [], []
    for campaign in campaigns:
        rows = session.execute(
            sa.select(Response.answers, Response.language).where(
                Response.campaign_id == campaign.id
            )
        ).all()
        offsets = np.frombuffer(b"".join(row[0] for row in rows), dtype=np.int8)
        offsets = offsets.reshape(len(rows), width)
        # each round's answers as its own release counts them (its own k): pooled with rounds
        # the reader can open, no bin of 1 … k−1 people of this round is left to difference out
        points = release_points(offsets, instrument, campaign.min_group_size)
        spoken = np.array([row[1] for row in rows], dtype=object)
        parts.append(points)
        spoken_parts.append(spoken)
        rounds.append(
            RoundLanguages(spoken, _complete(points, instrument), tuple(campaign.languages),
                           campaign.min_group_size)
        )  # fmt: skip
    points = np.concatenate(parts) if parts else np.empty((0, width), dtype=np.int8)
    spoken = np.concatenate(spoken_parts) if spoken_parts else np.array([], dtype=object)
    named, fitted = languages_shown(rounds)
    compared, check = _invariance(points, spoken, instrument, fitted)
    return Validation(
        instrument=f"{instrument.id} v{instrument.version}",
        rounds=len(campaigns),
        overall=fit_structure(points, instrument),
        languages={
            lang: fit_structure(points[spoken == lang], instrument) if lang in fitted else None
            for lang in named
        },
        invariance=check,
        compared=compared,
        statements=tuple(item.key for dim in instrument.dimensions for item in dim.items),
        withheld=tuple(lang for lang in named if lang not in fitted),
    )


@dataclass(frozen=True)
class RoundLanguages:
    """One pooled round: each respondent's language, whether they answered every statement, the
    languages the round offered and its minimum group size."""

    spoken: np.ndarray
    complete: np.ndarray
    offered: tuple[str, ...]
    min_group_size: int


def languages_shown(rounds: list[RoundLanguages]) -> tuple[list[str], frozenset[str]]:
    """The languages the check may name, and those of them whose number of complete answers it
    may show (with the fit that rests on them).

    A language is a group of each round that offered it, audited in that round like a segment
    option in its report: it is named only when, in every round that offered it, at least k
    people answered in it and at least k in its other languages (or the round offered no
    other). A round's
    language that nobody chose counts as a group that might hold one person (as options nobody
    chose do in a report), so whether its lone speaker answered never changes what is named; and
    a check that pools a client's round with rounds the reader can open cannot difference out a
    small group of that round. Its number of complete answers, likewise, among the people who
    answered every statement.
    """
    offered = sorted({lang for part in rounds for lang in part.offered})
    named = [lang for lang in offered if _safe_everywhere(rounds, lang, complete_only=False)]
    fitted = [lang for lang in named if _safe_everywhere(rounds, lang, complete_only=True)]
    return named, frozenset(fitted)


def _safe_everywhere(rounds: list[RoundLanguages], lang: str, complete_only: bool) -> bool:
    for part in rounds:
        if lang not in part.offered:
            continue
        spoken = part.spoken[part.complete] if complete_only else part.spoken
        speakers = int(np.count_nonzero(spoken == lang))
        others = spoken.size - speakers
        # where the round offered another language, none answering in it might have been one
        might_be_one = others < part.min_group_size and (others > 0 or len(part.offered) > 1)
        if speakers < part.min_group_size or might_be_one:
            return False
    return True


def _complete(points: np.ndarray, instrument) -> np.ndarray:
    """Whether each respondent answered every statement of the principles (what the fit uses)."""
    width = sum(len(dim.items) for dim in instrument.dimensions)
    return (points[:, :width] >= 0).all(axis=1)


def _invariance(points, spoken, instrument, fitted):
    """Invariance across the languages whose fit is shown and that each have enough complete
    answers (none with fewer than two such languages)."""
    width = sum(len(dim.items) for dim in instrument.dimensions)
    block = points[:, :width].astype(float)
    complete = (block >= 0).all(axis=1)
    groups, names = [], []
    for lang in sorted(fitted):
        rows = block[complete & (spoken == lang)]
        if rows.shape[0] >= MIN_RESPONDENTS and np.all(rows.std(axis=0) > 0):
            groups.append(rows)
            names.append(lang)
    if len(groups) < 2:
        return (), None
    factors, start = [], 0
    for dim in instrument.dimensions:
        factors.append(list(range(start, start + len(dim.items))))
        start += len(dim.items)
    return tuple(names), invariance(groups, factors)
