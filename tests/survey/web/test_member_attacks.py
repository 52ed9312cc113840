"""Attacks on the members page: what HR of one organisation can learn or change of accounts that
are not theirs, forged posts, and odd teams."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import Membership, User

from .test_members import PAGE, membership_of, post_member


def memberships_of(session, email: str) -> list[Membership]:
    session.expire_all()
    return list(session.scalars(sa.select(Membership).join(User).where(User.email == email)))


def test_a_post_without_the_form_token_changes_nothing(auth, session, two_organisations):
    auth.login("hr@acme.example")
    answer = auth.client.post(PAGE, data={"email": "lead@acme.example", "role": "manager",
                                          "team": "Care", "password": "x" * 16})  # fmt: skip
    assert answer.status_code == 400
    assert membership_of(session, "lead@acme.example") is None


@pytest.mark.parametrize(
    "team", ["Zorg/Afdeling Ω/Nachtdienst", "Care\\Ward 3", "..", "<script>x</script>"]
)
def test_odd_teams_are_stored_as_given_or_refused_never_a_500(auth, session, two_organisations,
                                                               team):  # fmt: skip
    auth.login("hr@acme.example")
    answer = post_member(auth.client, email="lead@acme.example", team=team, password="x" * 16)
    assert answer.status_code in (302, 422)
    page = auth.client.get(PAGE).get_data(as_text=True)
    assert "<script>x</script>" not in page


def test_hr_cannot_add_another_organisations_account_or_read_its_name(
    auth, session, two_organisations
):
    """HR of Acme types the address of Globex's HR: Globex's account is not Acme's to give a
    role to, and its name must not appear on Acme's page."""
    session.scalar(sa.select(User).filter_by(email="hr@globex.example")).name = "Gloria Globex"
    session.commit()
    auth.login("hr@acme.example")
    answer = post_member(auth.client, email="hr@globex.example", team="Care")
    assert answer.status_code == 422 and "an admin adds an existing account" in answer.text
    assert "Gloria Globex" not in auth.client.get(PAGE).get_data(as_text=True)
    assert [m.organisation.slug for m in memberships_of(session, "hr@globex.example")] == [
        "globex"
    ]


def test_hr_cannot_tell_an_admins_address_from_an_unknown_one(auth, session, two_organisations):
    auth.login("hr@acme.example")
    admin = post_member(auth.client, email="admin@example.org", team="Care")
    other = post_member(auth.client, email="hr@globex.example", team="Care")
    assert admin.status_code == other.status_code == 422
    assert "is an admin" not in admin.text
    assert admin.text.replace("admin@example.org", "") == other.text.replace(
        "hr@globex.example", ""
    )
