"""A real browser: nothing is lost on a reload, errors are seen, the layout fits (Chromium)."""

from __future__ import annotations

from ..conftest import serious_violations

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "en-GB"}  # fmt: skip
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}


def answer(page, first: int, count: int, option: int = 3) -> None:
    questions = page.locator("fieldset.question:not(.segment)")
    for i in range(first, first + count):
        questions.nth(i).locator("label.choice").nth(option).click()


def drafts(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage)"
        ".filter(k => k.startsWith('ambassador-draft:')).map(k => [k, localStorage.getItem(k)]))"
    )


def test_a_reload_loses_no_answer_and_the_draft_goes_with_the_submission(
    browser, live_server, campaign, token
):
    page = browser.new_context(**DESKTOP).new_page()  # every part on the page (phone: below)
    page.goto(f"{live_server}/s/{token}/questions")
    assert page.locator("#draft-offer").is_hidden()
    answer(page, 0, 10)
    page.locator("#comment").fill("Draft comment")
    saved = drafts(page)
    assert len(saved) == 1 and not any(token in key or token in v for key, v in saved.items())
    page.reload()
    offer = page.locator("#draft-offer")
    assert offer.is_visible() and "(11)" in offer.inner_text()  # ten answers and the comment
    assert page.locator("input[type=radio]:checked").count() == 0  # nothing filled unasked
    assert serious_violations(page) == []
    offer.get_by_role("button", name="Continue where I left off").click()
    assert page.locator("input[type=radio]:checked").count() == 10
    assert page.locator("#progress").evaluate("p => p.value") == 10
    assert page.locator("#comment").input_value() == "Draft comment"
    eleventh = page.locator("fieldset.question").nth(10).locator("input").first
    assert page.evaluate("() => document.activeElement.name") == eleventh.get_attribute("name")

    # sent with questions open: the summary takes the focus, its links show the question
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_selector("#error-summary")
    page.wait_for_load_state()  # the deferred script that moves the focus has run
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    summary_text = page.locator("#error-summary").inner_text()
    assert ".:" not in summary_text and " — " in summary_text
    assert page.locator("#draft-offer").is_hidden()  # the page came back with the answers
    link = page.locator("#error-summary a").first
    target = link.get_attribute("href")[1:]
    link.click()
    bar = page.locator(".progress-box").bounding_box()
    box = page.locator(f"[id='{target}']").bounding_box()
    assert box["y"] >= bar["y"] + bar["height"] - 1  # not under the sticky progress bar
    assert page.evaluate("() => document.activeElement.closest('fieldset').id") == target
    assert serious_violations(page) == []

    answer(page, 10, 18)
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/thanks**")
    assert drafts(page) == {}  # the thank-you page deletes the draft


def test_the_scale_fits_one_row_on_a_desktop_and_start_is_in_view_on_a_phone(
    browser, live_server, campaign, token
):
    page = browser.new_context(**DESKTOP).new_page()
    page.goto(f"{live_server}/s/{token}/questions")
    rows = page.locator("fieldset.question:not(.segment)").first.locator("label.choice")
    tops = {round(rows.nth(i).bounding_box()["y"]) for i in range(rows.count())}
    assert rows.count() == 6 and len(tops) == 1  # "don't know" beside the five points
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server}/s/{token}")
    start = phone.get_by_role("link", name="Start the survey").first.bounding_box()
    assert start["y"] + start["height"] <= 844
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling
