"""The release: everything a round's report publishes, as one immutable, typed value.

A release is built once per round and language (:func:`reports.model.build_report`), from the
answers as the release counts them and the audit of every group, and then only read: by the page,
the PDF, the CSV, the JSON, the workbook and the deck. No renderer computes a figure or sees an
answer. Every figure names the respondents it rests on (:class:`Basis`, its ``rests_on``), and
every set named passes the round's audit. Frozen dataclasses all the way down;
:meth:`Release.to_dict` is the JSON edge (the ``ambassador score`` contract extended with
segments, trend, drivers and recommendations) and :meth:`Release.from_dict` reads a kept release
back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Basis",
    "Benchmark",
    "BenchmarkRow",
    "Breakdown",
    "DriverPair",
    "DriverWeight",
    "Drivers",
    "GroupRow",
    "GroupScore",
    "Leaders",
    "Links",
    "Overall",
    "PlannedAction",
    "Principle",
    "Recommendation",
    "Release",
    "Statement",
    "TeamComments",
    "Trend",
    "TrendRow",
]

Interval = tuple[float | None, float | None]

TOTAL = "total"


@dataclass(frozen=True)
class Basis:
    """The respondents a figure rests on: the people of ``group`` (the round's, or a published
    group's key such as ``department=Sales`` or ``leaders``) who have a score on every principle
    in ``scored`` — and, with ``complete``, answered each of their statements too (reliability).

    Every set a release names passes the round's audit: each is empty or holds at least k
    people, and so does every difference of two of them that the release publishes.
    """

    group: str = TOTAL
    scored: tuple[str, ...] = ()
    complete: bool = False


EVERYONE = Basis()


@dataclass(frozen=True)
class Statement:
    """What the people with a score on a principle answered to one of its statements."""

    key: str
    text: str
    reverse: bool  # agreeing is unfavourable
    # "don't know", then the scale's points as people gave them; no count of 1 … k−1
    counts: tuple[int, ...]
    dont_know: float | None  # share of "don't know" among the principle's n
    item_rest: float | None  # item-rest correlation, from 30 complete respondents
    weak: bool  # item-rest below the flag
    rests_on: Basis = EVERYONE  # the principle's scored people (item-rest: its complete ones)


@dataclass(frozen=True)
class Principle:
    """One principle's figures (or the outcome's), or only its name when it is not shown."""

    key: str
    name: str
    description: str
    shown: bool
    n: int | None = None
    score: float | None = None
    sd: float | None = None
    ci95: Interval | None = None
    level: int | None = None
    level_name: str | None = None
    levels: tuple[int, ...] = ()  # the levels the interval spans
    favourable: float | None = None
    neutral: float | None = None
    unfavourable: float | None = None
    dont_know: float | None = None
    alpha: float | None = None
    alpha_ci95: Interval | None = None
    alpha_n: int | None = None  # complete answers behind alpha and omega, from 30 on
    alpha_warning: bool = False
    omega: float | None = None
    omega_ci95: Interval | None = None
    # which omega: "omega-u" (McDonald's, of the raw sum) or, for two statements,
    # "spearman-brown" (2r / (1 + r), all a one-factor model of two statements gives)
    omega_method: str | None = None
    items: tuple[Statement, ...] = ()
    kept: bool = False  # from the aggregates kept after the answers were deleted
    rests_on: Basis | None = None  # the people with a score on it
    reliability_rests_on: Basis | None = None  # alpha, omega, item-rest: its complete answers

    def public(self) -> dict[str, Any]:
        """The JSON of the principle: its figures, without texts and statements."""
        if not self.shown:
            return {"key": self.key, "shown": False}
        figures = _plain(self)
        for text in ("items", "name", "description"):
            figures.pop(text)
        return figures


@dataclass(frozen=True)
class Overall:
    score: float | None  # the mean of the principles' scores (each on its own people)
    ci95: Interval
    level: int | None
    level_name: str | None
    levels: tuple[int, ...] = ()
    # the interval's width: the people with a score on every principle
    rests_on: Basis | None = None


@dataclass(frozen=True)
class DriverWeight:
    key: str
    weight: float | None  # relative weight: its part of R²
    share: float | None  # weight ÷ R²
    low: float | None  # the weight's BCa 95 % interval
    high: float | None
    share_low: float | None = None  # the share's BCa 95 % interval, resampled as a share
    share_high: float | None = None
    # the weight minus a random variable's: its interval, and whether it lies above 0
    chance_low: float | None = None
    chance_high: float | None = None
    beyond_chance: bool = False


@dataclass(frozen=True)
class DriverPair:
    """Two principles' weights against each other: the BCa 95 % interval of the difference."""

    first: str  # the stronger of the two
    second: str
    difference: float | None  # first's weight minus second's
    low: float | None
    high: float | None
    apart: bool  # the interval does not hold 0: the data tell the two apart


@dataclass(frozen=True)
class Drivers:
    """Relative weights of the principles for advocacy, strongest first."""

    n: int | None  # None: withheld, it would isolate people lacking two scores
    r_squared: float | None
    resamples: int
    principles: tuple[DriverWeight, ...]
    rests_on: Basis | None = None  # the people with a score on every principle and advocacy
    pairs: tuple[DriverPair, ...] = ()  # every two principles, the stronger first

    def pair(self, first: str, second: str) -> DriverPair | None:
        return next((p for p in self.pairs if {p.first, p.second} == {first, second}), None)


@dataclass(frozen=True)
class Recommendation:
    dimension: str
    level: int
    key: str
    text: str
    priority: float | None
    driver: float | None
    target: float | None
    gap: float | None


@dataclass(frozen=True)
class GroupScore:
    principle: str
    score: float | None  # None when the audit does not publish it
    n: int | None
    rests_on: Basis | None = None  # the group's people with a score on the principle
    # their SD, for a team's change since an earlier round (Welch's test from the published
    # n, mean and SD, as the change of the whole round): audited with the mean, on one set
    sd: float | None = None


@dataclass(frozen=True)
class GroupRow:
    group: str  # the stored option
    label: str  # its name in the release's language
    n: int
    scores: tuple[GroupScore, ...]
    rests_on: Basis | None = None  # the group's people
    # a team of the organisation's tree: its depth (0 at the top) and the node above it
    depth: int = 0
    parent: str | None = None

    def score_of(self, principle: str) -> GroupScore:
        return next(s for s in self.scores if s.principle == principle)


@dataclass(frozen=True)
class Breakdown:
    """Scores per option of one segment question: the groups and scores the audit publishes."""

    key: str
    label: str | None  # the question's name in the release's language, when the round gave one
    groups: tuple[GroupRow, ...]
    hidden_groups: int
    tree: bool = False  # the organisation's teams: each group a node's whole subtree

    def public(self) -> dict[str, Any]:
        figures = _plain(self)
        figures["groups"] = [
            {
                "group": g.group,
                "label": g.label,
                "n": g.n,
                **({"depth": g.depth, "parent": g.parent} if self.tree else {}),
                "rests_on": _plain(g.rests_on),
                # a group's SD is kept in the release for a team's change since an earlier
                # round, not listed here: the manager's page shows the change's interval, from
                # which the two SDs (of audited sets, each varying) can be roughly worked out
                "scores": {
                    s.principle: {"score": s.score, "n": s.n, "rests_on": _plain(s.rests_on)}
                    for s in g.scores
                },
            }
            for g in self.groups
        ]
        return figures


@dataclass(frozen=True)
class TeamComments:
    """The comments of one node's subtree, published to its manager where no combination with
    the round's other published comment sets isolates the comments of fewer than the comments'
    minimum group (:mod:`reports.team_comments`); in the order of HR's list."""

    node: str
    comments: tuple[str, ...]
    rests_on: Basis | None = None  # the node's people


@dataclass(frozen=True)
class Leaders:
    """Leaders against employees on leadership, when the audit publishes both groups."""

    shown: bool
    employees_label: str | None = None
    employees: float | None = None
    n_employees: int | None = None
    leaders: float | None = None
    n_leaders: int | None = None
    difference: float | None = None  # leaders minus employees
    difference_ci95: Interval | None = None
    pvalue: float | None = None  # Welch's: one test, nothing to correct for
    effect_size: float | None = None  # Hedges' g
    effect_size_ci95: Interval | None = None
    statistically_significant: bool = False
    important: bool = False
    verdict: str | None = None
    minimal_important_difference: float | None = None
    # the two groups' people with a score on leadership
    rests_on: tuple[Basis, ...] = ()

    def public(self) -> dict[str, Any]:
        return _plain(self) if self.shown else {"shown": False}


@dataclass(frozen=True)
class PlannedAction:
    """An action of the previous round's plan, shown beside its principle's change."""

    title: str
    owner: str | None
    status: str
    due_on: str | None
    team: str | None = None  # a team's action: the team (its node or one under it)


@dataclass(frozen=True)
class TrendRow:
    key: str
    before: float | None
    now: float | None
    difference: float | None
    difference_ci95: Interval
    pvalue: float | None
    pvalue_bh: float | None
    effect_size: float | None
    effect_size_ci95: Interval
    # judged as every difference is (scoring.differences.judge): the corrected p below the level;
    # important: that, and the whole interval beyond the minimal important difference
    statistically_significant: bool
    important: bool
    verdict: str  # "important", "possibly important", "small", "unclear" or "none"
    minimal_important_difference: float | None  # in points: the instrument's, or ⅕ pooled SD
    actions: tuple[PlannedAction, ...] = ()
    rests_on: Basis | None = None  # now: the people with a score on it (before: the last round's)


@dataclass(frozen=True)
class Trend:
    previous: str
    from_aggregates: bool
    minimal_important_difference: float | None  # the instrument's; None: ⅕ pooled SD per row
    dimensions: tuple[TrendRow, ...]


@dataclass(frozen=True)
class BenchmarkRow:
    key: str
    organisations: int
    percentile: float | None
    median: float | None
    top25: float | None
    top10: float | None
    difference: float | None
    verdict: str  # "above", "below", "within" or "no_spread" (everyone gave the same answers)
    rests_on: Basis | None = None  # the round's side: the people with a score on it
    # 95 % bootstrap intervals over the pool's organisations (none in releases kept before them)
    percentile_ci95: Interval | None = None
    median_ci95: Interval | None = None
    top25_ci95: Interval | None = None
    shrunk: int = 0  # organisations whose mean was shrunk by empirical Bayes (0: as published)
    between_sd: float | None = None  # τ̂, the SD between organisations' true means


@dataclass(frozen=True)
class Benchmark:
    organisations: int
    external: int
    dimensions: tuple[BenchmarkRow, ...]
    version: str | None = None


@dataclass(frozen=True)
class Links:
    """How the round's links reached people (the report says so)."""

    distributed_by: str | None = None
    personal: int = 0
    after_open: int = 0
    open_link: bool = False
    imported: int = 0
    source: str | None = None  # a list's source: "hr" or "directory"
    approved_on: str | None = None  # the day a second person approved the list, if one did


@dataclass(frozen=True)
class Release:
    """Everything a round's report publishes in one language."""

    organisation: str
    campaign: str
    lang: str
    n_responses: int
    min_group_size: int
    needed: int  # responses still needed before any figure is shown (0 = enough)
    closed: bool = True  # an open round shows its participation only
    links: Links | None = None
    overall: Overall | None = None
    dimensions: tuple[Principle, ...] = ()
    outcome: Principle | None = None
    drivers: Drivers | None = None  # None: see drivers_missing
    # why there are no drivers: "too_few" people with complete data (fewer than 30), or
    # "no_spread" (a principle or advocacy on which they all gave the same answers)
    drivers_missing: str | None = None
    recommendations: tuple[Recommendation, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()
    leaders: Leaders | None = None
    trend: Trend | None = None
    comments: tuple[str, ...] = ()
    comments_hidden: bool = False
    comment_min_group: int = 0
    # the nodes of the organisation's tree that publish their comments, parents first
    team_comments: tuple[TeamComments, ...] = ()
    benchmark: Benchmark | None = None
    purged: bool = False  # from the aggregates kept after the answers were deleted

    @property
    def enough(self) -> bool:
        """Whether the report shows figures: the round has closed with at least k responses."""
        return self.closed and self.needed == 0

    @property
    def participation(self) -> float | None:
        """The share of the invited who answered, where it can be told: every link was personal
        (no open link, no imported answers) and no more people answered than were invited."""
        links = self.links
        if not links or not links.personal or links.open_link or links.imported:
            return None
        if self.n_responses > links.personal:
            return None
        return self.n_responses / links.personal

    def to_dict(self) -> dict[str, Any]:
        """JSON: aggregates only; nothing per respondent."""
        head = {
            "organisation": self.organisation,
            "campaign": self.campaign,
            "n_respondents": self.n_responses,
            "min_group_size": self.min_group_size,
        }
        if not self.enough:
            return head | {
                "closed": self.closed,
                "responses_needed": self.needed,
                "links": _plain(self.links),
            }
        return head | {
            "links": _plain(self.links),
            "purged": self.purged,
            "dimensions": [d.public() for d in self.dimensions],
            "overall": _plain(self.overall),
            "outcome": self.outcome.public() if self.outcome else None,
            "drivers": _plain(self.drivers),
            "drivers_missing": self.drivers_missing,
            "recommendations": [_plain(r) for r in self.recommendations],
            "segments": [b.public() for b in self.breakdowns],
            "leaders_vs_employees": self.leaders.public() if self.leaders else None,
            "trend": _plain(self.trend),
            "benchmark": _plain(self.benchmark),
        }

    def kept(self) -> dict[str, Any]:
        """The whole release as plain data, for keeping (:meth:`from_dict` reads it back)."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Release:
        import dacite

        return dacite.from_dict(cls, data, config=dacite.Config(cast=[tuple], strict=True))


def _plain(value) -> Any:
    """A dataclass as JSON-ready data: tuples become lists."""
    if value is None:
        return None
    return _lists(dataclasses.asdict(value))


def _lists(value):
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value
