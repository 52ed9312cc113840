"""The report model and its renderings: figures equal scoring, small groups never appear."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from pypdf import PdfReader

from reports.exports import report_csv
from reports.model import RoundData, Thresholds, build_report
from reports.render import render_body, render_pdf
from scoring.instrument import load_instrument
from scoring.scores import release_points, score_answers
from survey import policy

DEPARTMENTS = {"Sales": 30, "IT": 14, "Finance": 9, "Legal": 4}  # Legal (4) is below k = 5

THRESHOLDS = Thresholds(
    policy.COMMENT_MIN_GROUP_SIZE, policy.POOL_MIN_ORGANISATIONS, policy.SIGNIFICANCE_LEVEL
)


def report_of(instrument, current, **options):
    """The report as the app builds it, with the app's policy numbers."""
    return build_report(instrument, current, thresholds=THRESHOLDS, **options)


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def make_round(instrument, sizes=DEPARTMENTS, seed=1, name="Round 2", comments=(), closed=True):
    rng = np.random.default_rng(seed)
    n = sum(sizes.values())
    offsets = rng.integers(0, 5, size=(n, len(instrument.item_keys))).astype(np.int8)
    offsets[rng.random(offsets.shape) < 0.05] = -1
    managers = min(12, n // 3)
    segments, roles = [], ["Employee"] * (n - managers) + ["Manager"] * managers
    for department, count in sizes.items():
        segments += [{"department": department} for _ in range(count)]
    for segment, role in zip(segments, roles, strict=True):
        segment["role_level"] = role
    questions = [
        {"key": "department", "options": list(sizes)},
        {"key": "role_level", "options": ["Employee", "Manager"]},
    ]
    return RoundData(name, offsets, segments, questions, 5, closed, list(comments))


def test_figures_equal_scoring(instrument):
    current = make_round(instrument)
    report = report_of(instrument, current, organisation="Acme", lang="en")
    # the release's answers: every bin of 1 … k−1 people merged (here "don't know" answers)
    expected = score_answers(release_points(current.offsets, instrument, 5), instrument).to_dict()
    data = report.to_dict()
    for mine, theirs in zip(data["dimensions"], expected["dimensions"], strict=True):
        assert mine["key"] == theirs["key"] and mine["n"] == theirs["n"]
        assert mine["score"] == pytest.approx(theirs["score"], abs=0.005)
        assert mine["ci95"] == pytest.approx(theirs["ci95"], abs=0.005)
        assert mine["favourable"] == theirs["favourable"] and mine["level"] == theirs["level"]
        assert mine["alpha"] == theirs["alpha"]
    assert data["overall"]["score"] == pytest.approx(expected["overall"]["score"], abs=0.005)
    low, high = data["overall"]["ci95"]
    assert low < data["overall"]["score"] < high


def test_below_k_responses_shows_no_figure(instrument):
    current = make_round(instrument, {"Sales": 3})
    report = report_of(instrument, current, organisation="Acme", lang="nl")
    assert report.needed == 2 and report.dimensions == ()
    assert report.to_dict() == {
        "organisation": "Acme",
        "campaign": "Round 2",
        "n_respondents": 3,
        "min_group_size": 5,
        "closed": True,
        "responses_needed": 2,
        "links": None,
    }
    html = render_body(report, ["a", "b", "c", "d", "e"])
    assert "Er zijn nog 2 ingevulde vragenlijsten nodig" in html and "<svg" not in html


def test_department_of_four_never_appears(instrument):
    """Not in the JSON, the CSV, the HTML or the PDF's text — and not by subtraction."""
    current = make_round(instrument, comments=["Goed bezig"] * 3)
    report = report_of(instrument, current, organisation="Acme", lang="en")
    data = json.loads(json.dumps(report.to_dict()))
    department = next(b for b in data["segments"] if b["key"] == "department")
    shown = {g["group"]: g["n"] for g in department["groups"]}
    # Legal is too small; Finance would be total − the rest, and IT would be Employees − Sales −
    # IT = the one Finance employee (all others in Finance and Legal are managers)
    assert shown == {"Sales": 30}
    assert department["hidden_groups"] == 3

    labels = list(instrument.scale.labels["en"])
    outputs = {
        "json": json.dumps(report.to_dict()),
        "csv": report_csv(report),
        "html": render_body(report, labels),
        "pdf": "".join(
            page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(report, labels))).pages
        ),
    }
    for kind, text in outputs.items():
        assert "Legal" not in text, kind
        assert "Finance" not in text, kind
        assert "Sales" in text, kind
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    # and Manager: had Legal's four managers not answered, Managers would have been the eight of
    # Finance, hidden before Finance — showing them would tell that Legal answered
    assert {row["group"] for row in rows} == {"all", "Sales", "Employee"}
    assert all(int(row["n"]) >= 5 for row in rows)


def test_comments_need_ten_respondents(instrument):
    few = make_round(instrument, {"Sales": 8}, comments=["Meer training"])
    assert report_of(instrument, few, organisation="A", lang="en").comments == ()
    assert report_of(instrument, few, organisation="A", lang="en").comments_hidden
    many = make_round(instrument, {"Sales": 12}, comments=["één", "twee", "drie"])
    shown = report_of(instrument, many, organisation="A", lang="en").comments
    assert sorted(shown) == ["drie", "twee", "één"]


def test_trend_and_leaders(instrument):
    # no department below k: in DEPARTMENTS, Legal's four managers would decide whether the
    # managers are shown (without them, the managers are Finance's eight, hidden before Finance)
    sizes = {"Sales": 28, "IT": 12, "Finance": 17}
    before = make_round(instrument, sizes, seed=5, name="Round 1")
    improved = make_round(instrument, sizes, seed=6)
    improved.offsets = np.where(
        improved.offsets >= 0, np.minimum(improved.offsets + 2, 4), -1
    ).astype(np.int8)
    report = report_of(instrument, improved, organisation="A", lang="en", previous=before)
    assert report.trend.previous == "Round 1"
    guidelines = report.trend.dimensions[0]
    # items G1-G3 and G5 went up, G4 (reverse-keyed) went down: still up overall, and real
    assert guidelines.difference > 0 and guidelines.important
    assert report.leaders.shown and report.leaders.n_leaders == 12
    assert len(report.recommendations) == 3


def test_dutch_report_text(instrument):
    report = report_of(instrument, make_round(instrument), organisation="Acme", lang="nl")
    html = render_body(report, list(instrument.scale.labels["nl"]))
    assert "Waar u kunt beginnen" in html and "Duidelijke richtlijnen" in html
    assert "Where to start" not in html


def test_an_open_round_shows_participation_only(instrument):
    report = report_of(
        instrument, make_round(instrument, closed=False), organisation="Acme", lang="en"
    )
    assert not report.enough and report.dimensions == () and report.breakdowns == ()
    assert report.to_dict()["closed"] is False and "dimensions" not in report.to_dict()
    html = render_body(report, list(instrument.scale.labels["en"]))
    assert "Results appear when the round has closed" in html and "<svg" not in html


def test_a_principle_few_people_scored_is_not_shown_nor_the_overall(instrument):
    current = make_round(instrument, {"Sales": 6})
    dialogue = [i for i, key in enumerate(instrument.item_keys) if key.startswith("D")]
    current.offsets[1:, dialogue] = -1  # five of six say "don't know" on every dialogue statement
    report = report_of(instrument, current, organisation="Acme", lang="en")
    data = report.to_dict()
    hidden = next(d for d in data["dimensions"] if d["key"] == "dialogue")
    assert hidden == {"key": "dialogue", "shown": False}
    assert data["overall"] is None
    html = render_body(report, list(instrument.scale.labels["en"]))
    assert "fewer than 5 people answered enough of its statements" in html
