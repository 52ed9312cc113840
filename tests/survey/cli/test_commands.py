"""The ``ambassador`` admin commands: what they do, and a clear exit 2 for every bad argument."""

from __future__ import annotations

import csv
import json

import pytest
import sqlalchemy as sa

from survey.models import Campaign, Invitation, Organisation, Participant, Response, User
from survey.services.responses import hash_token


def rows(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def org(runner):
    result = runner.invoke(args=["org", "add", "acme", "--name", "Acme", "--sector", "Retail"])
    assert result.exit_code == 0, result.output
    return "acme"


def add_campaign(runner, *extra):
    result = runner.invoke(args=["campaign", "add", "acme", "--name", "Round 1", *extra])
    assert result.exit_code == 0, result.output
    return int(result.output.strip())


def test_db_upgrade_is_repeatable(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "Database is up to date" in result.output


def test_campaign_add_list_open_close(runner, session, org):
    campaign_id = add_campaign(
        runner,
        "--segment",
        "department=Sales,IT,HR",
        "--segment",
        "tenure=New,Old",
        "--min-group-size",
        "7",
        "--languages",
        "nl",
        "--open-link",
    )
    listed = json.loads(runner.invoke(args=["campaign", "list", "--json"]).output)
    assert listed[0]["id"] == campaign_id and listed[0]["status"] == "draft"
    assert listed[0]["segments"] == ["department", "tenure"]
    assert listed[0]["min_group_size"] == 7 and listed[0]["languages"] == ["nl"]
    assert listed[0]["open_link"].startswith("http://survey.test/o/")
    assert runner.invoke(args=["campaign", "open", str(campaign_id)]).exit_code == 0
    assert session.get(Campaign, campaign_id).status == "open"
    assert runner.invoke(args=["campaign", "close", str(campaign_id)]).exit_code == 0
    session.expire_all()
    assert session.get(Campaign, campaign_id).status == "closed"
    table = runner.invoke(args=["campaign", "list"]).output
    assert "acme" in table and "closed" in table


def test_campaign_contact(runner, session, org):
    campaign_id = add_campaign(runner, "--contact", "Anna de Vries (HR)")
    assert session.get(Campaign, campaign_id).contact == "Anna de Vries (HR)"
    changed = runner.invoke(args=["campaign", "contact", str(campaign_id), "Bas, 010-1234567"])
    assert changed.exit_code == 0 and "Bas, 010-1234567" in changed.output
    too_long = runner.invoke(args=["campaign", "contact", str(campaign_id), "x" * 301])
    assert too_long.exit_code == 2 and "at most 300 characters" in too_long.output
    session.expire_all()
    assert session.get(Campaign, campaign_id).contact == "Bas, 010-1234567"
    cleared = runner.invoke(args=["campaign", "contact", str(campaign_id), ""])
    assert cleared.exit_code == 0 and "(no contact)" in cleared.output
    missing = runner.invoke(args=["campaign", "contact", "999", "Anna"])
    assert missing.exit_code == 2 and "no campaign 999" in missing.output


def test_invite_prints_links_once_and_stores_hashes(runner, session, org):
    campaign_id = add_campaign(runner, "--open")
    result = runner.invoke(args=["invite", str(campaign_id), "--count", "3"])
    assert result.exit_code == 0
    links = result.output.split()
    assert len(links) == 3 and all(link.startswith("http://survey.test/s/") for link in links)
    hashes = set(session.scalars(sa.select(Invitation.token_hash)))
    assert hashes == {hash_token(link.rsplit("/", 1)[1]) for link in links}
    assert not any(link.rsplit("/", 1)[1] in h for link in links for h in hashes)


def test_invite_to_csv(runner, session, org, tmp_path):
    campaign_id = add_campaign(runner, "--open")
    target = tmp_path / "links.csv"
    result = runner.invoke(args=["invite", str(campaign_id), "--count", "5", "--csv", str(target)])
    assert result.exit_code == 0 and "Wrote 5 survey links" in result.output
    with target.open(newline="") as fh:
        links = [row["link"] for row in csv.DictReader(fh)]
    assert len(links) == 5 and rows(session, Invitation) == 5
    again = runner.invoke(args=["invite", str(campaign_id), "--count", "5", "--csv", str(target)])
    assert again.exit_code == 2 and "exists already" in again.output
    assert rows(session, Invitation) == 5


def test_invite_to_unwritable_place_stores_nothing(runner, session, org, tmp_path):
    campaign_id = add_campaign(runner, "--open")
    target = tmp_path / "missing-folder" / "links.csv"
    result = runner.invoke(args=["invite", str(campaign_id), "--count", "5", "--csv", str(target)])
    assert result.exit_code == 2 and "cannot write there" in result.output
    assert rows(session, Invitation) == 0


def test_user_add_from_stdin(runner, session, org):
    result = runner.invoke(
        args=["user", "add", "HR@Acme.example", "--org", "acme", "--password-stdin"],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalars(sa.select(User)).one()
    assert user.email == "hr@acme.example" and user.memberships[0].role == "hr"
    assert "correct horse" not in user.password_hash


def test_user_add_with_prompt(runner, session, org):
    result = runner.invoke(
        args=["user", "add", "c@x.example", "--role", "consultant"],
        input="long enough pw\nlong enough pw\n",
    )
    assert result.exit_code == 0, result.output
    assert rows(session, User) == 1


def test_demo_is_idempotent(runner, session, app, tmp_path):
    app.config["OUTBOX"] = str(tmp_path / "outbox")
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = [rows(session, model) for model in (Organisation, Campaign, Response, User)]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert [rows(session, model) for model in (Organisation, Campaign, Response, User)] == counts
    # six rounds and one e-mailed; three HR, a consultant, a works council and a manager
    assert counts[0] == 3 and counts[1] == 7 and counts[3] == 6
    assert 150 <= counts[2] / 6 <= 400
    assert len({o.sector for o in session.scalars(sa.select(Organisation))}) == 2
    assert "hr@st-lucas.example" in second.output and "/s/" in second.output
    assert "e-mailed its links to 20 participants" in second.output
    listed = runner.invoke(args=["outbox"]).output
    assert listed.count("@noordbank.example") == 20 and rows(session, Participant) == 20


BAD = [
    (["org", "add", "Not A Slug", "--name", "X"], "must be lower-case"),
    (["org", "add", "acme", "--name", "Again"], "exists already"),
    (["campaign", "add", "nope", "--name", "R"], "no organisation 'nope'"),
    (["campaign", "add", "acme", "--name", "R", "--min-group-size", "2"], "at least 3"),
    (["campaign", "add", "acme", "--name", "R", "--segment", "department"], "must look like"),
    (["campaign", "add", "acme", "--name", "R", "--segment", "dept=Sales"], "at least two"),
    (["campaign", "add", "acme", "--name", "R", "--segment", "d=A,A"], "lists an option twice"),
    (["campaign", "add", "acme", "--name", "R", "--instrument", "nope"], "no such instrument"),
    (["campaign", "add", "acme", "--name", "R", "--languages", "fr"], "no texts in 'fr'"),
    (["campaign", "add", "acme", "--name", "R", "--closes", "2001-01-01"], "has passed"),
    (["campaign", "add", "acme", "--name", "R", "--closes", "next week"], "Invalid value"),
    (["campaign", "open", "999"], "no campaign 999"),
    (["campaign", "open", "abc"], "is not a valid integer"),
    (["invite", "999", "--count", "3"], "no campaign 999"),
    (["invite", "1", "--count", "0"], "0 is not in the range"),
    (["user", "add", "not-an-email", "--password-stdin"], "is not an e-mail address"),
    (["user", "add", "a@b.example", "--org", "nope", "--password-stdin"], "no organisation"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_arguments_exit_2_and_change_nothing(runner, session, org, args, message):
    before = [rows(session, model) for model in (Organisation, Campaign, Invitation, User)]
    result = runner.invoke(args=args, input="short\n")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert [rows(session, model) for model in (Organisation, Campaign, Invitation, User)] == before


def test_short_password_is_refused(runner, session, org):
    result = runner.invoke(args=["user", "add", "a@b.example", "--password-stdin"], input="short\n")
    assert result.exit_code == 2 and "at least 12 characters" in result.output
    assert rows(session, User) == 0


def test_closed_campaign_cannot_reopen_or_invite(runner, org):
    campaign_id = add_campaign(runner, "--open")
    runner.invoke(args=["campaign", "close", str(campaign_id)])
    reopen = runner.invoke(args=["campaign", "open", str(campaign_id)])
    assert reopen.exit_code == 2 and "is closed" in reopen.output
    invite = runner.invoke(args=["invite", str(campaign_id), "--count", "2"])
    assert invite.exit_code == 2 and "is closed" in invite.output
