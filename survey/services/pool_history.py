"""The published versions of a benchmark pool read as one history: the views a reader can select
(the whole pool, a sector, a size band, a sector and size band together) and which of them each
version offers, by :func:`scoring.disclosure.pool_views`.

Which views a version offers is not stored: it follows from the members of that version and of
the versions before it, so the version that publishes and every page that reads it later come to
the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scoring.disclosure import PoolViews, pool_views
from survey.policy import POOL_MIN_CHANGES, POOL_MIN_ORGANISATIONS

View = tuple[str | None, str | None]  # (sector, size band); None: every sector, every size
WHOLE_POOL: View = (None, None)


def strata(sector: str | None, size_band: str | None) -> list[str]:
    """The labels a version keeps with a member: what its views are computed from."""
    labels = []
    if sector is not None:
        labels.append(f"sector:{sector}")
    if size_band is not None:
        labels.append(f"size:{size_band}")
    return labels


def views_of(labels: Iterable[str]) -> list[View]:
    """Every view a member with these labels falls in (a version published earlier may carry
    ``sector:None`` for an organisation without a sector)."""
    values = dict(label.split(":", 1) for label in labels)
    sector = values.get("sector") if values.get("sector") not in (None, "None") else None
    size = values.get("size") if values.get("size") not in (None, "None") else None
    views = [WHOLE_POOL]
    if sector is not None:
        views.append((sector, None))
    if size is not None:
        views.append((None, size))
    if sector is not None and size is not None:
        views.append((sector, size))
    return views


def members_by_view(members: Iterable[Sequence[Any]]) -> dict[View, set[tuple[str, int]]]:
    """A version's members ``[owner, aggregate id, labels]`` per view; the whole pool is always
    a view, even when empty."""
    by_view: dict[View, set[tuple[str, int]]] = {WHOLE_POOL: set()}
    for owner, aggregate, labels in members:
        for view in views_of(labels):
            by_view.setdefault(view, set()).add((owner, aggregate))
    return by_view


@dataclass(frozen=True)
class History:
    """What readers were shown of a pool so far."""

    shown_before: dict[View, list[frozenset]]  # per view, the memberships it was offered with
    latest: PoolViews | None  # the views of the latest version; None before the first


def replay(versions: Iterable[Sequence[Sequence[Any]]]) -> History:
    """Go through a pool's versions (their members, oldest first), deciding for each which views
    it offers against every offer before it."""
    shown: dict[View, list[frozenset]] = {}
    latest = None
    for members in versions:
        by_view = members_by_view(members)
        latest = pool_views(by_view, shown, POOL_MIN_CHANGES, POOL_MIN_ORGANISATIONS)
        for view in latest.offered:
            offer = frozenset(by_view[view])
            if not shown.get(view) or shown[view][-1] != offer:
                shown.setdefault(view, []).append(offer)
    return History(shown, latest)
