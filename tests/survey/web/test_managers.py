"""Managers through the real app: HR publishes a closed round's results, every manager gets one
e-mail and reads their own team — its subtree and the teams under it — and nothing else (404),
and every figure they see is one HR's audited report publishes: two managers together, or a
manager beside HR, learn nothing the audit has not passed."""

from __future__ import annotations

import email
import io
import re
from email import policy

import sqlalchemy as sa

from survey import jobs
from survey.models import Action, Campaign
from survey.services import actions, report_files
from survey.services.campaigns import campaign_instrument
from survey.services.lifecycle import set_status
from survey.services.responses import campaign_for_token, submit_response
from survey.services.users import add_user

from ...reports.english import english_in, visible_texts
from ...reports.test_office import book_texts, deck_texts
from ...reports.test_teams import file_numbers, published_numbers
from ..conftest import PASSWORD, AuthActions, csrf_token, import_approved
from .test_participation_attacks import links
from .test_teams import TEAMS, team_round

NUMBER = re.compile(r"(?<![\w.])\d+\.\d(?!\d)")


def published_round(client, session, app, outbox):
    campaign, checked = team_round(session, app, outbox)
    import_approved(session, campaign, checked)
    with app.app_context():
        from survey.extensions import db

        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    for i, token in links(outbox, "zorg").items():
        vary(session, token, i)
    set_status(session, campaign, "closed")
    organisation = campaign.organisation
    for name, team in (("ward", "Care/Ward 3"), ("care", "Care"), ("shop", "Shop"),
                       ("nights", "Care/Ward 3/Nights")):  # fmt: skip
        add_user(session, f"{name}@zorg.example", PASSWORD,
                 memberships=((organisation, "manager"),), team=team)  # fmt: skip
    return campaign


def vary(session, token: str, i: int) -> None:
    """Answer through a personal link, each person their own way: scores differ by team."""
    campaign = campaign_for_token(session, token)
    keys = campaign_instrument(campaign).item_keys
    answers = {key: 1 + (i * 3 + j) % 5 for j, key in enumerate(keys)}
    submit_response(session, campaign, answers=answers, segments={}, language="en", token=token)


def as_user(client, address):
    client.delete_cookie("session")
    assert AuthActions(client).login(address).status_code == 302


def test_managers_read_their_own_team_once_hr_publishes(client, session, app, outbox):
    campaign = published_round(client, session, app, outbox)
    team = f"/campaigns/{campaign.id}/team"
    as_user(client, "ward@zorg.example")
    assert client.get(team).status_code == 404  # not published yet
    as_user(client, "hr@zorg.example")
    page = client.get(f"/campaigns/{campaign.id}/managers").get_data(as_text=True)
    before = set(outbox.glob("*.eml"))
    published = client.post(
        f"/campaigns/{campaign.id}/publish-to-managers", data={"csrf_token": csrf_token(page)}
    )
    assert published.status_code == 302
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in set(outbox.glob("*.eml")) - before]  # fmt: skip
    assert sorted(str(m["To"]) for m in mails) == [
        "care@zorg.example", "nights@zorg.example", "shop@zorg.example", "ward@zorg.example"
    ]  # fmt: skip
    assert all(team in m.get_content() for m in mails)
    # publishing again sends nobody a second e-mail
    client.post(f"/campaigns/{campaign.id}/publish-to-managers",
                data={"csrf_token": csrf_token(page)})  # fmt: skip
    assert len(set(outbox.glob("*.eml")) - before) == 4
    # the release every manager's page reads was built and kept before the first e-mail went
    fresh = session.get(Campaign, campaign.id)
    for lang in ("en", "nl"):
        key = report_files.report_key(
            session, fresh, lang, "release", app.config["COMMENT_MIN_GROUP_SIZE"]
        )
        assert key is not None and report_files.is_kept(session, key), lang

    as_user(client, "ward@zorg.example")
    own = client.get(team)
    text = own.get_data(as_text=True)
    assert own.status_code == 200 and "Your team: Ward 3" in text and "Nights" in text
    assert client.get(team + "?unit=Care/Ward 3/Nights").status_code == 200
    for outside in ("Care", "Shop", "Care/Ward 4", "Care/Ward 3x"):
        assert client.get(team, query_string={"unit": outside}).status_code == 404, outside
    assert client.get(f"/campaigns/{campaign.id}/report").status_code == 403
    assert client.get(team + ".pdf").headers["Content-Type"] == "application/pdf"
    for kind in ("xlsx", "pptx"):
        download = client.get(f"{team}.{kind}?unit=Care/Ward 3/Nights")
        assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
        assert f"team-{campaign.id}-en.{kind}" in download.headers["Content-Disposition"]
        for outside in ("Care", "Shop", "Care/Ward 3x"):
            refused = client.get(f"{team}.{kind}", query_string={"unit": outside})
            assert refused.status_code == 404, (kind, outside)
    offered = client.get(team + "?unit=Care/Ward 3/Nights").get_data(as_text=True)
    assert f"/campaigns/{campaign.id}/team.xlsx?unit=Care/Ward" in offered
    assert f"/campaigns/{campaign.id}/team.pptx?unit=Care/Ward" in offered
    as_user(client, "hr@zorg.example")
    overview = client.get(f"/campaigns/{campaign.id}/managers").get_data(as_text=True)
    assert overview.count("not yet") == 3  # the ward's manager has read theirs


def test_what_managers_see_is_what_the_audited_report_publishes(client, session, app, outbox):
    """Every score on every manager's page is one of the HR report's (its tree's and the
    organisation's): whatever managers put together, and with HR's report beside it, is one
    release the audit passed."""
    campaign = published_round(client, session, app, outbox)
    as_user(client, "hr@zorg.example")
    figures = client.get(f"/campaigns/{campaign.id}/report.json").get_json()
    published = {f"{d['score']:.1f}" for d in figures["dimensions"] if d.get("score") is not None}
    tree = next(s for s in figures["segments"] if s["key"] == "team")
    for group in tree["groups"]:
        published |= {f"{v['score']:.1f}" for v in group["scores"].values()
                      if v["score"] is not None}  # fmt: skip
        published |= {f"{v['score'] - d['score']:+.1f}"
                      for key, v in group["scores"].items() for d in figures["dimensions"]
                      if d["key"] == key and v["score"] is not None}  # fmt: skip
    page = client.get(f"/campaigns/{campaign.id}/managers").get_data(as_text=True)
    client.post(f"/campaigns/{campaign.id}/publish-to-managers",
                data={"csrf_token": csrf_token(page)})  # fmt: skip
    shown_groups = {g["group"] for g in tree["groups"]}
    counts, written = published_numbers(figures)
    for manager in ("ward", "care", "shop", "nights"):
        as_user(client, f"{manager}@zorg.example")
        text = client.get(f"/campaigns/{campaign.id}/team").get_data(as_text=True)
        body = " ".join(visible_texts(text[text.index('class="report team-report"') :]))
        seen = {n.lstrip("+-−") for n in NUMBER.findall(body)}
        assert seen and seen <= {p.lstrip("+-") for p in published}, (manager, seen - published)
        if manager in ("care",) and "Care" not in shown_groups:
            assert "are not shown" in body or "not shown" in body
        # the manager's workbook and deck: the same numbers, each of them published
        book, deck = team_files(client, campaign.id)
        cells, decimals = file_numbers(book, deck)
        assert cells and set(cells) <= counts, (manager, set(cells) - counts)
        assert set(decimals) <= written, (manager, set(decimals) - written)


def team_files(client, campaign_id: int, lang: str = "en"):
    """The manager's workbook and deck, downloaded and opened."""
    import openpyxl
    from pptx import Presentation

    files = [client.get(f"/campaigns/{campaign_id}/team.{kind}?lang={lang}")
             for kind in ("xlsx", "pptx")]  # fmt: skip
    assert [f.status_code for f in files] == [200, 200]
    return (openpyxl.load_workbook(io.BytesIO(files[0].data)),
            Presentation(io.BytesIO(files[1].data)))  # fmt: skip


def test_a_managers_dutch_files_are_wholly_dutch(client, session, app, outbox):
    campaign = published_round(client, session, app, outbox)
    as_user(client, "hr@zorg.example")
    page = client.get(f"/campaigns/{campaign.id}/managers").get_data(as_text=True)
    client.post(f"/campaigns/{campaign.id}/publish-to-managers",
                data={"csrf_token": csrf_token(page)})  # fmt: skip
    as_user(client, "ward@zorg.example")
    text = client.get(f"/campaigns/{campaign.id}/team?lang=nl").get_data(as_text=True)
    key = re.search(r'name="recommendation" value="([^"]+)"', text).group(1)
    client.post(f"/campaigns/{campaign.id}/team/actions?lang=nl",
                data={"csrf_token": csrf_token(text), "recommendation": key})  # fmt: skip
    book, deck = team_files(client, campaign.id, "nl")
    texts = [*book_texts(book), *deck_texts(deck)]
    assert english_in(texts) == set()
    assert "Uw team: Ward 3" in texts and "Acties van uw team" in book.sheetnames
    planned = session.scalars(sa.select(Action)).one()
    assert planned.title in texts and "gepland" in texts


def test_a_manager_plans_for_their_team_and_hr_sees_it(client, session, app, outbox):
    campaign = published_round(client, session, app, outbox)
    as_user(client, "hr@zorg.example")
    page = client.get(f"/campaigns/{campaign.id}/managers").get_data(as_text=True)
    client.post(f"/campaigns/{campaign.id}/publish-to-managers",
                data={"csrf_token": csrf_token(page)})  # fmt: skip
    as_user(client, "ward@zorg.example")
    text = client.get(f"/campaigns/{campaign.id}/team").get_data(as_text=True)
    key = re.search(r'name="recommendation" value="([^"]+)"', text).group(1)
    url = f"/campaigns/{campaign.id}/team/actions"
    for _twice in range(2):
        added = client.post(url, data={"csrf_token": csrf_token(text), "recommendation": key})
        assert added.status_code == 302
    planned = session.scalars(sa.select(Action)).all()
    ward = "Care/Ward 3"
    assert [(a.team, a.recommendation_key[-len(key) :]) for a in planned] == [(ward, key)]
    assert actions.actions_of(session, campaign.id) == []  # HR's own plan stays HR's
    forged = client.post(url, data={"csrf_token": csrf_token(text), "recommendation": "nope"})
    assert forged.status_code == 400
    as_user(client, "hr@zorg.example")
    overview = client.get(f"/campaigns/{campaign.id}/managers").get_data(as_text=True)
    assert planned[0].title in overview
    assert len(TEAMS) == 26


def test_team_actions_of_long_paths_fit_and_a_wildcard_team_sees_only_its_own(session, app):
    from survey.services.campaigns import add_organisation, create_campaign

    organisation = add_organisation(session, "paths", "Paths")
    campaign = create_campaign(session, organisation, "Spring", status="open")
    key = next(r.key for r in __import__("survey.services.campaigns", fromlist=["x"])
               .campaign_instrument(campaign).recommendations)  # fmt: skip
    deep = "/".join(["a" * 90] * 5)
    action, new = actions.add_from_recommendation(session, campaign, key, "en", team=deep)
    assert new and len(action.recommendation_key) <= 120 and action.team == deep
    actions.add_from_recommendation(session, campaign, key, "en", team="CareXA/Ward")
    assert [a.team for a in actions.team_actions(session, campaign.id, "Care_A")] == []
    assert actions.actions_of(session, campaign.id) == []


TEAM_ROUTES = ["/campaigns/{id}/team", "/campaigns/{id}/team.pdf", "/campaigns/{id}/team.xlsx",
               "/campaigns/{id}/team.pptx"]  # fmt: skip
# who asks for which unit → the status of each of the team's routes, once HR published the round
TEAM_MATRIX = [
    ("ward@zorg.example", None, 200),
    ("ward@zorg.example", "Care/Ward 3/Nights", 200),
    ("ward@zorg.example", "Care", 404),  # above the manager's team
    ("ward@zorg.example", "Shop", 404),  # beside it
    ("ward@zorg.example", "Care/Ward 3x", 404),  # a name that only starts like it
    ("nights@zorg.example", "Care/Ward 3", 404),
    ("care@zorg.example", "Care/Ward 3/Nights", 200),
    ("shop@zorg.example", "Care/Ward 3", 404),
    ("hr@zorg.example", None, 404),  # HR reads the whole report, not a manager's page
    ("care@other.example", None, 404),  # a manager of another organisation
    (None, None, 302),  # not logged in: to the login page
]


def test_team_routes_matrix(client, session, app, outbox):
    """Every team route (page, PDF, workbook, deck) for every kind of visitor: the manager's own
    team and the units under it, nothing else; no route before HR publishes the round."""
    from survey.services.campaigns import add_organisation

    campaign = published_round(client, session, app, outbox)
    other = add_organisation(session, "other", "Other")
    add_user(session, "care@other.example", PASSWORD, memberships=((other, "manager"),),
             team="Care")  # fmt: skip
    as_user(client, "ward@zorg.example")
    for route in TEAM_ROUTES:  # not published yet
        assert client.get(route.format(id=campaign.id)).status_code == 404, route
    as_user(client, "hr@zorg.example")
    page = client.get(f"/campaigns/{campaign.id}/managers").get_data(as_text=True)
    client.post(f"/campaigns/{campaign.id}/publish-to-managers",
                data={"csrf_token": csrf_token(page)})  # fmt: skip
    current = "hr@zorg.example"
    for address, unit, status in TEAM_MATRIX:  # each visitor logs in once (logins are limited)
        if address != current:
            current = address
            if address is None:
                client.delete_cookie("session")
            else:
                as_user(client, address)
        for route in TEAM_ROUTES:
            url = route.format(id=campaign.id)
            response = client.get(url, query_string={"unit": unit} if unit else {})
            assert response.status_code == status, (address, unit, url, response.status_code)
            assert response.headers["Cache-Control"] == "no-store", (address, unit, url)
            if status == 302:
                assert "/login" in response.headers["Location"]
