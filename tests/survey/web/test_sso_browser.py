"""A real browser signs in through a real OpenID provider (oidc-provider) and signs out there."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from survey.services import sso
from survey.services.campaigns import add_organisation, create_campaign

from ..conftest import serious_violations
from ..identity_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider


def test_hr_signs_in_and_out_through_the_identity_provider(
    browser, live_server, app, session, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "BASE_URL", live_server)
    provider = IdentityProvider(
        tmp_path, [f"{live_server}/login/organisation/callback"], [f"{live_server}/login"]
    )
    try:
        provider.set_accounts(
            {"anna": {"email": "anna@acme.example", "name": "Anna", "groups": ["ambassador-hr"]}}
        )
        acme = add_organisation(session, "acme", "Acme")
        create_campaign(session, acme, "Acme spring", status="open")
        globex = add_organisation(session, "globex", "Globex")
        create_campaign(session, globex, "Globex spring", status="open")
        sso._DISCOVERED.clear()
        sso.configure(
            session,
            acme,
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            domains=["acme.example"],
            role_values={"hr": ["ambassador-hr"]},
            password_login=False,
            secret_key=os.environ["SECRET_KEY"],
        )
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.goto(f"{live_server}/login?lang=en")
        assert serious_violations(page) == []
        page.get_by_label("Your work e-mail address").fill("anna@acme.example")
        page.get_by_role("button", name="Sign in with your organisation's account").click()
        page.wait_for_url(f"{provider.issuer}/**")
        page.locator("input[name=login]").fill("anna")
        page.locator("input[name=password]").fill("her password at Acme")
        page.locator("button[type=submit]").click()
        page.locator("button[type=submit]").click()  # the provider asks consent once
        page.wait_for_url(f"{live_server}/campaigns")
        expect(page.get_by_role("link", name="Acme spring", exact=True)).to_be_visible()
        assert page.get_by_text("Globex spring").count() == 0
        page.get_by_role("link", name="Security").click()
        expect(page.get_by_text("You sign in with your organisation's account")).to_be_visible()
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{provider.issuer}/**")
        page.locator("button[autofocus], button[type=submit]").first.click()  # "Yes, sign me out"
        page.wait_for_url(f"{live_server}/login**")
        assert page.goto(f"{live_server}/campaigns").url.startswith(f"{live_server}/login")
        context.close()
    finally:
        provider.stop()
