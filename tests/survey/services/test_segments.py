"""Segment questions and list attributes with names in English and Dutch: typed once, asked,
imported and reported in each participant's and reader's language, stored as one value."""

from __future__ import annotations

import pytest

from scoring.segments import option_label, question_label, stored_option
from survey.models import Campaign
from survey.services import participants
from survey.services.campaigns import add_organisation, create_campaign, parse_segment
from survey.services.errors import InvalidInput
from survey.services.lifecycle import set_status
from survey.services.reporting import campaign_report
from survey.services.responses import create_invitations

from ..conftest import fill_round

SPEC = "department:Department|Afdeling=Sales|Verkoop,Care|Zorg,IT"


def test_a_spec_names_the_question_and_options_in_both_languages():
    question = parse_segment(SPEC)
    assert question["options"] == ["Sales", "Care", "IT"]
    assert question_label(question, "nl") == "Afdeling"
    assert option_label(question, "Care", "nl") == "Zorg"
    assert option_label(question, "IT", "nl") == "IT"  # one name serves both languages
    assert option_label(question, "Care", "en") == "Care"
    assert stored_option(question, " zorg ") == "Care"
    assert stored_option(question, "Verkoop") == "Sales"
    assert stored_option(question, "Finance") is None


def test_a_plain_spec_stores_what_it_always_did():
    assert parse_segment("department=Sales,IT") == {"key": "department", "options": ["Sales", "IT"]}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("department=Sales|Verkoop|Ventes,IT", "English\\|Dutch"),
        ("department=Sales|,IT", "neither left empty"),
        ("department:|Afdeling=Sales,IT", "neither left empty"),
        ("department=Sales|Zorg,Care|Zorg", "lists an option twice"),
        ("department=Sales|Verkoop", "at least two"),
    ],
)
def test_bad_names_are_refused(spec, message):
    with pytest.raises(InvalidInput, match=message):
        parse_segment(spec)


@pytest.fixture
def bilingual(session):
    organisation = add_organisation(session, "care", "Care Group")
    return create_campaign(
        session,
        organisation,
        "Autumn",
        status="open",
        languages=("nl", "en"),
        segments=(parse_segment(SPEC),),
    )


def test_a_list_may_name_options_and_columns_in_either_language(bilingual):
    rows = "email,afdeling\na@care.example,Verkoop\nb@care.example,zorg\nc@care.example,Care\n"
    checked = participants.read_participant_file(rows.encode(), "list.csv", bilingual)
    assert [row.attributes["department"] for row in checked.rows] == ["Sales", "Care", "Care"]
    with pytest.raises(participants.ParticipantFileError, match="Care/Zorg") as caught:
        participants.read_participant_file(
            b"email,department\na@care.example,Finance\n", "list.csv", bilingual
        )
    assert "line 2, column 'department'" in str(caught.value)


def test_the_survey_asks_in_the_respondents_language(session, client, bilingual):
    token = create_invitations(session, bilingual, 1)[0]
    dutch = client.get(f"/s/{token}/questions?lang=nl").get_data(as_text=True)
    assert "Afdeling" in dutch and "Verkoop" in dutch and "Zorg" in dutch
    assert 'value="Sales"' in dutch  # the stored value stays the same in every language
    english = client.get(f"/s/{token}/questions?lang=en").get_data(as_text=True)
    assert "Department" in english and ">Care<" in english.replace("\n", "").replace(" ", "")


def test_the_report_names_groups_in_the_readers_language(session, bilingual):
    # every option answered: an option nobody chose would cost one more group (the audit
    # treats it as if someone might have chosen it)
    fill_round(
        session,
        bilingual,
        18,
        segment=lambda i: {"department": "Sales" if i < 6 else "Care" if i < 12 else "IT"},
    )
    set_status(session, session.get(Campaign, bilingual.id), "closed")
    dutch, _labels = campaign_report(session, bilingual, "nl")
    [breakdown] = dutch.breakdowns
    assert breakdown.label == "Afdeling"
    assert [(g.group, g.label) for g in breakdown.groups] == [
        ("Sales", "Verkoop"),
        ("Care", "Zorg"),
        ("IT", "IT"),
    ]
    english, _labels = campaign_report(session, bilingual, "en")
    assert [g.label for g in english.breakdowns[0].groups] == ["Sales", "Care", "IT"]
