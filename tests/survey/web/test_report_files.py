"""A closed round's report is built once and kept in the database for every server; a change
to anything it depends on builds it anew; PDFs, workbooks and decks are built by the worker
while the page follows progress; purging a round's answers deletes its kept reports."""

from __future__ import annotations

import io
import re
import uuid

import sqlalchemy as sa

from survey import jobs
from survey.models import Campaign, ReportFile
from survey.services import actions, lifecycle, reporting
from survey.services.campaigns import add_organisation, create_campaign
from survey.services.lifecycle import set_status
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, fill_round, redis_url_or_skip


def closed_round(session, n=40):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = create_campaign(session, organisation, "Spring", status="open")
    fill_round(session, campaign, n, answer=lambda i, j: 1 + (i + j) % 5)
    set_status(session, campaign, "closed")
    add_user(session, "hr@acme.example", PASSWORD, memberships=((organisation, "hr"),))
    return campaign


def counting_builds(monkeypatch):
    """Count the report builds (the real function is called every time)."""
    calls = []
    real = reporting.campaign_report

    def spy(*args, **kwargs):
        calls.append(args[1].id)
        return real(*args, **kwargs)

    monkeypatch.setattr(reporting, "campaign_report", spy)
    return calls


def without_tokens(page) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", page.get_data(as_text=True))


def kept(session, kind=None):
    query = sa.select(ReportFile.kind, ReportFile.lang)
    if kind:
        query = query.where(ReportFile.kind == kind)
    return session.execute(query).all()


def test_a_closed_report_is_built_once_and_served_from_the_database(
    client, session, monkeypatch
):
    campaign = closed_round(session)
    AuthActions(client).login("hr@acme.example")
    builds = counting_builds(monkeypatch)
    first = client.get(f"/campaigns/{campaign.id}/report")
    assert first.status_code == 200 and builds == [campaign.id]
    again = [client.get(f"/campaigns/{campaign.id}/report") for _ in range(3)]
    # the same page, but for its CSRF tokens, which carry the second they were signed in
    same = [without_tokens(page) for page in again]
    assert same == [without_tokens(first)] * 3
    assert builds == [campaign.id]  # served from the kept page
    as_json = client.get(f"/campaigns/{campaign.id}/report.json").get_json()
    as_csv = client.get(f"/campaigns/{campaign.id}/report.csv").get_data(as_text=True)
    assert builds == [campaign.id] and as_json["n_respondents"] == 40 and "guidelines" in as_csv
    client.get(f"/campaigns/{campaign.id}/report?lang=nl")
    assert builds == [campaign.id, campaign.id]  # one per language
    # the release itself and its page, per language
    assert sorted(kept(session)) == [
        ("page", "en"), ("page", "nl"), ("release", "en"), ("release", "nl"),
    ]  # fmt: skip


def test_an_action_plan_change_builds_the_report_anew(client, session, monkeypatch):
    campaign = closed_round(session)
    AuthActions(client).login("hr@acme.example")
    builds = counting_builds(monkeypatch)
    client.get(f"/campaigns/{campaign.id}/report")
    report, _labels = reporting.campaign_report(session, campaign, "en")
    builds.clear()
    key = report.recommendations[0].key
    actions.add_from_recommendation(session, campaign, key, "en")
    page = client.get(f"/campaigns/{campaign.id}/report").get_data(as_text=True)
    assert builds == [campaign.id] and page
    # the stale release and page were replaced, not kept beside them
    assert sorted(kept(session)) == [("page", "en"), ("release", "en")]


def test_an_open_round_is_not_kept(client, session, monkeypatch):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = create_campaign(session, organisation, "Spring", status="open")
    fill_round(session, campaign, 8)
    add_user(session, "hr@acme.example", PASSWORD, memberships=((organisation, "hr"),))
    AuthActions(client).login("hr@acme.example")
    builds = counting_builds(monkeypatch)
    client.get(f"/campaigns/{campaign.id}/report")
    client.get(f"/campaigns/{campaign.id}/report")
    assert builds == [campaign.id] * 2 and kept(session) == []
    pdf = client.get(f"/campaigns/{campaign.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")  # participation only


def test_without_a_worker_the_office_files_come_at_once(client, session):
    import openpyxl
    from pptx import Presentation

    campaign = closed_round(session)
    AuthActions(client).login("hr@acme.example")
    page = client.get(f"/campaigns/{campaign.id}/report").get_data(as_text=True)
    assert "Excel workbook" in page and "PowerPoint slides" in page
    xlsx = client.get(f"/campaigns/{campaign.id}/report.xlsx?lang=nl")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[:2] == ["Overzicht", "Principes"]
    assert book["Overzicht"]["B3"].value == 40
    pptx = client.get(f"/campaigns/{campaign.id}/report.pptx?lang=en")
    assert pptx.status_code == 200
    titles = [s.shapes.title.text for s in Presentation(io.BytesIO(pptx.data)).slides]
    assert titles[0] == "Social media culture: Acme"
    assert sorted(kept(session)) == [
        ("page", "en"), ("page", "nl"), ("pptx", "en"), ("release", "en"), ("release", "nl"),
        ("xlsx", "nl"),
    ]  # fmt: skip


def test_the_worker_builds_report_and_pdf_while_the_page_follows_progress(app, client, session):
    url = redis_url_or_skip()
    from rq import SimpleWorker

    campaign = closed_round(session)
    AuthActions(client).login("hr@acme.example")
    before = (app.config["REDIS_URL"], jobs.QUEUE)
    app.config["REDIS_URL"], jobs.QUEUE = url, f"test-{uuid.uuid4().hex}"
    try:
        page = client.get(f"/campaigns/{campaign.id}/report")  # built by the worker too
        assert page.status_code == 202 and "The report of Spring" in page.get_data(as_text=True)
        waiting = client.get(f"/campaigns/{campaign.id}/report.pdf")
        assert waiting.status_code == 202 and waiting.headers["Refresh"] == "2"
        assert "waiting to be built" in waiting.get_data(as_text=True)
        again = client.get(f"/campaigns/{campaign.id}/report.pdf")
        assert again.status_code == 202
        with app.app_context():
            queue = jobs.queue()
            assert queue.count == 2  # the page and the PDF; the PDF asked twice, queued once
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
        shown = client.get(f"/campaigns/{campaign.id}/report")
        assert shown.status_code == 200 and "<svg" in shown.get_data(as_text=True)
        ready = client.get(f"/campaigns/{campaign.id}/report.pdf")
        assert ready.status_code == 200 and ready.data.startswith(b"%PDF")
        assert ready.headers["Content-Disposition"].endswith(f"report-{campaign.id}-en.pdf")
    finally:
        app.config["REDIS_URL"], jobs.QUEUE = before
    assert ("pdf", "en") in kept(session)


def test_purging_the_answers_deletes_the_kept_reports(client, session):
    campaign = closed_round(session)
    AuthActions(client).login("hr@acme.example")
    client.get(f"/campaigns/{campaign.id}/report")
    client.get(f"/campaigns/{campaign.id}/report.xlsx")
    assert len(kept(session)) == 3  # the release, its page and the workbook
    lifecycle.purge(session, [session.get(Campaign, campaign.id)])
    assert kept(session) == []
    page = client.get(f"/campaigns/{campaign.id}/report").get_data(as_text=True)
    assert "deleted" in page.lower() or "kept" in page.lower()


def test_a_change_of_the_pdf_stylesheet_alone_builds_the_report_anew(
    session, monkeypatch, tmp_path
):
    from survey.services import report_files

    campaign = closed_round(session, n=6)
    style = tmp_path / "report.css"
    style.write_text("body { color: black; }", encoding="utf-8")
    monkeypatch.setattr(report_files, "STYLESHEET", style)
    keys = []
    for css in ("body { color: black; }", "body { color: navy; }"):
        style.write_text(css, encoding="utf-8")
        report_files.code_version.cache_clear()
        keys.append(report_files.report_key(session, campaign, "en", "pdf", 10))
    report_files.code_version.cache_clear()  # the next test reads the real stylesheet
    assert keys[0] != keys[1]


def test_the_report_command_applies_the_apps_comment_minimum(app, session, runner, tmp_path):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = create_campaign(session, organisation, "Spring", status="open")
    fill_round(session, campaign, 6, comment="a remark of mine")
    set_status(session, campaign, "closed")
    page = tmp_path / "report.html"
    before = app.config["COMMENT_MIN_GROUP_SIZE"]
    try:
        for minimum, shown in ((10, False), (5, True)):
            app.config["COMMENT_MIN_GROUP_SIZE"] = minimum
            result = runner.invoke(args=["report", str(campaign.id), "--html", str(page)])
            assert result.exit_code == 0, result.output
            assert ("a remark of mine" in page.read_text(encoding="utf-8")) is shown
    finally:
        app.config["COMMENT_MIN_GROUP_SIZE"] = before
