"""What a release publishes *around* its audited groups, attacked through the real outputs.

Statement counts, shares, means, "don't know" and the order of comments: each test performs an
attack that worked before a release counted every figure from one set of answers in which no
answer bin holds 1 … k−1 people, and shows it fails. The strongest form: two rounds that differ
only in answers of fewer than k people publish exactly the same figures.
"""

from __future__ import annotations

import io
import json
import random

import numpy as np
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from survey.models import Comment
from survey.services.responses import submit_response

from ..conftest import AuthActions
from .test_anonymity import K, Round, isolated, login

LIKERT = 5  # points of the bundled instrument's scale


def answer_with(known: Round, odd: dict[str, int | None]) -> None:
    """One response: "Agree" everywhere but the statements in ``odd`` (None: "don't know")."""
    answers = {key: 4 for key in known.instrument.item_keys} | odd
    submit_response(known.session, known.campaign, answers=answers, segments={}, language="en")
    known.segments.append({})
    known.scored.append([True] * 5)


def dialogue_round(session, slug: str, odd: dict[str, int | None], others: int = 10) -> Round:
    """``others`` people answer "Agree" everywhere; one more answers "Agree" except for the
    dialogue statements in ``odd``."""
    known = Round(session, slug=slug)
    for _ in range(others):
        known.answer({}, value=4)
    answer_with(known, odd)
    known.close()
    return known


def release(client, known: Round) -> dict:
    """The JSON, the workbook's statements and the deck's statement charts of one round."""
    login(client, known)
    campaign = known.campaign.id
    report = json.loads(client.get(f"/campaigns/{campaign}/report.json?lang=en").data)
    book = load_workbook(io.BytesIO(client.get(f"/campaigns/{campaign}/report.xlsx").data))
    sheet = book["Statements"]
    header = [cell.value for cell in sheet[1]]
    statements = [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    deck = Presentation(io.BytesIO(client.get(f"/campaigns/{campaign}/report.pptx").data))
    charts = [
        [(series.name, list(series.values)) for series in shape.chart.plots[0].series]
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_chart and shape.chart.chart_type == XL_CHART_TYPE.BAR_STACKED_100
    ]  # fmt: skip
    AuthActions(client).logout()
    return {"report": report, "statements": statements, "charts": charts}


def figures(published: dict) -> dict:
    """Everything published about the answers, without the round's and organisation's names."""
    report = {k: v for k, v in published["report"].items() if k not in ("organisation", "campaign")}
    return {"report": report, "statements": published["statements"], "charts": published["charts"]}


def dialogue(published: dict) -> dict:
    return next(d for d in published["report"]["dimensions"] if d["key"] == "dialogue")


def scale_counts(row: dict) -> list[int]:
    labels = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    return [row[label] for label in labels]


def keyed_counts(row: dict, known: Round) -> list[int]:
    """A statement's counts as scored: a reverse-keyed statement's turned round."""
    item = next(
        item
        for dim in known.instrument.dimensions
        for item in dim.items
        if item.text["en"] == row["Statement"]
    )
    counts = scale_counts(row)
    return counts[::-1] if item.reverse else counts


def shares(keyed: np.ndarray) -> tuple[float, float, float]:
    """Unfavourable, neutral and favourable shares of a principle's statement counts."""
    per_point = keyed.sum(axis=0) / keyed.sum()
    return (per_point[:2].sum(), per_point[2], per_point[3:].sum())


def test_statement_counts_rest_on_the_principles_n_and_add_up_to_its_mean(client, session):
    """Attack 1: ten answer every dialogue statement, an eleventh answers D1 and D2 "Disagree"
    and "don't know" to the rest. Before, the counts held 52 answers (10 × 5 + 2) over a
    dialogue n of 10, and mean × n left 2 points: the eleventh's two answers."""
    known = dialogue_round(
        session, "acme", {"D1": 2, "D2": 2, "D3": None, "D4": None, "D5": None}
    )
    published = release(client, known)
    principle = dialogue(published)
    rows = [r for r in published["statements"] if r["Principle"] == "Open dialogue"]
    assert len(rows) == 5
    for row in rows:
        counts = [*scale_counts(row), row["Don't know"]]
        assert sum(counts) == principle["n"]  # one set of people: the principle's
        assert not any(0 < c < K for c in counts)
    # every figure is computed from the counts shown: their points and shares are the score's
    # and the shares of the JSON
    keyed = np.array([keyed_counts(row, known) for row in rows])
    points = np.dot(keyed.sum(axis=0), np.arange(LIKERT)) / keyed.sum() * 100 / (LIKERT - 1)
    assert points == pytest.approx(principle["score"], rel=1e-12)
    assert shares(keyed) == pytest.approx(
        (principle["unfavourable"], principle["neutral"], principle["favourable"]), rel=1e-12
    )
    # the eleventh is one person without a dialogue score: fewer than k, so their "don't know"
    # counts as the middle answer and they have one (n − dialogue n would be their number)
    assert principle["n"] == published["report"]["n_respondents"] == 11


def test_a_merged_bin_is_not_undone_by_shares_or_means(client, session):
    """Attack 2: one of eleven answers "Strongly disagree" on D1. The chart merged that bin, but
    the exact shares and mean were computed from the unmerged answers and pinned it down. Now
    the round publishes exactly what a round in which that person answered as the merged bin
    shows publishes — in the JSON, the workbook and the deck."""
    odd_round = dialogue_round(session, "acme", {"D1": 1})
    odd = release(client, odd_round)
    plain = release(client, dialogue_round(session, "globex", {"D1": 4}))
    assert figures(odd) == figures(plain)
    rows = [r for r in odd["statements"] if r["Principle"] == "Open dialogue"]
    assert scale_counts(rows[0]) == [0, 0, 0, 11, 0]
    keyed = np.array([keyed_counts(row, odd_round) for row in rows])
    principle = dialogue(odd)
    assert shares(keyed) == pytest.approx(
        (principle["unfavourable"], principle["neutral"], principle["favourable"]), rel=1e-12
    )


def test_dont_know_is_an_answer_bin_merged_like_any_other(client, session):
    """Attack 3: responses − answers per statement gave the exact number of "don't know"
    answers, and a group's n minus its principle n the same per group."""
    odd = release(client, dialogue_round(session, "acme", {"D1": None}))
    plain = release(client, dialogue_round(session, "globex", {"D1": 4}))
    assert figures(odd) == figures(plain)
    assert dialogue(odd)["dont_know"] == 0
    # five "don't know" stand as a bin of their own, in every output
    many = Round(session, slug="initech")
    for _ in range(12):
        many.answer({}, value=4)
    for _ in range(5):
        answer_with(many, {"D1": None})
    many.close()
    published = release(client, many)
    d1 = next(r for r in published["statements"] if r["Principle"] == "Open dialogue")
    assert (d1["Don't know"], scale_counts(d1)) == (5, [0, 0, 0, 12, 0])
    assert dialogue(published)["dont_know"] == 5 / (17 * 5)
    deck = dict(published["charts"][4])
    assert deck["Don't know"][-1] == 5  # D1: the first statement, on top, is the last bar


def test_a_groups_people_without_a_score_are_audited(client, session):
    """Attack 3, by group: Sales' n minus its dialogue n would be the one Sales person who
    answered "don't know" throughout dialogue."""
    known = Round(session, questions=("department=Sales,IT",))
    for _ in range(5):
        known.answer({"department": "Sales"}, value=4)
    known.answer({"department": "Sales"}, value=2, skip=("dialogue",))
    for _ in range(6):
        known.answer({"department": "IT"}, value=3)
    for _ in range(5):
        known.answer({"department": "IT"}, value=3, skip=("dialogue",))
    known.close()
    published = release(client, known)["report"]
    total = dialogue({"report": published})
    assert total["n"] == 11  # six without a score: at least k, they stay a bin of their own
    scored = np.array(known.scored)[:, 4]
    unscored_sets, members = [~scored], {}
    for group in published["segments"][0]["groups"]:
        figure = group["scores"]["dialogue"]
        members[group["group"]] = np.array(
            [s["department"] == group["group"] for s in known.segments]
        )
        if figure["n"] is not None:
            unscored_sets.append(members[group["group"]] & ~scored)
            assert group["n"] - figure["n"] == unscored_sets[-1].sum()
    assert isolated(unscored_sets) == []  # no combination of n − dialogue n isolates anyone
    assert published["segments"][0]["groups"][0]["scores"]["dialogue"]["n"] is None  # Sales


def test_the_order_of_comments_cannot_be_redrawn(client, session):
    """Attack 5: comments were read in the order they were stored and shuffled with
    ``random.Random(campaign.id)``: the reader redrew the permutation and got the order in which
    they were written."""
    known = Round(session)
    written = [f"remark {i}" for i in range(12)]
    for text in written:
        known.answer({}, comment=text)
    known.close()
    login(client, known)
    page = client.get(f"/campaigns/{known.campaign.id}/report?lang=en").get_data(as_text=True)
    shown = sorted(written, key=lambda text: page.index(f"{text}<"))
    redrawn = list(written)
    random.Random(known.campaign.id).shuffle(redrawn)
    assert shown != redrawn and shown != written  # each holds with probability 1 − 1/12!
    # stored under random keys and read in their order, which says nothing about time
    stored = session.scalars(sa.select(Comment.text).order_by(Comment.id)).all()
    assert sorted(stored) == sorted(written) and stored != written
