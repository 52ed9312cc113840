"""Action plans, and the trend that survives a purge of the previous round's answers."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from survey.models import Action, Campaign
from survey.services.campaigns import add_organisation, create_campaign
from survey.services.lifecycle import purge, set_status
from survey.services.reporting import campaign_report
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, csrf_token, fill_round


def two_rounds(session, shift=1):
    org = add_organisation(session, "acme", "Acme")
    first = create_campaign(session, org, "2025", status="open")
    fill_round(session, first, 15, answer=lambda i, j: 1 + i % 3)
    set_status(session, first, "closed")
    second = create_campaign(session, org, "2026", status="open")
    fill_round(session, second, 15, answer=lambda i, j: min(5, 1 + i % 3 + shift))
    set_status(session, second, "closed")
    add_user(session, "hr@acme.example", PASSWORD, memberships=((org, "hr"),))
    return first, second


def login(client):
    assert AuthActions(client).login("hr@acme.example").status_code == 302


def test_recommendation_becomes_an_action_shown_in_the_next_round(client, session):
    first, second = two_rounds(session)
    login(client)
    report = client.get(f"/campaigns/{first.id}/report?lang=en").get_data(as_text=True)
    assert "Make this an action" in report
    built, _ = campaign_report(session, first, "en")
    pick = built.recommendations[0]
    token = csrf_token(report)
    created = client.post(
        f"/campaigns/{first.id}/actions", data={"csrf_token": token, "recommendation": pick.key}
    )
    assert created.status_code == 302
    action = session.scalars(sa.select(Action)).one()
    assert action.dimension == pick.dimension and action.title == pick.text
    plan = client.get(f"/campaigns/{first.id}/actions").get_data(as_text=True)
    prefix = f"a{action.id}-"
    token = re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', plan).group(1)
    saved = client.post(
        f"/campaigns/{first.id}/actions/{action.id}",
        data={
            f"{prefix}csrf_token": token,
            f"{prefix}owner": "Femke (HR)",
            f"{prefix}due_on": "2026-03-01",
            f"{prefix}status": "done",
            f"{prefix}note": "Went well",
        },
    )
    assert saved.status_code == 302
    session.expire_all()
    action = session.get(Action, action.id)
    assert (action.owner, action.due_on, action.status) == (
        "Femke (HR)",
        dt.date(2026, 3, 1),
        "done",
    )
    next_report = client.get(f"/campaigns/{second.id}/report?lang=en").get_data(as_text=True)
    assert "Actions since then" in next_report and pick.text in next_report
    assert "Femke (HR)" in next_report


def test_unknown_recommendation_or_foreign_action_is_refused(client, session):
    first, second = two_rounds(session)
    login(client)
    token = csrf_token(client.get(f"/campaigns/{first.id}/report").get_data(as_text=True))
    bad = client.post(
        f"/campaigns/{first.id}/actions",
        data={"csrf_token": token, "recommendation": "no-such-thing"},
    )
    assert bad.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0
    assert (
        client.post(f"/campaigns/{second.id}/actions/999", data={"csrf_token": token}).status_code
        == 404
    )


def test_trend_survives_a_purge_of_the_previous_round(session):
    first, second = two_rounds(session, shift=1)
    before, _ = campaign_report(session, second, "en")
    first.closed_on = dt.date.today() - dt.timedelta(days=first.retention_days + 1)
    session.commit()
    purge(session, [session.get(Campaign, first.id)])
    after, _ = campaign_report(session, second, "en")
    assert after.trend.from_aggregates and not before.trend.from_aggregates
    for raw, kept in zip(before.trend.dimensions, after.trend.dimensions, strict=True):
        assert kept.before == raw.before and kept.difference == raw.difference
        assert kept.pvalue == raw.pvalue or abs(kept.pvalue - raw.pvalue) < 1e-4
        assert kept.verdict == raw.verdict and kept.important == raw.important


def test_a_recommendation_becomes_one_action_and_an_action_can_be_removed(client, session):
    first, _second = two_rounds(session)
    login(client)
    built, _ = campaign_report(session, first, "en")
    key = built.recommendations[0].key
    page = client.get(f"/campaigns/{first.id}/report").get_data(as_text=True)
    for _ in range(3):  # clicked three times
        data = {"csrf_token": csrf_token(page), "recommendation": key}
        assert client.post(f"/campaigns/{first.id}/actions", data=data).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Action)) == 1
    plan = client.get(f"/campaigns/{first.id}/actions").get_data(as_text=True)
    assert "in the action plan already" in plan and "Remove this action" in plan
    action = session.scalars(sa.select(Action)).one()
    removed = client.post(
        f"/campaigns/{first.id}/actions/{action.id}/delete",
        data={"csrf_token": csrf_token(plan)},
    )
    assert removed.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0
    again = client.post(
        f"/campaigns/{first.id}/actions/{action.id}/delete",
        data={"csrf_token": csrf_token(plan)},
    )
    assert again.status_code == 404


def test_the_previous_round_is_the_latest_closed_one(session):
    from survey.services.reporting import previous_round

    first, second = two_rounds(session)
    draft = create_campaign(session, first.organisation, "2027 draft")
    current = create_campaign(session, first.organisation, "2027", status="open")
    assert previous_round(session, current) == second  # not the draft in between
    assert previous_round(session, draft) == second
    still_open = create_campaign(session, first.organisation, "2028", status="open")
    assert previous_round(session, still_open) == second  # not the round still open
    assert previous_round(session, first) is None


def test_rounds_of_versions_that_are_one_measure_trend_compare_and_pool_together(session):
    """A v1 round and a v2 round (v2 only rewords the Dutch) are one measure: the v2 report
    shows the change since the v1 round, they can be compared side by side, and both join one
    benchmark pool; the Dutch survey of the new round reads naturally."""
    from survey.services.comparison import compare
    from survey.services.pool import pool_entries, published_pool
    from survey.services.reporting import previous_round

    org = add_organisation(session, "acme", "Acme")
    old = create_campaign(session, org, "2025", instrument="social-culture-v1", status="open")
    fill_round(session, old, 15, answer=lambda i, j: 1 + i % 3)
    set_status(session, old, "closed")
    new = create_campaign(session, org, "2026", status="open")
    assert (old.instrument_version, new.instrument_version) == ("1", "2")
    fill_round(session, new, 15, answer=lambda i, j: min(5, 2 + i % 3))
    set_status(session, new, "closed")
    assert previous_round(session, new) == old
    report, _ = campaign_report(session, new, "en")
    assert report.trend is not None and report.trend.previous == "2025"
    result = compare(session, [old, new], "en")
    assert [r.shown for r in result.rounds] == [True, True]
    entries = pool_entries(session, "social-culture", "2")
    assert len(entries) == 1 and entries[0].organisation_id == org.id  # the latest round: v2
    assert published_pool(session, "social-culture", "2").version is None  # one organisation
    from survey.services.campaigns import campaign_instrument

    assert campaign_instrument(new).scale.labels["nl"][0] == "Helemaal mee oneens"
    assert campaign_instrument(old).scale.labels["nl"][0] == "Helemaal oneens"  # as it was asked
