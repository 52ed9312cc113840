"""Defects found by trying the product as its users would, each reproduced before its fix."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from reports.exports import portfolio_csv
from survey.models import Campaign, Response
from survey.services.campaigns import add_organisation
from survey.services.portfolio import PortfolioRow
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, csrf_token


@pytest.fixture
def hr(client, session):
    organisation = add_organisation(session, "acme", "Acme")
    add_user(session, "hr@acme.example", PASSWORD, memberships=((organisation, "hr"),))
    AuthActions(client).login("hr@acme.example")
    return organisation


def test_a_round_without_segment_questions_can_be_created(client, session, hr):
    page = client.get("/campaigns/new").get_data(as_text=True)
    response = client.post(
        "/campaigns/new",
        data={
            "csrf_token": csrf_token(page),
            "organisation": str(hr.id),
            "name": "No segments",
            "languages": ["en"],
            "min_group_size": "5",
            "retention_days": "730",
            **{f"segments-{i}-{name}": "" for i in range(4)
               for name in ("key", "label_en", "label_nl", "options_en", "options_nl")},
        },
    )
    assert response.status_code == 302
    assert session.scalar(sa.select(Campaign)).segments == []


@pytest.mark.parametrize(
    "path",
    [
        "/campaigns/99999999999",
        "/campaigns/99999999999/report.json",
        "/campaigns/99999999999/participants",
        "/compare?campaign=99999999999&campaign=1",
    ],
)
def test_ids_beyond_the_integer_range_are_not_found(client, session, hr, path):
    if path.startswith("/compare"):  # comparing is for consultants
        add_user(session, "advisor@example.org", PASSWORD, memberships=((hr, "consultant"),))
        AuthActions(client).login("advisor@example.org")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/o/abc%00def", "/s/abc%00def", "/s/abc%00def/questions"])
def test_a_nul_in_a_link_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_an_oversized_survey_post_is_refused_before_it_is_read(client, session, campaign):
    response = client.post(
        f"/o/{campaign.open_slug}/questions", data={"comment": "x" * (1024 * 1024)}
    )
    assert response.status_code == 413
    assert "larger than this page accepts" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_names_cannot_become_spreadsheet_formulas(session):
    organisation = add_organisation(session, "evil", '=HYPERLINK("http://x","click")')
    row = PortfolioRow(organisation, n=7, change=-2.5)
    cells = next(csv.DictReader(io.StringIO(portfolio_csv([row], []))))
    assert cells["organisation"].startswith("'=")
    assert cells["change"] == "-2.5"  # a negative number stays a number


def test_a_round_keeps_the_instrument_it_was_created_with(
    client, session, runner, make_instrument_file, instrument_text, tmp_path
):
    from pathlib import Path

    from survey.services.campaigns import campaign_instrument
    from survey.services.lifecycle import set_status
    from survey.services.reporting import campaign_report
    from survey.services.responses import create_invitations

    from ..conftest import fill_round

    add_organisation(session, "acme", "Acme")
    path = make_instrument_file("mine.toml", dimensions=2, items=3, scale=(1, 5), outcomes=1)
    created = runner.invoke(
        args=["campaign", "add", "acme", "--name", "Own questions", "--instrument", path]
    )
    assert created.exit_code == 0, created.output
    Path(path).unlink()  # the file is gone: the round still has its questions
    campaign = session.scalars(sa.select(Campaign)).one()
    set_status(session, campaign, "open")
    token = create_invitations(session, campaign, 1)[0]
    page = client.get(f"/s/{token}/questions?lang=en")
    assert page.status_code == 200 and "Item 1.2" in page.get_data(as_text=True)
    fill_round(session, campaign, 6)
    set_status(session, campaign, "closed")
    report, _labels = campaign_report(session, campaign, "en")
    assert [d.key for d in report.dimensions] == ["dim0", "dim1"]
    assert campaign_instrument(campaign).id == "test-shape"

    # the same id and version with other questions is refused, and nothing is created
    changed = make_instrument_file(
        "changed.toml", text=instrument_text(dimensions=3).replace("Item 0.0", "Other")
    )
    refused = runner.invoke(
        args=["campaign", "add", "acme", "--name", "Changed", "--instrument", changed]
    )
    assert refused.exit_code == 2 and "new version" in refused.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 1
