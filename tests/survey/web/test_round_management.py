"""Closing a round: confirmed first, said afterwards; a closed round's page without its links."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.models import Campaign
from survey.services.lifecycle import set_status

from ..conftest import PASSWORD
from .test_hr import HRActions


@pytest.fixture
def auth(client):
    return HRActions(client)


@pytest.fixture
def world(two_organisations):
    return two_organisations


def open_round(session, world, auth, **options) -> Campaign:
    auth.login("hr@acme.example", PASSWORD)
    auth.new_round(session, world["acme"], name="Autumn", open_link="y", **options)
    created = session.scalars(sa.select(Campaign).filter_by(name="Autumn")).one()
    set_status(session, created, "open")
    return created


def test_closing_asks_for_a_confirmation_and_says_what_happened(auth, world, session):
    created = open_round(session, world, auth)
    url = f"/campaigns/{created.id}"
    page = auth.client.get(url).get_data(as_text=True)
    assert 'name="confirm" value="yes" required' in page and "Closing is final" in page

    unconfirmed = auth.client.post(f"{url}/close", data={"csrf_token": auth.token(url)})
    assert unconfirmed.status_code == 302
    session.expire_all()
    assert session.get(Campaign, created.id).status == "open"
    said = auth.client.get(url).get_data(as_text=True)
    assert "tick the box to confirm" in said and "flash-error" in said

    confirmed = {"csrf_token": auth.token(url), "confirm": "yes"}
    response = auth.client.post(f"{url}/close", data=confirmed, follow_redirects=True)
    session.expire_all()
    assert session.get(Campaign, created.id).status == "closed"
    page = response.get_data(as_text=True)
    assert "The round is closed: it takes no more answers." in page and "flash-info" in page


def test_a_closed_rounds_page_says_closed_on_and_hides_the_open_link(auth, world, session):
    created = open_round(session, world, auth, closes_on="2099-02-03")
    url = f"/campaigns/{created.id}"
    page = auth.client.get(url).get_data(as_text=True)
    assert "closes on 2099-02-03" in page and 'id="open-link"' in page and "open-link.svg" in page
    set_status(session, created, "closed")
    page = auth.client.get(url).get_data(as_text=True)
    assert f"closed on {dt.datetime.now(dt.UTC).date().isoformat()}" in page
    assert "closes on" not in page and "2099-02-03" not in page
    assert created.open_slug not in page and "open-link" not in page and "QR" not in page
    assert "Close the round" not in page
    assert auth.client.get(f"{url}/open-link.svg").status_code == 404


def test_the_dutch_page_of_a_closed_round(auth, world, session):
    created = open_round(session, world, auth)
    set_status(session, created, "closed")
    page = auth.client.get(f"/campaigns/{created.id}?lang=nl").get_data(as_text=True)
    assert "gesloten op" in page and "sluit op" not in page
