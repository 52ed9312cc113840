"""The anonymous survey over HTTP: the happy path, languages, and every bad input."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from survey.extensions import limiter
from survey.models import ClosedLink, Comment, Invitation, Response
from survey.services.campaigns import campaign_instrument
from survey.services.lifecycle import set_status
from survey.services.responses import answer_matrix, create_invitations, hash_token

from ..conftest import csrf_token, full_answers


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def redeemed(session, token) -> bool:
    return session.scalar(sa.select(Invitation.redeemed).filter_by(token_hash=hash_token(token)))


def test_welcome_page_explains_privacy(client, campaign, token):
    response = client.get(f"/s/{token}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your answers are anonymous" in html
    assert "at least 5 people" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert f"/s/{token}/questions" in html


def test_complete_submission_is_stored_anonymously(session, survey, campaign, token):
    instrument = campaign_instrument(campaign)
    data = full_answers(instrument, 4, department="IT", role_level="-")
    data["item_G2"] = "dk"
    data["item_G4"] = "1"
    data["comment"] = "  More training, please.  "
    response = survey.post(f"/s/{token}/questions?lang=nl", data)
    assert response.status_code == 302 and "/thanks" in response.headers["Location"]
    assert redeemed(session, token)
    stored = session.scalars(sa.select(Response)).one()
    assert stored.language == "nl"
    assert stored.segments == {"department": "IT"}  # "prefer not to say" is not stored
    assert stored.submitted_on == dt.datetime.now(dt.UTC).date()
    offsets = answer_matrix(session, campaign)
    expected = np.full(len(instrument.item_keys), 3, dtype=np.int8)
    expected[instrument.item_keys.index("G2")] = -1
    expected[instrument.item_keys.index("G4")] = 0
    assert offsets.tolist() == [expected.tolist()]
    comment = session.scalars(sa.select(Comment)).one()
    assert comment.text == "More training, please." and comment.id != stored.id


def test_thank_you_page(client):
    response = client.get("/thanks?lang=nl")
    assert response.status_code == 200 and "Bedankt!" in response.get_data(as_text=True)


def test_used_token_is_refused_with_409(session, client, campaign, token):
    """A second tab that loaded the form before the first one sent it gets 409, not a 2nd row."""
    page = client.get(f"/s/{token}/questions").get_data(as_text=True)
    data = full_answers(campaign_instrument(campaign))
    data["csrf_token"] = csrf_token(page)
    assert client.post(f"/s/{token}/questions", data=data).status_code == 302
    assert client.get(f"/s/{token}").status_code == 409
    second = client.post(f"/s/{token}/questions", data=data)
    assert second.status_code == 409
    assert count(session, Response) == 1


def test_round_contact_on_welcome_thank_you_and_used_link_pages(session, client, campaign, token):
    """Whom to ask follows the respondent from the welcome page to the thank-you page, and is on
    the page a used link shows; a round without one tells them to ask whoever sent the link."""
    contact = "Anna de Vries, HR (anna@example.org)"
    campaign.contact = contact
    session.commit()
    assert contact in client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    page = client.get(f"/s/{token}/questions?lang=nl").get_data(as_text=True)
    data = full_answers(campaign_instrument(campaign), csrf_token=csrf_token(page))
    sent = client.post(f"/s/{token}/questions?lang=nl", data=data)
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Bedankt!" in thanks
    assert f"Vragen over deze enquête? Neem contact op met {contact}." in thanks
    used = client.get(f"/s/{token}?lang=en")
    assert used.status_code == 409 and contact in used.get_data(as_text=True)
    again = client.post(f"/s/{token}/questions?lang=en", data=data)
    assert again.status_code == 409 and contact in again.get_data(as_text=True)
    # a round mark that was not signed here names nobody
    forged = client.get("/thanks?lang=en&round=1").get_data(as_text=True)
    assert contact not in forged and "whoever sent you the invitation" in forged


def test_unknown_token_is_404(client, campaign):
    response = client.get("/s/not-a-real-token")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("status", "closes_on", "expected"),
    [("closed", None, 410), ("draft", None, 404), ("open", dt.date(2020, 1, 1), 410)],
)
def test_campaign_not_taking_answers(session, client, campaign, token, status, closes_on, expected):
    page = client.get(f"/s/{token}/questions").get_data(as_text=True)  # loaded while still open
    campaign.status, campaign.closes_on = status, closes_on
    session.commit()
    assert client.get(f"/s/{token}").status_code == expected
    data = full_answers(campaign_instrument(campaign), csrf_token=csrf_token(page))
    assert client.post(f"/s/{token}/questions", data=data).status_code == expected
    assert count(session, Response) == 0 and not redeemed(session, token)


def test_answers_sent_after_the_round_closed_under_the_form_get_410(
    session, client, campaign, token
):
    """Closing deletes the links (their fingerprints stay apart); a form opened before still
    learns the round has closed."""
    page = client.get(f"/s/{token}/questions").get_data(as_text=True)
    set_status(session, campaign, "closed")
    assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    data = full_answers(campaign_instrument(campaign), csrf_token=csrf_token(page))
    data["round"] = re.search(r'name="round" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/s/{token}/questions", data=data)
    assert response.status_code == 410 and "closed" in response.get_data(as_text=True)
    forged = dict(data, round="1.forged")
    assert client.post(f"/s/{token}/questions", data=forged).status_code == 410
    assert count(session, Response) == 0


def test_a_personal_link_of_a_closed_round_says_the_survey_has_closed(
    session, client, campaign, token
):
    """After closing, a personal link gets the page the open link gets (410); a link that never
    existed, or one off by a character, still gets "not found", and nothing of whether the link
    was used or whose it was is kept."""
    other = create_invitations(session, campaign, 1)[0]
    set_status(session, campaign, "closed")
    for link in (f"/s/{token}", f"/s/{token}/questions", f"/s/{other}?lang=nl"):
        response = client.get(link, headers={"Accept-Language": "en"})
        assert response.status_code == 410, link
    english = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    assert "This survey has closed" in english and "not valid" not in english
    open_link = client.get(f"/o/{campaign.open_slug}", headers={"Accept-Language": "en"})
    assert open_link.status_code == 410 and "This survey has closed" in open_link.get_data(
        as_text=True
    )
    for garbage in ("not-a-real-token", token[:-1] + ("A" if token[-1] != "A" else "B")):
        response = client.get(f"/s/{garbage}", headers={"Accept-Language": "en"})
        assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    kept = session.execute(sa.select(ClosedLink.token_hash, ClosedLink.campaign_id)).all()
    assert sorted(kept) == sorted(
        [(hash_token(token), campaign.id), (hash_token(other), campaign.id)]
    )
    assert count(session, Invitation) == 0


def test_welcome_and_thank_you_pages_say_when_the_round_closes(session, client, campaign, token):
    campaign.closes_on = dt.date(2030, 3, 14)
    session.commit()
    welcome = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    assert "You can answer until and including 14 March 2030" in welcome
    assert "only then does your organisation see the results" in welcome
    assert "tot en met 14 maart 2030" in client.get(f"/s/{token}?lang=nl").get_data(as_text=True)
    page = client.get(f"/s/{token}/questions?lang=en").get_data(as_text=True)
    data = full_answers(campaign_instrument(campaign), csrf_token=csrf_token(page))
    sent = client.post(f"/s/{token}/questions?lang=en", data=data)
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "The survey closes after 14 March 2030. Only then does your organisation" in thanks
    campaign.closes_on = None
    session.commit()
    undated = client.get(f"/o/{campaign.open_slug}?lang=en").get_data(as_text=True)
    assert "The survey stays open until your organisation closes it." in undated


TAMPERED = [
    {"item_NOPE": "3"},
    {"item_G1": "9"},
    {"item_G1": "0"},
    {"item_G1": "3.5"},
    {"segment_department": "Marketing"},
    {"segment_tenure": "1-5 years"},
    {"is_admin": "1"},
]


@pytest.mark.parametrize("tampering", TAMPERED)
def test_tampered_post_is_400_and_stores_nothing(session, survey, campaign, token, tampering):
    data = full_answers(campaign_instrument(campaign), 3)
    data.update(tampering)
    response = survey.post(f"/s/{token}/questions", data)
    assert response.status_code == 400
    assert "Nothing has been stored" in response.get_data(as_text=True)
    assert (
        count(session, Response) == 0
        and count(session, Comment) == 0
        and not redeemed(session, token)
    )


def test_repeated_field_is_400(session, client, survey, campaign, token):
    page = client.get(f"/s/{token}/questions").get_data(as_text=True)
    data = [(k, v) for k, v in full_answers(campaign_instrument(campaign)).items()]
    data += [("item_G1", "2"), ("csrf_token", csrf_token(page))]
    response = client.post(f"/s/{token}/questions", data=MultiDict(data))
    assert response.status_code == 400 and count(session, Response) == 0


@pytest.mark.parametrize("csrf", [None, "forged-token"])
def test_missing_or_wrong_csrf_is_400(session, client, campaign, token, csrf):
    client.get(f"/s/{token}/questions")
    data = full_answers(campaign_instrument(campaign))
    if csrf:
        data["csrf_token"] = csrf
    response = client.post(f"/s/{token}/questions", data=data)
    assert response.status_code == 400
    assert count(session, Response) == 0 and not redeemed(session, token)


def test_unanswered_items_get_an_error_summary(session, survey, campaign, token):
    data = full_answers(campaign_instrument(campaign))
    del data["item_L3"], data["item_O2"]
    response = survey.post(f"/s/{token}/questions", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "2 questions still need an answer" in html
    assert 'href="#item_L3"' in html and 'href="#item_O2"' in html
    assert "checked" in html  # the given answers are kept
    assert count(session, Response) == 0 and not redeemed(session, token)


def test_comment_over_2000_characters_gets_a_message(session, survey, campaign, token):
    data = full_answers(campaign_instrument(campaign))
    data["comment"] = "x" * 2001
    response = survey.post(f"/s/{token}/questions?lang=en", data)
    assert response.status_code == 422
    assert "under 2000 characters" in response.get_data(as_text=True)
    assert count(session, Response) == 0 and not redeemed(session, token)


def test_language_follows_browser_then_choice(client, campaign, token):
    dutch = client.get(f"/s/{token}/questions", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    html = dutch.get_data(as_text=True)
    assert '<html lang="nl">' in html and "Weet ik niet" in html
    assert "Mijn organisatie heeft duidelijke richtlijnen" in html
    english = client.get(f"/s/{token}/questions?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Don&#39;t know" in english
    again = client.get(f"/s/{token}/questions", headers={"Accept-Language": "nl"})
    assert '<html lang="en">' in again.get_data(as_text=True)  # the choice sticks


def test_open_link_takes_several_answers(session, survey, client, campaign):
    data = full_answers(campaign_instrument(campaign), 2)
    url = f"/o/{campaign.open_slug}/questions"
    assert client.get(f"/o/{campaign.open_slug}").status_code == 200
    for _ in range(3):
        assert survey.post(url, data).status_code == 302
    assert count(session, Response) == 3


@pytest.fixture
def limits(app):
    """Set the open link's limits for a test, and restore them."""
    saved = {k: app.config[k] for k in ("OPEN_LINK_START_LIMIT", "OPEN_LINK_SUBMIT_LIMIT")}

    def set_limits(start: str, submit: str):
        app.config.update(OPEN_LINK_START_LIMIT=start, OPEN_LINK_SUBMIT_LIMIT=submit)
        limiter.reset()

    yield set_limits
    app.config.update(saved)
    limiter.reset()


def test_open_link_limits_never_refuse_answers_already_given(session, app, campaign, limits):
    """Behind one NAT address: the limit applies when a browser starts the survey, so whoever
    was shown the questions can always send them, however many colleagues came after."""
    limits("2 per hour", "3 per hour")
    data = full_answers(campaign_instrument(campaign), 2)
    url = f"/o/{campaign.open_slug}/questions"
    browsers = [app.test_client() for _ in range(3)]
    shown = [browser.get(url) for browser in browsers]  # three colleagues, one address
    assert [page.status_code for page in shown] == [200, 200, 429]
    assert "Please wait a while" in shown[2].get_data(as_text=True)  # before any work
    assert browsers[0].get(url).status_code == 200  # a reload is not a new start
    for browser, page in zip(browsers[:2], shown[:2], strict=True):
        answers = dict(data, csrf_token=csrf_token(page.get_data(as_text=True)))
        assert browser.post(url, data=answers).status_code == 302  # start limit reached: sent
    assert count(session, Response) == 2


def test_one_browser_sending_again_and_again_is_stopped(session, app, campaign, limits):
    limits("1000 per hour", "3 per hour")
    data = full_answers(campaign_instrument(campaign), 2)
    url = f"/o/{campaign.open_slug}/questions"
    browser = app.test_client()
    answers = dict(data, csrf_token=csrf_token(browser.get(url).get_data(as_text=True)))
    statuses = [browser.post(url, data=answers).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert count(session, Response) == 3


def test_campaign_without_open_link_has_none(session, client, campaign):
    slug = campaign.open_slug
    campaign.open_slug = None
    session.commit()
    assert client.get(f"/o/{slug}").status_code == 404


def test_static_files_are_served_by_the_app(client):
    with client.get("/static/css/app.css") as css:
        assert css.status_code == 200 and b"--accent" in css.data
    with client.get("/static/js/progress.js") as script:
        assert script.status_code == 200 and b"progress" in script.data
