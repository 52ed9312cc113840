"""Answers on their way while something else happens: a round closing while people send their
answers, a person sending their answers again because the confirmation never reached them, a
double click on the open link.

Runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` points there (CI does
both); the requests run at the same moment in threads, each browser with its own session."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa

from survey.models import Campaign, ClosedLink, Response, RoundAggregate
from survey.services.campaigns import add_organisation, campaign_instrument, create_campaign
from survey.services.lifecycle import set_status
from survey.services.responses import create_invitations

from ..conftest import csrf_token, full_answers

FORM_KEY = re.compile(r'name="form_key" type="hidden" value="([^"]+)"')


def opened_form(client, url: str, answers: dict) -> dict:
    """What a browser sends from the questionnaire it opened at ``url``: the answers, its CSRF
    token and whatever else the form carries."""
    page = client.get(url).get_data(as_text=True)
    data = {**answers, "csrf_token": csrf_token(page)}
    key = FORM_KEY.search(page)
    if key:
        data["form_key"] = key.group(1)
    return data


def at_once(calls) -> list:
    """Run the calls in threads released together; their results in the calls' order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[index] = exc

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


PEOPLE = 24


def test_closing_while_answers_arrive_counts_every_stored_answer(app, session):
    """Every answer is either stored and counted in what the closed round keeps, or told the
    round has closed (410) — never that an unused link was used already (409). Several closes
    raise the odds of the race the issue saw."""
    organisation = add_organisation(session, "acme", "Acme")
    for attempt in range(3):
        campaign = create_campaign(session, organisation, f"Round {attempt}", status="open")
        answers = full_answers(campaign_instrument(campaign), 4)
        tokens = create_invitations(session, campaign, PEOPLE)
        clients = [app.test_client() for _ in tokens]
        forms = [
            opened_form(client, f"/s/{token}/questions", answers)
            for client, token in zip(clients, tokens, strict=True)
        ]
        own = sa.orm.Session(session.get_bind(), expire_on_commit=False)

        def close(campaign_id=campaign.id, own=own):
            with own:
                set_status(own, own.get(Campaign, campaign_id), "closed")
            return "closed"

        posts = [
            (lambda c=c, t=t, f=f: c.post(f"/s/{t}/questions", data=f).status_code)
            for c, t, f in zip(clients, tokens, forms, strict=True)
        ]
        # the close comes while about half the answers are on their way
        results = at_once(posts[: PEOPLE // 2] + [close] + posts[PEOPLE // 2 :])
        statuses = [r for r in results if r != "closed"]
        assert "closed" in results, results
        stored = session.scalar(
            sa.select(sa.func.count()).where(Response.campaign_id == campaign.id)
        )
        assert stored == statuses.count(302)
        # what the closed round keeps counts every stored answer
        session.expire_all()
        kept = session.get(Campaign, campaign.id)
        assert (kept.invitations_total, kept.invitations_used) == (PEOPLE, stored)
        aggregate = session.scalar(
            sa.select(RoundAggregate).where(RoundAggregate.campaign_id == campaign.id)
        )
        if stored >= kept.min_group_size:
            assert {d["n"] for d in aggregate.dimensions.values()} == {stored}
        assert set(statuses) <= {302, 410}, statuses  # never 409 for an unused link
        # every link of the closed round, used or not, says it has closed
        assert (
            session.scalar(sa.select(sa.func.count()).where(ClosedLink.campaign_id == campaign.id))
            == PEOPLE
        )
        for client, token, form in zip(clients, tokens, forms, strict=True):
            assert client.get(f"/s/{token}").status_code == 410
            assert client.post(f"/s/{token}/questions", data=form).status_code == 410


def test_a_personal_link_sent_again_after_its_answers_arrived_says_so(app, session, campaign):
    """The confirmation was lost: the person sends the same form again (once, or twice at the
    same moment) and is told their answers arrived; another browser with the link is told the
    link was used."""
    answers = full_answers(campaign_instrument(campaign), 4)
    token = create_invitations(session, campaign, 1)[0]
    browser = app.test_client()
    form = opened_form(browser, f"/s/{token}/questions", answers)
    first = browser.post(f"/s/{token}/questions", data=form)
    assert first.status_code == 302
    again = browser.post(f"/s/{token}/questions", data=form, follow_redirects=True)
    assert again.status_code == 200
    assert "Your answers had already arrived" in again.get_data(as_text=True)
    assert app.test_client().get(f"/s/{token}").status_code == 409
    stranger = {**form, "form_key": "x" * 24}
    assert browser.post(f"/s/{token}/questions", data=stranger).status_code == 409
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1

    token = create_invitations(session, campaign, 1)[0]
    form = opened_form(browser, f"/s/{token}/questions", answers)
    statuses = at_once([lambda: browser.post(f"/s/{token}/questions", data=form).status_code] * 2)
    assert statuses == [302, 302]  # a double click: both end on the thank-you page
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 2


def test_a_double_submission_on_the_open_link_is_stored_once(app, session, campaign):
    answers = full_answers(campaign_instrument(campaign), 4, department="IT")
    url = f"/o/{campaign.open_slug}/questions"
    browser = app.test_client()
    form = opened_form(browser, url, answers)
    assert browser.post(url, data=form).status_code == 302
    again = browser.post(url, data=form, follow_redirects=True)
    assert "Your answers had already arrived" in again.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1

    browser = app.test_client()
    form = opened_form(browser, url, answers)
    statuses = at_once([lambda: browser.post(url, data=form).status_code] * 2)
    assert statuses == [302, 302]
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 2
    # another person's form (a new key) is another answer
    other = app.test_client()
    assert other.post(url, data=opened_form(other, url, answers)).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 3
