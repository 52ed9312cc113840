"""Attacks on participation — who answered, rather than what — against the real pages.

An HR user watches every page that shows how many answered while a round runs, reads the report's
sentences about hidden groups once it has closed, and a consultant reads the instrument check's
rows per language. The one person of a small group must stay unseen in all of them.
"""

from __future__ import annotations

import email
import json
import re
from email import policy

import numpy as np
import pytest
import sqlalchemy as sa

from survey import jobs
from survey.models import Campaign, Response
from survey.services import participants
from survey.services.campaigns import (
    add_organisation,
    campaign_instrument,
    create_campaign,
    parse_segment,
)
from survey.services.lifecycle import set_status
from survey.services.participation import round_participation, shown_count
from survey.services.responses import campaign_for_token, submit_response
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, csrf_token, import_approved

K = 5
CSRF_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+"')
LINK = re.compile(r"http\S+/s/(\S+)")
LIST_HEADER = "email,language,department,role_level\n"


def listed_round(session, app, outbox, slug: str, people: list[tuple[str, str]]) -> Campaign:
    """An open round of organisation ``slug`` with a participant list of ``people`` (department,
    role), everyone invited by e-mail; its HR user is hr@<slug>.example."""
    organisation = add_organisation(session, slug, slug.title())
    add_user(session, f"hr@{slug}.example", PASSWORD, memberships=((organisation, "hr"),))
    campaign = create_campaign(
        session,
        organisation,
        "Spring",
        status="open",
        min_group_size=K,
        segments=(
            parse_segment("department=Sales,IT,Legal"),
            parse_segment("role_level=Employee,Manager"),
        ),
    )
    rows = [f"p{i}@{slug}.example,en,{d},{r}" for i, (d, r) in enumerate(people)]
    checked = participants.read_participant_file(
        (LIST_HEADER + "\n".join(rows)).encode(), "list.csv", campaign
    )
    import_approved(session, campaign, checked)
    with app.app_context():
        from survey.extensions import db

        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    return campaign


def links(outbox, slug: str) -> dict[int, str]:
    """Each participant's token (by their place on the list), from the invitations sent."""
    tokens = {}
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        address = str(message["To"])
        if address.endswith(f"@{slug}.example") and "Reminder" not in str(message["Subject"]):
            tokens[int(address.split("@")[0][1:])] = LINK.search(message.get_content()).group(1)
    return tokens


def answer(session, token: str) -> None:
    campaign = campaign_for_token(session, token)
    keys = campaign_instrument(campaign).item_keys
    submit_response(
        session,
        campaign,
        answers={key: 4 for key in keys},
        segments={},
        language="en",
        token=token,
    )


def participation_seen(client, runner, campaign_id: int) -> dict[str, str]:
    """Everything that shows the round's participation to HR: the list of rounds, the round's
    page, the report (page and JSON), the participant list after sending a reminder (with its
    message) and the command line's status."""
    seen = {
        path: client.get(path).get_data(as_text=True)
        for path in (
            "/campaigns",
            f"/campaigns/{campaign_id}",
            f"/campaigns/{campaign_id}/report?lang=en",
            f"/campaigns/{campaign_id}/report.json",
        )
    }
    page = client.get(f"/campaigns/{campaign_id}/participants").get_data(as_text=True)
    reminded = client.post(
        f"/campaigns/{campaign_id}/participants/remind",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    seen["participants after a reminder"] = reminded.get_data(as_text=True)
    seen["cli"] = runner.invoke(args=["participants", "status", str(campaign_id)]).output
    return {name: CSRF_VALUE.sub(r"\1…", text) for name, text in seen.items()}


# Sales: six employees and the only manager; IT: six employees; Legal: one employee
PEOPLE = [("Sales", "Employee")] * 6 + [("Sales", "Manager")] + [("IT", "Employee")] * 6
PEOPLE += [("Legal", "Employee")]
MANAGER, LEGAL = 6, 13


def test_one_person_of_a_small_group_answering_while_open_changes_no_page(
    client, runner, session, app, outbox
):
    campaign = listed_round(session, app, outbox, "acme", PEOPLE)
    tokens = links(outbox, "acme")
    assert len(tokens) == len(PEOPLE)
    for person in [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]:  # six in Sales, six in IT
        answer(session, tokens[person])
    assert AuthActions(client).login("hr@acme.example").status_code == 302
    before = participation_seen(client, runner, campaign.id)
    # what the pages say: a step of k, a rate computed from it, nothing per group
    assert "at least 10" in before[f"/campaigns/{campaign.id}"]
    assert "at least 71%" in before[f"/campaigns/{campaign.id}"]  # 10 of 14, not 12 of 14
    assert json.loads(before[f"/campaigns/{campaign.id}/report.json"])["n_respondents"] == 10
    assert "at least 10 responses so far" in before[f"/campaigns/{campaign.id}/report?lang=en"]
    listed = before["participants after a reminder"]
    assert "Reminders are on their way" in listed and "e-mails are on their way" not in listed
    assert "Response rate per group" not in listed
    assert "Answered: at least 10 of 14" in before["cli"]

    answer(session, tokens[MANAGER])  # the only Sales manager: 13 responses
    assert participation_seen(client, runner, campaign.id) == before
    answer(session, tokens[LEGAL])  # the only Legal person: 14 responses
    assert participation_seen(client, runner, campaign.id) == before

    # once closed: exact totals, and per group only what the audits publish. The list stored
    # no combination of fewer than five: the lone manager and the Legal person were recorded
    # without department and role, and IT (the smaller of the two sixes) with them, so that
    # the eight share "not recorded"; Sales and Employee are the six Sales employees
    set_status(session, session.get(Campaign, campaign.id), "closed")
    page = client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
    table = page[page.index("Response rate per group") : page.index("</table>")]
    rows = re.findall(r'<th scope="row">([^<]+)</th>', table)
    assert rows == ["Department: Sales", "Role level: Employee"]
    assert "<td>6</td><td>6</td>" in table  # invited, responses
    shown = round_participation(session, session.get(Campaign, campaign.id), per_group=True)
    assert [(g.option, g.invited, g.responses) for g in shown.groups] == [
        ("Sales", 6, 6),
        ("Employee", 6, 6),
    ]
    assert shown.responses.exact and shown.responses.value == 14
    assert "<dd>14</dd>" in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)


def test_whether_the_lone_legal_person_answered_does_not_change_the_closed_list(
    client, session, app, outbox
):
    """Two rounds alike but for the one Legal person's answer: the participant list of each,
    once closed, lists the same groups with the same figures."""
    seen = {}
    for slug, legal_answers in (("acme", True), ("globex", False)):
        campaign = listed_round(session, app, outbox, slug, PEOPLE)
        tokens = links(outbox, slug)
        for person in [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11] + ([LEGAL] if legal_answers else []):
            answer(session, tokens[person])
        set_status(session, session.get(Campaign, campaign.id), "closed")
        user = AuthActions(app.test_client())
        assert user.login(f"hr@{slug}.example").status_code == 302
        page = user.client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
        seen[slug] = page[page.index("Response rate per group") : page.index("</table>")]
    assert seen["acme"] == seen["globex"]  # the totals differ, and are exact: 12 and 11 of 14
    assert "Legal" not in seen["acme"] and "IT" not in seen["acme"]


class AnsweredSegments:
    """A round whose people give their department themselves (no participant list)."""

    def __init__(self, session, slug: str, question: str):
        self.session = session
        organisation = add_organisation(session, slug, slug.title())
        add_user(session, f"hr@{slug}.example", PASSWORD, memberships=((organisation, "hr"),))
        self.campaign = create_campaign(
            session,
            organisation,
            "Spring",
            status="open",
            min_group_size=K,
            segments=(parse_segment(question),),
        )
        self.keys = campaign_instrument(self.campaign).item_keys

    def answer(self, department: str, value: int) -> None:
        submit_response(
            self.session,
            self.campaign,
            answers={key: value for key in self.keys},
            segments={"department": department},
            language="en",
        )


def hidden_group_sentences(html: str) -> list[str]:
    sections = re.findall(r'<section class="breakdown".*?</section>', html, flags=re.S)
    return [p for s in sections for p in re.findall(r'<p class="hint">(.*?)</p>', s, flags=re.S)]


def test_the_hidden_groups_sentence_does_not_tell_whether_the_lone_legal_person_answered(
    client, session
):
    people = ["Sales"] * 12 + ["IT"] * 10 + ["HR"] * 6
    published = {}
    for slug, legal_answers in (("acme", True), ("globex", False)):
        known = AnsweredSegments(session, slug, "department=Sales,IT,HR,Legal")
        for i, department in enumerate(people):
            known.answer(department, 1 + i % 5)
        if legal_answers:
            known.answer("Legal", 3)
        set_status(session, known.campaign, "closed")
        user = AuthActions(client.application.test_client())
        assert user.login(f"hr@{slug}.example").status_code == 302
        report = json.loads(user.client.get(f"/campaigns/{known.campaign.id}/report.json").data)
        html = user.client.get(f"/campaigns/{known.campaign.id}/report?lang=en").get_data(
            as_text=True
        )
        (department,) = report["segments"]
        published[slug] = (
            [(g["group"], g["n"]) for g in department["groups"]],
            department["hidden_groups"],
            hidden_group_sentences(html),
        )
    assert published["acme"] == published["globex"]
    groups, hidden, sentences = published["acme"]
    # Legal hidden, and HR too: total − Sales − IT − HR would be Legal's one person — or, in
    # the round where they did not answer, 0, which says just as much
    assert groups == [("Sales", 12), ("IT", 10)] and hidden == 2
    assert len(sentences) == 1 and "2 groups are not shown" in sentences[0]


def test_a_single_dutch_respondent_gets_no_row_in_the_instrument_check(client, session, runner):
    pytest.importorskip("semopy")
    from survey.services.imports import offsets_from_points

    from ...scoring.test_structure import structured_points

    organisation = add_organisation(session, "pool", "Pool")
    campaign = create_campaign(session, organisation, "Big round", status="open")
    instrument = campaign_instrument(campaign)
    offsets = offsets_from_points(structured_points(instrument, 400, seed=3), instrument)
    session.execute(
        sa.insert(Response),
        [
            {
                "campaign_id": campaign.id,
                "language": "nl" if i == 0 else "en",
                "segments": {},
                "answers": row.tobytes(),
            }
            for i, row in enumerate(offsets)
        ],
    )
    session.commit()
    set_status(session, campaign, "closed")
    output = runner.invoke(args=["validate", str(campaign.id)]).output
    assert "all respondents (n = 400)" in output
    # no Dutch row — and no English one, whose n of 399 would leave the Dutch speaker
    assert "language nl" not in output and "language en" not in output
    assert "n = 399" not in output

    add_user(
        session,
        "advisor@example.org",
        PASSWORD,
        memberships=((campaign.organisation, "consultant"),),
    )
    AuthActions(client).login("advisor@example.org")
    page = client.get(f"/validate?campaign={campaign.id}&lang=en").get_data(as_text=True)
    assert "Dutch version" not in page and "English version" not in page
    assert "399" not in page and "400" in page


def test_an_open_rounds_count_moves_in_steps_of_k_only(session):
    organisation = add_organisation(session, "acme", "Acme")
    campaign = create_campaign(session, organisation, "Spring", status="open", min_group_size=K)
    shown = [shown_count(n, campaign) for n in range(13)]
    assert [s.value for s in shown] == [0] * 5 + [5] * 5 + [10] * 3
    assert not any(s.exact for s in shown)
    set_status(session, campaign, "closed")
    assert shown_count(12, campaign).value == 12 and shown_count(12, campaign).exact
    assert round_participation(session, campaign).responses == shown_count(0, campaign)


def test_a_pooled_instrument_check_learns_nothing_of_a_rounds_small_bins(session):
    """Pooling a client's round with a round the reader can open, and checking that round
    alone: the difference was the client's raw answers (a lone "don't know" left a complete
    answer less). Each round now counts its answers as its own release does, with its own k."""
    pytest.importorskip("semopy")
    from survey.services.imports import offsets_from_points
    from survey.services.validation import validate

    from ...scoring.test_structure import structured_points

    organisation = add_organisation(session, "acme", "Acme")

    def closed(name, offsets):
        campaign = create_campaign(session, organisation, name, status="open")
        session.execute(
            sa.insert(Response),
            [
                {"campaign_id": campaign.id, "language": "en", "segments": {},
                 "answers": row.astype(np.int8).tobytes()}
                for row in offsets
            ],
        )  # fmt: skip
        session.commit()
        set_status(session, campaign, "closed")
        return campaign

    instrument = campaign_instrument(create_campaign(session, organisation, "Draft"))
    client = offsets_from_points(structured_points(instrument, 12, seed=7), instrument)
    lone = client.copy()
    lone[3, 0] = -1  # one person: "don't know" on the first statement
    probe = offsets_from_points(structured_points(instrument, 205, seed=3), instrument)
    probe[200:, 0] = -1  # the reader's own five "don't know" on it
    reader = closed("Probe", probe)
    fits = [validate(session, [closed(name, rows), reader]).overall
            for name, rows in (("Client", client), ("Client, lone", lone))]  # fmt: skip
    assert fits[0].n == fits[1].n == validate(session, [reader]).overall.n + 12
    assert fits[0].cfi == fits[1].cfi
