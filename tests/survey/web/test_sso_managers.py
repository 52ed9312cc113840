"""Managers signing in at the organisation's identity provider — a real one (oidc-provider on
loopback): their team comes from the provider's team claim at every sign-in, they read only that
team of a published round, and a team claim that cannot be read lets nobody in."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from survey.models import Membership, Organisation, User
from survey.services import managers

from .test_managers import published_round
from .test_sso import BASE, Browser, configure, events

MIA = {
    "email": "mia@zorg.example",
    "name": "Mia",
    "groups": ["ambassador-managers"],
    "department_path": "Care/Ward 3",
}


@pytest.fixture
def zorg_round(client, session, app, outbox, identity_provider):
    """Zorg's closed round with its team tree, published to managers; Zorg signs in at the
    provider, whose claim department_path holds a manager's team."""
    from survey.services import sso

    campaign = published_round(client, session, app, outbox)
    managers.publish(session, campaign)
    sso._DISCOVERED.clear()
    identity_provider.set_accounts({"mia": MIA})
    configure(
        session,
        session.scalars(sa.select(Organisation).filter_by(slug="zorg")).one(),
        identity_provider.issuer,
        domains=["zorg.example"],
    )
    return campaign


def sign_in(client, provider, claims: dict):
    """Mia signs in with these claims, in a browser of her own: the callback's answer."""
    provider.set_accounts({"mia": claims})
    answer, _ = Browser(client).sign_in(provider, "mia", "mia@zorg.example")
    return answer


def membership(session) -> Membership:
    session.expire_all()
    return session.scalars(
        sa.select(Membership).join(User).where(User.email == "mia@zorg.example")
    ).one()


def test_a_manager_signs_in_at_the_provider_and_reads_only_their_team(
    client, session, zorg_round, identity_provider
):
    answer = sign_in(client, identity_provider, MIA)
    assert answer.status_code == 302
    landing = client.get(answer.headers["Location"].removeprefix(BASE))
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/team")
    rounds = client.get("/team").get_data(as_text=True)
    team = f"/campaigns/{zorg_round.id}/team"
    assert f'href="{team}' in rounds
    own = client.get(team)
    assert own.status_code == 200 and "Your team: Ward 3" in own.get_data(as_text=True)
    assert client.get(team, query_string={"unit": "Care/Ward 3/Nights"}).status_code == 200
    for outside in ("Care", "Shop", "Care/Ward 4", "Care/Ward 3x"):
        assert client.get(team, query_string={"unit": outside}).status_code == 404, outside
    assert client.get(f"/campaigns/{zorg_round.id}/report").status_code == 403
    assert (membership(session).role, membership(session).team) == ("manager", "Care/Ward 3")
    user = session.scalars(sa.select(User).filter_by(email="mia@zorg.example")).one()
    assert user.identity_provider_id is not None and user.totp_secret is None


def test_a_changed_team_claim_moves_the_manager(client, session, zorg_round, identity_provider):
    sign_in(client, identity_provider, MIA)
    team = f"/campaigns/{zorg_round.id}/team"
    assert "Ward 3" in client.get(team).get_data(as_text=True)
    moved = client.application.test_client()
    answer = sign_in(moved, identity_provider, {**MIA, "department_path": " Shop "})
    assert answer.status_code == 302
    assert membership(session).team == "Shop"
    page = moved.get(team)
    assert page.status_code == 200 and "Your team: Shop" in page.get_data(as_text=True)
    assert moved.get(team, query_string={"unit": "Care/Ward 3"}).status_code == 404
    assert any(
        "manager of Care/Ward 3 → manager of Shop" in e.detail
        for e in events(session, "role_changed")
    )
    # the group changes to HR: the team goes with the role
    promoted = client.application.test_client()
    sign_in(promoted, identity_provider, {**MIA, "groups": ["ambassador-hr"]})
    assert (membership(session).role, membership(session).team) == ("hr", None)
    mias = sa.select(sa.func.count()).select_from(User).filter_by(email="mia@zorg.example")
    assert session.scalar(mias) == 1  # the same account, found by the provider's subject


@pytest.mark.parametrize(
    "value",
    [
        "Care//Ward 3",  # an empty level
        "/".join(f"L{i}" for i in range(13)),  # 13 levels deep
        "Care/" + "x" * 101,  # a level of 101 characters
        "/".join(["y" * 90] * 6),  # 545 characters
        "",  # blank
        None,  # not sent
        ["Care", "Shop"],  # two teams
        {"path": "Care"},  # not text
    ],
)
def test_a_malformed_team_claim_gives_a_clear_page_and_no_session(
    client, session, zorg_round, identity_provider, value
):
    claims = {**MIA, "department_path": value}
    if value is None:
        del claims["department_path"]
    answer = sign_in(client, identity_provider, claims)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "did not send a team" in page
    assert client.get("/team").status_code == 302  # not signed in
    assert client.get(f"/campaigns/{zorg_round.id}/team").status_code == 302
    assert not session.scalar(sa.select(User).filter_by(email="mia@zorg.example"))
    assert "department_path" in events(session, "sign_in_failed")[-1].detail


def test_a_manager_whose_claim_turns_unreadable_is_not_signed_in_with_the_old_team(
    client, session, zorg_round, identity_provider
):
    sign_in(client, identity_provider, MIA)
    other = client.application.test_client()
    answer = sign_in(other, identity_provider, {**MIA, "department_path": "Care//Ward 3"})
    assert answer.status_code == 403
    assert other.get(f"/campaigns/{zorg_round.id}/team").status_code == 302


def test_without_a_team_claim_a_managers_team_is_their_address(
    client, session, zorg_round, identity_provider
):
    """A provider without a team claim: a team sent anyway is not taken — the manager's team
    is their own address, which names a unit of a tree made from a list's manager column."""
    configure(
        session,
        session.scalars(sa.select(Organisation).filter_by(slug="zorg")).one(),
        identity_provider.issuer,
        domains=["zorg.example"],
        team_claim=None,
    )
    assert sign_in(client, identity_provider, MIA).status_code == 302
    assert (membership(session).role, membership(session).team) == ("manager", None)
    assert client.get(f"/campaigns/{zorg_round.id}/team").status_code == 404  # not in this tree
    rounds = client.get("/team")
    assert rounds.status_code == 200 and not re.search(r'href="/campaigns/\d+/team', rounds.text)


def test_a_manager_of_the_provider_signs_in_there_when_passwords_need_a_second_factor(
    client, session, zorg_round, identity_provider
):
    """As for HR and consultants: the second factor of an account of the provider is the
    provider's; a password account of a manager needs one here (test_members.py)."""
    from survey.services import second_factor

    zorg = session.scalars(sa.select(Organisation).filter_by(slug="zorg")).one()
    second_factor.set_required(session, zorg, True)
    answer = sign_in(client, identity_provider, MIA)
    assert answer.status_code == 302 and "second-factor" not in answer.headers["Location"]
    assert client.get(f"/campaigns/{zorg_round.id}/team").status_code == 200
