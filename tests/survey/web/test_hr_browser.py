"""A real browser: HR logs in, reads the report, switches to Dutch and downloads the PDF."""

from __future__ import annotations

from playwright.sync_api import expect
from pypdf import PdfReader

from survey.services.campaigns import add_organisation
from survey.services.lifecycle import set_status
from survey.services.users import add_user

from ..conftest import department_round, fill_round, serious_violations


def test_hr_reads_the_report_and_downloads_the_pdf(browser, live_server, session, tmp_path):
    org = add_organisation(session, "acme", "Acme")
    campaign = department_round(session, org, "Spring round")
    fill_round(
        session,
        campaign,
        15,
        answer=lambda i, j: 1 + (i + j) % 5,
        segment=lambda i: {"department": "Sales" if i % 2 else "IT"},
    )
    set_status(session, campaign, "closed")
    add_user(session, "hr@acme.example", "a long enough password", memberships=((org, "hr"),))

    context = browser.new_context(locale="en-GB", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    assert serious_violations(page) == []
    page.get_by_label("E-mail address", exact=True).fill("hr@acme.example")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Spring round", exact=True).click()
    page.get_by_role("link", name="Read the report").click()
    expect(page.get_by_role("heading", name="Where to start")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("link", name="Nederlands").click()
    expect(page.get_by_role("heading", name="Waar u kunt beginnen")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "nl"
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF downloaden").click()
    target = tmp_path / "report.pdf"
    download.value.save_as(target)
    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert "Waar u kunt beginnen" in text and "Acme" in text.title()
    # the heading "Where to start" is never the last line of a page: it stays with its list
    for number, pdf_page in enumerate(PdfReader(target).pages):
        lines = [line for line in pdf_page.extract_text().splitlines() if line.strip()]
        headings = ("Waar u kunt beginnen", "Vergeleken met de benchmark")
        assert lines[-1].strip() not in headings, number
    context.close()

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="nl-NL"
    )
    small = phone.new_page()
    small.goto(f"{live_server}/login")
    assert small.evaluate("() => document.documentElement.scrollWidth") <= 390  # both ways fit
    small.get_by_label("E-mailadres", exact=True).fill("hr@acme.example")
    small.get_by_label("Wachtwoord", exact=True).fill("a long enough password")
    small.get_by_role("button", name="Inloggen", exact=True).click()
    small.goto(f"{live_server}/campaigns/{campaign.id}/report")
    expect(small.get_by_role("heading", name="Sterke punten en kansen")).to_be_visible()
    assert small.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways
    assert serious_violations(small) == []
    phone.close()
