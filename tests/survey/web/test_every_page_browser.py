"""axe-core on every page a person sees, in both languages: none may have a serious or critical
violation (Chromium)."""

from __future__ import annotations

import pytest

from survey.services import actions
from survey.services.campaigns import add_organisation, create_campaign
from survey.services.lifecycle import set_status
from survey.services.responses import create_invitations

from ..conftest import add_admin, current_code, department_round, fill_round, serious_violations

PASSWORD = "a long enough password"


@pytest.fixture
def world(session):
    org = add_organisation(session, "acme", "Acme")
    rounds = []
    for name in ("Spring", "Autumn"):
        campaign = department_round(session, org, name)
        fill_round(session, campaign, 15, answer=lambda i, j: 1 + (i + j) % 5,
                   segment=lambda i: {"department": "Sales" if i % 2 else "IT"})  # fmt: skip
        set_status(session, campaign, "closed")
        rounds.append(campaign)
    live = create_campaign(session, org, "Live", status="open", open_link=True)
    token = create_invitations(session, live, 1)[0]
    first = rounds[0]
    key = actions.add_from_recommendation(session, first, _first_recommendation(first), "en")
    add_admin(session, "admin@example.org")
    return rounds, live, token, key


def _first_recommendation(campaign):
    from survey.services.campaigns import campaign_instrument

    return campaign_instrument(campaign).recommendations[0].key


def test_no_page_has_a_serious_accessibility_violation(browser, live_server, world):
    (first, second), live, token, _action = world
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    public = ["/", "/login", "/privacy", f"/s/{token}", f"/s/{token}/questions", "/thanks",
              f"/o/{live.open_slug}"]  # fmt: skip
    found = {}
    for lang in ("en", "nl"):
        for path in public:
            page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}")
            found[(lang, path)] = serious_violations(page)
    page.goto(f"{live_server}/login?lang=en")
    page.get_by_label("E-mail address", exact=True).fill("admin@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    found[("en", "/login/code")] = serious_violations(page)
    page.get_by_label("Code from your authenticator app").fill(current_code())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/campaigns")
    pages = [
        "/campaigns", "/campaigns/new", f"/campaigns/{first.id}", f"/campaigns/{live.id}",
        f"/campaigns/{first.id}/report", f"/campaigns/{first.id}/actions",
        f"/campaigns/{live.id}/participants", f"/campaigns/{live.id}/preview",
        "/portfolio", "/benchmark", "/compare", "/validate", f"/compare?campaign={first.id}",
        f"/compare?campaign={first.id}&campaign={second.id}", f"/validate?campaign={first.id}",
        "/account/security", "/login/second-factor", "/admin/sign-in", "/admin/audit",
        "/admin/organisations/acme/sign-in", "/admin/organisations/acme/lists", "/approvals",
        f"/campaigns/{live.id}/approval",
    ]  # fmt: skip
    for lang in ("en", "nl"):
        for path in pages:
            answer = page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert answer.status in (200, 400), (path, answer.status)
            found[(lang, path)] = serious_violations(page)
    assert {where: v for where, v in found.items() if v} == {}
    context.close()
