"""The members page: HR sets up the organisation's managers and their teams without the command
line, an admin gives any role; bad input is a form error, never a 500; and the sign-in page's
team claim."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, IdentityProvider, Membership, Organisation, User
from survey.services import second_factor

from ..conftest import PASSWORD, AuthActions, csrf_token

PAGE = "/organisations/acme/members"


def post_member(client, url: str = PAGE, **fields):
    page = client.get(url).get_data(as_text=True)
    data = {"email": "", "name": "", "role": "manager", "team": "", "password": ""}
    data.update(fields)
    return client.post(url, data={**data, "csrf_token": csrf_token(page)})


def membership_of(session, email: str) -> Membership | None:
    session.expire_all()
    return session.scalar(sa.select(Membership).join(User).where(User.email == email))


def test_hr_sets_up_a_manager_who_then_logs_in_and_lands_on_their_team(
    auth, session, two_organisations
):
    auth.login("hr@acme.example")
    listing = auth.client.get("/campaigns").get_data(as_text=True)
    assert f'href="{PAGE}"' in listing and "/organisations/globex" not in listing
    added = post_member(
        auth.client, email="Lead@Acme.example", name="Lea", team=" Care / Ward 3 ",
        password=PASSWORD,
    )  # fmt: skip
    assert added.status_code == 302
    member = membership_of(session, "lead@acme.example")
    assert (member.role, member.team) == ("manager", "Care/Ward 3")
    page = auth.client.get(PAGE).get_data(as_text=True)
    assert "lead@acme.example" in page and "Care/Ward 3" in page
    created = session.scalars(sa.select(AuditEvent).filter_by(event="account_created")).one()
    assert created.actor == "hr@acme.example" and "manager of Care/Ward 3" in created.detail
    # the team changes on the same page; the password stays the manager's own
    assert post_member(auth.client, email="lead@acme.example", team="Shop").status_code == 302
    assert membership_of(session, "lead@acme.example").team == "Shop"
    assert any(
        "manager of Care/Ward 3 → manager of Shop" in e.detail
        for e in session.scalars(sa.select(AuditEvent).filter_by(event="role_changed"))
    )
    other = AuthActions(auth.client.application.test_client())
    answer = other.login("lead@acme.example")
    assert answer.status_code == 302
    landing = other.client.get(answer.headers["Location"])
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/team")
    assert other.client.get("/team").status_code == 200
    assert other.client.get(PAGE).status_code == 403


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"team": "Care//Ward 3"}, "A level is empty"),
        ({"team": "/".join(f"L{i}" for i in range(13))}, "at most 12 levels"),
        ({"team": "Care/" + "x" * 101}, "at most 100 characters"),
        ({"team": "/".join(["y" * 90] * 6)}, "at most 500 characters"),
        ({"email": "not an address"}, "Give an e-mail address"),
        ({"role": "hr"}, "Not a valid choice"),  # HR gives the role manager only
        ({"password": "short"}, "at least 12 characters"),
        ({"password": ""}, "at least 12 characters"),  # a new account needs one
    ],
)
def test_bad_input_is_a_form_error(auth, session, two_organisations, fields, words):
    auth.login("hr@acme.example")
    answer = post_member(
        auth.client, **{"email": "lead@acme.example", "password": PASSWORD, **fields}
    )
    assert answer.status_code == 422 and words in answer.get_data(as_text=True)
    assert membership_of(session, "lead@acme.example") is None


def test_hr_may_not_change_other_roles_or_other_organisations(auth, session, two_organisations):
    auth.login("hr@acme.example")
    answer = post_member(auth.client, email="hr@acme.example", team="Care")
    assert answer.status_code == 422 and "only an admin changes that role" in answer.text
    assert membership_of(session, "hr@acme.example").role == "hr"
    assert auth.client.get("/organisations/globex/members").status_code == 404
    assert auth.client.get("/organisations/nowhere/members").status_code == 404
    existing = post_member(auth.client, email="hr@globex.example", password=PASSWORD)
    assert existing.status_code == 422 and "an admin adds an existing account" in existing.text


def test_an_admin_gives_any_role_and_only_a_manager_has_a_team(auth, session, two_organisations):
    auth.login("admin@example.org")
    assert 'href="/organisations/acme/members"' in auth.client.get("/admin/sign-in").text
    teamed = post_member(
        auth.client, email="pia@acme.example", role="privacy", team="Care", password=PASSWORD
    )
    assert teamed.status_code == 422 and "Only a manager has a team" in teamed.text
    added = post_member(auth.client, email="pia@acme.example", role="privacy", password=PASSWORD)
    assert added.status_code == 302
    assert membership_of(session, "pia@acme.example").role == "privacy"


def test_people_of_the_identity_provider_take_role_and_team_from_it(
    auth, session, two_organisations
):
    from survey.services import sso

    acme = session.scalars(sa.select(Organisation).filter_by(slug="acme")).one()
    sso.configure(
        session, acme, issuer="https://login.acme.example", client_id="ambassador",
        domains=["acme.example"], role_values={"manager": ["leads"]}, client_secret="s",
        password_login=False, secret_key="test-secret-key",
    )  # fmt: skip
    auth.login("admin@example.org")
    answer = post_member(auth.client, email="lead@acme.example", team="IT", password=PASSWORD)
    assert answer.status_code == 422 and "identity provider" in answer.text
    assert membership_of(session, "lead@acme.example") is None


def test_a_manager_with_a_password_needs_the_second_factor_the_organisation_requires(
    auth, session, two_organisations
):
    acme = session.scalars(sa.select(Organisation).filter_by(slug="acme")).one()
    second_factor.set_required(session, acme, True)
    auth.login("admin@example.org")  # the admin's second factor: see AuthActions
    assert post_member(auth.client, email="lead@acme.example", password=PASSWORD).status_code == 302
    assert membership_of(session, "lead@acme.example").team is None  # their own address
    other = AuthActions(auth.client.application.test_client())
    answer = other.login("lead@acme.example")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login/second-factor")
    assert other.client.get("/team").status_code == 302  # not signed in yet


def test_the_sign_in_form_sets_the_team_claim(auth, session, two_organisations):
    auth.login("admin@example.org")
    url = "/admin/organisations/acme/sign-in"
    fields = {
        "use_provider": "y", "issuer": "https://login.acme.example", "client_id": "ambassador",
        "client_secret": "a secret", "domains": "acme.example", "role_claim": "groups",
        "manager_values": "leads", "team_claim": "department path",
    }  # fmt: skip
    page = auth.client.get(url).get_data(as_text=True)
    assert 'name="team_claim"' in page and 'name="manager_values"' in page
    refused = auth.client.post(url, data={**fields, "csrf_token": csrf_token(page)})
    assert refused.status_code == 422 and "such as department_path: letters" in refused.text
    assert session.scalar(sa.select(IdentityProvider)) is None
    fields["team_claim"] = "department_path"
    saved = auth.client.post(url, data={**fields, "csrf_token": csrf_token(page)})
    assert saved.status_code == 302
    provider = session.scalars(sa.select(IdentityProvider)).one()
    assert provider.team_claim == "department_path"
    assert provider.role_values["manager"] == ["leads"]
    again = auth.client.get(url).get_data(as_text=True)
    assert 'value="department_path"' in again and 'value="leads"' in again


def test_the_command_line_sets_the_manager_values_and_team_claim(runner, session):
    from survey.services.campaigns import add_organisation

    add_organisation(session, "acme", "Acme")
    arguments = [
        "sso", "set", "acme", "--issuer", "https://login.acme.example", "--client-id", "app",
        "--client-secret-env", "OIDC_SECRET_ACME", "--domain", "acme.example",
        "--manager", "leads",
    ]  # fmt: skip
    bad = runner.invoke(args=[*arguments, "--team-claim", "department path"])
    assert bad.exit_code == 2 and "not a claim name" in bad.output
    result = runner.invoke(args=[*arguments, "--team-claim", "department_path"])
    assert result.exit_code == 0 and "team claim department_path" in result.output
    session.expire_all()
    provider = session.scalars(sa.select(IdentityProvider)).one()
    assert provider.role_values["manager"] == ["leads"]
    assert provider.team_claim == "department_path"
