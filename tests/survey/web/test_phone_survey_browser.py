"""A real browser: on a phone the questionnaire shows one part at a time, on a desktop all of
them, without JavaScript one page; a reload shows the draft's offer where the person lands."""

from __future__ import annotations

from ..conftest import serious_violations

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "en-GB"}  # fmt: skip
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "locale": "en-GB"}
PARTS = 7  # five principles, "you and social media", "about you"


def visible_parts(page) -> list[str]:
    return page.eval_on_selector_all(
        "section.part",
        "parts => parts.filter(p => p.offsetParent).map(p => p.id || p.querySelector('h2').id)",
    )


def answer_visible(page, option: int = 3) -> None:
    for question in page.locator("section.part:not([hidden]) fieldset.question").all():
        question.locator("label.choice").nth(option).click()


def test_a_phone_shows_one_part_at_a_time(browser, live_server, campaign, token):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server}/s/{token}/questions")
    assert page.locator("section.part").count() == PARTS
    send = page.get_by_role("button", name="Send my answers")
    following = page.get_by_role("button", name="Next part")
    previous = page.get_by_role("button", name="Previous part")
    assert len(visible_parts(page)) == 1
    assert send.is_hidden() and page.locator("#comment").is_hidden() and previous.is_hidden()
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= innerWidth")
    assert serious_violations(page) == []
    for number in range(1, PARTS):
        heading = page.locator("section.part:not([hidden]) h2")
        assert heading.inner_text().startswith(f"Part {number} of {PARTS}")
        assert len(visible_parts(page)) == 1
        answer_visible(page)
        following.click()
        # the next part's heading is focused and in view, below the sticky progress bar
        focused = page.evaluate("() => document.activeElement.textContent")
        assert focused.startswith(f"Part {number + 1} of {PARTS}")
        top = page.locator("section.part:not([hidden]) h2").bounding_box()["y"]
        bar = page.locator(".progress-box").bounding_box()
        assert bar["y"] + bar["height"] - 1 <= top < 844
    assert following.is_hidden() and previous.is_visible()
    assert send.is_visible() and page.locator("#comment").is_visible()
    previous.click()
    assert page.locator("section.part:not([hidden]) h2").inner_text().startswith("Part 6 of 7")
    following.click()
    send.click()
    page.wait_for_url("**/thanks**")


def test_a_desktop_and_a_browser_without_javascript_show_every_part(
    browser, live_server, campaign, token
):
    desktop = browser.new_context(**DESKTOP).new_page()
    desktop.goto(f"{live_server}/s/{token}/questions")
    assert len(visible_parts(desktop)) == PARTS
    assert (
        desktop.get_by_role("button", name="Next part").count() == 0
        or desktop.get_by_role("button", name="Next part").is_hidden()
    )
    assert desktop.get_by_role("button", name="Send my answers").is_visible()
    plain = browser.new_context(**PHONE, java_script_enabled=False).new_page()
    plain.goto(f"{live_server}/s/{token}/questions")
    assert len(visible_parts(plain)) == PARTS
    assert plain.get_by_role("button", name="Send my answers").is_visible()
    # turning a phone sideways past the breakpoint shows every part again
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(f"{live_server}/s/{token}/questions")
    assert len(visible_parts(phone)) == 1
    phone.set_viewport_size({"width": 1024, "height": 700})  # the media query reports it later
    phone.wait_for_function("() => document.querySelectorAll('section.part[hidden]').length === 0")
    assert len(visible_parts(phone)) == PARTS


def test_after_a_reload_the_draft_offer_is_where_the_person_lands(
    browser, live_server, campaign, token
):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server}/s/{token}/questions")
    for _ in range(2):
        answer_visible(page)
        page.get_by_role("button", name="Next part").click()
    page.locator("section.part:not([hidden]) fieldset.question").last.scroll_into_view_if_needed()
    page.mouse.wheel(0, 3000)
    assert page.evaluate("() => scrollY") > 400  # well down the page
    page.reload()
    page.wait_for_load_state("load")
    offer = page.locator("#draft-offer")
    assert offer.is_visible() and "(10)" in offer.inner_text()
    box = offer.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844  # in view, not above it
    assert page.evaluate("() => document.activeElement.id") == "draft-offer"
    assert serious_violations(page) == []
    offer.get_by_role("button", name="Continue where I left off").click()
    # the part of the first unanswered question is shown, and that question has the focus
    assert page.locator("section.part:not([hidden]) h2").inner_text().startswith("Part 3 of 7")
    assert page.evaluate("() => document.activeElement.closest('section.part').hidden") is False
    assert page.locator("input[type=radio]:checked").count() == 10
