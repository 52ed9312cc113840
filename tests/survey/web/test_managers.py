"""Managers through the real app: HR publishes a closed round's results, every manager gets one
e-mail and reads their own team — its subtree and the teams under it — and nothing else (404),
and every figure they see is one HR's audited report publishes: two managers together, or a
manager beside HR, learn nothing the audit has not passed."""

from __future__ import annotations

import email
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

from ...reports.english import visible_texts
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
    for manager in ("ward", "care", "shop", "nights"):
        as_user(client, f"{manager}@zorg.example")
        text = client.get(f"/campaigns/{campaign.id}/team").get_data(as_text=True)
        body = " ".join(visible_texts(text[text.index('class="report team-report"') :]))
        seen = {n.lstrip("+-−") for n in NUMBER.findall(body)}
        assert seen and seen <= {p.lstrip("+-") for p in published}, (manager, seen - published)
        if manager in ("care",) and "Care" not in shown_groups:
            assert "are not shown" in body or "not shown" in body


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
