"""A manager's page through the real app: the team's comments only where the release publishes
them (no two managers' lists, nor HR's beside them, single out fewer than the comments' minimum
group), and the team's change since the earlier round published to managers, beside what the
team planned then."""

from __future__ import annotations

import re

import pytest

from survey import jobs
from survey.extensions import db
from survey.models import Campaign
from survey.services import actions, managers, participants
from survey.services.campaigns import campaign_instrument, create_campaign, parse_segment
from survey.services.lifecycle import set_status
from survey.services.report_files import release_for
from survey.services.responses import campaign_for_token, submit_response
from survey.services.users import add_user

from ...reports.english import visible_texts
from ...reports.test_office import book_texts, deck_texts
from ..conftest import PASSWORD, import_approved
from .test_managers import as_user
from .test_participation_attacks import links
from .test_teams import TEAMS, K, team_round

MANAGERS = {"ward": "Care/Ward 3", "care": "Care", "shop": "Shop", "nights": "Care/Ward 3/Nights"}
COMMENT = re.compile(r"note from p(\d+)")


def answer_all(session, app, outbox, campaign, shift=0):
    """Everyone on the list answers through their link, with a comment naming them."""
    with app.app_context():
        jobs.invite(db.session, db.session.get(Campaign, campaign.id))
    for i, token in links(outbox, "zorg").items():
        round_ = campaign_for_token(session, token)
        keys = campaign_instrument(round_).item_keys
        answers = {key: 1 + (i * 3 + j + shift) % 5 for j, key in enumerate(keys)}
        submit_response(session, round_, answers=answers, segments={}, language="en",
                        token=token, comment=f"note from p{i}")  # fmt: skip
    set_status(session, campaign, "closed")
    managers.publish(session, campaign)


def first_round(session, app, outbox):
    campaign, checked = team_round(session, app, outbox)
    import_approved(session, campaign, checked)
    answer_all(session, app, outbox, campaign)
    for name, team in MANAGERS.items():
        add_user(session, f"{name}@zorg.example", PASSWORD,
                 memberships=((campaign.organisation, "manager"),), team=team)  # fmt: skip
    return campaign


def comments_on(client, campaign) -> set[int]:
    text = client.get(f"/campaigns/{campaign.id}/team").get_data(as_text=True)
    return {int(i) for i in COMMENT.findall(text)}


def files_of(client, campaign):
    """The manager's workbook and deck, opened."""
    import io

    import openpyxl
    from pptx import Presentation

    book = client.get(f"/campaigns/{campaign.id}/team.xlsx")
    deck = client.get(f"/campaigns/{campaign.id}/team.pptx")
    assert book.status_code == deck.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(book.data)), Presentation(io.BytesIO(deck.data))


def comments_in_order(texts) -> list[int]:
    return [int(i) for text in texts for i in COMMENT.findall(text)]


def in_team(i, node):
    team = "Care" if TEAMS[i] == "Care/Ward 4" else TEAMS[i]  # Ward 4 (3 invited) is Care's
    return team == node or team.startswith(node + "/")


def test_a_manager_reads_the_comments_of_their_team_only_where_the_rule_allows(
    client, session, app, outbox
):
    campaign = first_round(session, app, outbox)
    k = max(app.config["COMMENT_MIN_GROUP_SIZE"], K)
    seen = {}
    for name, node in MANAGERS.items():
        as_user(client, f"{name}@zorg.example")
        seen[node] = comments_on(client, campaign)
        page = client.get(f"/campaigns/{campaign.id}/team").get_data(as_text=True)
        if seen[node]:  # exactly the team's own comments, everyone below it included
            assert seen[node] == {i for i in range(len(TEAMS)) if in_team(i, node)}
        else:
            assert "Comments are shown for a team of at least" in page or (
                "would single out the comments of fewer" in page
            )
        assert client.get(f"/campaigns/{campaign.id}/team.pdf").status_code == 200
        # the workbook and the deck: exactly the page's comments, in the page's order
        book, deck = files_of(client, campaign)
        on_page = comments_in_order(visible_texts(page))
        assert set(on_page) == seen[node] and len(on_page) == len(seen[node])
        assert comments_in_order(book_texts(book)) == on_page
        assert comments_in_order(deck_texts(deck)) == on_page
        if not on_page:  # and the page's sentence saying why
            why = next(t for t in visible_texts(page) if t.startswith(("Comments are shown",
                                                                       "Your team's comments")))
            assert book["Comments"]["A1"].value == why and why in set(deck_texts(deck))
    # Ward 3 with Nights holds 13 respondents; Care 18, but everyone − Care would be Shop's 8
    assert seen["Care/Ward 3"] and not seen["Care"] and not seen["Shop"]
    assert not seen["Care/Ward 3/Nights"]  # 6 people
    # any two managers colluding, with HR's list of all comments beside them
    lists = [set(range(len(TEAMS)))] + [s for s in seen.values() if s]
    for a in lists:
        for b in lists:
            for left in (a - b, a & b):
                assert len(left) == 0 or len(left) >= k, (a, b)
    # the release holds the one decision the page and the PDF read
    release, _labels = release_for(session, campaign, "en", app.config["COMMENT_MIN_GROUP_SIZE"])
    assert [c.node for c in release.team_comments] == ["Care/Ward 3"]


def test_the_next_round_shows_what_the_team_did_and_what_changed(client, session, app, outbox):
    spring = first_round(session, app, outbox)
    instrument = campaign_instrument(spring)
    key = instrument.recommendations[0].key
    action, _new = actions.add_from_recommendation(session, spring, key, "en", team="Care/Ward 3")
    actions.update(session, action, owner="", due_on=None, status="done", note="")
    autumn = create_campaign(
        session, spring.organisation, "Autumn", status="open", min_group_size=K,
        segments=(parse_segment("department=Sales,IT"),),
    )  # fmt: skip
    rows = [f"p{i}@zorg.example,en,{team}" for i, team in enumerate(TEAMS)]
    checked = participants.read_participant_file(
        ("email,language,team\n" + "\n".join(rows)).encode(), "list.csv", autumn
    )
    import_approved(session, autumn, checked)
    for mail in outbox.glob("*.eml"):  # the links of this round only
        mail.unlink()
    answer_all(session, app, outbox, autumn, shift=2)

    as_user(client, "ward@zorg.example")
    text = client.get(f"/campaigns/{autumn.id}/team").get_data(as_text=True)
    start = text.index('class="team-change"')
    section = " ".join(visible_texts(text[start : text.index("</section>", start)]))
    assert "Your team since Spring" in section
    assert f"{action.title} (done)" in section
    minimum = app.config["COMMENT_MIN_GROUP_SIZE"]
    before = release_for(session, spring, "en", minimum)[0]
    now = release_for(session, autumn, "en", minimum)[0]
    for release in (before, now):  # the numbers are both releases' audited ones
        tree = next(b for b in release.breakdowns if b.tree)
        row = next(g for g in tree.groups if g.group == "Care/Ward 3")
        for score in row.scores:
            assert f"{score.score:.1f}" in section
    # the workbook and the deck: the same change, the same numbers, the same action
    book, deck = files_of(client, autumn)
    sheet = book["Since Spring"]
    assert sheet["A1"].value == "Your team since Spring: what you did, and what changed"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, max_row=9, values_only=True)}
    names = {d.key: d.name for d in now.dimensions}
    for name, release in (("before", before), ("now", now)):
        tree = next(b for b in release.breakdowns if b.tree)
        row = next(g for g in tree.groups if g.group == "Care/Ward 3")
        for score in row.scores:  # unrounded, as the release keeps them
            cell = rows[names[score.principle]][1 if name == "before" else 2]
            assert cell == pytest.approx(score.score, rel=1e-14)
    planned = [r[8] for r in rows.values() if r[8] != "–"]
    assert planned == [f"{action.title} (done)"]
    slide = next(s for s in deck.slides if s.shapes.title.text_frame.text.startswith(
        "Your team since Spring"))  # fmt: skip
    table = next(shape.table for shape in slide.shapes if shape.has_table)
    cells = {cell.text_frame.text for row in table.rows for cell in row.cells}
    assert f"• {action.title} (done)" in cells
    for score in row.scores:
        assert f"{score.score:.1f}" in cells
    # the earlier round's page has no earlier round to compare with
    assert 'class="team-change"' not in client.get(f"/campaigns/{spring.id}/team").get_data(
        as_text=True
    )
    assert client.get(f"/campaigns/{autumn.id}/team.pdf").status_code == 200
