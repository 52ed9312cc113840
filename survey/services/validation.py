"""The instrument check for consultants: the factor structure on the pooled answers of chosen
closed rounds, overall and per language, and whether the languages' versions measure the same
thing (measurement invariance; ``ambassador validate``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.invariance import Invariance, invariance
from scoring.scores import points_from_offsets
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

    def named(self, indices: tuple[int, ...]) -> list[str]:
        return [self.statements[i] for i in indices]


def validate(session: Session, campaigns: list[Campaign]) -> Validation:
    """Fit the structure to the closed rounds' pooled answers, and to each language's."""
    if not campaigns:
        raise InvalidInput("choose at least one round")
    if any(c.status != "closed" for c in campaigns):
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
    points = points_from_offsets(offsets, instrument)
    spoken = np.array(languages)
    compared, check = _invariance(points, spoken, instrument)
    return Validation(
        instrument=f"{instrument.id} v{instrument.version}",
        rounds=len(campaigns),
        overall=fit_structure(points, instrument),
        languages={
            lang: fit_structure(points[spoken == lang], instrument)
            for lang in sorted(set(languages))
        },
        invariance=check,
        compared=compared,
        statements=tuple(item.key for dim in instrument.dimensions for item in dim.items),
    )


def _invariance(points, spoken, instrument):
    """Invariance across the languages that each have enough complete answers (none with fewer
    than two such languages)."""
    width = sum(len(dim.items) for dim in instrument.dimensions)
    block = points[:, :width].astype(float)
    complete = (block >= 0).all(axis=1)
    groups, names = [], []
    for lang in sorted(set(spoken.tolist())):
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
