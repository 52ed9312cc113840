"""What the product shows of a round's participation — how many answered — on every page, export
and e-mail that shows it: the round's page, the list of rounds, the participant list, an open
round's report and ``ambassador participants status``. One rule, here.

While a round is open
    Its participation changes with every response, and whoever watches it sees the moment
    someone answered: the total before and after, or the total minus the groups shown, tells
    whether the only person of a small group has answered. So while a round is open the number
    of responses, and of personal links used, is shown rounded down to a multiple of k — "at
    least 10", or "fewer than 5" below k. A response changes what is shown only when it
    completes a step of k responses, and any of those k people could have given it. The
    response rate is computed from the rounded number. Nothing is shown per group.

Once a round has closed
    Its participation no longer changes, and the totals are exact (the report shows them too).
    Per group of the participant list — invited, responses and response rate — a row is shown
    only for a group that two disclosure audits publish:

    - the report's own audit over the respondents (:func:`reports.groups.audit`): at least k
      respondents, and no combination with the other groups isolates 1 … k−1 respondents, nor a
      group nobody of which answered. These are the groups whose n the report shows.
    - an audit over the invited people, per question, from the counts per group kept when the
      list was deleted: at least k invited, and no combination with the other groups isolates
      1 … k−1 invited people, whose number of responses would be their participation. (The
      list's combinations of attributes are deleted with it; combinations across questions are
      covered by the respondents' audit.)

A round that is not open does not change: a draft has no responses, and an imported round is
closed by its import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scoring.disclosure import GroupSpec, audit_round
from scoring.teams import is_tree, nodes_of, subtree
from survey.models import Campaign, CampaignStatus, Response
from survey.services.campaigns import response_figures, with_response_counts

__all__ = [
    "GroupParticipation",
    "ListedRound",
    "Participation",
    "Shown",
    "listed_rounds",
    "round_participation",
    "shown_count",
]


@dataclass(frozen=True)
class Shown:
    """A number of people as it may be shown: exact, or — while a round is open — rounded down
    to a multiple of k: "at least ``value``", or "fewer than k" when ``value`` is 0."""

    value: int
    exact: bool
    min_group_size: int


def shown_count(n: int, campaign: Campaign) -> Shown:
    """How ``n`` responses (or links used) of ``campaign`` may be shown now."""
    k = campaign.min_group_size
    if campaign.status != CampaignStatus.OPEN:
        return Shown(n, True, k)
    return Shown(n - n % k, False, k)


@dataclass(frozen=True)
class GroupParticipation:
    """One group of the participant list in a closed round: invited, and responses."""

    question: str
    option: str
    invited: int
    responses: int

    @property
    def rate(self) -> float:
        return self.responses / self.invited


@dataclass(frozen=True)
class Participation:
    """A round's participation as it may be shown."""

    responses: Shown
    invited: int  # personal links created, or people on the list: known to whoever made them
    used: Shown  # of those links, used; of those people, answered
    groups: tuple[GroupParticipation, ...] = ()  # closed rounds with a list, as audited

    @property
    def rate(self) -> float | None:
        """The response rate from the number shown (while the round is open: "at least")."""
        return self.used.value / self.invited if self.invited else None


def round_participation(
    session: Session, campaign: Campaign, *, per_group: bool = False
) -> Participation:
    """The participation of ``campaign`` as it may be shown now; with ``per_group``, once the
    round has closed, per group of its participant list as well."""
    figures = response_figures(session, campaign)
    return Participation(
        shown_count(figures.responses, campaign),
        figures.invited,
        shown_count(figures.used, campaign),
        _groups(session, campaign) if per_group and campaign.is_closed else (),
    )


@dataclass(frozen=True)
class ListedRound:
    """A round with its number of responses as it may be shown, for lists."""

    campaign: Campaign
    responses: Shown


def listed_rounds(session: Session, campaigns: sa.Select) -> list[ListedRound]:
    """Every round the query selects, with its number of responses as it may be shown."""
    return [
        ListedRound(row.campaign, shown_count(row.responses, row.campaign))
        for row in with_response_counts(session, campaigns)
    ]


def _groups(session: Session, campaign: Campaign) -> tuple[GroupParticipation, ...]:
    """Invited and responses per group of a closed round's list, for the groups both audits
    publish (see the module's notes)."""
    # loaded here: the audit's statistics (scipy) stay out of every page and command that
    # shows no closed round's groups
    from reports.groups import audit, segment_answers

    invited = campaign.participant_counts
    if not invited or campaign.purged:
        return ()
    segments = [
        stored or {}
        for stored in session.scalars(
            sa.select(Response.segments).where(Response.campaign_id == campaign.id)
        )
    ]
    k = campaign.min_group_size
    if len(segments) < k:
        return ()
    questions = campaign.segments
    answers = segment_answers(questions, segments)
    no_scores = np.empty((len(segments), 0))
    responded = audit(questions, answers, no_scores, [], k).groups.shown
    rows = []
    for question in questions:
        counts = invited.get(question["key"], {})
        allowed = _invited_audit(question, counts, campaign.invitations_total or 0, k)
        codes = answers[question["key"]].codes
        for name, options in _groups_of(question):
            key = f"{question['key']}={name}"
            if key in responded and key in allowed:
                chosen = [question["options"].index(o) for o in options]
                responses = int(np.count_nonzero(np.isin(codes, chosen)))
                listed = sum(counts.get(o, 0) for o in options)
                rows.append(GroupParticipation(question["key"], name, listed, responses))
    return tuple(rows)


def _groups_of(question: dict) -> list[tuple[str, frozenset[str]]]:
    """A question's groups as (name, its options): one per option, or for the organisation's
    tree one per node, its whole subtree."""
    options = question["options"]
    if is_tree(question):
        return [(node, subtree(node, options)) for node in nodes_of(options)]
    return [(option, frozenset({option})) for option in options]


def _invited_audit(question: dict, counts: dict[str, int], total: int, k: int) -> frozenset[str]:
    """The groups of one question that the disclosure audit over the invited people publishes
    (the people without an answer to the question count as its skippers)."""
    people: list[str | None] = [o for o in question["options"] for _ in range(counts.get(o, 0))]
    people += [None] * max(0, total - len(people))
    if not people:
        return frozenset()
    groups = [GroupSpec.total()]
    groups += [
        GroupSpec(f"{question['key']}={name}", question["key"], options)
        for name, options in _groups_of(question)
    ]
    scored = np.zeros((len(people), 0), dtype=bool)
    return audit_round({question["key"]: people}, scored, [], groups, k).groups.shown
