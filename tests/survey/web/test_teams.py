"""The organisation's tree from a participant list, through the real app: the preview shows the
tree and where small teams are merged, nothing smaller than k is stored, the open link never
asks for a team, and the closed round's report and participation show each team's subtree only
as the audit allows."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from survey import jobs
from survey.models import Campaign, Participant, Response
from survey.services import participants
from survey.services.campaigns import add_organisation, create_campaign, parse_segment
from survey.services.lifecycle import set_status
from survey.services.participation import round_participation
from survey.services.responses import InvalidSubmission, submit_response
from survey.services.users import add_user
from survey.web.respond.views import asked_segments

from ..conftest import PASSWORD, AuthActions, import_approved
from .test_participation_attacks import answer, links

K = 5
# Care: 2 of its own, Ward 3 with 7, Ward 4 with 3 (merged into Care: 5 there), Nights under
# Ward 3 with 6; Shop with 8
TEAMS = (["Care"] * 2 + ["Care/Ward 3"] * 7 + ["Care/Ward 4"] * 3 + ["Care/Ward 3/Nights"] * 6
         + ["Shop"] * 8)  # fmt: skip


def team_round(session, app, outbox, slug="zorg", teams=TEAMS, column="team"):
    organisation = add_organisation(session, slug, slug.title())
    add_user(session, f"hr@{slug}.example", PASSWORD, memberships=((organisation, "hr"),))
    campaign = create_campaign(
        session, organisation, "Spring", status="open", min_group_size=K,
        segments=(parse_segment("department=Sales,IT"),),
    )  # fmt: skip
    rows = [f"p{i}@{slug}.example,en,{team}" for i, team in enumerate(teams)]
    content = f"email,language,{column}\n" + "\n".join(rows)
    checked = participants.read_participant_file(content.encode(), "list.csv", campaign)
    return campaign, checked


def test_the_preview_shows_the_tree_and_merges_small_teams_into_their_parent(
    session, app, outbox
):
    campaign, checked = team_round(session, app, outbox)
    participants.coarsened(session, campaign, checked)
    tree = {row.path: (row.invited, row.recorded_as) for row in checked.tree}
    assert tree == {
        "Care": (2, "Care"), "Care/Ward 3": (7, "Care/Ward 3"), "Care/Ward 4": (3, "Care"),
        "Care/Ward 3/Nights": (6, "Care/Ward 3/Nights"), "Shop": (8, "Shop"),
    }  # fmt: skip
    import_approved(session, campaign, checked)
    stored = [p.attributes.get("team") for p in session.scalars(sa.select(Participant))]
    assert stored.count("Care") == 5 and "Care/Ward 4" not in stored
    # every team stored names at least k people
    assert all(stored.count(team) >= K for team in set(stored) - {None})
    question = next(q for q in campaign.segments if q["key"] == "team")
    assert question["kind"] == "tree"
    assert question["options"] == ["Care", "Care/Ward 3", "Care/Ward 3/Nights", "Shop"]


def test_the_open_link_never_asks_for_a_team_nor_takes_one(session, app, outbox):
    campaign, checked = team_round(session, app, outbox)
    import_approved(session, campaign, checked)
    assert [q["key"] for q in asked_segments(campaign, None)] == ["department"]
    keys = [k for k in __import__("survey.services.campaigns", fromlist=["x"])
            .campaign_instrument(campaign).item_keys]  # fmt: skip
    with pytest.raises(InvalidSubmission, match="team"):
        submit_response(
            session, campaign, answers={k: 4 for k in keys}, segments={"team": "Shop"},
            language="en",
        )  # fmt: skip


def test_the_closed_rounds_report_shows_each_team_as_the_audit_allows(
    client, session, app, outbox
):
    campaign, checked = team_round(session, app, outbox)
    import_approved(session, campaign, checked)
    with app.app_context():
        from survey.extensions import db

        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    tokens = links(outbox, "zorg")
    # everyone answers but one of Care's own people: Care's subtree − its wards is then 4
    for i, token in tokens.items():
        if i != 0:
            answer(session, token)
    stored = session.scalars(sa.select(Response.segments)).all()
    assert {s.get("team") for s in stored} <= {None, "Care", "Care/Ward 3", "Care/Ward 3/Nights",
                                               "Shop"}  # fmt: skip
    set_status(session, campaign, "closed")
    assert AuthActions(client).login("hr@zorg.example").status_code == 302
    figures = client.get(f"/campaigns/{campaign.id}/report.json").get_json()
    team = next(s for s in figures["segments"] if s["key"] == "team")
    shown = {g["group"]: g["n"] for g in team["groups"]}
    # Care (8 with its merged ward), Ward 3 (13 with Nights) and Nights (6) cannot all be shown:
    # Care − Ward 3 would be Care's own 4 who answered
    assert not {"Care", "Care/Ward 3"} <= set(shown) or "Care/Ward 3/Nights" in shown
    assert all(n >= K for n in shown.values())
    assert team["hidden_groups"] >= 1
    page = client.get(f"/campaigns/{campaign.id}/report?lang=en").get_data(as_text=True)
    assert "By team" in page and 'class="tree"' in page
    rows = round_participation(session, session.get(Campaign, campaign.id)).groups
    listed = {(r.question, r.option): (r.invited, r.responses) for r in rows}
    for (question, option), (_invited, responses) in listed.items():
        if question == "team":
            assert option in shown and responses == shown[option]
    assert json.dumps(figures).count("Care/Ward 4") == 0  # never stored, never shown


def test_a_manager_column_builds_the_tree_from_the_chain_of_managers(session, app, outbox):
    people = {"boss": ""} | {f"m{i}": "boss" for i in range(2)}
    people |= {f"a{i}": "m0" for i in range(6)} | {f"b{i}": "m1" for i in range(2)}
    organisation = add_organisation(session, "chain", "Chain")
    campaign = create_campaign(session, organisation, "Spring", status="open", min_group_size=K)
    rows = [
        f"{who}@chain.example,en,{boss + '@chain.example' if boss else ''}"
        for who, boss in people.items()
    ]
    content = "email,language,manager\n" + "\n".join(rows)
    checked = participants.read_participant_file(content.encode(), "list.csv", campaign)
    participants.coarsened(session, campaign, checked)
    tree = {row.path: (row.invited, row.recorded_as) for row in checked.tree}
    top = "boss@chain.example"
    assert tree[f"{top}/m0@chain.example"] == (6, f"{top}/m0@chain.example")
    assert tree[f"{top}/m1@chain.example"] == (2, top)  # two people: merged into the boss's unit
    assert tree[top] == (3, top)  # the boss and the two managers, with m1's two: 5


def test_a_google_workspace_user_download_builds_the_tree_from_its_manager_email_column(
    session, app, outbox
):
    organisation = add_organisation(session, "gws", "Gws")
    campaign = create_campaign(session, organisation, "Spring", status="open", min_group_size=K)
    people = {"boss": ""} | {f"a{i}": "boss" for i in range(4)} | {f"b{i}": "a0" for i in range(5)}
    rows = [
        f"{who}@gws.example,{boss + '@gws.example' if boss else ''}"
        for who, boss in people.items()
    ]
    content = "Email Address [Required],Manager Email\n"
    checked = participants.read_participant_file(
        (content + "\n".join(rows)).encode(), "users.csv", campaign
    )
    participants.coarsened(session, campaign, checked)
    tree = {row.path: row.invited for row in checked.tree}
    assert tree == {"boss@gws.example": 5, "boss@gws.example/a0@gws.example": 5}


def test_two_people_without_a_team_take_a_small_teams_people_with_them(session, app, outbox):
    """Total minus the teams would be the two without one: the smallest team is not recorded
    either (its people join them), and the preview says so."""
    campaign, checked = team_round(session, app, outbox, teams=[*TEAMS, "", ""])
    participants.coarsened(session, campaign, checked)
    tree = {row.path: row.recorded_as for row in checked.tree}
    assert tree["Care"] is None and tree["Care/Ward 4"] is None and tree["Shop"] == "Shop"


def test_a_list_with_a_bad_tree_imports_nothing(session, app, outbox):
    organisation = add_organisation(session, "bad", "Bad")
    campaign = create_campaign(session, organisation, "Spring", status="open", min_group_size=K)
    for content, message in [
        ("email,team\na@bad.example,Care//Nights\n", "line 2, column 'team'"),
        ("email,manager\na@bad.example,b@bad.example\nb@bad.example,a@bad.example\n", "circle"),
        ("email,manager\na@bad.example,not an address\n", "line 2, column 'manager'"),
        ("email,team,manager\na@bad.example,Care,\n", "keep one of them"),
    ]:
        with pytest.raises(participants.ParticipantFileError, match=message):
            participants.read_participant_file(content.encode(), "list.csv", campaign)


def test_hr_previews_the_tree_on_the_participants_page(client, session, app, outbox):
    campaign, _checked = team_round(session, app, outbox)
    assert AuthActions(client).login("hr@zorg.example").status_code == 302
    page = client.get(f"/campaigns/{campaign.id}/participants").get_data(as_text=True)
    rows = [f"p{i}@zorg.example,en,{team}" for i, team in enumerate(TEAMS)]
    content = ("email,language,team\n" + "\n".join(rows)).encode()
    from ..conftest import csrf_token

    previewed = client.post(
        f"/campaigns/{campaign.id}/participants/preview",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(content), "list.csv"),
              "source": "hr"},
        content_type="multipart/form-data",
    )  # fmt: skip
    text = previewed.get_data(as_text=True)
    assert previewed.status_code == 200, text[:500]
    assert "Ward 4" in text and "merged into Care: fewer than 5 people invited" in text
    assert "Nights" in text and "itself" in text


def test_team_and_manager_are_no_segment_question_of_a_round():
    from survey.services.campaigns import parse_segment
    from survey.services.errors import InvalidInput

    for key in ("team", "manager"):
        with pytest.raises(InvalidInput, match="the organisation's tree"):
            parse_segment(f"{key}=Sales,IT")


def test_a_round_with_teams_takes_no_second_manager_column(session, app, outbox):
    campaign, checked = team_round(session, app, outbox)
    import_approved(session, campaign, checked)
    content = "email,language,manager\nz1@zorg.example,en,\nz2@zorg.example,en,z1@zorg.example\n"
    with pytest.raises(participants.ParticipantFileError, match="has its teams already"):
        participants.read_participant_file(content.encode(), "list.csv", campaign)


def test_a_manager_address_that_cannot_name_a_team_is_a_clear_refusal(session, app, outbox):
    organisation = add_organisation(session, "slash", "Slash")
    campaign = create_campaign(session, organisation, "Spring", status="open", min_group_size=K)
    long = "b" * 101 + "@slash.example"
    for content in (
        "email,manager\na/b@slash.example,\nc@slash.example,a/b@slash.example\n",
        f"email,manager\nc@slash.example,{long}\n",
    ):
        with pytest.raises(participants.ParticipantFileError, match="column 'manager'"):
            participants.read_participant_file(content.encode(), "list.csv", campaign)
