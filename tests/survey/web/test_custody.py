"""Custody of a participant list: HR cannot pad it unseen, a second person approves it, the pages
say truthfully how the links came about, and nothing stored names a respondent."""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest
import sqlalchemy as sa

from survey import jobs
from survey.models import AuditEvent, Campaign, Participant, Response
from survey.services import custody, participants
from survey.services.campaigns import (
    add_organisation,
    campaign_instrument,
    create_campaign,
    parse_segment,
)
from survey.services.errors import InvalidInput
from survey.services.lifecycle import set_status
from survey.services.responses import submit_response
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, csrf_token
from .test_participation_attacks import answer, links

K = 5
HEADER = "email,language,department,role_level\n"


def a_round(session, slug="acme", status="open"):
    organisation = add_organisation(session, slug, slug.title())
    organisation.email_domains = [f"{slug}.example"]
    add_user(session, f"hr@{slug}.example", PASSWORD, memberships=((organisation, "hr"),))
    add_user(session, f"council@{slug}.example", PASSWORD, memberships=((organisation, "privacy"),))
    session.commit()
    return create_campaign(
        session,
        organisation,
        "Spring",
        status=status,
        min_group_size=K,
        segments=(
            parse_segment("department=Sales,IT,Legal"),
            parse_segment("role_level=Employee,Manager"),
        ),
    )


def upload(client, campaign_id: int, rows: list[str]):
    """HR's upload through the pages: check the list, then import what was previewed."""
    page = client.get(f"/campaigns/{campaign_id}/participants").get_data(as_text=True)
    content = (HEADER + "\n".join(rows)).encode()
    preview = client.post(
        f"/campaigns/{campaign_id}/participants/preview",
        data={
            "csrf_token": csrf_token(page),
            "source": "hr",
            "file": (io.BytesIO(content), "l.csv"),
        },
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    if preview.status_code != 200:
        return preview
    checked = re.search(r'name="checked" type="hidden" value="([^"]+)"', html).group(1)
    return client.post(
        f"/campaigns/{campaign_id}/participants/import",
        data={"csrf_token": csrf_token(html), "checked": checked},
        follow_redirects=True,
    )


def approve(client, campaign_id: int):
    page = client.get(f"/campaigns/{campaign_id}/approval")
    html = page.get_data(as_text=True)
    shown = re.search(r'name="shown" type="hidden" value="([^"]+)"', html).group(1)
    return client.post(
        f"/campaigns/{campaign_id}/approval/approve",
        data={"csrf_token": csrf_token(html), "shown": shown},
        follow_redirects=True,
    )


SIX_SALES = [f"s{i}@acme.example,en,Sales,Employee" for i in range(6)]


def test_four_aliases_of_one_mailbox_are_refused(client, session):
    """The padding of the issue: six in Sales, the only Legal employee and four "Legal"
    addresses HR reads itself. They reach one mailbox: the list is refused, by line."""
    campaign = a_round(session)
    AuthActions(client).login("hr@acme.example")
    padded = SIX_SALES + ["legal@acme.example,en,Legal,Employee"]
    padded += [f"hr+legal{i}@acme.example,en,Legal,Employee" for i in range(4)]
    refused = upload(client, campaign.id, padded)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nothing was imported" in html
    assert html.count("reaches the same mailbox as hr+legal0@acme.example") == 3
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0
    # one person under two spellings, or a Gmail address with dots
    for twice in (["A.Person@acme.example", "a.person@ACME.example"],
                  ["ann.lee@gmail.com", "annlee@googlemail.com"]):  # fmt: skip
        rows = SIX_SALES + [f"{address},en,Sales,Employee" for address in twice]
        assert upload(client, campaign.id, rows).status_code == 422


def test_mailboxes_and_near_identical_names():
    assert custody.mailbox("HR+legal0@Acme.Example") == "hr@acme.example"
    assert custody.mailbox("ann.lee+x@googlemail.com") == "annlee@gmail.com"
    assert custody.mailbox("ann.lee@acme.example") == "ann.lee@acme.example"  # dots count here
    pairs = custody.near_identical(
        [
            "j.smith@acme.example",
            "j.smyth@acme.example",
            "jsmith@acme.example",
            "hr@acme.example",
            "it@acme.example",
            "j.smith@other.example",
        ]  # fmt: skip
    )
    assert pairs == [["j.smith@acme.example", "j.smyth@acme.example", "jsmith@acme.example"]]
    numbered = custody.near_identical([f"legal{i}@acme.example" for i in range(4)])
    assert numbered == [[f"legal{i}@acme.example" for i in range(4)]]  # one group, not six pairs


def test_no_invitation_before_a_second_person_approves(client, session, outbox):
    campaign = a_round(session)
    auth = AuthActions(client)
    auth.login("hr@acme.example")
    rows = SIX_SALES + [
        "l.one@acme.example,en,Legal,Employee",
        "l.onr@acme.example,en,Legal,Employee",
    ]
    rows += [
        "anna.jansen@acme.example,en,Legal,Employee",
        "bram.devries@acme.example,en,Legal,Employee",
    ]
    rows += ["friend@gmail.com,en,Legal,Employee"]
    imported = upload(client, campaign.id, rows)
    assert "awaits approval by the works council or privacy officer" in imported.get_data(
        as_text=True
    )
    assert not list(outbox.glob("*.eml"))  # an open round's import sent nothing
    page = client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
    sent = client.post(
        f"/campaigns/{campaign.id}/participants/send",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "No invitation was sent" in sent and not list(outbox.glob("*.eml"))
    assert client.get(f"/campaigns/{campaign.id}/approval").status_code == 403  # HR may not
    auth.logout()

    auth.login("council@acme.example")
    assert "Spring" in client.get("/approvals").get_data(as_text=True)
    assert client.get(f"/campaigns/{campaign.id}/report").status_code == 403  # no report
    summary = client.get(f"/campaigns/{campaign.id}/approval").get_data(as_text=True)
    assert "friend@gmail.com" in summary and "outside your domains" in summary
    assert "l.one@acme.example" in summary and "l.onr@acme.example" in summary  # one letter
    # Legal holds five only through those addresses: l.one and l.onr as one person, and without
    # the Gmail address, three
    assert "5 people, counted again 3" in summary
    assert "/s/" not in summary  # no link
    approved = approve(client, campaign.id)
    assert approved.status_code == 200 and "Approved" in approved.get_data(as_text=True)
    event = session.scalars(sa.select(AuditEvent).filter_by(event="list_approved")).one()
    assert event.actor == "council@acme.example"
    assert "11 participants uploaded by hr@acme.example" in event.detail
    assert (
        "outside the domains 1, groups of similar addresses 1, groups at k only through those 1"
        in (event.detail)
    )
    auth.logout()

    auth.login("hr@acme.example")
    page = client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
    assert "approved by council@acme.example" in page
    client.post(
        f"/campaigns/{campaign.id}/participants/send", data={"csrf_token": csrf_token(page)}
    )
    assert len(list(outbox.glob("*.eml"))) == 11


def uploaded_and_approved(client, auth, campaign_id: int, rows: list[str], slug="acme"):
    """HR uploads the list, the works council approves it; HR is logged in again after."""
    auth.login(f"hr@{slug}.example")
    upload(client, campaign_id, rows)
    auth.logout()
    auth.login(f"council@{slug}.example")
    approve(client, campaign_id)
    auth.logout()
    auth.login(f"hr@{slug}.example")


def send(client, campaign_id: int):
    page = client.get(f"/campaigns/{campaign_id}/participants").get_data(as_text=True)
    return client.post(
        f"/campaigns/{campaign_id}/participants/send", data={"csrf_token": csrf_token(page)}
    )


def test_a_change_after_approval_needs_approval_again(client, session, app, outbox):
    campaign = a_round(session)
    auth = AuthActions(client)
    uploaded_and_approved(client, auth, campaign.id, SIX_SALES)
    upload(client, campaign.id, ["late@acme.example,en,Sales,Employee"])
    session.expire_all()
    stored = session.get(Campaign, campaign.id)
    assert stored.list_state == custody.PENDING and stored.list_approved_by is None
    with app.app_context():
        from survey.extensions import db

        with pytest.raises(InvalidInput, match="awaits approval"):
            jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    # a setting changed behind the approval (the minimum group size) is caught at sending too
    auth.logout()
    auth.login("council@acme.example")
    approve(client, campaign.id)
    stored = session.get(Campaign, campaign.id)
    stored.min_group_size = 3
    session.commit()
    with app.app_context():
        from survey.extensions import db

        with pytest.raises(InvalidInput, match="awaits approval"):
            jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    session.expire_all()
    assert session.get(Campaign, campaign.id).list_state == custody.PENDING


def test_sent_back_with_a_note_and_never_by_the_uploader(client, session, app):
    campaign = a_round(session)
    auth = AuthActions(client)
    auth.login("hr@acme.example")
    upload(client, campaign.id, SIX_SALES)
    auth.logout()
    auth.login("council@acme.example")
    page = client.get(f"/campaigns/{campaign.id}/approval").get_data(as_text=True)
    empty = client.post(
        f"/campaigns/{campaign.id}/approval/return",
        data={"csrf_token": csrf_token(page), "note": ""},
    )
    assert empty.status_code == 422 and "the note is what HR reads" in empty.get_data(as_text=True)
    client.post(
        f"/campaigns/{campaign.id}/approval/return",
        data={"csrf_token": csrf_token(page), "note": "Who is s5? Not in the staff list."},
    )
    auth.logout()
    auth.login("hr@acme.example")
    page = client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
    assert "The list was sent back" in page and "Who is s5? Not in the staff list." in page
    assert session.scalars(sa.select(AuditEvent).filter_by(event="list_returned")).one()
    # an approver who uploaded the list themselves cannot approve it
    from survey.models import User
    from survey.services.errors import Forbidden

    council = session.scalar(sa.select(User).filter_by(email="council@acme.example"))
    stored = session.get(Campaign, campaign.id)
    stored.list_uploaded_by = "council@acme.example"
    session.commit()
    with pytest.raises(Forbidden, match="second person"):
        custody.approve(session, stored, council, "privacy", custody.digest(session, stored))


def answer_all(session, outbox, slug="acme"):
    for token in links(outbox, slug).values():
        answer(session, token)


def custody_sentences(client, campaign_id: int, token: str | None) -> tuple[str, str]:
    """What the report and the welcome page say about the links."""
    report = client.get(f"/campaigns/{campaign_id}/report?lang=en").get_data(as_text=True)
    start = report.index('class="report-head"')
    head = report[start : report.index("</header>", start)]
    welcome = client.get(f"/s/{token}").get_data(as_text=True) if token else ""
    return head, welcome


def test_the_pages_say_how_the_links_and_the_list_came_about(client, session, app, outbox, runner):
    auth = AuthActions(client)
    # 1. a list approved by the works council
    approved = a_round(session)
    uploaded_and_approved(client, auth, approved.id, SIX_SALES)
    send(client, approved.id)
    token = next(iter(links(outbox, "acme").values()))
    session.expire_all()
    day = session.get(Campaign, approved.id).list_approved_on.isoformat()
    _head, welcome = custody_sentences(client, approved.id, token)
    assert f"approved by the works council or privacy officer on {day}" in welcome
    answer_all(session, outbox)
    set_status(session, session.get(Campaign, approved.id), "closed")
    head, _welcome = custody_sentences(client, approved.id, None)
    assert f"approved by the works council or privacy officer on {day}" in head
    assert "they went to the addresses on the list, and the list was written by HR" in head
    assert "held a link" not in head
    auth.logout()

    # 2. approval turned off by an admin's action: the list went out unapproved, and both say so
    assert runner.invoke(args=["org", "list-approval", "globex", "off"]).exit_code == 2  # no org
    other = a_round(session, "globex")
    assert runner.invoke(args=["org", "list-approval", "globex", "off"]).exit_code == 0
    auth.login("hr@globex.example")
    upload(client, other.id, [row.replace("acme", "globex") for row in SIX_SALES])
    token = next(iter(links(outbox, "globex").values()))  # sent at once
    _head, welcome = custody_sentences(client, other.id, token)
    assert "uploaded by HR without a second person's approval" in welcome
    answer_all(session, outbox, "globex")
    set_status(session, session.get(Campaign, other.id), "closed")
    head, _welcome = custody_sentences(client, other.id, None)
    assert "without a second person's approval" in head
    assert "could have put addresses on it that they read themselves" in head
    assert "held a link" not in head
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.detail.contains("approval of participant lists off"))
    ).one()
    assert event.actor == "cli"
    auth.logout()

    # 3. links HR handed out itself, and 4. an open link
    own = a_round(session, "initech")
    auth.login("hr@initech.example")
    from survey.services.responses import create_invitations

    tokens = create_invitations(session, own, 6)
    _head, welcome = custody_sentences(client, own.id, tokens[0])
    assert "Your organisation created and sent this link itself" in welcome
    for token in tokens:
        answer(session, token)
    set_status(session, session.get(Campaign, own.id), "closed")
    head, _welcome = custody_sentences(client, own.id, None)
    assert "Your organisation distributed the 6 personal links itself" in head
    assert "Whoever holds links can answer them" in head
    umbrella = add_organisation(session, "umbrella", "Umbrella")
    add_user(session, "hr@umbrella.example", PASSWORD, memberships=((umbrella, "hr"),))
    open_round = create_campaign(session, umbrella, "Open", status="open", open_link=True)
    welcome = client.get(f"/o/{open_round.open_slug}").get_data(as_text=True)
    assert "This is an open link: anyone who has it can answer" in welcome
    keys = campaign_instrument(open_round).item_keys
    for _ in range(5):
        submit_response(
            session, open_round, answers={k: 4 for k in keys}, segments={}, language="en"
        )
    set_status(session, open_round, "closed")
    auth.logout()
    auth.login("hr@umbrella.example")
    head, _welcome = custody_sentences(client, open_round.id, None)
    assert "open link that anyone with it could use" in head
    assert "held a link" not in head


def test_no_stored_response_names_a_participant_by_its_attributes(session, app, outbox):
    """An open list round with people who stand out (the only Legal manager, two of Legal, one
    IT manager): at every moment the database holds, no response's stored attributes are shared
    by fewer than k of the invited — a join on equal attributes names nobody."""
    campaign = a_round(session)
    people = [("Sales", "Employee")] * 9 + [("Sales", "Manager")] * 5 + [("IT", "Employee")] * 6
    people += [
        ("IT", "Manager"),
        ("Legal", "Employee"),
        ("Legal", "Employee"),
        ("Legal", "Manager"),
    ]
    rows = [f"p{i}@acme.example,en,{d},{r}" for i, (d, r) in enumerate(people)]
    checked = participants.read_participant_file((HEADER + "\n".join(rows)).encode(), "l", campaign)
    participants.import_participants(session, campaign, checked, uploaded_by="hr@acme.example")
    stored = session.get(Campaign, campaign.id)
    stored.organisation.list_approval = False  # this test is about what is stored
    stored.list_state = None
    session.commit()
    with app.app_context():
        from survey.extensions import db

        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    tokens = links(outbox, "acme")
    invited = Counter(
        json.dumps(a, sort_keys=True) for a in session.scalars(sa.select(Participant.attributes))
    )
    assert min(invited.values()) >= K
    for token in tokens.values():
        answer(session, token)
        for segments in session.scalars(sa.select(Response.segments)):
            assert invited[json.dumps(segments, sort_keys=True)] >= K, segments
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == len(people)


def test_the_preview_says_what_will_not_be_recorded(client, session):
    campaign = a_round(session)
    AuthActions(client).login("hr@acme.example")
    page = client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
    rows = SIX_SALES + ["lone@acme.example,en,Legal,Manager"]
    preview = client.post(
        f"/campaigns/{campaign.id}/participants/preview",
        data={
            "csrf_token": csrf_token(page),
            "source": "directory",
            "file": (io.BytesIO((HEADER + "\n".join(rows)).encode()), "l.csv"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Not recorded, because fewer than 5 participants share the combination" in preview
    # the lone Legal manager would be a combination of one, and with nothing recorded still one:
    # the six in Sales give up theirs too, so that the seven share "not recorded"
    assert "Department of 7 people · Role level of 7 people" in preview


def test_only_an_admin_turns_approval_off_and_it_is_logged(client, session):
    from ..conftest import add_admin

    campaign = a_round(session)
    add_admin(session, "admin@example.org")
    auth = AuthActions(client)
    auth.login("hr@acme.example")
    assert client.get("/admin/organisations/acme/lists").status_code == 403
    auth.logout()
    auth.login("admin@example.org")
    page = client.get("/admin/organisations/acme/lists").get_data(as_text=True)
    assert 'value="acme.example"' in page
    bad = client.post(
        "/admin/organisations/acme/lists",
        data={"csrf_token": csrf_token(page), "domains": "acme.example, not a domain"},
    )
    assert bad.status_code == 422 and "Not a domain" in bad.get_data(as_text=True)
    client.post(
        "/admin/organisations/acme/lists",
        data={"csrf_token": csrf_token(page), "domains": "acme.example, acme.nl"},
    )  # the box unticked: approval off
    session.expire_all()
    organisation = session.get(Campaign, campaign.id).organisation
    assert organisation.email_domains == ["acme.example", "acme.nl"]
    assert (
        not organisation.list_approval and organisation.list_approval_off_by == "admin@example.org"
    )
    details = set(session.scalars(sa.select(AuditEvent.detail)))
    assert "approval of participant lists off" in details
    assert "verified e-mail domains: ['acme.example', 'acme.nl']" in details


@pytest.mark.parametrize(
    "address",
    [
        '"j.devries"@acme.example',
        "legal%acme.example@acme.example",
        "a@acme.example.",
        "j..devries@acme.example",
        "bang!legal@acme.example",
        "x@[10.0.0.1]",
    ],  # fmt: skip
)
def test_addresses_that_hide_a_mailbox_are_refused(session, address):
    """A quoted local part, the % and ! routing characters, a trailing dot or a domain literal
    can reach the same mailbox as a plain address while looking like another one."""
    import csv

    campaign = a_round(session)
    text = io.StringIO()
    writer = csv.writer(text)  # a quoted local part survives the CSV's own quoting
    writer.writerows([["email", "language", "department", "role_level"],
                      ["j.devries@acme.example", "en", "Legal", "Employee"],
                      [address, "en", "Legal", "Employee"]])  # fmt: skip
    with pytest.raises(participants.ParticipantFileError, match="is not an e-mail address"):
        participants.read_participant_file(text.getvalue().encode(), "l", campaign)


def test_a_preview_is_imported_only_into_its_own_round(client, session):
    campaign = a_round(session)
    other = create_campaign(session, campaign.organisation, "Autumn", status="open")
    AuthActions(client).login("hr@acme.example")
    page = client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
    preview = client.post(
        f"/campaigns/{campaign.id}/participants/preview",
        data={
            "csrf_token": csrf_token(page),
            "file": (io.BytesIO((HEADER + "\n".join(SIX_SALES)).encode()), "l.csv"),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    checked = re.search(r'name="checked" type="hidden" value="([^"]+)"', preview).group(1)
    replayed = client.post(
        f"/campaigns/{other.id}/participants/import",
        data={"csrf_token": csrf_token(preview), "checked": checked},
    )
    assert replayed.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0


def test_people_invited_already_keep_their_attributes(session, app, outbox):
    """A later import coarsens only its own people: the invited keep what their answers may
    carry, and an import that would leave a few people standing out is refused."""
    campaign = a_round(session)
    rows = [f"l{i}@acme.example,en,Legal,Employee" for i in range(5)] + SIX_SALES[:5]
    checked = participants.read_participant_file((HEADER + "\n".join(rows)).encode(), "l", campaign)
    from ..conftest import import_approved

    import_approved(session, campaign, checked)
    with app.app_context():
        from survey.extensions import db

        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    late = participants.read_participant_file(
        (HEADER + "x@acme.example,en,,\n").encode(), "l", campaign
    )
    with pytest.raises(participants.ParticipantFileError, match="1 people would be recorded"):
        participants.import_participants(session, campaign, late, uploaded_by="hr@acme.example")
    session.rollback()
    stored = Counter(
        json.dumps(a, sort_keys=True) for a in session.scalars(sa.select(Participant.attributes))
    )
    assert stored == {
        json.dumps({"department": "Legal", "role_level": "Employee"}, sort_keys=True): 5,
        json.dumps({"department": "Sales", "role_level": "Employee"}, sort_keys=True): 5,
    }


def test_an_admin_does_not_approve_a_list_imported_on_the_command_line(session):
    from survey.models import User
    from survey.services.errors import Forbidden

    from ..conftest import add_admin

    campaign = a_round(session)
    checked = participants.read_participant_file(
        (HEADER + "\n".join(SIX_SALES)).encode(), "l", campaign
    )
    participants.import_participants(session, campaign, checked)  # uploaded by "cli"
    admin = add_admin(session, "admin@example.org")
    with pytest.raises(Forbidden, match="command line"):
        custody.approve(session, campaign, admin, "admin", custody.digest(session, campaign))
    council = session.scalar(sa.select(User).filter_by(email="council@acme.example"))
    custody.approve(session, campaign, council, "privacy", custody.digest(session, campaign))
    assert campaign.list_state == custody.APPROVED
    # the invitation e-mail is part of what was approved
    participants.set_invitation_texts(session, campaign, {"en": {"intro": "Reply with your team"}})
    assert not custody.may_send(session, campaign)


def test_turning_approval_on_again_puts_unapproved_lists_up_for_approval(session):
    campaign = a_round(session)
    custody.set_requirement(session, campaign.organisation, False, None)
    checked = participants.read_participant_file(
        (HEADER + "\n".join(SIX_SALES)).encode(), "l", campaign
    )
    participants.import_participants(session, campaign, checked)
    assert campaign.list_state is None and custody.may_send(session, campaign)
    custody.set_requirement(session, campaign.organisation, True, None)
    session.refresh(campaign)
    assert campaign.list_state == custody.PENDING and not custody.may_send(session, campaign)
    from survey.models import User

    council = session.scalar(sa.select(User).filter_by(email="council@acme.example"))
    assert custody.approvals_waiting(session, council) == [campaign]


def test_a_privacy_member_who_consults_elsewhere_sees_no_figures_of_the_approved_organisation(
    client, session
):
    campaign = a_round(session)
    other = add_organisation(session, "xco", "Xco")
    add_user(session, "both@example.org", PASSWORD,
             memberships=((other, "consultant"), (campaign.organisation, "privacy")))  # fmt: skip
    AuthActions(client).login("both@example.org")
    for path in ("/portfolio", "/portfolio.csv", f"/compare?campaign={campaign.id}"):
        answer = client.get(path)
        assert "Acme" not in answer.get_data(as_text=True), path
