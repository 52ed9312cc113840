"""Consultants: who sees what, the portfolio, comparisons, the pool and the benchmark exchange."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from survey.models import Campaign, RoundAggregate
from survey.services.campaigns import add_organisation, create_campaign, parse_segment
from survey.services.exchange import ExchangeError, export_pool, import_pool, read_exchange_file
from survey.services.lifecycle import publish_pools, set_status
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
    assert "ANOVA per principle" in page and "Games–Howell" in page and "<svg" in page
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/compare.csv?{ids}").get_data(as_text=True)))
    )
    rounds = [r for r in rows if not r["versus"]]
    assert len(rounds) == 15 and {r["test"] for r in rounds} == {"welch-anova"}
    assert {r["effect_size_name"] for r in rounds} == {"omega-squared"}
    for row in rounds:  # the effect size inside its interval, and F's degrees of freedom
        low, omega, high = (float(row[c]) for c in ("effect_size_ci95_low", "effect_size",
                                                    "effect_size_ci95_high"))  # fmt: skip
        assert 0 <= low <= omega <= high < 1 and float(row["df1"]) == 2
    pairs = [r for r in rows if r["versus"]]  # three pairs per principle the ANOVA finds
    significant = {r["principle"] for r in rounds if float(r["pvalue_bh"]) < 0.05}
    assert len(pairs) == 3 * len(significant) and {r["test"] for r in pairs} <= {"games-howell"}
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
    publish_pools(session)
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
    assert "Games–Howell" in page.content()
    assert serious_violations(page) == []
    charts = page.locator("figure svg")
    assert charts.count() >= 2  # the radar and the scores with their intervals
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
    from scoring.scores import release_points, score_answers
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
        # the answers as the round's release counts them: the report's figures
        points = release_points(
            answer_matrix(session, campaign), instrument, campaign.min_group_size
        )
        scored = score_answers(points, instrument)
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
    publish_pools(session)
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


# --- the attack on comparisons: probe rounds of known scores against a client's round ----------

PROBES = (20, 40, 60, 80)  # everyone in a probe round has this score on every principle
# two client rounds with the same n, mean (33) and SD on every principle — equal sums of
# scores and of squares — but different people: 15 and 50 in one where the other has 25 and 35,
# so that they rank differently against the probes (and have different medians)
CLIENT_A = (5, 10, 15, 50, 85)
CLIENT_B = (5, 10, 25, 35, 90)


def answers_scoring(instrument, score: int) -> dict[str, int]:
    """Answers that give ``score`` (a multiple of 5) on every principle of five 1–5 items: the
    items' points above the minimum, after reverse keying, add up to score / 5."""
    low, high = instrument.scale.min, instrument.scale.max
    assert (low, high) == (1, 5)
    answers = {item.key: 3 for item in instrument.outcomes}
    for dim in instrument.dimensions:
        assert len(dim.items) == 5
        base, extra = divmod(score // 5, 5)
        for index, item in enumerate(dim.items):
            point = low + base + (index < extra)
            answers[item.key] = low + high - point if item.reverse else point
    return answers


def scored_round(session, organisation, name: str, scores) -> int:
    """A closed round in which respondent i has ``scores[i]`` on every principle."""
    from survey.services.campaigns import campaign_instrument
    from survey.services.responses import submit_response

    campaign = create_campaign(session, organisation, name, status="open")
    instrument = campaign_instrument(campaign)
    for score in scores:
        answers = answers_scoring(instrument, score)
        submit_response(session, campaign, answers=answers, segments={}, language="en")
    set_status(session, campaign, "closed")
    return campaign.id


def test_attack_probe_rounds_learn_nothing_beyond_n_mean_and_sd(client, session):
    """A consultant who is also HR elsewhere runs probe rounds in which everyone scores exactly
    20, 40, 60 or 80 (and rounds with a known spread around them), and compares a client's round
    of five with every subset of them. A statistic of ranks (Kruskal–Wallis, Dunn) would place
    each respondent between the probes; what the comparison exports depends on the rounds' n,
    mean and SD per principle only: two client rounds that agree in those, but not in their
    people, give the same CSV, figure for figure, and the same page."""
    from itertools import combinations

    from scipy import stats

    from survey.services.campaigns import campaign_instrument

    prober = add_organisation(session, "prober", "Prober")
    customer = add_organisation(session, "customer", "Customer")
    exact = [scored_round(session, prober, f"Exact {p}", [p] * 5) for p in PROBES]
    spread = [scored_round(session, prober, f"Spread {p}", [p - 5, p + 5] * 5) for p in PROBES]
    # two rounds of one name: the comparisons of the one and of the other must read alike. Each
    # score is given by five people, so that every answer bin holds k and the release counts
    # the answers as given (a bin of fewer would be merged before any figure is computed)
    clients = {
        "A": scored_round(session, customer, "Spring", sorted(CLIENT_A * 5)),
        "B": scored_round(session, customer, "Spring", sorted(CLIENT_B * 5)),
    }
    add_user(session, "prober@example.org", PASSWORD,
             memberships=((prober, "consultant"), (customer, "consultant")))  # fmt: skip
    login(client, "prober@example.org")
    # the threat is real: a rank statistic tells the two client rounds apart
    probes = [[p] * 5 for p in PROBES]
    assert stats.kruskal(CLIENT_A, *probes).statistic != stats.kruskal(CLIENT_B, *probes).statistic
    assert np.median(CLIENT_A) != np.median(CLIENT_B)
    assert (np.mean(CLIENT_A), np.std(CLIENT_A)) == (np.mean(CLIENT_B), np.std(CLIENT_B))

    seen = {"A": [], "B": []}
    for probe_set in (exact, spread):
        for size in range(1, len(probe_set) + 1):
            for chosen in combinations(probe_set, size):
                for name, campaign_id in clients.items():
                    query = "&".join(f"campaign={i}" for i in (campaign_id, *chosen))
                    seen[name].append(client.get(f"/compare.csv?{query}").get_data(as_text=True))
    assert seen["A"] == seen["B"]

    rows = [row for text in seen["A"] for row in csv.DictReader(io.StringIO(text))]
    header = set(rows[0])
    # no median, quartile, minimum, maximum, rank or histogram of people: summaries and tests
    assert header == {
        "round", "versus", "principle", "n", "n_scored", "score", "sd", "ci95_low", "ci95_high",
        "test", "statistic", "df1", "df2", "pvalue", "pvalue_bh", "effect_size_name",
        "effect_size", "effect_size_ci95_low", "effect_size_ci95_high", "difference",
        "difference_ci95_low", "difference_ci95_high", "statistically_significant", "important",
        "verdict",
        "minimal_important_difference",
    }  # fmt: skip
    client_rows = [r for r in rows if r["round"] == "Customer · Spring"]
    assert {(r["n_scored"], r["score"]) for r in client_rows} == {("25", "33.0")}
    # not an empty success: every kind of test was run and exported
    assert {r["test"] for r in rows} == {"welch", "welch-anova", "games-howell"}
    assert all(r["pvalue"] for r in rows if r["test"] in ("welch", "games-howell"))
    defined = [r for r in rows if r["test"] == "welch-anova" and r["pvalue"]]
    undefined = [r for r in rows if r["test"] == "welch-anova" and not r["pvalue"]]
    assert defined and undefined  # Welch's ANOVA needs every round to vary: not the exact probes

    # the page's comparison, too, reads the same for both clients (its charts aside)
    pages = {}
    for name, campaign_id in clients.items():
        query = "&".join(f"campaign={i}" for i in (campaign_id, *spread))
        page = client.get(f"/compare?{query}").get_data(as_text=True)
        report = re.search(r'<div class="report">.*?</div>', page, flags=re.S).group(0)
        pages[name] = re.sub(r"<svg.*?</svg>", "", report, flags=re.S)
    assert pages["A"] == pages["B"] and "Games–Howell" in pages["A"]
    instrument = campaign_instrument(session.get(Campaign, clients["A"]))
    assert all(dim.name["en"] in pages["A"] for dim in instrument.dimensions)


# --- consultant pages reached from the menu, with empty states -------------------------------


def test_the_consultant_menu_links_to_compare_and_the_instrument_check(client, world):
    login(client, "consultant@example.org")
    page = client.get("/portfolio").get_data(as_text=True)
    menu = page[page.index('<nav class="hr-nav"') : page.index("</nav>")]
    for href in ("/portfolio", "/benchmark", "/compare", "/validate"):
        assert f'href="{href}"' in menu
    dutch = client.get("/portfolio?lang=nl").get_data(as_text=True)
    assert ">Vergelijken</a>" in dutch and ">Controle van de vragenlijst</a>" in dutch


def test_hr_has_no_consultant_links(client, world):
    login(client, "hr@initech.example")
    page = client.get("/campaigns").get_data(as_text=True)
    assert 'href="/compare"' not in page and 'href="/validate"' not in page


def test_a_bare_comparison_page_explains_how_to_choose_rounds(client, closed_world):
    login(client, "consultant@example.org")
    response = client.get("/compare")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'role="alert"' not in page and "error-summary" not in page
    assert "Put two to six closed rounds side by side" in page
    assert "Compare the selected rounds" in page  # the other way in: the portfolio
    for first, second in (closed_world[s] for s in CLIENTS):
        assert f'value="{first}"' in page and f'value="{second}"' in page
    nothing = client.get("/compare?lang=nl")
    assert nothing.status_code == 200 and "Zet twee tot zes" in nothing.get_data(as_text=True)
    # the hint names the portfolio's button as it reads in Dutch
    button = client.get("/portfolio?lang=nl").get_data(as_text=True)
    assert "Vergelijk de gekozen rondes</button>" in button
    assert "kies „Vergelijk de gekozen rondes”" in nothing.get_data(as_text=True)


def test_a_bare_comparison_page_without_closed_rounds_says_so(client, session):
    org = add_organisation(session, "solo", "Solo Corp")
    create_campaign(session, org, "2026", status="open")
    add_user(session, "c@example.org", PASSWORD, memberships=((org, "consultant"),))
    login(client, "c@example.org")
    response = client.get("/compare")
    assert response.status_code == 200
    assert "None of your clients has a closed round yet" in response.get_data(as_text=True)


def test_a_bare_instrument_check_is_a_page_for_consultants(client, closed_world):
    login(client, "consultant@example.org")
    response = client.get("/validate")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "survey link" not in page  # not the employees' error page
    assert "Does the questionnaire measure what it says it measures?" in page
    assert "at least 200 complete answers" in page
    assert f'name="campaign" value="{closed_world["acme"][1]}"' in page
    assert "Initech" not in page  # only the consultant's own clients' rounds
    dutch = client.get("/validate?lang=nl").get_data(as_text=True)
    assert "Controle van de vragenlijst" in dutch
    assert "200 volledig ingevulde vragenlijsten" in dutch


def test_an_instrument_check_of_rounds_that_cannot_be_pooled_says_why(client, world):
    login(client, "consultant@example.org")
    still_open = world["acme"][1]
    response = client.get(f"/validate?campaign={still_open}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "survey link" not in page
    assert "These rounds cannot be checked together." in page and "only closed rounds" in page
    assert f'name="campaign" value="{world["acme"][0]}"' in page  # choose again


# --- every portfolio column sorts --------------------------------------------------------------


def principle_keys(client) -> list[str]:
    header = client.get("/portfolio.csv").get_data(as_text=True).splitlines()[0].split(",")
    return header[header.index("level") + 1 : header.index("pool_percentile")]


def test_the_portfolio_sorts_by_a_principle_column(client, closed_world):
    login(client, "consultant@example.org")
    keys = principle_keys(client)
    assert len(keys) == 5
    page = client.get("/portfolio").get_data(as_text=True)
    for key in (*keys, "round"):  # a link in each header
        assert f'href="?sort={key}&dir=asc"' in page
    for key in keys:
        for direction in ("asc", "desc"):
            rows = list(
                csv.DictReader(
                    io.StringIO(
                        client.get(f"/portfolio.csv?sort={key}&dir={direction}").get_data(
                            as_text=True
                        )
                    )
                )
            )
            values = [float(r[key]) for r in rows]
            assert values == sorted(values, reverse=direction == "desc")
            assert len({round(v, 6) for v in values}) > 1  # the order is not a tie
    key = keys[0]
    sorted_page = client.get(f"/portfolio?sort={key}&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in sorted_page
    header = sorted_page[sorted_page.index('aria-sort="descending"') :]
    assert f"?sort={key}&dir=asc" in header[: header.index("</th>")]  # next click: ascending
    assert "▼" in header[: header.index("</th>")]  # and the order is seen, not only announced
    unknown = client.get("/portfolio.csv?sort=nonsense")  # an unknown column sorts by name
    names = [r["organisation"] for r in csv.DictReader(io.StringIO(unknown.get_data(as_text=True)))]
    assert names == sorted(names)


def test_sector_names_are_translated_but_filter_by_their_stored_name(client, closed_world):
    login(client, "consultant@example.org")
    dutch = client.get("/portfolio?lang=nl").get_data(as_text=True)
    assert '<option value="Retail">Detailhandel</option>' in dutch
    assert '<option value="Healthcare">Gezondheidszorg</option>' in dutch
    assert '<span class="hint">Detailhandel</span>' in dutch
    assert ">Retail<" not in dutch and ">Healthcare<" not in dutch
    filtered = client.get("/portfolio?lang=nl&sector=Retail").get_data(as_text=True)
    assert "Globex Corp" in filtered and "Acme Corp" not in filtered
    english = client.get("/portfolio?lang=en").get_data(as_text=True)
    assert '<option value="Retail">Retail</option>' in english
    benchmark = client.get("/benchmark?lang=nl").get_data(as_text=True)
    assert '<option value="Healthcare">Gezondheidszorg</option>' in benchmark


def test_an_unknown_sector_is_shown_as_it_was_stored(app):
    from survey.web.consult.sectors import sector_label, sector_options

    with app.test_request_context("/?lang=nl"):
        assert sector_label("Space mining") == "Space mining"
        assert sector_label(" retail ") != " retail "
        assert sector_label(None) == ""
        # in the order of their Dutch labels: Detailhandel before Energie
        assert sector_options(["Energy", "Retail"]) == [
            ("Retail", "Detailhandel"),
            ("Energy", "Energie"),
        ]
