"""The report opens with what matters and reads plainly: strengths and opportunities, where to
start before the benchmark, what the levels mean, one decimal, no repeated title, heatmaps
against the organisation's own score with n in every cell."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from reports.render import render_body
from scoring.instrument import load_instrument

from .test_figures import a_round, report


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def built(instrument):
    current = a_round(instrument, n=120, roles=["Employee"] * 80 + ["Manager"] * 40)
    rng = np.random.default_rng(9)
    current.offsets = np.clip(
        current.offsets + rng.integers(-1, 2, current.offsets.shape), 0, 4
    ).astype(np.int8)
    return report(instrument, current)


def test_it_opens_with_strengths_opportunities_and_where_to_start(built, instrument):
    html = render_body(built, list(instrument.scale.labels["en"]))
    ranked = sorted(built.dimensions, key=lambda d: -d.score)
    section = html[html.index("Strengths and opportunities") : html.index("Where to start")]
    strongest, weakest = section.split("Most room to grow")
    for d in ranked[:2]:
        assert d.name in strongest and d.name not in weakest
    for d in ranked[-2:]:
        assert d.name in weakest
    assert html.index("Overall maturity") < html.index("Strengths and opportunities")
    assert html.index("Where to start") < html.index("The principles")
    assert "What the five levels mean" in html and "(60–80)" in html


def test_scores_have_one_decimal_in_the_readers_locale(built, instrument):
    dutch = dataclasses.replace(built, lang="nl")
    html = render_body(dutch, list(instrument.scale.labels["nl"]))
    big = re.search(r'class="big-score">([^<]+)<', html).group(1)
    assert re.fullmatch(r"\d+,\d", big)
    heatmap = html[html.index('class="chart heatmap"') :]
    heatmap = heatmap[: heatmap.index("</figure>")]
    assert re.search(r">\d+,\d\b", heatmap) and "n=" in heatmap  # a decimal comma, and n
    assert not re.search(r">\d+\.\d\b", heatmap)


def test_the_title_does_not_repeat_itself(built, instrument):
    named = dataclasses.replace(built, campaign="Social media culture 2026")
    html = render_body(named, list(instrument.scale.labels["en"]))
    assert "<h1>Social media culture 2026</h1>" in html
    assert "<h1>Social media culture · Spring</h1>" in render_body(
        built, list(instrument.scale.labels["en"])
    )


def test_heatmap_colours_follow_the_difference_from_the_organisation(built):
    from reports import charts

    names = ["a", "b"]
    values = np.array([[70.0, 50.0], [30.0, 30.0]])
    ax = charts.heatmap(names, ["g1", "g2"], values, reference=[50.0, 30.0],
                        counts=[[6, 7], [8, 9]])  # fmt: skip
    cells = {p.get_gid(): p.get_facecolor() for p in ax.patches if p.get_gid()}
    # coloured by the difference from the organisation, not the raw score: 70 against 50 is
    # purple (more blue than red); a group at the organisation's own score is white
    above = cells["heatmap-cell-0-0"]
    assert above[2] > above[0]
    for key in ("heatmap-cell-0-1", "heatmap-cell-1-0", "heatmap-cell-1-1"):
        np.testing.assert_allclose(cells[key][:3], cells["heatmap-cell-1-1"][:3])
    assert min(cells["heatmap-cell-1-1"][:3]) > 0.95  # the same score: (nearly) white
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["70.0\nn=6", "50.0\nn=7", "30.0\nn=8", "30.0\nn=9"]
    assert built.breakdowns  # the report has a breakdown to draw
