"""Comments per team: which nodes of the organisation's tree publish the comments of their
subtree, decided once per round and kept in its release (``Release.team_comments``), so that
the manager's page, its PDF and any export read one decision.

The rule
--------
HR's report publishes the round's comments from *k* respondents on (*k* here is
``COMMENT_MIN_GROUP_SIZE``, and never below the round's minimum group size); a manager reads
the comments of their node's subtree. Comments are texts, so whoever holds several published
lists — HR's, a parent's and a child's, or two managers together — can take any union,
intersection or difference of them: parent − child is the siblings' comments. Whatever they
single out is the comments of some set *R* of respondents, and *R* must hold nobody or at
least *k* respondents.

The total and the nodes' subtrees are nested or disjoint (a laminar family). Call the *atom* of
a published set *S* the people of *S* in none of the published sets directly inside it (*S*
minus its largest published proper subsets). The atoms partition the round's respondents, and
every published set is the union of its own atom and the atoms below it. So every set built
from published sets by unions, intersections and differences is a union of atoms; and each
atom is itself such a set (S minus the sets directly inside it). Hence the rule, which is exact:

    every atom holds 0 or at least k respondents.

Necessary, since an atom can be computed; sufficient, since any combination is a union of
disjoint atoms, so it holds 0 or at least *k*. (It is also what the exact audit of
:mod:`scoring.disclosure` decides on these sets: a laminar family's indicators, each with a
nonempty atom, are a triangular basis of the functions constant on the atoms, so every 0/1
combination of them — with signs, as the audit seeks — is again a union of atoms.)

Which nodes
-----------
The candidates are the nodes whose subtree the round's audit shows (so that their *n* is
published) with at least *k* respondents. While some atom holds 1 … k−1 respondents, the
smallest of the sets that make it — the node itself (never the total) and the published nodes
directly inside it — stops publishing comments, so that larger units are kept; then the atoms
are computed again. Each step removes a node, so it ends, at the latest with HR's list alone.

What the decision tells
-----------------------
Only published numbers decide: each candidate's *n* (a row of the audited tree) and the round's
*n*, with the tree's shape and *k*. An atom's size is a difference of published *n*. So which
teams show comments says nothing the release does not say already; and whether a small team's
people answered changes a decision only as it changes published *n*, which the round's audit
(decided on its core) has passed.

The order
---------
HR's rule: the round's comments are shuffled once, from the operating system's random source,
when the release is built (:func:`reports.model.build_report`); a team's comments are that order
restricted to the team. Nothing a reader sees, and no comparison of two lists, redraws the
order in which they were written. No dates are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports.release import Basis, Breakdown, TeamComments
from scoring.teams import SEPARATOR, parent_of

__all__ = ["comment_nodes", "team_comments"]


def comment_nodes(sizes: Mapping[str, int], total: int, k: int) -> frozenset[str]:
    """The nodes (paths) whose subtree's comments are published, of the candidates ``sizes``
    (each node's published number of respondents) in a round of ``total`` respondents, so that
    no combination of the published comment sets isolates 1 … k−1 respondents.

    >>> sorted(comment_nodes({"Care": 18, "Care/Ward 3": 13}, 26, 10))
    ['Care/Ward 3']
    >>> sorted(comment_nodes({"Care": 18, "Care/Ward 3": 13, "Shop": 10}, 28, 10))
    ['Care', 'Shop']
    """
    if total < k:
        return frozenset()
    live = {node for node, n in sizes.items() if n >= k}
    while True:
        inside: dict[str | None, list[str]] = {}
        for node in live:
            inside.setdefault(_nearest_above(node, live), []).append(node)
        offending = [
            owner for owner in [None, *sorted(live)] if 0 < _atom(owner, inside, sizes, total) < k
        ]
        if not offending:
            return frozenset(live)
        small = offending[0]
        involved = inside.get(small, []) + ([small] if small is not None else [])
        live.remove(min(involved, key=lambda node: (sizes[node], node)))


def _nearest_above(node: str, live: set[str]) -> str | None:
    above = parent_of(node)
    while above is not None and above not in live:
        above = parent_of(above)
    return above


def _atom(owner, inside, sizes, total) -> int:
    whole = total if owner is None else sizes[owner]
    return whole - sum(sizes[node] for node in inside.get(owner, ()))


def team_comments(
    tree: Breakdown | None,
    n: int,
    comments: Sequence[str],
    teams: Sequence[str | None],
    k: int,
) -> tuple[TeamComments, ...]:
    """The comments each node publishes, parents first: ``comments`` (in the order HR's report
    shows them) and ``teams`` (each comment's recorded team) of a round of ``n`` respondents,
    whose audited tree is ``tree``; ``k`` the comments' minimum group size."""
    if tree is None or not comments or len(teams) != len(comments):
        return ()
    shown = comment_nodes({row.group: row.n for row in tree.groups}, n, k)
    return tuple(
        TeamComments(
            row.group,
            tuple(
                text
                for text, team in zip(comments, teams, strict=True)
                if team is not None
                and (team == row.group or team.startswith(row.group + SEPARATOR))
            ),
            Basis(f"{tree.key}={row.group}"),
        )
        for row in tree.groups
        if row.group in shown
    )
