"""Signing in through the organisation's identity provider — a real one (oidc-provider on
loopback): the happy path, the role that follows the claim, every refusal, sign-out, and the role
× route matrix for accounts of the provider."""

from __future__ import annotations

import base64
import json
import os
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Campaign, IdentityProvider, Membership, User
from survey.services import sso
from survey.services.campaigns import add_organisation, create_campaign

from ..conftest import PASSWORD, AuthActions, add_admin, csrf_token
from ..identity_provider import CLIENT_ID, CLIENT_SECRET, OTHER_CLIENT_ID, OTHER_SECRET
from .test_hr import ROUTES, check_route

BASE = "http://survey.test"
CALLBACK = f"{BASE}/login/organisation/callback"
KEY = os.environ.get("SECRET_KEY", "test-secret-key")
PEOPLE = {
    "anna": {"email": "anna@acme.example", "name": "Anna", "groups": ["ambassador-hr"]},
    "carl": {"email": "carl@acme.example", "name": "Carl", "groups": ["ambassador-consultants"]},
    "nora": {"email": "nora@acme.example", "name": "Nora", "groups": ["finance"]},
    "otto": {"email": "otto@elsewhere.example", "name": "Otto", "groups": ["ambassador-hr"]},
    "adam": {"email": "admin@acme.example", "name": "Adam", "groups": ["ambassador-hr"]},
    "lena": {
        "email": "lena@acme.example",
        "name": "Lena",
        "groups": ["ambassador-managers"],
        "department_path": "IT",
    },
}


@pytest.fixture
def provider(identity_provider):
    identity_provider.set_accounts(PEOPLE)
    sso._DISCOVERED.clear()
    return identity_provider


def configure(session, organisation, issuer, **changes):
    settings = {
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "domains": ["acme.example"],
        "role_values": {
            "hr": ["ambassador-hr"],
            "consultant": ["ambassador-consultants"],
            "manager": ["ambassador-managers"],
        },
        "team_claim": "department_path",
        "secret_key": KEY,
    }
    settings.update(changes)
    return sso.configure(session, organisation, **settings)


@pytest.fixture
def acme(session, provider):
    """Acme signs in at the provider; Globex has a round Acme's people must never see."""
    organisation = add_organisation(session, "acme", "Acme")
    create_campaign(session, organisation, "Acme spring", status="open")
    globex = add_organisation(session, "globex", "Globex")
    create_campaign(session, globex, "Globex spring", status="open")
    configure(session, organisation, provider.issuer)
    return organisation


class Browser(AuthActions):
    def start(self, email: str):
        page = self.client.get("/login").get_data(as_text=True)
        return self.client.post(
            "/login/organisation", data={"email": email, "csrf_token": csrf_token(page)}
        )

    def sign_in(self, provider, account: str, email: str | None = None):
        """Type the address, sign in at the provider, come back: the callback's answer."""
        started = self.start(email or PEOPLE[account]["email"])
        back = provider.sign_in(onward(started), account, CALLBACK)
        return self.client.get(back.removeprefix(BASE)), back


def onward(response) -> str:
    """Where the page sends the browser on to (the identity provider)."""
    assert response.status_code == 200, response.status_code
    found = re.search(
        r'http-equiv="refresh" content="0;url=([^"]+)"', response.get_data(as_text=True)
    )
    assert found, response.get_data(as_text=True)
    return unescape(found.group(1))


def users(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(User))


def events(session, kind: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).filter_by(event=kind)))


def test_hr_signs_in_at_the_provider_and_sees_only_its_organisation(
    client, session, acme, provider
):
    browser = Browser(client)
    started = browser.start("Anna@Acme.example")
    location = urlsplit(onward(started))
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}" == provider.issuer
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["client_id"] == [CLIENT_ID]
    answer, _back = browser.sign_in(provider, "anna")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/campaigns")
    page = client.get("/campaigns").get_data(as_text=True)
    assert "Acme spring" in page and "Globex spring" not in page
    user = session.scalars(sa.select(User).filter_by(email="anna@acme.example")).one()
    assert user.identity_provider_id is not None and user.subject == "anna"
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(acme.id, "hr")]
    globex_round = session.scalars(sa.select(Campaign).filter_by(name="Globex spring")).one()
    assert client.get(f"/campaigns/{globex_round.id}").status_code == 404
    # no password works for such an account
    assert (
        AuthActions(client.application.test_client()).login("anna@acme.example", "!sso").status_code
        == 401
    )
    assert {e.event for e in session.scalars(sa.select(AuditEvent))} >= {
        "account_created",
        "sign_in",
    }


def test_the_role_follows_the_claim_at_every_sign_in(client, session, acme, provider):
    Browser(client).sign_in(provider, "anna")
    provider.set_accounts(
        {**PEOPLE, "anna": {**PEOPLE["anna"], "groups": ["ambassador-consultants"]}}
    )
    again = client.application.test_client()
    answer, _ = Browser(again).sign_in(provider, "anna")
    assert answer.status_code == 302
    session.expire_all()
    role = session.scalar(
        sa.select(Membership.role).join(User).filter(User.email == "anna@acme.example")
    )
    assert role == "consultant"
    assert any("hr → consultant" in e.detail for e in events(session, "role_changed"))
    assert users(session) == 1  # the same account, found by the provider's subject


@pytest.mark.parametrize(
    ("account", "email", "words"),
    [
        ("otto", "otto@acme.example", "not in a domain"),  # typed an Acme address, is not one
        ("nora", None, "no role in Ambassador Scan"),
    ],
)
def test_refused_people_get_a_clear_page_and_no_account(
    client, session, acme, provider, account, email, words
):
    answer, _ = Browser(client).sign_in(provider, account, email)
    assert answer.status_code == 403 and words in answer.get_data(as_text=True)
    assert users(session) == 0
    assert client.get("/campaigns").status_code == 302  # not signed in
    assert events(session, "sign_in_failed")


def test_an_admin_cannot_sign_in_through_the_provider(client, session, acme, provider):
    add_admin(session, "admin@acme.example")
    answer, _ = Browser(client).sign_in(provider, "adam")
    assert answer.status_code == 403 and "second factor" in answer.get_data(as_text=True)
    assert (
        session.scalar(sa.select(User.identity_provider_id).filter_by(email="admin@acme.example"))
        is None
    )


def test_the_client_secret_comes_only_from_an_oidc_secret_variable(
    client, session, acme, provider, monkeypatch
):
    """A secret named by an OIDC_SECRET_… variable signs in; a name without the prefix stored
    before names had to have it — ACME_LEGACY here, SECRET_KEY or DATABASE_URL elsewhere — is
    refused when the sign-in would send it, and the provider never receives it."""
    monkeypatch.setenv("OIDC_SECRET_ACME", CLIENT_SECRET)
    monkeypatch.setenv("ACME_LEGACY", CLIENT_SECRET)
    configure(
        session, acme, provider.issuer, client_secret=None, client_secret_env="OIDC_SECRET_ACME"
    )
    answer, _ = Browser(client).sign_in(provider, "anna")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/campaigns")
    stored = session.scalars(sa.select(IdentityProvider)).one()
    stored.client_secret_env = "ACME_LEGACY"  # as an older version let an admin set it
    session.commit()
    assert "refused at sign-in" in sso.describe(stored)  # what `ambassador sso show` prints
    other = client.application.test_client()
    refused = Browser(other).start("carl@acme.example")  # before the browser leaves for it
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "not set up correctly" in page
    assert other.get("/campaigns").status_code == 302  # not signed in
    assert "OIDC_SECRET_" in events(session, "sign_in_failed")[-1].detail
    for name in ("SECRET_KEY", "DATABASE_URL", "ACME_LEGACY"):
        stored.client_secret_env = name
        with pytest.raises(sso.SignInRefused) as caught:
            sso.client_secret(stored, KEY)
        assert caught.value.reason == "configuration" and name in caught.value.detail


def test_a_replayed_or_forged_answer_is_refused(client, session, acme, provider):
    browser = Browser(client)
    answer, back = browser.sign_in(provider, "anna")
    assert answer.status_code == 302
    client.post("/logout", data={"csrf_token": browser.token("/campaigns")})
    replayed = client.get(back.removeprefix(BASE))  # the same answer once more
    assert replayed.status_code == 403 and "used already" in replayed.get_data(as_text=True)
    other = client.application.test_client()
    stolen = other.get(back.removeprefix(BASE))  # in a browser that never started a sign-in
    assert stolen.status_code == 403
    # a started sign-in answered with another state
    fresh = client.application.test_client()
    started = Browser(fresh).start("anna@acme.example")
    back = provider.sign_in(onward(started), "anna", CALLBACK)
    forged = back.replace("state=", "state=x", 1)
    assert fresh.get(forged.removeprefix(BASE)).status_code == 403
    assert users(session) == 1  # Anna, from the one real sign-in


def test_a_provider_that_does_not_answer_gets_a_friendly_page(client, session, provider):
    from ..identity_provider import free_port

    organisation = add_organisation(session, "acme", "Acme")
    configure(session, organisation, f"http://127.0.0.1:{free_port()}")
    started = Browser(client).start("anna@acme.example")
    assert started.status_code == 503
    assert "could not be reached" in started.get_data(as_text=True)
    assert users(session) == 0


def test_a_provider_that_names_another_issuer_is_refused(client, session, provider):
    organisation = add_organisation(session, "acme", "Acme")
    configure(session, organisation, provider.issuer + "/")  # its document says without "/"
    started = Browser(client).start("anna@acme.example")
    assert started.status_code == 403 and "did not come from" in started.get_data(as_text=True)


def real_tokens(session, provider, organisation, client_id=CLIENT_ID, secret=CLIENT_SECRET):
    """A real ID token of the provider (for Anna) and what the sign-in kept, signed in through
    the provider's pages."""
    from survey.models import IdentityProvider

    record = session.scalar(sa.select(IdentityProvider).filter_by(organisation_id=organisation.id))
    record.client_id = client_id
    record.client_secret_sealed = sso.seal(KEY, sso.PURPOSE, secret)
    session.commit()
    url, pending = sso.begin(record, CALLBACK, KEY)
    back = provider.sign_in(url, "anna", CALLBACK)
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    metadata = sso.discover(provider.issuer)
    token = sso._client(record, CALLBACK, KEY).fetch_token(
        metadata.token_endpoint,
        grant_type="authorization_code",
        code=answer["code"],
        code_verifier=pending["verifier"],
    )
    return token["id_token"], pending, metadata


def test_id_tokens_are_checked(session, acme, provider):
    """A real token passes; the same token is refused as expired an hour later, with a tampered
    signature, for another issuer or another nonce, without a signature, and a real token of
    another application is refused for its audience."""
    id_token, pending, metadata = real_tokens(session, provider, acme)
    check = {
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "nonce": pending["nonce"],
        "jwks": metadata.jwks,
    }
    claims = sso.verify_id_token(id_token, **check)
    assert claims["email"] == "anna@acme.example" and claims["aud"] == CLIENT_ID

    def refused(token=id_token, **changes):
        with pytest.raises(sso.SignInRefused) as caught:
            sso.verify_id_token(token, **{**check, **changes})
        return caught.value.reason

    assert refused(now=claims["exp"] + 3600) == "expired"
    assert refused(issuer="https://login.example") == "issuer"
    assert refused(nonce="a nonce of another sign-in") == "nonce"
    header, payload, signature = id_token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert refused(f"{header}.{payload}.{flipped}") == "signature"
    forged_payload = (
        base64.urlsafe_b64encode(json.dumps({**claims, "email": "ceo@acme.example"}).encode())
        .rstrip(b"=")
        .decode()
    )
    assert refused(f"{header}.{forged_payload}.{signature}") == "signature"
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    assert refused(f"{unsigned}.{payload}.") == "token"
    foreign, foreign_pending, _ = real_tokens(
        session, provider, acme, OTHER_CLIENT_ID, OTHER_SECRET
    )
    assert refused(foreign, nonce=foreign_pending["nonce"]) == "audience"
    assert users(session) == 0  # checking creates nothing


def test_a_replayed_nonce_is_refused_in_the_flow(session, acme, provider):
    """A real answer of the provider, finished with what another sign-in kept (its nonce)."""
    from survey.models import IdentityProvider

    record = session.scalar(sa.select(IdentityProvider).filter_by(organisation_id=acme.id))
    url, pending = sso.begin(record, CALLBACK, KEY)
    _other_url, other = sso.begin(record, CALLBACK, KEY)
    back = provider.sign_in(url, "anna", CALLBACK)
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    with pytest.raises(sso.SignInRefused) as caught:
        sso.finish(session, record, {**pending, "nonce": other["nonce"]}, answer, KEY)
    assert caught.value.reason == "nonce"
    assert users(session) == 0


def test_password_login_can_be_turned_off_and_sign_out_ends_at_the_provider(
    client, session, acme, provider
):
    configure(session, acme, provider.issuer, password_login=False)
    from survey.services.users import add_user

    add_user(session, "anna@acme.example", PASSWORD)  # an account from before
    tried = AuthActions(client).login("anna@acme.example")
    assert onward(tried).startswith(provider.issuer)
    answer, _ = Browser(client.application.test_client()).sign_in(provider, "anna")
    assert answer.status_code == 302
    user = session.scalars(sa.select(User).filter_by(email="anna@acme.example")).one()
    session.refresh(user)
    assert user.subject == "anna" and users(session) == 1  # the old account, now the provider's
    browser = Browser(client)
    browser.sign_in(provider, "anna")
    out = client.post("/logout", data={"csrf_token": browser.token("/campaigns")})
    ended = urlsplit(onward(out))
    assert f"{ended.scheme}://{ended.netloc}{ended.path}" == f"{provider.issuer}/session/end"
    assert parse_qs(ended.query)["post_logout_redirect_uri"] == [f"{BASE}/login"]
    assert client.get("/campaigns").status_code == 302


@pytest.fixture
def sso_world(two_organisations, session, provider):
    """The role matrix's world, with Acme signing in at the provider."""
    from survey.models import Organisation

    configure(
        session,
        session.scalars(sa.select(Organisation).filter_by(slug="acme")).one(),
        provider.issuer,
    )
    return two_organisations


@pytest.mark.parametrize(
    ("role", "account"), [("hr", "anna"), ("consultant", "carl"), ("manager", "lena")]
)
@pytest.mark.parametrize(("method", "route", "permission"), ROUTES)
def test_role_matrix_for_accounts_of_the_provider(
    client, sso_world, provider, role, account, method, route, permission
):
    answer, _ = Browser(client).sign_in(provider, account)
    assert answer.status_code == 302
    check_route(Browser(client), sso_world, role, method, route, permission)


def test_a_code_is_exchanged_once(session, acme, provider):
    """The provider refuses a code used twice (invalid_grant); the sign-in says so."""
    from survey.models import IdentityProvider

    record = session.scalar(sa.select(IdentityProvider).filter_by(organisation_id=acme.id))
    url, pending = sso.begin(record, CALLBACK, KEY)
    back = provider.sign_in(url, "anna", CALLBACK)
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    assert sso.finish(session, record, pending, answer, KEY).email == "anna@acme.example"
    with pytest.raises(sso.SignInRefused) as caught:
        sso.finish(session, record, pending, answer, KEY)
    assert caught.value.reason == "provider" and "invalid_grant" in caught.value.detail
