"""The PDF as its reader holds it: a cover page (organisation, round, the day it closed,
responses and participation), the report, the round's action plan — and, in Dutch, no word of the
product's English, on the page or in the PDF."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader

from reports.release import Links
from reports.render import render_body, render_pdf

from .english import english_in, visible_texts
from .test_office import DUTCH_ACTIONS, full_round

PLAN = [
    {"dimension": "guidelines", "text": "Write the guidelines with employees", "owner": "HR",
     "due": "2027-03-01", "status": "in_progress"},
    {"dimension": None, "text": "Share a success story every month", "owner": None,
     "due": None, "status": "planned"},
]  # fmt: skip


@pytest.fixture(scope="module")
def instrument():
    from scoring.instrument import load_instrument

    return load_instrument()


def pages_of(release, instrument, plan, closed_on="2027-02-03"):
    labels = list(instrument.scale.labels[release.lang])
    pdf = render_pdf(release, labels, closed_on=closed_on, plan=plan)
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def invited(release, personal):
    links = Links(distributed_by="organisation", personal=personal)
    return dataclasses.replace(release, links=links)


def test_the_first_page_is_a_cover_and_the_plan_is_in_the_pdf(instrument):
    release = invited(full_round(instrument, "en"), 150)
    pages = pages_of(release, instrument, PLAN)
    cover = pages[0]
    assert "Acme" in cover and "Voorjaar 2026" in cover
    assert "3 February 2027" in cover
    assert f"{release.n_responses}" in cover
    assert f"participation {round(100 * release.n_responses / 150)}% of 150 invited" in cover
    # the cover is a page of its own: the report starts on the next one, without a page number
    assert "Overall maturity" not in cover and "Overall maturity" in pages[1]
    assert "1 / " not in cover
    rest = "\n".join(pages[1:])
    assert "Action plan" in rest
    for action in PLAN:
        assert action["text"] in rest
    assert "Clear guidelines" in rest.split("Action plan")[1]
    assert "1 Mar 2027" in rest and "in progress" in rest


def test_no_participation_rate_without_personal_links_only(instrument):
    release = full_round(instrument, "en")  # no links recorded: the rate cannot be told
    cover = pages_of(release, instrument, ())[0]
    assert "participation" not in cover and "Acme" in cover
    opened = dataclasses.replace(
        release, links=Links(distributed_by="organisation", personal=150, open_link=True)
    )
    assert opened.participation is None
    assert invited(release, release.n_responses - 1).participation is None


def test_the_web_page_has_no_cover_and_no_plan(instrument):
    release = invited(full_round(instrument, "en"), 150)
    html = render_body(release, list(instrument.scale.labels["en"]))
    assert "Action plan" not in html and 'class="cover"' not in html
    assert "Participation" in html


def test_the_dutch_pdf_and_page_are_wholly_dutch(instrument):
    release = invited(full_round(instrument, "nl"), 150)
    pages = pages_of(release, instrument, DUTCH_ACTIONS)
    assert "3 februari 2027" in pages[0] and "respons" in pages[0]
    assert "Actieplan" in "\n".join(pages)
    lines = [line for page in pages for line in page.splitlines()]
    assert english_in(lines) == set()
    html = render_body(release, list(instrument.scale.labels["nl"]))
    assert english_in(visible_texts(html)) == set()


def test_the_check_finds_english_in_a_dutch_pdf(instrument):
    """The check above fails on a Dutch PDF that mixes in the product's English."""
    release = invited(full_round(instrument, "nl"), 150)
    english_plan = [dict(DUTCH_ACTIONS[0], status="in progress")]
    pages = pages_of(release, instrument, english_plan)
    lines = [line for page in pages for line in page.splitlines()]
    assert any("'in progress'" in found for found in english_in(lines))


def test_the_check_finds_english_on_a_page(instrument):
    release = full_round(instrument, "en")
    html = render_body(release, list(instrument.scale.labels["en"]))
    found = english_in(visible_texts(html))
    assert any(f.startswith("'Overall'") for f in found)
    assert not any("class=" in f for f in found)  # the text, not the markup
