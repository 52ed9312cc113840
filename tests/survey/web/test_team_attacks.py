"""Attacks on a manager's team page through the real app: what the team's change since the
earlier round tells about its people, and what a manager can reach outside their team."""

from __future__ import annotations

import pytest

from survey import jobs
from survey.extensions import db
from survey.models import Campaign
from survey.services import managers, participants
from survey.services.campaigns import campaign_instrument, create_campaign, parse_segment
from survey.services.lifecycle import set_status
from survey.services.responses import campaign_for_token, submit_response
from survey.services.users import add_user

from ...reports.english import visible_texts
from ..conftest import PASSWORD, import_approved
from .test_managers import as_user
from .test_participation_attacks import links
from .test_teams import TEAMS, K, team_round


def answer_by_team(session, app, outbox, campaign, level):
    """Everyone answers; the people of Care/Ward 3 and Nights each tick ``level`` on every
    statement (a homogeneous team), the others vary."""
    with app.app_context():
        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    for i, token in links(outbox, "zorg").items():
        round_ = campaign_for_token(session, token)
        keys = campaign_instrument(round_).item_keys
        same = TEAMS[i].startswith("Care/Ward 3")
        answers = {key: level if same else 1 + (i * 3 + j) % 5 for j, key in enumerate(keys)}
        submit_response(session, round_, answers=answers, segments={}, language="en", token=token)
    set_status(session, campaign, "closed")
    managers.publish(session, campaign)


def two_rounds(session, app, outbox):
    spring, checked = team_round(session, app, outbox)
    import_approved(session, spring, checked)
    answer_by_team(session, app, outbox, spring, 4)
    add_user(session, "ward@zorg.example", PASSWORD,
             memberships=((spring.organisation, "manager"),), team="Care/Ward 3")  # fmt: skip
    autumn = create_campaign(
        session, spring.organisation, "Autumn", status="open", min_group_size=K,
        segments=(parse_segment("department=Sales,IT"),),
    )  # fmt: skip
    rows = [f"p{i}@zorg.example,en,{team}" for i, team in enumerate(TEAMS)]
    checked = participants.read_participant_file(
        ("email,language,team\n" + "\n".join(rows)).encode(), "list.csv", autumn
    )
    import_approved(session, autumn, checked)
    for mail in outbox.glob("*.eml"):
        mail.unlink()
    answer_by_team(session, app, outbox, autumn, 5)
    return spring, autumn


def test_the_change_does_not_tell_that_everyone_in_a_team_gave_the_same_score(
    client, session, app, outbox
):
    """Thirteen people of Ward 3 each gave every statement the same answer, in both rounds. The
    team's mean would be each one's own score, and the change would say that the scores do not
    vary: a team score in which everyone scored the same is not shown, in either round."""
    _spring, autumn = two_rounds(session, app, outbox)
    as_user(client, "ward@zorg.example")
    text = client.get(f"/campaigns/{autumn.id}/team").get_data(as_text=True)
    start = text.index('class="team-change"')
    section = " ".join(visible_texts(text[start : text.index("</section>", start)]))
    assert "Your team since Spring" in section
    assert "do not vary" not in section
    assert "not shown in Spring" in section  # hidden in both rounds, like any hidden score


@pytest.mark.parametrize(
    "unit",
    ["Shop", "Care", "Care/Ward 3/", "Care/Ward 3/../Shop", "Care/Ward 3/Nights/x",
     "Care/Ward 3/" + "x" * 5000, "Care/Ward 3/Ωmega", "Care/Ward 3\\Nights", "\x00"],
)  # fmt: skip
def test_a_manager_reaches_no_unit_outside_their_team(client, session, app, outbox, unit):
    _spring, autumn = two_rounds(session, app, outbox)
    as_user(client, "ward@zorg.example")
    for route in ("team", "team.pdf", "team.xlsx", "team.pptx"):
        answer = client.get(f"/campaigns/{autumn.id}/{route}", query_string={"unit": unit})
        assert answer.status_code == 404, (route, unit)
