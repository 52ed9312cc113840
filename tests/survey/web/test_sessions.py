"""Login sessions end for real: logout retires the session server-side (a saved cookie stops
working), a new password ends every session, and sessions expire when idle and after a maximum
lifetime. Passwords: at least 12 characters and not a common one."""

from __future__ import annotations

import time

import pytest

from survey.models import Campaign
from survey.services.campaigns import add_organisation, create_campaign
from survey.services.errors import InvalidInput
from survey.services.users import add_user, check_password, is_common

from ..conftest import PASSWORD, AuthActions


@pytest.fixture
def hr(session):
    organisation = add_organisation(session, "acme", "Acme")
    create_campaign(session, organisation, "Spring", status="open")
    add_user(session, "hr@acme.example", PASSWORD, memberships=((organisation, "hr"),))
    return session.query(Campaign).one().id


def logged_in(app) -> AuthActions:
    actions = AuthActions(app.test_client())
    assert actions.login("hr@acme.example").status_code == 302
    return actions


def test_a_cookie_saved_before_logout_no_longer_works(app, hr):
    browser = logged_in(app)
    url = f"/campaigns/{hr}/report.json"
    assert browser.client.get(url).status_code == 200
    saved = browser.client.get_cookie("session").value
    assert browser.logout().status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_and_a_new_password_end_every_session(app, hr, runner):
    laptop, phone = logged_in(app), logged_in(app)
    url = f"/campaigns/{hr}"
    assert phone.client.get(url).status_code == 200
    laptop.logout()
    assert phone.client.get(url).status_code == 302  # "log out everywhere"
    phone = logged_in(app)
    changed = runner.invoke(
        args=["user", "passwd", "hr@acme.example", "--password-stdin"],
        input="an entirely new passphrase\n",
    )
    assert changed.exit_code == 0, changed.output
    assert phone.client.get(url).status_code == 302
    assert (
        AuthActions(app.test_client())
        .login("hr@acme.example", "an entirely new passphrase")
        .status_code
        == 302
    )


@pytest.mark.parametrize(
    ("stamp", "minutes_ago"),
    [("seen_at", 31), ("login_at", 12 * 60 + 1)],
)
def test_sessions_end_when_idle_and_after_their_lifetime(app, hr, stamp, minutes_ago):
    browser = logged_in(app)
    url = f"/campaigns/{hr}"
    assert browser.client.get(url).status_code == 200
    with browser.client.session_transaction() as cookie:
        cookie[stamp] = int(time.time()) - minutes_ago * 60
    ended = browser.client.get(url)
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    page = browser.client.get("/login").get_data(as_text=True)
    assert "Your session has ended" in page
    assert browser.client.get(url).status_code == 302


def test_an_active_session_stays(app, hr):
    browser = logged_in(app)
    with browser.client.session_transaction() as cookie:
        cookie["seen_at"] = int(time.time()) - 29 * 60
    assert browser.client.get(f"/campaigns/{hr}").status_code == 200


@pytest.mark.parametrize(
    "password",
    [
        "elevenchars",  # 11 characters
        "password1234",  # a common password with digits added
        "Password2024!",
        "1qaz2wsx3edc",  # on the list
        "aaaaaaaaaaaaaaaa",
        "hr.person.2024!",  # the e-mail address
        "x" * 129,
    ],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(InvalidInput):
        check_password(password, "hr.person@acme.example")


@pytest.mark.parametrize(
    "password", ["correct horse battery staple", "Tulpen in de regen 7", "kw8-zX1p!rT4"]
)
def test_good_passwords_are_taken(password):
    check_password(password, "hr.person@acme.example")
    assert not is_common(password)
