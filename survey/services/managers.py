"""Managers: each reads their own team's results of a closed round once HR has published them.

A manager is a member of the organisation with the role ``manager`` and a team: a node of the
organisation's tree, named by its path (``Care/Ward 3``) or its last level; without one, the
manager's own address (a tree made from a list's ``manager`` column names each unit after its
manager). The manager reads that node's subtree and every unit under it (:mod:`reports.teams`)
— nothing outside it (404), nothing the round's audit hides — and turns the team's "where to
start" into actions of the team (:mod:`survey.services.actions`).

Publishing is HR's step: it dates the round and e-mails every manager whose team is in the
round's tree a link to their page, through the worker.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from reports.teams import find_node
from scoring.instrument import measure_versions
from scoring.teams import SEPARATOR, is_tree, nodes_of
from survey.extensions import db
from survey.models import Campaign, CampaignStatus, Membership, User, today_utc, valid_id
from survey.services import report_files
from survey.services.errors import InvalidInput, NotFound
from survey.services.mail import MailSettings, deliver

ROLE = "manager"


def tree_options(campaign: Campaign) -> list[str]:
    """The teams people are recorded in (none without a tree)."""
    question = next((q for q in campaign.segments if is_tree(q)), None)
    return list(question["options"]) if question else []


def team_of(membership: Membership, user: User) -> str:
    return membership.team or user.email


def manager_membership(user: User, organisation_id: int) -> Membership | None:
    return next(
        (m for m in user.memberships if m.organisation_id == organisation_id and m.role == ROLE),
        None,
    )


def managed_rounds(session: Session, user: User) -> list[tuple[Campaign, str]]:
    """The rounds published to ``user`` as a manager, newest first, each with the user's node."""
    found = []
    for membership in (m for m in user.memberships if m.role == ROLE):
        rounds = session.scalars(
            sa.select(Campaign)
            .where(
                Campaign.organisation_id == membership.organisation_id,
                Campaign.managers_published_on.is_not(None),
            )
            .order_by(Campaign.id.desc())
        )
        for campaign in rounds:
            node = find_node(tree_options(campaign), team_of(membership, user))
            if node is not None:
                found.append((campaign, node))
    return found


def team_for(session: Session, user: User, campaign_id: int, unit: str | None = None):
    """The round and the node ``user`` may read as its manager — their own team, or ``unit``
    under it. Anything else is :class:`NotFound`: another organisation's round, a round not
    published to managers, a team outside theirs."""
    campaign = session.get(Campaign, campaign_id) if valid_id(campaign_id) else None
    membership = manager_membership(user, campaign.organisation_id) if campaign else None
    if campaign is None or membership is None or campaign.managers_published_on is None:
        raise NotFound(f"campaign {campaign_id}")
    node = find_node(tree_options(campaign), team_of(membership, user))
    if node is None:
        raise NotFound(f"campaign {campaign_id}: no team")
    if unit is not None and unit != node:
        if not unit.startswith(node + SEPARATOR) or unit not in _nodes(campaign):
            raise NotFound(f"campaign {campaign_id}: team")
        node = unit
    return campaign, node


def _nodes(campaign: Campaign) -> set[str]:
    return set(nodes_of(tree_options(campaign)))


def earlier_round(session: Session, campaign: Campaign, node: str) -> Campaign | None:
    """The organisation's latest round before ``campaign`` that closed, was published to
    managers, measures the same (an instrument version of the same measure) and whose tree has
    ``node`` — the exact path: a team's change is shown only against the same team. A purged
    round has no tree figures left; it is skipped."""
    rounds = session.scalars(
        sa.select(Campaign)
        .where(
            Campaign.organisation_id == campaign.organisation_id,
            Campaign.id < campaign.id,
            Campaign.status == CampaignStatus.CLOSED,
            Campaign.managers_published_on.is_not(None),
            Campaign.purged.is_(False),
            Campaign.instrument_id == campaign.instrument_id,
            Campaign.instrument_version.in_(
                measure_versions(campaign.instrument_id, campaign.instrument_version)
            ),
        )
        .order_by(Campaign.closed_on.desc().nulls_last(), Campaign.id.desc())
    )
    return next((earlier for earlier in rounds if node in _nodes(earlier)), None)


def managers_of(session: Session, campaign: Campaign) -> list[tuple[User, str]]:
    """The organisation's managers whose team is a node of the round's tree, with that node."""
    options = tree_options(campaign)
    rows = session.execute(
        sa.select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == campaign.organisation_id, Membership.role == ROLE)
        .order_by(User.email)
    )
    found = []
    for user, membership in rows:
        node = find_node(options, team_of(membership, user))
        if node is not None:
            found.append((user, node))
    return found


def publish(session: Session, campaign: Campaign, day: dt.date | None = None) -> list[str]:
    """Give the round's results to its managers: date it and return the addresses to e-mail."""
    if not campaign.is_closed:
        raise InvalidInput(f"campaign {campaign.id} is not closed: publish its results once it is")
    if campaign.purged:
        raise InvalidInput(f"campaign {campaign.id}'s answers were deleted: nothing to publish")
    if not tree_options(campaign):
        raise InvalidInput(f"campaign {campaign.id} has no teams: its list had no team column")
    first = campaign.managers_published_on is None
    campaign.managers_published_on = campaign.managers_published_on or day or today_utc()
    session.commit()
    return [user.email for user, _node in managers_of(session, campaign)] if first else []


def announcement(campaign: Campaign, to: str, link: str, sender: str, lang: str) -> EmailMessage:
    """The e-mail that tells a manager their team's results are there."""
    message = EmailMessage()
    message["From"], message["To"] = sender, to
    if lang == "nl":
        message["Subject"] = f"De resultaten van uw team: {campaign.name}"
        body = (
            f"De resultaten van {campaign.name} van {campaign.organisation.name} staan klaar "
            f"voor uw team:\n\n{link}\n\nU ziet alleen uw eigen team en de teams eronder, en "
            "alleen cijfers over groepen die groot genoeg zijn om niemand herkenbaar te maken.\n"
        )
    else:
        message["Subject"] = f"Your team's results: {campaign.name}"
        body = (
            f"The results of {campaign.organisation.name}'s {campaign.name} are ready for your "
            f"team:\n\n{link}\n\nYou see your own team and the teams under it only, and only "
            "figures about groups large enough that nobody can be recognised.\n"
        )
    message.set_content(body)
    return message


def send_announcements(campaign_id: int, addresses: list[str]) -> int:
    """Job: build and keep the round's release in every language of the app, then e-mail each
    manager the link to their team's page (in the app's context). Every manager's page, its PDF
    and its files then read the one kept release: none builds it again."""
    campaign = db.session.get(Campaign, campaign_id)
    for language in current_app.config["LANGUAGES"]:
        report_files.release_for(
            db.session, campaign, language, current_app.config["COMMENT_MIN_GROUP_SIZE"]
        )
    settings = MailSettings.from_config(current_app.config)
    base = current_app.config.get("BASE_URL", "")
    lang = campaign.languages[0] if campaign.languages else "en"
    for address in addresses:
        link = f"{base}/campaigns/{campaign.id}/team"
        deliver(announcement(campaign, address, link, settings.sender, lang), settings)
    return len(addresses)
