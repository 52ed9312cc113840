"""A real browser: HR's report folds the organisation's tree to its top level and opens it
level by level; the PDF, which has no script, holds every team."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from survey import jobs
from survey.models import Campaign
from survey.services.lifecycle import set_status

from ..conftest import PASSWORD, import_approved
from .test_managers import vary
from .test_participation_attacks import links
from .test_teams import team_round

# every team large enough, and every difference too, for the audit to show the whole tree
TEAMS = (["Care"] * 6 + ["Care/Ward 3"] * 6 + ["Care/Ward 3/Nights"] * 6 + ["Care/Ward 5"] * 6
         + ["Shop"] * 6)  # fmt: skip


def test_hr_opens_the_tree_level_by_level(browser, live_server, client, session, app, outbox):
    campaign, checked = team_round(session, app, outbox, slug="fold", teams=TEAMS)
    import_approved(session, campaign, checked)
    with app.app_context():
        from survey.extensions import db

        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    for i, token in links(outbox, "fold").items():
        vary(session, token, i)
    set_status(session, campaign, "closed")

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address", exact=True).fill("hr@fold.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/campaigns/{campaign.id}/report?lang=en")
    table = page.locator("table.tree")
    expect(table).to_be_visible()
    shown = table.locator("tr[data-node]")
    assert shown.count() == 5  # the audit shows every team of this tree

    def visible():
        return [row.get_attribute("data-node") for row in shown.all() if row.is_visible()]

    assert visible() == ["Care", "Shop"]  # folded to the top level
    care = page.get_by_role("button", name="Show or hide the teams under: Care", exact=True)
    assert care.get_attribute("aria-expanded") == "false"
    care.click()
    assert visible() == ["Care", "Care/Ward 3", "Care/Ward 5", "Shop"]  # one level opened
    page.get_by_role("button", name="Show or hide the teams under: Ward 3").click()
    assert visible() == ["Care", "Care/Ward 3", "Care/Ward 3/Nights", "Care/Ward 5", "Shop"]
    care.click()  # closing a team closes everything under it
    assert visible() == ["Care", "Shop"]
    care.click()
    assert visible() == ["Care", "Care/Ward 3", "Care/Ward 5", "Shop"]  # Ward 3 stays closed
    page.get_by_role("button", name="Open every team").click()
    assert len(visible()) == 5
    page.get_by_role("button", name="Show the top level only").click()
    assert visible() == ["Care", "Shop"]

    # the PDF has no script: every team is there, none folded away
    pdf = page.request.get(f"{live_server}/campaigns/{campaign.id}/report.pdf?lang=en")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert all(name in text for name in ("Ward 3", "Nights", "Ward 5"))
    assert "Open every team" not in text
    context.close()
