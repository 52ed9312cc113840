"""A real browser and a real mail server: HR uploads a list, the link arrives by e-mail, a person
answers without being asked for their department, and the reminder goes only to the others."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey.models import Response
from survey.services.campaigns import add_organisation
from survey.services.users import add_user

from ..conftest import PASSWORD, department_round, serious_violations
from ..services.test_participants import Inbox, mail_server

LIST = "email,language,department\n" + "".join(
    f"person{i}@acme.example,en,{'Sales' if i < 3 else 'IT'}\n" for i in range(6)
)


@pytest.fixture
def inbox(app):
    with mail_server(app, Inbox()) as inbox:
        yield inbox


def test_link_from_the_mail_then_a_reminder_to_the_others(
    browser, live_server, session, inbox, tmp_path, app, monkeypatch
):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = department_round(session, organisation)
    campaign.min_group_size = 3  # three in each department: both are recorded
    session.commit()
    add_user(session, "hr@acme.example", PASSWORD, memberships=((organisation, "hr"),))
    monkeypatch.setitem(app.config, "BASE_URL", live_server)  # the links in the mail
    list_file = tmp_path / "people.csv"
    list_file.write_text(LIST, encoding="utf-8")

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address", exact=True).fill("hr@acme.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/campaigns/{campaign.id}/participants")
    assert serious_violations(page) == []
    page.get_by_label("Participant list (CSV or XLSX)").set_input_files(str(list_file))
    page.get_by_role("button", name="Check the list").click()
    expect(page.get_by_text("6 participants, ready to import")).to_be_visible()
    page.get_by_role("button", name="Import these participants").click()
    expect(page.get_by_text("6 participants imported.")).to_be_visible()
    assert inbox.messages == []  # not before the works council has approved the list

    # the works council: the lists to approve, the summary, approve
    add_user(session, "council@acme.example", PASSWORD, memberships=((organisation, "privacy"),))
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address", exact=True).fill("council@acme.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Participant lists to approve")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name=campaign.name).click()
    expect(page.get_by_role("heading", name="The round's privacy settings")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Approve the list and settings").click()
    expect(page.get_by_text("Approved: HR can now send the invitations.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address", exact=True).fill("hr@acme.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/campaigns/{campaign.id}/participants")
    page.get_by_role("button", name="Send the invitations").click()
    expect(page.get_by_text("6 e-mails are on their way.")).to_be_visible()
    assert len(inbox.messages) == 6

    mail = next(m for m in inbox.messages if m["To"] == "person4@acme.example")
    link = re.search(r"http\S+/s/\S+", mail.get_content()).group(0)
    respondent = browser.new_context(locale="en-GB").new_page()
    respondent.goto(link)
    assert respondent.get_by_text("your organisation never sees your link").is_visible()
    respondent.get_by_role("link", name="Start the survey").click()
    respondent.wait_for_url("**/questions**")  # the whole page: every question is there
    expect(respondent.locator("fieldset.question")).to_have_count(28)
    assert respondent.get_by_text("In which department do you work?").count() == 0
    for group in respondent.locator("fieldset.question").all():
        group.get_by_label("Agree", exact=True).check()
    respondent.get_by_role("button", name="Send my answers").click()
    respondent.wait_for_url("**/thanks**")
    assert session.scalars(sa.select(Response)).one().segments == {"department": "IT"}

    inbox.messages.clear()
    page.reload()
    page.get_by_role("button", name="Send a reminder now").click()
    # not how many: the list minus the reminded would be how many have answered
    reminded_message = "Reminders are on their way to everyone who has not answered yet."
    expect(page.get_by_text(reminded_message)).to_be_visible()
    assert "e-mails are on their way" not in page.content()
    reminded = {m["To"] for m in inbox.messages}
    assert len(reminded) == 5 and "person4@acme.example" not in reminded
    context.close()
