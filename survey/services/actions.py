"""Action plans: HR turns a recommendation into an action with an owner, a due date and a status;
a manager does the same for their team (an action with its ``team``). The round's own plan — the
report's, the exports' — is HR's; HR sees the teams' actions beside it."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import ACTION_STATUSES, Action, Campaign, valid_id
from survey.services.campaigns import campaign_instrument
from survey.services.errors import InvalidInput, NotFound


def add_from_recommendation(
    session: Session, campaign: Campaign, key: str, lang: str, team: str | None = None
) -> tuple[Action, bool]:
    """The round's action for a recommendation (``team``: of that team), and whether it is new:
    a recommendation that is in the plan already is not added again (also when two clicks arrive
    at once)."""
    instrument = campaign_instrument(campaign)
    recommendation = next((r for r in instrument.recommendations if r.key == key), None)
    if recommendation is None:
        raise InvalidInput(f"no recommendation {key!r}")
    # one action per recommendation and team: a team's key is the recommendation's under a
    # digest of the team's path (a path is longer than the column holds)
    planned_key = key if team is None else f"{_digest(team)}:{key}"
    existing = _planned(session, campaign, planned_key)
    if existing is not None:
        return existing, False
    action = Action(
        campaign_id=campaign.id,
        team=team,
        dimension=recommendation.dimension,
        recommendation_key=planned_key,
        title=recommendation.text[lang],
        owner="",
        note="",
        status="planned",
    )
    session.add(action)
    try:
        session.commit()
    except IntegrityError:  # the same click, a moment earlier, in another request
        session.rollback()
        return _planned(session, campaign, planned_key), False
    return action, True


def _digest(team: str) -> str:
    return hashlib.sha256(team.encode()).hexdigest()[:16]


def _planned(session: Session, campaign: Campaign, key: str) -> Action | None:
    return session.scalar(
        sa.select(Action).filter_by(campaign_id=campaign.id, recommendation_key=key)
    )


def delete(session: Session, action: Action) -> None:
    session.delete(action)
    session.commit()


def update(
    session: Session, action: Action, *, owner: str, due_on: dt.date | None, status: str, note: str
) -> Action:
    if status not in ACTION_STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(ACTION_STATUSES)}")
    action.owner, action.due_on, action.status, action.note = owner.strip(), due_on, status, note
    session.commit()
    return action


def action_of(session: Session, campaign: Campaign, action_id: int) -> Action:
    """One action of a round."""
    action = session.get(Action, action_id) if valid_id(action_id) else None
    if action is None or action.campaign_id != campaign.id:
        raise NotFound(f"action {action_id}")
    return action


def actions_of(session: Session, campaign_id: int) -> list[Action]:
    """The round's own plan (HR's): no team's actions."""
    return list(
        session.scalars(
            sa.select(Action)
            .where(Action.campaign_id == campaign_id, Action.team.is_(None))
            .order_by(Action.id)
        )
    )


def team_actions(session: Session, campaign_id: int, team: str | None = None) -> list[Action]:
    """The teams' actions of a round (``team``: that team's and those of the teams under it),
    by team."""
    query = sa.select(Action).where(Action.campaign_id == campaign_id, Action.team.is_not(None))
    if team is not None:
        query = query.where(
            sa.or_(Action.team == team, Action.team.startswith(team + "/", autoescape=True))
        )
    return list(session.scalars(query.order_by(Action.team, Action.id)))


def team_plan_rows(session: Session, campaign_id: int, team: str) -> list[dict]:
    """A team's actions (and those of the teams under it) as plain rows for its files."""
    return [
        {
            "team": action.team,
            "dimension": action.dimension,
            "text": action.title,
            "owner": action.owner,
            "due": action.due_on.isoformat() if action.due_on else None,
            "status": action.status,
        }
        for action in team_actions(session, campaign_id, team)
    ]


def by_dimension(actions: list[Action]) -> dict[str, list[dict]]:
    """Actions as plain data per principle, for the next round's report (a team's: for the
    team's page of the next round)."""
    grouped: dict[str, list[dict]] = {}
    for action in actions:
        grouped.setdefault(action.dimension, []).append(
            {
                "title": action.title,
                "owner": action.owner,
                "status": action.status,
                "due_on": action.due_on.isoformat() if action.due_on else None,
                "team": action.team,
            }
        )
    return grouped


def plan_rows(session: Session, campaign_id: int) -> list[dict]:
    """The round's action plan as plain rows for the exports (principle, action, owner, due
    date, status)."""
    return [
        {
            "dimension": action.dimension,
            "text": action.title,
            "owner": action.owner,
            "due": action.due_on.isoformat() if action.due_on else None,
            "status": action.status,
        }
        for action in actions_of(session, campaign_id)
    ]
