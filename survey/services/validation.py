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

from scoring.disclosure import GroupSpec, audit_round
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
    blobs, languages = [], []
    for campaign in campaigns:
        rows = session.execute(
            sa.select(Response.answers, Response.language).where(
                Response.campaign_id == campaign.id
            )
        ).all()
        blobs += [row[0] for row in rows]
        languages += [row[1] for row in rows]
    width = len(instrument.item_keys)
    offsets = np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(blobs), width)
    # the answers as the rounds' releases count them (no answer bin of 1 … k−1 people)
    points = release_points(offsets, instrument, max(c.min_group_size for c in campaigns))
    spoken = np.array(languages, dtype=object)
    named, fitted = languages_shown(
        spoken, _complete(points, instrument), max(c.min_group_size for c in campaigns)
    )
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


def languages_shown(
    spoken: np.ndarray, complete: np.ndarray, min_group_size: int
) -> tuple[list[str], frozenset[str]]:
    """The languages the check may name, and those of them whose number of complete answers it
    may show (with the fit that rests on them).

    The rule is the report's for a segment question, by the disclosure audit
    (:func:`scoring.disclosure.audit_round`) with the language as the respondents' group: a
    language is named when at least k people answered in it and no combination with the total
    and the other languages — all respondents minus the English ones, say — isolates 1 … k−1
    people; its number of complete answers is shown when the same holds among the people who
    answered every statement (the overall fit shows their total). A single Dutch respondent
    gets no row, and the English row goes too when everyone minus the English speakers would be
    that one person.
    """
    named = _audited_languages(spoken, sorted(set(spoken.tolist())), min_group_size)
    fitted = _audited_languages(spoken[complete], named, min_group_size)
    return named, frozenset(fitted)


def _audited_languages(spoken: np.ndarray, languages: list[str], k: int) -> list[str]:
    if spoken.size < k or not languages:
        return []
    groups = [GroupSpec.total()] + [GroupSpec.option("language", lang) for lang in languages]
    scored = np.zeros((spoken.size, 0), dtype=bool)
    audited = audit_round({"language": spoken.tolist()}, scored, [], groups, k)
    return [lang for lang in languages if audited.shown(f"language={lang}")]


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
