"""A real browser: HR closes a round only after confirming it, the closed round's page and its
links say so, and the invitation e-mail's preview fits a phone (Chromium)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from survey.models import Campaign
from survey.services.campaigns import add_organisation, create_campaign, parse_segment
from survey.services.responses import create_invitations
from survey.services.users import add_user

from ..conftest import PASSWORD, serious_violations

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def fits(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= innerWidth")


LOGIN_WORDS = {"en-GB": ("E-mail address", "Password", "Log in"),
               "nl-NL": ("E-mailadres", "Wachtwoord", "Inloggen")}  # fmt: skip


def log_in(page, live_server, locale: str = "en-GB") -> None:
    email, password, button = LOGIN_WORDS[locale]
    page.goto(f"{live_server}/login")
    page.get_by_label(email, exact=True).fill("hr@acme.example")
    page.get_by_label(password, exact=True).fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url("**/campaigns")


def test_hr_confirms_closing_and_the_closed_round_says_so(browser, live_server, session):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = create_campaign(
        session,
        organisation,
        "Spring",
        segments=(parse_segment("department=Sales,IT"),),
        open_link=True,
        status="open",
        closes_on=dt.date(2099, 2, 3),
    )
    token = create_invitations(session, campaign, 1)[0]
    add_user(session, "hr@acme.example", PASSWORD, memberships=((organisation, "hr"),))

    page = browser.new_context(locale="en-GB", viewport={"width": 1440, "height": 900}).new_page()
    log_in(page, live_server)
    page.goto(f"{live_server}/campaigns/{campaign.id}")
    expect(page.get_by_text("closes on 2099-02-03")).to_be_visible()
    page.get_by_role("button", name="Close the round").click()  # not ticked: the browser asks
    assert page.evaluate("() => document.querySelector('[name=confirm]').validity.valueMissing")
    session.expire_all()
    assert session.get(Campaign, campaign.id).status == "open"
    page.get_by_label("Yes, close this round now").check()
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("The round is closed: it takes no more answers.")).to_be_visible()
    session.expire_all()
    assert session.get(Campaign, campaign.id).status == "closed"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    expect(page.get_by_text(f"closed on {today}")).to_be_visible()
    assert page.get_by_text("closes on").count() == 0
    assert page.locator("#open-link").count() == 0 and page.locator("figure.qr").count() == 0
    assert serious_violations(page) == []

    respondent = browser.new_context(locale="en-GB", **PHONE).new_page()
    for link in (f"/s/{token}", f"/o/{campaign.open_slug}"):
        response = respondent.goto(f"{live_server}{link}")
        assert response.status == 410
        expect(respondent.get_by_role("heading", name="This survey has closed")).to_be_visible()
    assert respondent.goto(f"{live_server}/s/{token[:-2]}xx").status == 404


def test_the_invitation_preview_fits_a_phone(browser, live_server, session):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = create_campaign(
        session, organisation, "Spring", status="open", languages=("nl", "en")
    )
    add_user(session, "hr@acme.example", PASSWORD, memberships=((organisation, "hr"),))
    for locale in ("en-GB", "nl-NL"):
        page = browser.new_context(locale=locale, **PHONE).new_page()
        log_in(page, live_server, locale)
        for lang in ("en", "nl"):
            page.goto(f"{live_server}/campaigns/{campaign.id}/participants/invitation?lang={lang}")
            expect(page.locator("pre.mail")).to_be_visible()
            assert fits(page), (locale, lang)
        page.goto(f"{live_server}/campaigns/{campaign.id}")
        assert fits(page), locale
        clipped = page.eval_on_selector_all(
            ".button", "buttons => buttons.filter(b => b.scrollWidth > b.clientWidth + 1)"
            ".map(b => b.textContent.trim() || b.value)",
        )
        assert clipped == [], locale  # every button's words within it
