"""The attacks of an HR user with bad intentions, performed against the real outputs.

Each test builds a round whose respondents the test knows one by one, reads what the product
publishes (report JSON, HTML, CSV and PDF text; comparison, portfolio, benchmark export), and lets
an attacker combine every published count and mean: for every set of 1 … k−1 respondents it checks
whether the published groups add up to exactly that set. None may.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from itertools import combinations

import numpy as np
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from survey.models import Campaign, Comment
from survey.services.campaigns import (
    add_organisation,
    campaign_instrument,
    create_campaign,
    parse_segment,
)
from survey.services.exchange import export_pool
from survey.services.lifecycle import set_status
from survey.services.responses import create_invitations, submit_response
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, add_admin

K = 5
PRINCIPLES = ("guidelines", "error_tolerance", "patience", "leadership", "dialogue")


class Round:
    """A round whose respondents the test knows: their segments and which principles they have a
    score on."""

    def __init__(self, session, slug="acme", questions=(), k=K):
        self.session = session
        organisation = add_organisation(session, slug, slug.title())
        self.campaign = create_campaign(
            session,
            organisation,
            "Spring",
            status="open",
            min_group_size=k,
            segments=tuple(parse_segment(q) for q in questions),
        )
        self.instrument = campaign_instrument(self.campaign)
        self.segments: list[dict] = []
        self.scored: list[list[bool]] = []
        add_user(session, f"hr@{slug}.example", PASSWORD, memberships=((organisation, "hr"),))

    def answer(self, segments: dict, value: int = 4, skip: tuple[str, ...] = (), comment=""):
        """One response: every statement ``value``, "don't know" on the principles in ``skip``."""
        answers = {}
        for dim in self.instrument.dimensions:
            for item in dim.items:
                answers[item.key] = None if dim.key in skip else value
        for item in self.instrument.outcomes:
            answers[item.key] = value
        submit_response(
            self.session,
            self.campaign,
            answers=answers,
            segments=segments,
            language="en",
            comment=comment,
        )
        self.segments.append(dict(segments))
        self.scored.append([p not in skip for p in PRINCIPLES])

    def close(self):
        set_status(self.session, self.campaign, "closed")


def published_sets(report: dict, known: Round) -> dict[str, list[np.ndarray]]:
    """Per principle, the respondents behind every published score (with its n) in the JSON."""
    n = len(known.segments)
    scored = np.array(known.scored)
    sets: dict[str, list[np.ndarray]] = {p: [] for p in PRINCIPLES}
    for d, dimension in enumerate(report.get("dimensions", [])):
        if dimension.get("shown"):
            sets[dimension["key"]].append(scored[:, d].copy())
    for breakdown in report.get("segments", []):
        for group in breakdown["groups"]:
            members = np.array([s.get(breakdown["key"]) == group["group"] for s in known.segments])
            for key, figure in group["scores"].items():
                if figure["score"] is not None:
                    mask = members & scored[:, PRINCIPLES.index(key)]
                    assert figure["n"] == mask.sum()  # the published n is the set's size
                    sets[key].append(mask)
    leaders = report.get("leaders_vs_employees") or {}
    if leaders.get("shown"):
        role = [s.get("role_level") for s in known.segments]
        employees = np.array([r == leaders["employees_label"] for r in role])
        others = np.array([r not in (None, leaders["employees_label"]) for r in role])
        column = scored[:, PRINCIPLES.index("leadership")]
        sets["leadership"] += [employees & column, others & column]
    assert all(len(mask) == n for masks in sets.values() for mask in masks)
    return sets


def isolated(sets: list[np.ndarray], k: int = K) -> list[tuple[int, ...]]:
    """Every set of 1 … k−1 respondents that a combination of the published sets adds up to."""
    if not sets:
        return []
    spans = np.array(sets, dtype=float)
    people = np.flatnonzero(spans.any(axis=0))
    spans = spans[:, people]
    projection = np.linalg.pinv(spans) @ spans
    found = []
    for size in range(1, k):
        subsets = list(combinations(range(people.size), size))
        if not subsets:
            continue
        vectors = np.zeros((len(subsets), people.size))
        for row, subset in enumerate(subsets):
            vectors[row, list(subset)] = 1
        residual = np.abs(vectors @ projection - vectors).max(axis=1)
        found += [tuple(people[list(subsets[r])]) for r in np.flatnonzero(residual < 1e-8)]
    return found


def outputs(client, campaign_id: int) -> dict[str, str]:
    """Everything the report publishes, as text."""
    pdf = client.get(f"/campaigns/{campaign_id}/report.pdf?lang=en").data
    return {
        "json": client.get(f"/campaigns/{campaign_id}/report.json?lang=en").get_data(as_text=True),
        "html": client.get(f"/campaigns/{campaign_id}/report?lang=en").get_data(as_text=True),
        "csv": client.get(f"/campaigns/{campaign_id}/report.csv").get_data(as_text=True),
        "pdf": "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages),
    }


def assert_nothing_isolated(report: dict, known: Round) -> None:
    for principle, sets in published_sets(report, known).items():
        assert isolated(sets) == [], principle


def login(client, known: Round):
    assert (
        AuthActions(client).login(f"hr@{known.campaign.organisation.slug}.example").status_code
        == 302
    )


def test_attack_1_leaders_minus_employees_minus_total(client, session):
    known = Round(session, questions=("role_level=Employee,Manager,Director",))
    for i in range(30):
        role = "Employee" if i < 20 else "Manager" if i < 25 else "Director" if i < 28 else None
        known.answer({"role_level": role} if role else {}, value=1 + i % 5)
    known.close()
    login(client, known)
    published = outputs(client, known.campaign.id)
    report = json.loads(published["json"])
    assert_nothing_isolated(report, known)
    # the two who skipped the role question: total − employees − leaders would be their mean
    assert not report["leaders_vs_employees"]["shown"]
    assert "Not compared" in published["html"]


def test_attack_2_two_breakdowns_together(client, session):
    known = Round(
        session,
        questions=("department=Sales,IT,HR,Legal", "role_level=Employee,Manager,Director"),
    )
    people = (
        [("Sales", "Employee")] * 12
        + [("IT", "Employee")] * 10
        + [("HR", "Manager")] * 4
        + [("HR", "Director")] * 2
        + [("Legal", "Employee")] * 2
    )
    for i, (department, role) in enumerate(people):
        known.answer({"department": department, "role_level": role}, value=1 + i % 5)
    known.close()
    login(client, known)
    published = outputs(client, known.campaign.id)
    report = json.loads(published["json"])
    assert_nothing_isolated(report, known)
    for kind, text in published.items():
        assert "Legal" not in text, kind
    rows = list(csv.DictReader(io.StringIO(published["csv"])))
    assert all(int(row["n"]) >= K for row in rows)


def test_attack_3_a_principle_five_of_six_skipped(client, session):
    known = Round(session)
    known.answer({}, value=5)
    for _ in range(5):
        known.answer({}, value=3, skip=("dialogue",))
    known.close()
    login(client, known)
    published = outputs(client, known.campaign.id)
    report = json.loads(published["json"])
    dialogue = next(d for d in report["dimensions"] if d["key"] == "dialogue")
    assert dialogue == {"key": "dialogue", "shown": False}
    assert report["overall"] is None  # the overall would give dialogue away
    assert "not shown: fewer than 5 people" in published["html"]
    assert not any(
        row["dimension"] == "dialogue" for row in csv.DictReader(io.StringIO(published["csv"]))
    )


def test_attack_3_also_in_the_comparison_and_portfolio(client, session):
    small = Round(session, slug="acme")
    small.answer({}, value=5)
    for _ in range(5):
        small.answer({}, value=3, skip=("dialogue",))
    small.close()
    other = Round(session, slug="globex")
    for i in range(8):
        other.answer({}, value=1 + i % 5)
    other.close()
    add_admin(session, "admin@example.org")
    assert AuthActions(client).login("admin@example.org").status_code == 302
    query = f"campaign={small.campaign.id}&campaign={other.campaign.id}"
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/compare.csv?{query}").get_data(as_text=True)))
    )
    dialogue = [r for r in rows if r["principle"] == "dialogue" and r["round"].startswith("Acme")]
    assert dialogue and all(r["score"] == "" for r in dialogue)
    assert not any(r["test"] for r in rows if r["principle"] == "dialogue")
    portfolio = list(
        csv.DictReader(io.StringIO(client.get("/portfolio.csv").get_data(as_text=True)))
    )
    acme = next(r for r in portfolio if r["organisation"] == "Acme")
    assert acme["dialogue"] == "" and acme["overall"] == ""


def test_attack_4_watching_an_open_round_shows_nothing_but_participation(client, session):
    known = Round(session, questions=("department=Sales,IT",))
    tokens = create_invitations(session, known.campaign, 1)
    for i in range(30):
        known.answer({"department": "Sales" if i % 2 else "IT"}, value=1 + i % 5)
    login(client, known)
    before = json.loads(client.get(f"/campaigns/{known.campaign.id}/report.json").data)
    submit_response(
        session,
        known.campaign,
        answers={key: 5 for key in known.instrument.item_keys},
        segments={"department": "IT"},
        language="en",
        comment="only mine",
        token=tokens[0],
    )
    after = json.loads(client.get(f"/campaigns/{known.campaign.id}/report.json").data)
    assert "dimensions" not in before and "dimensions" not in after and "segments" not in after
    # participation only, in steps of k: the 31st response does not show until the 35th
    assert after["n_respondents"] == before["n_respondents"] == 30
    page = client.get(f"/campaigns/{known.campaign.id}/report").get_data(as_text=True)
    assert "only mine" not in page and "Results appear when the round has closed" in page
    assert "at least 30 responses so far" in page


def test_attack_5_padding_is_told_to_hr_and_respondents(client, session):
    known = Round(session)
    create_invitations(session, known.campaign, 4)  # created while the round is open
    for i in range(6):
        known.answer({}, value=1 + i % 5)
    known.close()
    login(client, known)
    report = json.loads(client.get(f"/campaigns/{known.campaign.id}/report.json").data)
    assert (
        report["links"]["after_open"] == 4 and report["links"]["distributed_by"] == "organisation"
    )
    page = client.get(f"/campaigns/{known.campaign.id}/report").get_data(as_text=True)
    assert "4 of them created after the round had opened" in page

    other = Round(session, slug="globex")
    token = create_invitations(session, other.campaign, 1)[0]
    welcome = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    assert "Your organisation created and sent this link itself" in welcome


def test_attack_6_five_people_are_not_drawn_or_binned(client, session):
    from reports import charts
    from survey.services.comparison import compare

    five = Round(session, slug="acme")
    for value in (1, 2, 3, 4, 5):
        five.answer({}, value=value)
    five.close()
    many = Round(session, slug="globex")
    for i in range(40):
        many.answer({}, value=1 + i % 5)
    many.close()
    result = compare(session, [five.campaign, many.campaign], "en")
    small, _large = result.rounds
    # a compared round carries what it publishes per principle — n, mean, SD, interval, level —
    # and no respondent's score: nothing to draw a box, whisker or median from
    assert {f.name for f in fields(small)} == {"campaign", "n", "shown", "dimensions", "overall"}
    published = {f.name for f in fields(small.dimensions["guidelines"])}
    assert published == {"n", "score", "sd", "ci95", "level"}
    names = [d.name["en"] for d in result.instrument.dimensions]
    intervals = [(f.score, *f.ci95) for f in small.dimensions.values()]
    ax = charts.score_intervals(names, [(small.label, intervals)])
    # drawn: each principle's mean (the marker) and the ends of its interval (the caps), only
    drawn = {round(float(y), 9) for line in ax.lines for y in line.get_ydata()}
    # (all five answers fall into one merged bin: no spread, so no interval, only the mean)
    assert drawn == {round(float(v), 9) for interval in intervals for v in interval if v == v}
    for pool in export_pool(session)["pools"]:
        for entry in pool["rounds"]:
            for figures in entry["dimensions"].values():
                assert not any(0 < b < K for b in figures["bins"]), figures["bins"]


def test_attack_7_the_pool_moves_only_by_three_organisations(client, session):
    organisations = []
    for index in range(6):
        known = Round(session, slug=f"org{index}")
        for i in range(6):
            known.answer({}, value=1 + (i + index) % 5)
        organisations.append(known)
    for known in organisations[1:]:
        known.close()  # five organisations in the pool
    viewer = organisations[0]
    login(client, viewer)

    def pool_seen() -> dict:
        viewer_round = session.get(Campaign, viewer.campaign.id)
        if viewer_round.status != "closed":
            viewer.close()
        return json.loads(client.get(f"/campaigns/{viewer.campaign.id}/report.json").data)[
            "benchmark"
        ]

    first = pool_seen()
    # a sixth organisation closes a round: nothing the viewer sees of the pool may change
    newcomer = Round(session, slug="newcomer")
    for _ in range(7):
        newcomer.answer({}, value=2)
    newcomer.close()
    assert pool_seen() == first
    for slug in ("late1", "late2"):
        late = Round(session, slug=slug)
        for _ in range(6):
            late.answer({}, value=3)
        late.close()
    changed = pool_seen()  # three organisations changed at once: a new version
    assert changed["organisations"] == first["organisations"] + 3
    assert changed["version"] != first["version"]


def test_attack_8_comments_carry_no_segment_and_wait_for_the_close(client, session):
    known = Round(session, questions=("department=Sales,IT",))
    for i in range(12):
        known.answer({"department": "Sales" if i else "IT"}, comment=f"remark {i}")
    columns = {c["name"] for c in sa.inspect(session.get_bind()).get_columns("comments")}
    # a comment keeps only its team of the organisation's tree, which this round does not have
    assert columns == {"id", "campaign_id", "text", "team"}
    assert session.scalars(sa.select(Comment.team)).all() == [None] * 12
    login(client, known)
    page = client.get(f"/campaigns/{known.campaign.id}/report").get_data(as_text=True)
    assert "remark" not in page
    known.close()
    page = client.get(f"/campaigns/{known.campaign.id}/report").get_data(as_text=True)
    order = sorted(range(12), key=lambda i: page.index(f"remark {i}<"))
    assert order != list(range(12))  # shuffled: the order says nothing about who came when
    assert session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 12


@pytest.mark.parametrize("skippers", [1, 2, 4])
def test_leaders_attack_fails_for_any_number_of_skippers(client, session, skippers):
    known = Round(session, questions=("role_level=Employee,Manager",))
    for i in range(26 + skippers):
        role = "Employee" if i < 18 else "Manager" if i < 26 else None
        known.answer({"role_level": role} if role else {}, value=1 + i % 5)
    known.close()
    login(client, known)
    report = json.loads(client.get(f"/campaigns/{known.campaign.id}/report.json").data)
    assert_nothing_isolated(report, known)
