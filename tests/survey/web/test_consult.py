"""Consultants: who sees what, the portfolio, comparisons, the pool and the benchmark exchange."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey.models import Campaign, RoundAggregate
from survey.services.campaigns import add_organisation, create_campaign, parse_segment, set_status
from survey.services.exchange import ExchangeError, export_pool, import_pool, read_exchange_file
from survey.services.pool import pool_entries
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, add_admin, fill_round

CLIENTS = ("acme", "globex", "hooli")


def fill(session, campaign, n, shift):
    fill_round(
        session,
        campaign,
        n,
        answer=lambda i, j: min(5, max(1, 1 + (i + j) % 5 + shift)),
        segment=lambda i: {"department": "Sales"},
    )


@pytest.fixture
def world(session):
    """Four organisations with two rounds each (the first closed); a consultant for three."""
    ids, orgs = {}, {}
    for index, slug in enumerate((*CLIENTS, "initech")):
        org = add_organisation(
            session,
            slug,
            f"{slug.title()} Corp",
            sector="Retail" if index % 2 else "Healthcare",
            size_band="1000+",
        )
        first = create_campaign(
            session, org, "2025", status="open", segments=(parse_segment("department=Sales,IT"),)
        )
        fill(session, first, 12, shift=0)
        set_status(session, first, "closed")
        second = create_campaign(
            session, org, "2026", status="open", segments=(parse_segment("department=Sales,IT"),)
        )
        fill(session, second, 12, shift=index % 3)
        ids[slug], orgs[slug] = (first.id, second.id), org
    add_user(
        session,
        "consultant@example.org",
        PASSWORD,
        memberships=tuple((orgs[s], "consultant") for s in CLIENTS),
    )
    add_user(session, "hr@initech.example", PASSWORD, memberships=((orgs["initech"], "hr"),))
    add_admin(session, "admin@example.org")
    return ids


@pytest.fixture
def closed_world(session, world):
    """The world with its second rounds closed too: rounds are compared once they close."""
    for _first, second in world.values():
        set_status(session, session.get(Campaign, second), "closed")
    return world


def login(client, email):
    assert AuthActions(client).login(email).status_code == 302


def test_closing_a_round_keeps_its_aggregates(session, world):
    aggregate = session.scalars(
        sa.select(RoundAggregate).filter_by(campaign_id=world["acme"][0])
    ).one()
    assert aggregate.n == 12 and set(aggregate.dimensions) == {
        "guidelines",
        "error_tolerance",
        "patience",
        "leadership",
        "dialogue",
    }
    figures = aggregate.dimensions["guidelines"]
    assert sum(figures["bins"]) == figures["n"] == 12


def test_pool_holds_latest_closed_round_per_organisation(session, world):
    entries = pool_entries(session, "social-culture", "1")
    assert sorted(e.aggregate.campaign_id for e in entries) == sorted(
        ids[0] for ids in world.values()
    )
    healthcare = pool_entries(session, "social-culture", "1", sector="Healthcare")
    assert {e.organisation for e in healthcare} == {"Acme Corp", "Hooli Corp"}


ROLE_ROUTES = [
    "/portfolio",
    "/portfolio.csv",
    "/benchmark",
    "/compare?campaign={acme}&campaign={globex}",
    "/compare.csv?campaign={acme}&campaign={globex}",
    "/compare?campaign={acme}&campaign={initech}",
]
EXPECTED = {  # role → status per route, in ROLE_ROUTES order
    "anonymous": [302, 302, 302, 302, 302, 302],
    "consultant": [200, 200, 200, 200, 200, 404],
    "hr": [403, 403, 403, 403, 403, 403],  # comparing organisations is for consultants
    "admin": [200, 200, 200, 200, 200, 200],
}
LOGINS = {
    "consultant": "consultant@example.org",
    "hr": "hr@initech.example",
    "admin": "admin@example.org",
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_matrix(client, world, role):
    if role in LOGINS:
        login(client, LOGINS[role])
    latest = {slug: ids[1] for slug, ids in world.items()}
    for route, expected in zip(ROLE_ROUTES, EXPECTED[role], strict=True):
        response = client.get(route.format(**latest))
        assert response.status_code == expected, (role, route)


def test_consultant_never_sees_a_non_clients_name(client, world):
    login(client, "consultant@example.org")
    latest = {slug: ids[1] for slug, ids in world.items()}
    pages = [
        client.get("/portfolio").get_data(as_text=True),
        client.get("/portfolio.csv").get_data(as_text=True),
        client.get("/benchmark").get_data(as_text=True),
        client.get(
            f"/compare?campaign={latest['acme']}&campaign={latest['globex']}"
            f"&campaign={latest['hooli']}"
        ).get_data(as_text=True),
        client.get(f"/campaigns/{latest['acme']}/report.json").get_data(as_text=True),
    ]
    for text in pages:
        assert "Initech" not in text
    assert "Acme Corp" in pages[0] and "Hooli Corp" in pages[1]


def test_portfolio_sorts_filters_and_exports(client, closed_world):
    login(client, "consultant@example.org")
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/portfolio.csv?sort=name&dir=desc").get_data(as_text=True))
        )
    )
    assert [r["organisation"] for r in rows] == ["Hooli Corp", "Globex Corp", "Acme Corp"]
    assert all(r["round"] == "2026" and r["responses"] == "12" for r in rows)
    assert rows[0]["change"] != ""  # a previous round exists
    retail = list(
        csv.DictReader(
            io.StringIO(client.get("/portfolio.csv?sector=Retail").get_data(as_text=True))
        )
    )
    assert [r["organisation"] for r in retail] == ["Globex Corp"]


def test_comparison_of_three_rounds(client, closed_world):
    world = closed_world
    login(client, "consultant@example.org")
    ids = "&".join(f"campaign={world[s][1]}" for s in CLIENTS)
    page = client.get(f"/compare?{ids}").get_data(as_text=True)
    assert "Kruskal–Wallis" in page and "<svg" in page
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/compare.csv?{ids}").get_data(as_text=True)))
    )
    assert len(rows) == 15 and {r["test"] for r in rows} == {"kruskal-wallis"}
    pdf = client.get(f"/compare.pdf?{ids}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    two_rounds_of_one = client.get(
        f"/compare?campaign={world['acme'][0]}&campaign={world['acme'][1]}"
    )
    assert "Welch" in two_rounds_of_one.get_data(as_text=True)  # as the report's trend
    assert client.get(f"/compare?campaign={world['acme'][1]}").status_code == 400


def test_export_import_round_trip_reproduces_the_pool(app, session, world, tmp_path):
    document = export_pool(session)
    assert "name" not in json.dumps(document)
    exported = document["pools"][0]["rounds"]
    assert len(exported) == 4 and all(r["n"] >= 5 for r in exported)
    before = {
        e.aggregate.campaign_id: e.aggregate.dimensions
        for e in pool_entries(session, "social-culture", "1")
    }
    assert import_pool(session, json.loads(json.dumps(document)), source="other.json") == 4
    external = [e for e in pool_entries(session, "social-culture", "1") if e.external]
    assert len(external) == 4 and all(e.organisation is None for e in external)
    assert sorted(json.dumps(e.aggregate.dimensions, sort_keys=True) for e in external) == sorted(
        json.dumps(d, sort_keys=True) for d in before.values()
    )
    assert "name" in json.dumps(export_pool(session, with_names=True))


BAD_FILES = [
    ({"format": "something else"}, "not an Ambassador Scan benchmark file"),
    ({"format": "ambassador-scan-benchmark", "version": 2, "pools": []}, "version 2"),
    ("other-version", "version '9' is not known here"),
    ("small-group", "fewer than 5 respondents are refused"),
    ("bad-bins", "bins must be ten counts adding up to n"),
    ("missing-dimension", "dimensions must be exactly"),
]


@pytest.mark.parametrize(("change", "message"), BAD_FILES)
def test_bad_exchange_files_import_nothing(session, world, change, message):
    document = export_pool(session)
    if isinstance(change, dict):
        document = change
    elif change == "other-version":
        document["pools"][0]["instrument"]["version"] = "9"
    elif change == "small-group":
        document["pools"][0]["rounds"][-1]["n"] = 4
    elif change == "bad-bins":
        document["pools"][0]["rounds"][1]["dimensions"]["patience"]["bins"][0] += 1
    elif change == "missing-dimension":
        del document["pools"][0]["rounds"][2]["dimensions"]["dialogue"]
    with pytest.raises(ExchangeError, match=message):
        import_pool(session, document, source="bad.json")
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(RoundAggregate)
            .where(RoundAggregate.external.is_(True))
        )
        == 0
    )


def test_benchmark_cli(runner, session, world, tmp_path):
    target = tmp_path / "pool.json"
    result = runner.invoke(args=["benchmark", "export", str(target)])
    assert result.exit_code == 0 and "Wrote 4 rounds" in result.output
    assert runner.invoke(args=["benchmark", "import", str(target)]).exit_code == 0
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["benchmark", "import", str(broken)])
    assert result.exit_code == 2 and "nothing was imported" in result.output
    with pytest.raises(ExchangeError, match="no such file"):
        read_exchange_file(tmp_path / "absent.json")


def test_external_entries_are_marked_on_the_pages(client, session, world):
    import_pool(session, export_pool(session), source="other.json")
    login(client, "admin@example.org")
    page = client.get("/benchmark").get_data(as_text=True)
    assert "8 organisations, 4 of them imported from another pool (external)" in page
    report = client.get(f"/campaigns/{world['acme'][0]}/report").get_data(as_text=True)
    assert "Against the benchmark" in report and "(4 of them from another pool)" in report
    portfolio = client.get("/portfolio").get_data(as_text=True)
    assert "4 of them external (imported from another pool)" in portfolio


def test_browser_walk_consultant_compares_three_organisations(browser, live_server, world):
    from ..conftest import serious_violations

    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address", exact=True).fill("consultant@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Portfolio").click()
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    assert serious_violations(page) == []
    for name in ("Acme Corp", "Globex Corp", "Hooli Corp"):
        page.get_by_label(f"Compare {name}").check()
    page.get_by_role("button", name="Compare the selected rounds").click()
    expect(page.get_by_role("heading", name="Comparison")).to_be_visible()
    page.wait_for_load_state()
    assert "Kruskal–Wallis" in page.content()
    assert serious_violations(page) == []
    charts = page.locator("figure svg")
    assert charts.count() >= 2  # the radar and the box plots
    for index in range(charts.count()):
        assert words_that_do_not_fit(charts.nth(index)) == []
    context.close()


def words_that_do_not_fit(svg) -> list:
    """The texts of a chart, as the browser lays them out, that stick out of the chart or overlap
    another text (axis labels, legend entries)."""
    outer = svg.bounding_box()
    boxes = [
        (text.text_content(), text.bounding_box())
        for text in svg.locator("text").all()
        if (text.text_content() or "").strip()
    ]
    wrong = [
        words
        for words, box in boxes
        if box["x"] < outer["x"] - 1
        or box["y"] < outer["y"] - 1
        or box["x"] + box["width"] > outer["x"] + outer["width"] + 1
        or box["y"] + box["height"] > outer["y"] + outer["height"] + 1
    ]
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1 :]:
            if (
                a["x"] < b["x"] + b["width"] - 1
                and b["x"] < a["x"] + a["width"] - 1
                and a["y"] < b["y"] + b["height"] - 1
                and b["y"] < a["y"] + a["height"] - 1
            ):
                wrong.append((first, second))
    return wrong


def test_the_portfolio_comes_from_kept_aggregates(client, session, closed_world):
    """The portfolio's figures equal the scores of the rounds' answers, and stay the same once
    the answers are purged: it reads the aggregates kept at closing, never the answers."""
    from scoring.scores import points_from_offsets, score_answers
    from survey.services.campaigns import campaign_instrument
    from survey.services.lifecycle import purge
    from survey.services.responses import answer_matrix

    login(client, "consultant@example.org")
    before = {
        r["organisation"]: r
        for r in csv.DictReader(io.StringIO(client.get("/portfolio.csv").get_data(as_text=True)))
    }
    latest = [session.get(Campaign, closed_world[s][1]) for s in CLIENTS]
    for campaign in latest:
        instrument = campaign_instrument(campaign)
        scored = score_answers(
            points_from_offsets(answer_matrix(session, campaign), instrument), instrument
        )
        row = before[campaign.organisation.name]
        assert float(row["overall"]) == pytest.approx(scored.overall.statistic, abs=1e-9)
    purge(session, latest)
    after = {
        r["organisation"]: r
        for r in csv.DictReader(io.StringIO(client.get("/portfolio.csv").get_data(as_text=True)))
    }
    assert after == before


def test_the_benchmark_page_charts_the_pool_and_a_rounds_position(client, session, world):
    from survey.services.pool import kept_scores

    import_pool(session, export_pool(session), source="other.json")  # 8 organisations
    login(client, "consultant@example.org")
    plain = client.get("/benchmark").get_data(as_text=True)
    assert '<figure class="chart"><svg' in plain and "Choose a round in the portfolio" in plain
    chosen = session.get(Campaign, world["acme"][0])
    page = client.get(f"/benchmark?campaign={chosen.id}").get_data(as_text=True)
    assert f"The diamonds are {chosen.name} ({chosen.organisation.name})" in page
    assert "This round" in page  # the legend names the diamonds
    assert set(kept_scores(session, chosen)) == {"guidelines", "error_tolerance", "patience",
                                                 "leadership", "dialogue"}  # fmt: skip
    other = add_organisation(session, "umbrella", "Umbrella")
    hidden = create_campaign(session, other, "Theirs", status="open")
    assert client.get(f"/benchmark?campaign={hidden.id}").status_code == 404


def test_the_comparison_page_says_what_to_choose_and_offers_two_rounds_of_one_client(
    client, closed_world
):
    login(client, "consultant@example.org")
    first, second = closed_world["acme"]
    one = client.get(f"/compare?campaign={first}")
    text = one.get_data(as_text=True)
    assert one.status_code == 400 and "Choose two to six different closed rounds" in text
    assert "(1 chosen)" in text and "survey link" not in text  # not the employees' error page
    for campaign_id in (first, second):  # both rounds of one client can be ticked
        assert f'name="campaign" value="{campaign_id}"' in text
    assert "Initech" not in text  # only the consultant's own clients
    both = client.get(f"/compare?campaign={first}&campaign={second}")
    assert both.status_code == 200 and "Acme Corp" in both.get_data(as_text=True)
