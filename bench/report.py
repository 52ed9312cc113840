"""Benchmark: report data for 1,000, 10,000 and 100,000 responses, on SQLite and PostgreSQL.

For each database and size a round of synthetic responses (with three segment questions) is
stored, and the run times, best of three, (a) building the report data the way the report page
does (`survey.services.reporting.campaign_report`: one query into numpy arrays, all the
statistics, suppression, drivers, recommendations) and (b) a plain SELECT of the same rows. It
prints the log-log slope of the build time over the three sizes (target ≤ 1.15: linear growth),
the ratio of build to SELECT at 100,000 (target ≤ 5), and the time to render the 100,000-response
report as PDF. For a closed round of 20,000 responses it times the report page over HTTP (the
app's test client, logged in as HR) built cold and read warm from the kept page (target: warm ÷
cold ≤ 0.05, `warm_ratio`) and weighs it: its bytes as sent, and gzipped as a server compresses it
(target ≤ 150 kB, `page_gzip_kb`; a phone on a slow connection loads it in seconds). On a round
of 20,000 with the organisation's tree (48 teams, release kept as after publishing to managers)
it reads a manager's team page against HR's kept report page of the same round
(`manager_page_ratio`, target ≤ 1.5: a manager's page is read as fast as a kept report). The last
line is JSON.

It also times the disclosure audit of a round with the organisation's tree: 20,000 respondents in
1,500 teams six levels deep, with three segment questions, every team's subtree published
(`tree_audit_s`, with the number of groups it publishes; target: seconds, not minutes — ≤ 60 s,
and its ratio to the same audit without the tree, `tree_audit_ratio`, for the machine's speed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

sys.path.append(str(Path(__file__).resolve().parent.parent / "deploy"))
import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from harness import best_of, on_both_databases  # noqa: E402

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SIZES = (1_000, 10_000, 100_000)
TARGET_SLOPE, TARGET_RATIO, TARGET_AUDIT, TARGET_WARM = 1.15, 5.0, 0.10, 0.05
TARGET_PAGE_GZIP_KB = 150
TARGET_MANAGER = 1.5  # a manager's team page read against HR's kept page of the same round
TREE_SIZE, TREE_TEAMS, TREE_DEPTH, TARGET_TREE_S = 20_000, 1_500, 6, 60.0
WARM_SIZE = 20_000
AUDIT_SIZE = 20_000  # the disclosure audit is timed on a round with four questions of ten options
AUDIT_SEGMENTS = tuple((f"question{q}", [f"Option {o}" for o in range(10)]) for q in range(4))
SEGMENTS = (
    ("department", ["Sales", "IT", "HR", "Operations", "Finance", "Legal"]),
    ("role_level", ["Employee", "Manager", "Director"]),
    ("tenure", ["Less than 1 year", "1-5 years", "More than 5 years"]),
)



def store_round(session, organisation, n: int, seed: int, segments=SEGMENTS, teams=()):
    """A closed round of ``n`` synthetic responses; with ``teams`` (paths), the organisation's
    tree, each response in a random team, as a participant list would record it."""
    from scoring.teams import tree_question
    from survey.cli.demo import synthetic_answers
    from survey.models import Response
    from survey.services.campaigns import campaign_instrument, create_campaign, parse_segment

    campaign = create_campaign(
        session,
        organisation,
        f"Round of {n:,}",
        status="closed",  # a report shows figures once its round has closed
        segments=tuple(parse_segment(f"{key}={','.join(options)}") for key, options in segments),
    )
    if teams:
        campaign.segments = [*campaign.segments, tree_question(sorted(teams))]
        segments = (*segments, ("team", sorted(teams)))
    rng = np.random.default_rng(seed)
    roles = rng.choice(3, size=n, p=[0.75, 0.2, 0.05])
    offsets = synthetic_answers(
        campaign_instrument(campaign), (0.2, -0.1, 0.0, -0.4, 0.1), n, rng, roles
    )
    picks = [rng.integers(0, len(options), size=n) for _, options in segments]
    for start in range(0, n, 10_000):
        session.execute(
            sa.insert(Response),
            [
                {
                    "campaign_id": campaign.id,
                    "language": "en",
                    "answers": offsets[i].tobytes(),
                    "segments": {
                        key: options[picks[s][i]] for s, (key, options) in enumerate(segments)
                    },
                }
                for i in range(start, min(n, start + 10_000))
            ],
        )
    session.commit()
    return campaign


def bench(db_name: str, url: str, repeats: int) -> dict:
    from reports.render import render_pdf
    from survey import create_app, schema
    from survey.extensions import db
    from survey.models import Response
    from survey.services.campaigns import add_organisation
    from survey.services.reporting import campaign_report

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    build_s, select_s = [], []
    with app.app_context():
        schema.upgrade()
        organisation = add_organisation(db.session, f"bench-{secrets.token_hex(3)}", "Bench")
        for size in SIZES:
            campaign = store_round(db.session, organisation, size, seed=size)
            build_s.append(
                best_of(repeats, lambda c=campaign: campaign_report(db.session, c, "en"))
            )
            query = sa.select(Response.answers, Response.segments).where(
                Response.campaign_id == campaign.id
            )
            select_s.append(best_of(repeats, lambda q=query: db.session.execute(q).all()))
            print(
                f"{db_name:<10} {size:>7,} responses: build {build_s[-1] * 1e3:8.1f} ms, "
                f"plain SELECT {select_s[-1] * 1e3:8.1f} ms"
            )
        report, labels = campaign_report(db.session, campaign, "en")
        pdf_s = best_of(1, lambda: render_pdf(report, labels))
        audit = audit_share(db.session, repeats)
        warm = warm_share(app, db.session, repeats)
        manager = manager_share(app, db.session, repeats)
        db.engine.dispose()
    slope = float(np.polyfit(np.log(SIZES), np.log(build_s), 1)[0])
    ratio = build_s[-1] / select_s[-1]
    print(
        f"{db_name:<10} slope {slope:.2f} (target ≤ {TARGET_SLOPE}), build/SELECT at "
        f"{SIZES[-1]:,}: {ratio:.2f} (target ≤ {TARGET_RATIO}), PDF {pdf_s:.1f} s, disclosure "
        f"audit {audit['audit_s'] * 1e3:.1f} ms of a {audit['audit_build_s'] * 1e3:.1f} ms build "
        f"({audit['audit_ratio']:.3f}, target ≤ {TARGET_AUDIT}); report page of {WARM_SIZE:,} "
        f"cold {warm['cold_s'] * 1e3:.0f} ms, warm {warm['warm_s'] * 1e3:.1f} ms "
        f"({warm['warm_ratio']:.4f}, target ≤ {TARGET_WARM}), {warm['page_kb']:.0f} kB, gzipped "
        f"{warm['page_gzip_kb']:.0f} kB (target ≤ {TARGET_PAGE_GZIP_KB}); a manager's team page "
        f"{manager['manager_page_s'] * 1e3:.1f} ms against HR's kept page "
        f"{manager['hr_page_s'] * 1e3:.1f} ms ({manager['manager_page_ratio']:.2f}, target ≤ "
        f"{TARGET_MANAGER})"
    )
    return {
        "db": db_name,
        "sizes": list(SIZES),
        "build_s": [round(t, 4) for t in build_s],
        "slope": round(slope, 3),
        "select_s": round(select_s[-1], 4),
        "select_all_s": [round(t, 4) for t in select_s],
        "ratio_to_select": round(ratio, 2),
        "pdf_s": round(pdf_s, 2),
        "target_slope": TARGET_SLOPE,
        "target_ratio": TARGET_RATIO,
        **audit,
        "target_audit_ratio": TARGET_AUDIT,
        **warm,
        "target_warm_ratio": TARGET_WARM,
        **manager,
    }


def warm_share(app, session, repeats: int) -> dict:
    """The report page of a closed round over HTTP: built cold (the kept page deleted before
    each read) against read warm from the kept page."""
    from survey.services import report_files
    from survey.services.campaigns import add_organisation
    from survey.services.users import add_user

    organisation = add_organisation(session, f"warm-{secrets.token_hex(3)}", "Warm")
    campaign = store_round(session, organisation, WARM_SIZE, seed=11)
    email = f"hr-{secrets.token_hex(3)}@bench.example"
    add_user(session, email, "bench password 2026", memberships=((organisation, "hr"),))
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench password 2026"})
    url = f"/campaigns/{campaign.id}/report"

    def cold():
        report_files.forget(session, campaign.id)
        session.commit()
        assert client.get(url).status_code == 200

    cold_s = best_of(repeats, cold)
    warm_s = best_of(max(repeats, 5), lambda: client.get(url))
    page = client.get(url).get_data()
    return {
        "page_kb": round(len(page) / 1024, 1),
        "page_gzip_kb": round(len(gzip.compress(page)) / 1024, 1),
        "warm_size": WARM_SIZE,
        "cold_s": round(cold_s, 4),
        "warm_s": round(warm_s, 5),
        "warm_ratio": round(warm_s / cold_s, 5),
    }


def manager_share(app, session, repeats: int) -> dict:
    """A manager's team page of a round with the organisation's tree (kept release, as after
    publishing) against HR's kept report page of the same round."""
    import datetime as dt

    from survey.services import report_files
    from survey.services.campaigns import add_organisation
    from survey.services.users import add_user

    organisation = add_organisation(session, f"teams-{secrets.token_hex(3)}", "Teams")
    teams = [f"Unit {u}" for u in range(8)]
    teams += [f"Unit {u}/Team {t}" for u in range(8) for t in range(5)]
    campaign = store_round(session, organisation, WARM_SIZE, seed=13, teams=teams)
    campaign.managers_published_on = dt.date.today()
    session.commit()
    for lang in ("en",):
        report_files.release_for(session, campaign, lang, app.config["COMMENT_MIN_GROUP_SIZE"])
    password = "bench password 2026"
    hr, lead = (f"{who}-{secrets.token_hex(3)}@bench.example" for who in ("hr", "lead"))
    add_user(session, hr, password, memberships=((organisation, "hr"),))
    add_user(session, lead, password, memberships=((organisation, "manager"),), team="Unit 3")
    reads = {}
    for who, url in ((hr, f"/campaigns/{campaign.id}/report"),
                     (lead, f"/campaigns/{campaign.id}/team")):  # fmt: skip
        client = app.test_client()
        client.post("/login", data={"email": who, "password": password})
        assert client.get(url + "?lang=en").status_code == 200, url
        reads[who] = best_of(max(repeats, 5), lambda c=client, u=url: c.get(u + "?lang=en"))
    return {
        "manager_page_s": round(reads[lead], 5),
        "hr_page_s": round(reads[hr], 5),
        "manager_page_ratio": round(reads[lead] / reads[hr], 2),
        "target_manager_page_ratio": TARGET_MANAGER,
    }


def audit_share(session, repeats: int) -> dict:
    """The disclosure audit's share of a report's build, on a round of four segment questions with
    ten options each: the audit alone, on the same arrays the build hands it, against the build."""
    from reports.groups import audit, segment_answers
    from scoring.scores import points_from_offsets, respondent_scores
    from survey.services.campaigns import add_organisation, campaign_instrument
    from survey.services.reporting import campaign_report, round_data

    # an organisation of its own: no earlier round to load for a trend
    organisation = add_organisation(session, f"audit-{secrets.token_hex(3)}", "Audit")
    campaign = store_round(session, organisation, AUDIT_SIZE, seed=7, segments=AUDIT_SEGMENTS)
    build_s = best_of(repeats, lambda: campaign_report(session, campaign, "en"))
    instrument = campaign_instrument(campaign)
    data = round_data(session, campaign)
    scores = respondent_scores(points_from_offsets(data.offsets, instrument), instrument)
    keys = [d.key for d in instrument.dimensions]
    answers = segment_answers(data.segment_questions, data.segments)  # shared with the breakdowns
    audit_s = best_of(
        repeats,
        lambda: audit(data.segment_questions, answers, scores, keys, data.min_group_size),
    )
    return {
        "audit_size": AUDIT_SIZE,
        "audit_s": round(audit_s, 4),
        "audit_build_s": round(build_s, 4),
        "audit_ratio": round(audit_s / build_s, 4),
    }


def tree_audit(seed: int = 3) -> dict:
    """The audit of everything a round with a tree publishes: every team's subtree, the options
    of three segment questions and leaders/employees — against the same round without the tree."""
    import time

    from reports.groups import audit, segment_answers
    from scoring.teams import tree_question

    rng = np.random.default_rng(seed)
    paths = [("T0",)]
    while len(paths) < TREE_TEAMS:  # a random tree: each team under a random earlier one
        parent = paths[int(rng.integers(len(paths)))]
        if len(parent) < TREE_DEPTH:
            paths.append((*parent, f"T{len(paths)}"))
    options = sorted("/".join(p) for p in paths)
    teams = rng.choice(options, size=TREE_SIZE)
    segments = [
        {"team": str(team)} | {key: str(rng.choice(choices)) for key, choices in SEGMENTS}
        for team in teams
    ]
    plain = [{"key": key, "options": list(choices)} for key, choices in SEGMENTS]
    questions = [tree_question(options), *plain]
    scores = rng.normal(50, 20, size=(TREE_SIZE, 5))
    keys = ["guidelines", "error_tolerance", "patience", "leadership", "dialogue"]
    timed = {}
    for name, asked in (("tree", questions), ("plain", plain)):
        answers = segment_answers(asked, segments)
        start = time.perf_counter()
        result = audit(asked, answers, scores, keys, 5)
        timed[name] = (time.perf_counter() - start, len(result.groups.shown))
    print(
        f"tree audit: {TREE_SIZE:,} respondents, {TREE_TEAMS:,} teams {TREE_DEPTH} deep, three "
        f"segment questions: {timed['tree'][0]:.1f} s for {timed['tree'][1]:,} published groups "
        f"(target ≤ {TARGET_TREE_S:.0f} s); without the tree {timed['plain'][0]:.2f} s"
    )
    return {
        "tree_audit_s": round(timed["tree"][0], 2),
        "tree_groups": timed["tree"][1],
        "tree_audit_ratio": round(timed["tree"][0] / max(timed["plain"][0], 1e-9), 1),
        "target_tree_audit_s": TARGET_TREE_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench")
    results = on_both_databases(bench, args.repeats, url=PG_URL)
    worst = max(r["audit_ratio"] for r in results)
    warm = max(r["warm_ratio"] for r in results)
    weight = max(r["page_gzip_kb"] for r in results)
    figures = {"results": results, "audit_ratio": worst, "target_audit_ratio": TARGET_AUDIT}
    figures |= {"warm_ratio": warm, "target_warm_ratio": TARGET_WARM}
    figures |= {"page_gzip_kb": weight, "target_page_gzip_kb": TARGET_PAGE_GZIP_KB}
    figures |= tree_audit()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
