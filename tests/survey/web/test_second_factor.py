"""A second factor for password accounts (TOTP and recovery codes), the admin's sign-in settings
and the audit log, over HTTP and on the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import time

import pyotp
import sqlalchemy as sa

from survey.models import AuditEvent, IdentityProvider, Organisation, User
from survey.policy import ACCOUNT_CODE_TRIES, PENDING_SIGN_IN_TRIES
from survey.services.campaigns import add_organisation
from survey.services.users import add_user

from ..conftest import PASSWORD, TOTP_SECRET, add_admin, csrf_token, current_code


def post(client, path: str, data: dict):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": csrf_token(page)})


def password_step(client, email: str):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    )


def signed_in(client) -> bool:
    return client.get("/campaigns").status_code == 200


def test_an_admin_without_a_second_factor_must_set_one_up(client, session):
    add_user(session, "root@example.org", PASSWORD, is_admin=True)
    first = password_step(client, "root@example.org")
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/second-factor")
    assert not signed_in(client)  # the password alone signs nobody in
    page = client.get("/login/second-factor").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    wrong = client.post(
        "/login/second-factor", data={"code": "000000", "csrf_token": csrf_token(page)}
    )
    assert wrong.status_code == 422 and not signed_in(client)
    right = client.post(
        "/login/second-factor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page)},
    )
    shown = right.get_data(as_text=True)
    codes = re.findall(r"<li><code>([0-9a-f-]{14})</code></li>", shown)
    assert right.status_code == 200 and len(codes) == 10 and signed_in(client)
    user = session.scalars(sa.select(User).filter_by(email="root@example.org")).one()
    session.refresh(user)
    assert user.totp_secret and secret not in user.totp_secret  # sealed, not the secret itself
    hashes = [row.code_hash for row in user.recovery_codes]
    assert len(hashes) == 10 and not any(code in h for h in hashes for code in codes)  # hashes
    assert session.scalars(sa.select(AuditEvent).filter_by(event="second_factor_enrolled")).all()


def test_codes_work_once_and_recovery_codes_once(client, app, session):
    add_admin(session, "root@example.org")
    assert password_step(client, "root@example.org").headers["Location"].endswith("/login/code")
    assert not signed_in(client)
    code = current_code()
    bad = post(client, "/login/code", {"code": "123456" if code != "123456" else "654321"})
    assert bad.status_code == 401 and not signed_in(client)
    good = post(client, "/login/code", {"code": code})
    assert good.status_code == 302 and signed_in(client)
    other = app.test_client()  # the same code, seen over a shoulder, in another browser
    password_step(other, "root@example.org")
    assert post(other, "/login/code", {"code": code}).status_code == 401
    assert not signed_in(other)
    # a recovery code: set one up through the account page, use it once
    from survey.services import second_factor

    user = session.scalars(sa.select(User).filter_by(email="root@example.org")).one()
    codes = second_factor.enrol(
        session, user, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).at(time.time() + 30),
        os.environ["SECRET_KEY"],
    )  # fmt: skip
    third = app.test_client()
    password_step(third, "root@example.org")
    assert post(third, "/login/code", {"code": codes[0].upper()}).status_code == 302
    fourth = app.test_client()
    password_step(fourth, "root@example.org")
    assert post(fourth, "/login/code", {"code": codes[0]}).status_code == 401
    assert session.scalars(sa.select(AuditEvent).filter_by(event="recovery_code_used")).all()


def test_one_recovery_code_in_four_browsers_at_once_signs_in_one(app, session):
    """Four browsers passed the password and send the same recovery code at the same moment:
    one conditional DELETE decides, so exactly one is signed in (SQLite, and PostgreSQL with
    TEST_DATABASE_URL)."""
    import threading

    from survey.services import second_factor

    user = add_admin(session, "root@example.org")
    codes = second_factor.enrol(
        session, user, TOTP_SECRET, pyotp.TOTP(TOTP_SECRET).at(time.time() + 30),
        os.environ["SECRET_KEY"],
    )  # fmt: skip
    browsers = [app.test_client() for _ in range(4)]
    tokens = []
    for browser in browsers:
        assert password_step(browser, "root@example.org").headers["Location"].endswith("/code")
        tokens.append(csrf_token(browser.get("/login/code").get_data(as_text=True)))
    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = []

    def send(browser, token):
        barrier.wait()
        answer = browser.post("/login/code", data={"code": codes[0], "csrf_token": token})
        statuses.append(answer.status_code)

    pairs = zip(browsers, tokens, strict=True)
    threads = [threading.Thread(target=send, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 401, 401, 401]
    assert [signed_in(browser) for browser in browsers].count(True) == 1
    used = session.scalars(sa.select(AuditEvent).filter_by(event="recovery_code_used")).all()
    assert len(used) == 1 and used[0].detail == "9 left"


def wrong_code() -> str:
    """Six digits that are none of the codes the app accepts now (a step either side too)."""
    totp, now = pyotp.TOTP(TOTP_SECRET), time.time()
    accepted = {totp.at(now + step * 30) for step in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in accepted)


def sign_in_with_password(client, email: str = "root@example.org") -> str:
    """The password step; the CSRF token the code page's form will carry."""
    password_step(client, email)
    return csrf_token(client.get("/login/code").get_data(as_text=True))


def send_code(client, token: str, code: str, address: str):
    """POST a code on the pending sign-in's page from the client address ``address``."""
    return client.post(
        "/login/code",
        data={"code": code, "csrf_token": token},
        environ_overrides={"REMOTE_ADDR": address},
    )


ADDRESSES = ("192.0.2.1", "198.51.100.2", "203.0.113.3", "2001:db8::4")
LOCAL = "127.0.0.1"  # the test client's own: the signed-in session is checked from there


def test_a_pending_sign_in_ends_after_five_wrong_codes_from_any_address(client, session):
    """Forty guesses from four addresses (ten each, within every address's limit) against one
    half-finished sign-in: the fifth wrong code ends it, and the right code no longer works
    without the password again."""
    add_admin(session, "root@example.org")
    token = sign_in_with_password(client)
    statuses = [
        send_code(client, token, wrong_code(), address).status_code
        for address in ADDRESSES
        for _ in range(10)
    ]
    assert PENDING_SIGN_IN_TRIES == 5
    assert statuses[:4] == [401] * 4 and statuses[4:] == [302] * 36  # back to the password
    assert send_code(client, token, current_code(), "192.0.2.5").status_code == 302
    assert not signed_in(client)
    assert "Too many wrong codes" in client.get("/login").get_data(as_text=True)
    # a fresh password sign-in, and the right code works
    token = sign_in_with_password(client)
    assert send_code(client, token, current_code(), LOCAL).status_code == 302
    assert signed_in(client)


def test_twenty_guesses_at_the_same_moment_get_five_tries(app, client, session):
    """Twenty copies of one half-finished sign-in's cookie send a wrong code each at the same
    moment, from twenty addresses: the tries are taken before the codes are checked, so five are
    checked and the sign-in ends; the account counts five."""
    import threading

    add_admin(session, "root@example.org")
    token = sign_in_with_password(client)
    cookie = client.get_cookie("session").value
    copies = [app.test_client() for _ in range(20)]
    for copy in copies:
        copy.set_cookie("session", cookie)
    barrier = threading.Barrier(len(copies))
    statuses: list[int] = []

    def guess(copy, address):
        barrier.wait()
        statuses.append(send_code(copy, token, wrong_code(), address).status_code)

    threads = [
        threading.Thread(target=guess, args=(copy, f"198.18.0.{n}"))
        for n, copy in enumerate(copies, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # five were checked (wrong: 401, or 302 for the one that ended the sign-in, unless a request
    # turned away first had ended it already); fifteen were turned away unchecked (302)
    assert statuses.count(401) in (4, 5) and statuses.count(302) == 20 - statuses.count(401)
    session.expire_all()
    user = session.scalars(sa.select(User).filter_by(email="root@example.org")).one()
    assert user.wrong_codes == PENDING_SIGN_IN_TRIES  # the account counted the five checked
    assert send_code(client, token, current_code(), LOCAL).status_code == 302
    assert not signed_in(client)


def test_an_account_takes_ten_wrong_codes_an_hour_whatever_the_sign_ins(app, session):
    """Someone who has the password starts sign-in after sign-in from new addresses: after ten
    wrong codes in an hour the account takes no code at all, not even the right one, until the
    hour has passed."""
    add_admin(session, "root@example.org")
    attempts = []
    for address in ADDRESSES[:2]:
        browser = app.test_client()
        token = sign_in_with_password(browser)
        attempts += [send_code(browser, token, wrong_code(), address).status_code for _ in range(5)]
    assert ACCOUNT_CODE_TRIES == 10 and attempts == ([401] * 4 + [302]) * 2
    browser = app.test_client()
    token = sign_in_with_password(browser)
    refused = send_code(browser, token, current_code(), ADDRESSES[2])
    assert refused.status_code == 429 and not signed_in(browser)
    assert "Too many wrong codes for this account" in refused.get_data(as_text=True)
    # an hour later the account takes codes again
    user = session.scalars(sa.select(User).filter_by(email="root@example.org")).one()
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1, seconds=1)
    session.execute(sa.update(User).where(User.id == user.id).values(wrong_codes_since=an_hour_ago))
    session.commit()
    token = sign_in_with_password(browser)
    assert send_code(browser, token, current_code(), LOCAL).status_code == 302
    assert signed_in(browser)


def test_an_address_sends_ten_codes_a_minute(client, session):
    add_admin(session, "root@example.org")
    statuses = []
    for _ in range(3):  # three sign-ins of four wrong codes each, from one address
        token = sign_in_with_password(client)
        statuses += [
            send_code(client, token, wrong_code(), ADDRESSES[0]).status_code for _ in range(4)
        ]
    assert statuses == [401] * 10 + [429] * 2


def test_a_pending_sign_in_expires(client, session):
    add_admin(session, "root@example.org")
    password_step(client, "root@example.org")
    with client.session_transaction() as cookie:
        pending = dict(cookie["pending_login"])
        pending["at"] -= 301  # five minutes and a second ago
        cookie["pending_login"] = pending
    token = csrf_token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login/code", data={"code": current_code(), "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert not signed_in(client)


def test_an_organisation_can_require_a_second_factor_for_its_members(client, app, session, runner):
    acme = add_organisation(session, "acme", "Acme")
    globex = add_organisation(session, "globex", "Globex")
    add_user(session, "hr@acme.example", PASSWORD, memberships=((acme, "hr"),))
    add_user(session, "hr@globex.example", PASSWORD, memberships=((globex, "hr"),))
    result = runner.invoke(args=["org", "second-factor", "acme", "--required"])
    assert result.exit_code == 0, result.output
    assert (
        password_step(client, "hr@acme.example")
        .headers["Location"]
        .endswith("/login/second-factor")
    )
    other = app.test_client()
    assert password_step(other, "hr@globex.example").headers["Location"].endswith("/campaigns")
    # optional for Globex: set up from the account page, and removed again with a code
    page = other.get("/login/second-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    now = time.time()
    other.post(
        "/login/second-factor",
        data={"code": pyotp.TOTP(secret).at(now), "csrf_token": csrf_token(page)},
    )
    assert "recovery codes left" in other.get("/account/security").get_data(as_text=True)
    removed = post(other, "/account/security", {"code": pyotp.TOTP(secret).at(now + 30)})
    assert removed.status_code == 302
    user = session.scalars(sa.select(User).filter_by(email="hr@globex.example")).one()
    session.refresh(user)
    assert user.totp_secret is None and user.recovery_codes == []
    assert runner.invoke(args=["org", "second-factor", "nope"]).exit_code == 2


def test_second_factor_reset_on_the_command_line(runner, session, client):
    user = add_admin(session, "root@example.org")
    user.wrong_codes, user.wrong_codes_since = 10, dt.datetime.now(dt.UTC)  # it took no code
    session.commit()
    result = runner.invoke(args=["user", "second-factor-reset", "root@example.org"])
    assert result.exit_code == 0 and "removed" in result.output
    assert (
        password_step(client, "root@example.org")
        .headers["Location"]
        .endswith("/login/second-factor")
    )  # an admin sets a new one up at the next login
    session.refresh(user)
    assert (user.wrong_codes, user.wrong_codes_since) == (0, None)
    assert runner.invoke(args=["user", "second-factor-reset", "nobody@x.example"]).exit_code == 2


def test_admin_configures_an_organisation_sign_in_and_the_audit_log_shows_it(auth, session, app):
    acme = add_organisation(session, "acme", "Acme")
    add_organisation(session, "globex", "Globex")
    add_admin(session, "admin@example.org")
    assert auth.login("admin@example.org").status_code == 302
    form = {
        "use_provider": "y",
        "issuer": "https://login.acme.example/realms/acme",
        "client_id": "ambassador",
        "client_secret": "very secret",
        "domains": "acme.example, Acme.NL",
        "role_claim": "groups",
        "hr_values": "ambassador-hr",
        "consultant_values": "",
        "password_login": "y",
        "require_second_factor": "y",
    }
    saved = post(auth.client, "/admin/organisations/acme/sign-in", form)
    assert saved.status_code == 302
    provider = session.scalars(sa.select(IdentityProvider)).one()
    assert provider.domains == ["acme.example", "acme.nl"]
    assert provider.client_secret_sealed and "very secret" not in provider.client_secret_sealed
    session.refresh(acme)
    assert acme.require_second_factor
    clash = post(auth.client, "/admin/organisations/globex/sign-in", {**form, "client_secret": "x"})
    assert clash.status_code == 422 and "signs in at the provider of acme" in clash.get_data(
        as_text=True
    )
    for name in ("SECRET_KEY", "DATABASE_URL"):  # the server's own settings are no client secret
        other = {
            **form,
            "client_secret": "",
            "client_secret_env": name,
            "domains": "globex.example",
        }
        refused = post(auth.client, "/admin/organisations/globex/sign-in", other)
        assert refused.status_code in (400, 422)
        assert "must start with OIDC_SECRET_" in refused.get_data(as_text=True)
    plain = post(
        auth.client,
        "/admin/organisations/globex/sign-in",
        {**form, "issuer": "http://login.example"},
    )
    assert plain.status_code == 422 and "https://" in plain.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(IdentityProvider)) == 1
    page = auth.client.get("/admin/audit").get_data(as_text=True)
    assert "identity provider" in page and "very secret" not in page
    filtered = auth.client.get("/admin/audit?event=sign_in").get_data(as_text=True)
    assert "admin@example.org" in filtered and "identity provider:" not in filtered
    export = auth.client.get("/admin/audit.csv")
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert export.headers["Cache-Control"] == "no-store"
    assert {"sign_in", "settings_changed"} <= {row["event"] for row in rows}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["at_utc"]) for row in rows)
    assert "very secret" not in export.get_data(as_text=True)


def test_failed_sign_ins_are_logged_and_exported_safely(client, session, runner, tmp_path):
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"email": "=cmd@x.example", "password": "wrong", "csrf_token": csrf_token(page)},
    )
    target = tmp_path / "audit.csv"
    result = runner.invoke(args=["audit", "export", str(target)])
    assert result.exit_code == 0, result.output
    with target.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["event"] == "sign_in_failed" and rows[0]["actor"] == "'=cmd@x.example"
    again = runner.invoke(args=["audit", "export", str(target)])
    assert again.exit_code == 2 and "exists already" in again.output


def test_sso_settings_on_the_command_line(runner, session, monkeypatch):
    add_organisation(session, "acme", "Acme")
    base = ["sso", "set", "acme", "--issuer", "https://login.acme.example", "--client-id", "amb",
            "--domain", "acme.example", "--hr", "hr-group"]  # fmt: skip
    missing = runner.invoke(args=base)
    assert missing.exit_code == 2 and "client secret" in missing.output
    for name in ("SECRET_KEY", "DATABASE_URL", "ACME_OIDC_SECRET", "OIDC_SECRET_", "oidc_secret_x"):
        refused = runner.invoke(args=[*base, "--client-secret-env", name])
        assert refused.exit_code == 2 and "OIDC_SECRET_" in refused.output, name
    assert session.scalar(sa.select(sa.func.count()).select_from(IdentityProvider)) == 0
    result = runner.invoke(args=[*base, "--client-secret-env", "OIDC_SECRET_ACME"])
    assert result.exit_code == 0 and "secret from $OIDC_SECRET_ACME" in result.output
    piped = runner.invoke(args=[*base, "--client-secret-stdin"], input="s3cret\n")
    assert piped.exit_code == 0 and "secret stored sealed" in piped.output
    assert "s3cret" not in runner.invoke(args=["sso", "show", "acme"]).output
    no_roles = runner.invoke(args=base[:-2] + ["--client-secret-env", "OIDC_SECRET_X"])
    assert no_roles.exit_code == 2 and "map at least one" in no_roles.output
    assert runner.invoke(args=["sso", "remove", "acme"]).output.strip() == "removed"
    assert "passwords only" in runner.invoke(args=["sso", "show", "acme"]).output
    organisation = session.scalars(sa.select(Organisation)).one()
    details = [
        e.detail
        for e in session.scalars(sa.select(AuditEvent).filter_by(organisation_id=organisation.id))
    ]
    assert len(details) == 3 and not any("s3cret" in d for d in details)


def test_an_address_without_an_identity_provider_is_told_to_use_its_password(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert 'action="/login/organisation"' in page and 'action="/login"' in page
    answer = client.post(
        "/login/organisation", data={"email": "hr@acme.example", "csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert "Log in with your password below" in client.get("/login").get_data(as_text=True)


def test_purge_deletes_audit_events_past_their_retention(runner, session):
    import datetime as dt

    from survey.policy import AUDIT_RETENTION_DAYS

    now = dt.datetime.now(dt.UTC)
    for days in (AUDIT_RETENTION_DAYS + 1, AUDIT_RETENTION_DAYS - 1):
        session.add(
            AuditEvent(at=now - dt.timedelta(days=days), event="sign_in", actor=f"{days}@x.example")
        )
    session.commit()
    assert runner.invoke(args=["purge", "--dry-run"]).exit_code == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 2
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Deleted 1 audit-log events" in result.output
    session.expire_all()
    kept = session.scalars(sa.select(AuditEvent.actor)).all()
    assert kept == [f"{AUDIT_RETENTION_DAYS - 1}@x.example"]
