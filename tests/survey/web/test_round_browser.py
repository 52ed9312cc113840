"""A real browser: HR creates a round with its segment questions in two languages, previews it
in Dutch, copies the open link and sees its QR code; a consultant ticks rounds to compare."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from survey.models import Campaign
from survey.services.campaigns import add_organisation
from survey.services.lifecycle import set_status
from survey.services.users import add_user

from ..conftest import department_round, fill_round, serious_violations

PASSWORD = "a long enough password"


def log_in(page, live_server, email):
    page.goto(f"{live_server}/login?lang=en")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_hr_creates_a_bilingual_round_previews_it_and_shares_the_open_link(
    browser, live_server, session
):
    org = add_organisation(session, "acme", "Acme")
    add_user(session, "hr@acme.example", PASSWORD, memberships=((org, "hr"),))
    context = browser.new_context(locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    log_in(page, live_server, "hr@acme.example")
    page.goto(f"{live_server}/campaigns/new")
    page.get_by_label("Name of the round").fill("Winter")
    third = page.get_by_role("group", name="Segment question 3")
    third.get_by_label("Key (letters, digits, _)").fill("location")
    third.get_by_label("Question in English").fill("Location")
    third.get_by_label("Question in Dutch").fill("Locatie")
    third.get_by_label("Options in English, one per line").fill("North\nSouth")
    third.get_by_label("The same options in Dutch, in the same order").fill("Noord\nZuid")
    page.get_by_label("Also allow answering through one open link").check()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Create the round").click()
    created = session.scalars(sa.select(Campaign).filter_by(name="Winter")).one()
    assert [s["key"] for s in created.segments] == ["department", "role_level", "location"]
    assert created.segments[2]["option_labels"]["nl"] == ["Noord", "Zuid"]

    page.goto(f"{live_server}/campaigns/{created.id}")
    page.get_by_role("link", name="Preview the survey (Nederlands)").click()
    assert page.locator("html").get_attribute("lang") == "nl"
    expect(page.get_by_role("group", name="Locatie")).to_be_visible()
    expect(page.get_by_text("Zuid", exact=True)).to_be_visible()
    assert page.get_by_role("button", name="Verstuur mijn antwoorden").is_disabled()

    page.goto(f"{live_server}/campaigns/{created.id}?lang=en")
    page.get_by_role("button", name="Copy the link").click()
    page.get_by_role("button", name="Copied").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.endswith(f"/o/{created.open_slug}")
    qr = page.get_by_role("img", name="QR code of the open link")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert serious_violations(page) == []
    context.close()


def test_a_consultant_ticks_rounds_to_compare_on_the_page(browser, live_server, session):
    org = add_organisation(session, "acme", "Acme")
    for name in ("Spring", "Autumn"):
        campaign = department_round(session, org, name)
        fill_round(session, campaign, 12, answer=lambda i, j: 1 + (i + j) % 5,
                   segment=lambda i: {"department": "Sales"})  # fmt: skip
        set_status(session, campaign, "closed")
    add_user(session, "advisor@example.org", PASSWORD, memberships=((org, "consultant"),))
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, live_server, "advisor@example.org")
    page.goto(f"{live_server}/compare")
    # opened from the menu: an explanation, not an error
    assert page.get_by_role("alert").count() == 0
    assert "Put two to six closed rounds side by side" in page.inner_text("main")
    page.get_by_label("Acme: Spring").check()
    page.get_by_role("button", name="Compare").click()
    assert "(1 chosen)" in page.get_by_role("alert").inner_text()
    page.get_by_label("Acme: Autumn").check()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state()
    assert page.locator("svg").count() >= 2  # the radar overlay and the scores with intervals
    assert serious_violations(page) == []
