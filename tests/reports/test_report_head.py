"""The report's head as its reader sees it first: a title that names the round once, in either
language, and a sentence on how the links reached people that never reads like a glitch."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from reports.model import RoundData, Thresholds, build_report
from reports.release import Links
from reports.render import render_body
from scoring.instrument import load_instrument
from survey import policy

THRESHOLDS = Thresholds(
    policy.COMMENT_MIN_GROUP_SIZE, policy.POOL_MIN_ORGANISATIONS, policy.SIGNIFICANCE_LEVEL
)


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def head(instrument, name="Spring 2025", lang="en", links=None) -> str:
    """The rendered head (title and the sentences under it) of an open round's report."""
    offsets = np.zeros((3, len(instrument.item_keys)), dtype=np.int8)
    current = RoundData(name, offsets, [{}] * 3, [], 5, False, [])
    built = build_report(
        instrument, current, organisation="Acme", lang=lang, thresholds=THRESHOLDS
    )
    built = dataclasses.replace(built, links=links)
    html = render_body(built, list(instrument.scale.labels[lang]))
    return re.sub(r"\s+", " ", html[html.index("<header") : html.index("</header>")])


def title(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html).group(1)


@pytest.mark.parametrize(
    ("name", "lang", "expected"),
    [
        ("Social media culture 2025", "en", "Social media culture 2025"),
        ("Social media culture 2025", "nl", "Social media culture 2025"),
        ("Socialemediacultuur 2025", "nl", "Socialemediacultuur 2025"),
        ("Sociale-mediacultuur voorjaar", "en", "Sociale-mediacultuur voorjaar"),
        ("Spring 2025", "en", "Social media culture · Spring 2025"),
        ("Spring 2025", "nl", "Socialemediacultuur · Spring 2025"),
    ],
)
def test_the_title_names_the_topic_once_and_keeps_the_rounds_own_name(
    instrument, name, lang, expected
):
    assert title(head(instrument, name, lang)) == expected


def test_no_sentence_about_personal_links_when_there_were_none(instrument):
    html = head(instrument, links=Links(distributed_by="organisation", personal=0))
    assert "personal link" not in html and " 0 " not in html
    with_open_link = head(
        instrument, links=Links(distributed_by="organisation", personal=0, open_link=True)
    )
    assert "The round had an open link that anyone with it could use, and no personal links." in (
        with_open_link
    )
    assert "distributed" not in with_open_link and "also" not in with_open_link


@pytest.mark.parametrize(
    ("personal", "after", "sentence"),
    [
        (1, 0, "Your organisation distributed 1 personal link itself, before the round opened."),
        (1, 1, "Your organisation distributed 1 personal link itself, created after the round"),
        (12, 0, "Your organisation distributed the 12 personal links itself, none after the round"),
        (12, 3, "Your organisation distributed the 12 personal links itself, 3 of them created"),
    ],
)
def test_the_links_sentence_reads_well_for_one_and_many_links(
    instrument, personal, after, sentence
):
    html = head(
        instrument,
        links=Links(distributed_by="organisation", personal=personal, after_open=after),
    )
    assert sentence in html and "0 of them" not in html


def test_the_e_mailed_links_sentence_says_none_rather_than_zero(instrument):
    html = head(instrument, links=Links(distributed_by="system", personal=40, after_open=0))
    assert "e-mailed the links to 40 participants, none of them added after" in html
    assert "0 of them" not in html


def test_the_dutch_links_sentence_has_no_zero_either(instrument):
    html = head(
        instrument, lang="nl", links=Links(distributed_by="organisation", personal=12)
    )
    assert "12 persoonlijke" in html and "0 daarvan" not in html and " 0 " not in html
