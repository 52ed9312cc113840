"""A manager's view of their team: the part of a round's release about one node of the
organisation's tree — its subtree's scores, each unit under it, set against the organisation and
the unit above — and where the team might start.

Nothing here computes a figure about people: every number is a row of the release's tree
breakdown, which the round's one disclosure audit has passed (:func:`reports.groups.audit`), or
the organisation's own. So all managers' views together, and HR's report beside them, publish
nothing the audit has not seen. The team's "where to start" is computed from those published
scores and the organisation's published driver weights (:func:`scoring.recommend.prioritise`).

The team's comments are those the release publishes for the node (``Release.team_comments``,
decided once per round by :mod:`reports.team_comments`). The team's change since an earlier
round (:func:`team_change`) reads the node's row of both rounds' releases — each audited in its
own round — and judges it by the rule of the whole round's change (:func:`reports.against.trend`):
Welch's test from the published n, mean and SD, Benjamini–Hochberg across the principles, and
:func:`scoring.differences.judge` against the minimal important difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from reports.principles import figure
from reports.release import Breakdown, GroupRow, PlannedAction, Recommendation, Release
from scoring.benchmark import benjamini_hochberg, welch_from_stats
from scoring.differences import judge, minimal_important_difference
from scoring.instrument import Instrument
from scoring.recommend import prioritise
from scoring.teams import SEPARATOR, TEAM, nodes_of

__all__ = ["TeamChange", "TeamChangeRow", "TeamView", "find_node", "team_change", "team_view"]

Interval = tuple[float | None, float | None]


@dataclass(frozen=True)
class TeamChangeRow:
    """One principle's change of the team since the earlier round: both rounds' audited
    figures, or only ``why`` there is none — ``"before"`` (the earlier round's audit did not
    show the team's score) or ``"now"`` (this round's did not)."""

    key: str
    before: float | None
    now: float | None
    difference: float | None = None
    difference_ci95: Interval = (None, None)
    pvalue_bh: float | None = None
    verdict: str | None = None  # scoring.differences' verdict, as the round's change
    minimal_important_difference: float | None = None
    why: str | None = None  # no change shown: "before" or "now"
    actions: tuple[PlannedAction, ...] = ()  # what the team planned for it in the earlier round


@dataclass(frozen=True)
class TeamChange:
    previous: str  # the earlier round's name
    minimal_important_difference: float | None  # the instrument's; None: ⅕ pooled SD per row
    dimensions: tuple[TeamChangeRow, ...]


@dataclass(frozen=True)
class TeamView:
    node: str
    row: GroupRow | None  # None: the audit does not show the team's own subtree
    parent: GroupRow | None  # the unit above, when it is shown
    units: tuple[GroupRow, ...]  # the units under the team that are shown, parents first
    hidden_units: int  # units under the team that the audit does not show
    recommendations: tuple[Recommendation, ...]
    # the team's comments, in HR's order; None: not published, for the reason ``comments_why``:
    # "round" (too few answered the round for any comment to be shown), "none" (nobody wrote
    # one), "too_few" (fewer than the comments' minimum group of
    # respondents, or the team's figures not shown) or "combination" (with the other comment
    # lists published, they would single out the comments of fewer)
    comments: tuple[str, ...] | None = None
    comments_why: str | None = None
    change: TeamChange | None = None  # since the earlier round published to managers

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
    release: Release,
    options: list[str],
    node: str,
    instrument: Instrument,
    lang: str,
    change: TeamChange | None = None,
) -> TeamView:
    """The view of ``node`` (a node of the round's tree, ``options`` its recorded teams), with
    its comments as the release publishes them and ``change``, its :func:`team_change`."""
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
    comments = next((c.comments for c in release.team_comments if c.node == node), None)
    return TeamView(
        node, row, parent, units, len(below) - len(units), picks,
        comments=comments,
        comments_why=None if comments is not None else _comments_why(release, row),
        change=change,
    )  # fmt: skip


def _comments_why(release: Release, row: GroupRow | None) -> str:
    if release.comments_hidden:
        return "round"
    if not release.comments:
        return "none"  # nobody wrote one
    if row is None or row.n < max(release.comment_min_group, release.min_group_size):
        return "too_few"
    return "combination"


def team_change(
    now: Release,
    before: Release,
    node: str,
    instrument: Instrument,
    actions: Mapping[str, Sequence[Mapping]],
    significance: float,
) -> TeamChange:
    """The change of ``node``'s scores from ``before`` (an earlier round's release whose tree has
    the node) to ``now``, per principle, with ``actions`` (the team's actions of the earlier
    round, per principle, as :class:`PlannedAction` fields) beside it.

    Only the two releases' published figures of the node are read — n, mean and SD, each passed
    by its own round's audit — so the change publishes nothing either round did not. Judged as
    the round's change is (:func:`reports.against.trend`): Welch's test from those figures,
    p-values corrected across the principles compared (Benjamini–Hochberg), the difference's
    95 % interval against the minimal important difference (the instrument's, or a fifth of the
    two SDs pooled). A principle whose score either audit hid gets no change, and says which.
    """
    rows_now, rows_before = _rows(now), _rows(before)
    found = []
    for dim in instrument.dimensions:
        a = rows_before[node].score_of(dim.key) if node in rows_before else None
        b = rows_now[node].score_of(dim.key) if node in rows_now else None
        if a is None or a.score is None:
            found.append((dim.key, a, b, None, "before"))
        elif b is None or b.score is None:
            found.append((dim.key, a, b, None, "now"))
        else:
            test = welch_from_stats(a.score, _sd(a.sd), a.n, b.score, _sd(b.sd), b.n)
            found.append((dim.key, a, b, test, None))
    adjusted = iter(benjamini_hochberg([t.pvalue for *_rest, t, _why in found if t is not None]))
    fixed = instrument.minimal_important_difference
    rows = []
    for key, a, b, test, why in found:
        planned = tuple(PlannedAction(**action) for action in actions.get(key, ()))
        before_score = a.score if a is not None else None
        now_score = b.score if b is not None else None
        if test is None:
            rows.append(TeamChangeRow(key, before_score, now_score, why=why, actions=planned))
            continue
        p = next(adjusted)
        mid = minimal_important_difference((_sd(a.sd), _sd(b.sd)), (a.n, b.n), fixed=fixed)
        judged = judge(test.difference, test.ci_low, test.ci_high, p, mid, significance)
        rows.append(
            TeamChangeRow(
                key, before_score, now_score,
                difference=figure(b.score - a.score),
                difference_ci95=(figure(test.ci_low), figure(test.ci_high)),
                pvalue_bh=figure(p),
                verdict=judged.verdict,
                minimal_important_difference=figure(mid),
                actions=planned,
            )  # fmt: skip
        )
    return TeamChange(before.campaign, fixed, tuple(rows))


def _rows(release: Release) -> dict[str, GroupRow]:
    tree = tree_of(release)
    return {g.group: g for g in tree.groups} if tree else {}


def _sd(value: float | None) -> float:
    return np.nan if value is None else value
