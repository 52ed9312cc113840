"""Data lifecycle: closing a round, purging by retention period, erasing an organisation, and the
public "what we store" page."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from survey.models import (
    Base,
    Campaign,
    ClosedLink,
    Comment,
    Invitation,
    Membership,
    Organisation,
    Response,
    RoundAggregate,
    User,
)
from survey.services.campaigns import campaign_instrument
from survey.services.errors import InvalidInput
from survey.services.lifecycle import due_for_purge, set_status
from survey.services.responses import create_invitations, hash_token, submit_response
from survey.services.users import add_user

from ..conftest import fill_round, redis_url_or_skip


def count(session, model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return session.scalar(query)


def answer(session, campaign, n, comment=""):
    fill_round(session, campaign, n, comment=comment)


def test_closing_deletes_links_and_keeps_their_counts(session, campaign):
    tokens = create_invitations(session, campaign, 7)
    instrument = campaign_instrument(campaign)
    for token in tokens[:3]:
        submit_response(
            session,
            campaign,
            answers={k: 3 for k in instrument.item_keys},
            segments={},
            language="en",
            token=token,
        )
    answer(session, campaign, 4)
    set_status(session, campaign, "closed")
    assert count(session, Invitation, campaign_id=campaign.id) == 0
    # only the links' hashes stay, used or not alike, so that a link says the round has closed
    kept = session.scalars(sa.select(ClosedLink.token_hash)).all()
    assert sorted(kept) == sorted(hash_token(token) for token in tokens)
    session.expire_all()
    closed = session.get(Campaign, campaign.id)
    assert (closed.invitations_total, closed.invitations_used) == (7, 3)
    assert closed.closed_on == dt.datetime.now(dt.UTC).date()
    assert count(session, RoundAggregate, campaign_id=campaign.id) == 1


def test_purge_keeps_aggregates_and_deletes_answers(session, campaign, runner):
    answer(session, campaign, 6, comment="Fijn")
    set_status(session, campaign, "closed")
    aggregate = session.scalars(sa.select(RoundAggregate)).one().dimensions
    assert runner.invoke(args=["purge"]).output.strip() == "No round is past its retention period."
    campaign.closed_on = dt.date.today() - dt.timedelta(days=campaign.retention_days + 1)
    session.commit()
    assert [c.id for c in due_for_purge(session)] == [campaign.id]
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "Would purge campaign" in dry.output and count(session, Response) == 6
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "Deleted 6 responses and 6 comments" in result.output
    assert count(session, Response) == 0 and count(session, Comment) == 0
    session.expire_all()
    assert session.scalars(sa.select(RoundAggregate)).one().dimensions == aggregate
    assert session.get(Campaign, campaign.id).purged
    assert due_for_purge(session) == []


def test_org_delete_needs_confirmation_then_erases_everything(session, campaign, runner):
    answer(session, campaign, 6, comment="x")
    create_invitations(session, campaign, 2)
    organisation = session.get(Organisation, campaign.organisation_id)
    add_user(session, "hr@acme.example", "a long password", memberships=((organisation, "hr"),))
    set_status(session, campaign, "closed")
    refused = runner.invoke(args=["org", "delete", "acme"], input="wrong\n")
    assert refused.exit_code == 2 and "nothing was deleted" in refused.output
    assert count(session, Organisation) == 1 and count(session, Response) == 6
    result = runner.invoke(args=["org", "delete", "acme"], input="acme\n")
    assert result.exit_code == 0, result.output
    for model in (
        Organisation,
        Campaign,
        Response,
        Comment,
        Invitation,
        RoundAggregate,
        Membership,
    ):
        assert count(session, model) == 0, model.__name__
    assert count(session, User) == 1  # the account stays; it may belong elsewhere
    assert runner.invoke(args=["org", "delete", "acme", "--yes"]).exit_code == 2


def test_two_people_closing_at_once(app, session, campaign):
    """Both try; exactly one closes the round, the other is told it is closed already."""
    answer(session, campaign, 5)
    outcomes, barrier = [], threading.Barrier(2)

    def close():
        from sqlalchemy.orm import Session as OwnSession

        with app.app_context():
            from survey.extensions import db

            engine = db.engine
        with OwnSession(engine) as own:
            mine = own.get(Campaign, campaign.id)
            barrier.wait()
            try:
                set_status(own, mine, "closed")
                outcomes.append("closed")
            except InvalidInput as exc:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == sorted(["closed", f"campaign {campaign.id} is closed already"])
    assert count(session, RoundAggregate, campaign_id=campaign.id) == 1


def test_what_we_store_page_matches_the_schema(client):
    page = client.get("/privacy?lang=en").get_data(as_text=True)
    described = re.findall(r'<dd data-column="([^"]+)">([^<]+)</dd>', page)
    columns = [
        c.name
        for t in (
            "responses",
            "comments",
            "invitations",
            "participants",
            "closed_links",
            "form_keys",
        )
        for c in Base.metadata.tables[t].columns
    ]
    assert [name for name, _ in described] == columns
    assert all(text != name for name, text in described), "a column has no description"
    dutch = client.get("/privacy?lang=nl").get_data(as_text=True)
    assert "Wat we bewaren" in dutch and "Wat we nooit bewaren" in dutch


def test_welcome_page_links_to_what_we_store(client, campaign, token):
    assert "/privacy" in client.get(f"/s/{token}").get_data(as_text=True)


def test_retention_period_is_set_per_round(runner, session):
    runner.invoke(args=["org", "add", "acme", "--name", "Acme"])
    result = runner.invoke(
        args=["campaign", "add", "acme", "--name", "R", "--retention-days", "90"]
    )
    assert result.exit_code == 0
    assert session.get(Campaign, int(result.output)).retention_days == 90
    refused = runner.invoke(
        args=["campaign", "add", "acme", "--name", "R", "--retention-days", "0"]
    )
    assert refused.exit_code == 2 and "between 1 and 3650 days" in refused.output


def test_rounds_past_their_closing_date_are_closed(session, campaign, runner):
    """A round whose last day has passed is closed as HR would close it: aggregates kept, links
    deleted, its retention clock started — by `ambassador close-due` from cron."""
    answer(session, campaign, 6)
    create_invitations(session, campaign, 3)
    campaign.closes_on = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    result = runner.invoke(args=["close-due"])
    assert result.exit_code == 0 and f"Closed campaign {campaign.id}" in result.output
    session.expire_all()
    closed = session.get(Campaign, campaign.id)
    assert closed.status == "closed" and closed.closed_on == dt.date.today()
    assert closed.invitations_total == 3 and count(session, Invitation) == 0
    assert count(session, RoundAggregate, campaign_id=campaign.id) == 1
    again = runner.invoke(args=["close-due"])
    assert "No open round is past its closing date" in again.output


def test_a_round_on_its_last_day_stays_open(session, campaign, runner):
    campaign.closes_on = dt.date.today()
    session.commit()
    assert "No open round" in runner.invoke(args=["close-due"]).output
    session.expire_all()
    assert session.get(Campaign, campaign.id).status == "open"


def test_the_workers_hourly_round_closes_reminds_purges_and_comes_back(app, session, campaign):
    """The housekeeping job on real Redis: it does the day's work and schedules its next run."""
    import os

    from survey import jobs

    url = redis_url_or_skip()
    from rq.registry import ScheduledJobRegistry

    answer(session, campaign, 6)
    campaign.closes_on = dt.date.today() - dt.timedelta(days=3)
    session.commit()
    before = (app.config["REDIS_URL"], jobs.QUEUE)
    app.config["REDIS_URL"], jobs.QUEUE = url, f"test-housekeeping-{os.getpid()}"
    try:
        with app.app_context():
            done = jobs.housekeeping()
            registry = ScheduledJobRegistry(queue=jobs.queue())
            scheduled = registry.get_job_ids()
            for job_id in scheduled:  # leave Redis as it was
                registry.remove(job_id, delete_job=True)
    finally:
        app.config["REDIS_URL"], jobs.QUEUE = before
    assert done == {"closed": 1, "reminded": 0, "purged": 0}
    next_hour = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert scheduled == [f"ambassador-housekeeping-{next_hour:%Y%m%d%H}"]
    session.expire_all()
    assert session.get(Campaign, campaign.id).status == "closed"


def test_a_purged_rounds_report_comes_from_what_was_kept(session, campaign, runner):
    """After the purge the report shows the kept principle scores — not "5 more responses
    needed" — and says where they come from; page, CSV, JSON and PDF all work."""
    import json

    from reports.exports import report_csv
    from reports.render import render_body, render_pdf
    from survey.services.reporting import campaign_report

    answer(session, campaign, 8)
    set_status(session, campaign, "closed")
    before, _labels = campaign_report(session, campaign, "en")
    campaign.closed_on = dt.date.today() - dt.timedelta(days=campaign.retention_days + 1)
    session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    session.expire_all()
    purged = session.get(Campaign, campaign.id)
    report, labels = campaign_report(session, purged, "en")
    assert report.enough and report.purged and report.needed == 0 and report.n_responses == 8
    for kept, original in zip(report.dimensions, before.dimensions, strict=True):
        assert kept.score == pytest.approx(original.score, rel=1e-9)
        assert kept.level == original.level and kept.n == original.n
    assert report.overall.score == pytest.approx(before.overall.score, rel=1e-9)
    assert report.breakdowns == () and report.comments == ()
    page = render_body(report, labels)
    assert "deleted at the end of its retention period" in page and "more responses" not in page
    assert json.loads(json.dumps(report.to_dict()))["purged"] is True
    assert report_csv(report).count("\n") == 1 + len(report.dimensions)
    assert render_pdf(report, labels)[:4] == b"%PDF"
