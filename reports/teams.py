"""A manager's view of their team: the part of a round's release about one node of the
organisation's tree — its subtree's scores, each unit under it, set against the organisation and
the unit above — and where the team might start.

Nothing here computes a figure about people: every number is a row of the release's tree
breakdown, which the round's one disclosure audit has passed (:func:`reports.groups.audit`), or
the organisation's own. So all managers' views together, and HR's report beside them, publish
nothing the audit has not seen. The team's "where to start" is computed from those published
scores and the organisation's published driver weights (:func:`scoring.recommend.prioritise`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.release import Breakdown, GroupRow, Recommendation, Release
from scoring.instrument import Instrument
from scoring.recommend import prioritise
from scoring.teams import SEPARATOR, TEAM, nodes_of

__all__ = ["TeamView", "find_node", "team_view"]


@dataclass(frozen=True)
class TeamView:
    node: str
    row: GroupRow | None  # None: the audit does not show the team's own subtree
    parent: GroupRow | None  # the unit above, when it is shown
    units: tuple[GroupRow, ...]  # the units under the team that are shown, parents first
    hidden_units: int  # units under the team that the audit does not show
    recommendations: tuple[Recommendation, ...]

    @property
    def name(self) -> str:
        return self.node.rsplit(SEPARATOR, 1)[-1]

    def unit_label(self, unit: GroupRow) -> tuple[str, int]:
        """A unit's name as the page gives it, and how far it is indented under the team: its
        last level under a unit that is shown, else its whole path below the team."""
        shown = {self.node, *(u.group for u in self.units)}
        if unit.parent in shown:
            depth = unit.depth - self.node.count(SEPARATOR) - 1
            return unit.group.rsplit(SEPARATOR, 1)[-1], depth
        return unit.group[len(self.node) + 1 :], 0


def tree_of(release: Release) -> Breakdown | None:
    return next((b for b in release.breakdowns if b.tree and b.key == TEAM), None)


def find_node(options: list[str], team: str) -> str | None:
    """The node of a round's tree that a manager's ``team`` names: the path itself, or — for a
    manager's address, in a tree made from a list's manager column, whose units are named by
    their managers — the one node whose last level it is. A team's last level alone names
    nothing: it may name another team in a later round's tree. None when there is no such node."""
    nodes = nodes_of(options)
    if team in nodes:
        return team
    if "@" not in team:
        return None
    matches = [n for n in nodes if n.rsplit(SEPARATOR, 1)[-1] == team]
    return matches[0] if len(matches) == 1 else None


def team_view(
    release: Release, options: list[str], node: str, instrument: Instrument, lang: str
) -> TeamView:
    """The view of ``node`` (a node of the round's tree, ``options`` its recorded teams)."""
    tree = tree_of(release)
    rows = {g.group: g for g in tree.groups} if tree else {}
    below = [n for n in nodes_of(options) if n.startswith(node + SEPARATOR)]
    units = tuple(rows[n] for n in below if n in rows)
    row = rows.get(node)
    parent = rows.get(node.rsplit(SEPARATOR, 1)[0]) if SEPARATOR in node else None
    picks = ()
    if row is not None:
        scores = {s.principle: s.score for s in row.scores if s.score is not None}
        weights = (
            {w.key: w.weight for w in release.drivers.principles} if release.drivers else {}
        )
        # the organisation's target: the benchmark's top-25 % mark where it is shown
        marks = release.benchmark.dimensions if release.benchmark else ()
        targets = {b.key: b.top25 for b in marks if b.top25 is not None} or None
        picks = tuple(
            Recommendation(
                p.dimension, p.level, p.recommendation.key, p.recommendation.text[lang],
                priority=p.priority, driver=p.driver, target=p.target, gap=p.gap,
            )  # fmt: skip
            for p in prioritise(instrument, scores, weights, targets=targets)
        )
    return TeamView(node, row, parent, units, len(below) - len(units), picks)
