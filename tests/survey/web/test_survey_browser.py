"""A real browser: an employee answers the survey by keyboard only, in Dutch, on a phone."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from survey.models import Comment, Response

from ..conftest import serious_violations

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "nl-NL",
}


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName, type: e.type || '', name: e.name || '',
                           text: (e.innerText || e.value || '').trim()}; }"""
    )


def test_keyboard_only_dutch_phone(browser, live_server, session, campaign, token):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/s/{token}")
    assert page.locator("html").get_attribute("lang") == "nl"
    expect(page.get_by_role("heading", name="Uw antwoorden zijn anoniem")).to_be_visible()
    assert serious_violations(page) == []

    for _ in range(10):  # tab to the start button and press Enter
        page.keyboard.press("Tab")
        if focused(page)["text"] == "Begin met invullen":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/questions**")
    assert page.get_by_role("heading", level=1).inner_text() == "Sociale media bij Acme"
    assert serious_violations(page) == []

    answered: set[str] = set()
    for _ in range(400):
        page.keyboard.press("Tab")
        element = focused(page)
        if element["type"] == "radio" and element["name"] not in answered:
            page.keyboard.press("Space")  # the first option …
            if element["name"].startswith("item_"):
                for _ in range(3):  # … then three to the right: "Eens" (agree)
                    page.keyboard.press("ArrowRight")
            answered.add(element["name"])
        elif element["tag"] == "BUTTON" and element["text"] == "Volgende deel":
            page.keyboard.press("Enter")  # a phone shows one part at a time
        elif element["tag"] == "TEXTAREA":
            page.keyboard.type("Meer voorbeelden van collega's graag.")
        elif element["type"] == "submit":
            break
    assert len([n for n in answered if n.startswith("item_")]) == 28
    assert page.locator("#progress").evaluate("p => p.value") == 28
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks**")
    assert page.get_by_role("heading", level=1).inner_text() == "Bedankt!"
    assert serious_violations(page) == []
    context.close()

    stored = session.scalars(sa.select(Response)).one()
    assert stored.language == "nl"
    assert stored.segments == {"department": "Sales", "role_level": "Employee"}
    assert set(stored.answers) == {3}  # "Eens" is 4 on the 1-5 scale: offset 3, for every item
    assert session.scalars(sa.select(Comment)).one().text == "Meer voorbeelden van collega's graag."


def test_error_summary_is_accessible(browser, live_server, campaign, token):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/s/{token}/questions")
    while page.get_by_role("button", name="Volgende deel").is_visible():
        page.get_by_role("button", name="Volgende deel").click()
    page.get_by_role("button", name="Verstuur mijn antwoorden").click()
    summary = page.get_by_role("alert")
    assert "28 vragen hebben nog een antwoord nodig" in summary.inner_text()
    assert serious_violations(page) == []
    context.close()
