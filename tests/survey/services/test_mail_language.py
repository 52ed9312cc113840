"""The invitation and reminder as a participant receives them: sent by the app to the outbox and
read back from there, the Dutch ones hold none of the product's English."""

from __future__ import annotations

import email
from email import policy

import pytest

from survey import jobs
from survey.models import Campaign
from survey.services import participants
from survey.services.campaigns import add_organisation

from ...reports.english import english_in
from ..conftest import department_round, import_approved

LIST = "email,language,department\n" + "\n".join(
    f"p{i}@acme.example,{'nl' if i % 2 else 'en'},{'Sales' if i < 4 else 'IT'}" for i in range(8)
)


@pytest.fixture
def received(app, session, outbox) -> dict[str, list[email.message.EmailMessage]]:
    """Every message the round's participants got — an invitation, then a reminder — by the
    language of its recipient."""
    campaign = department_round(session, add_organisation(session, "acme", "Acme"))
    campaign.min_group_size = 3
    session.commit()
    checked = participants.read_participant_file(LIST.encode(), "list.csv", campaign)
    with app.app_context():
        from survey.extensions import db

        import_approved(db.session, db.session.get(Campaign, campaign.id), checked)
        assert jobs.invite(db.session, db.session.get(Campaign, campaign.id)) == 8
        assert jobs.remind(db.session, db.session.get(Campaign, campaign.id)) == 8
    by_language = {"nl": [], "en": []}
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        number = int(str(message["To"]).split("@")[0][1:])
        by_language["nl" if number % 2 else "en"].append(message)
    return by_language


def read(messages: list[email.message.EmailMessage]) -> list[str]:
    """What a participant reads: the subject and each line of the text but the link (whose host
    name is the installation's, in no language)."""
    return [
        text
        for message in messages
        for text in (str(message["Subject"]), *message.get_content().splitlines())
        if text.strip() and not text.startswith("http")
    ]


def test_the_dutch_invitation_and_reminder_are_wholly_dutch(received):
    dutch = received["nl"]
    subjects = sorted(str(message["Subject"]) for message in dutch)
    assert len(dutch) == 8 and subjects[0].startswith("Herinnering: hoe sociaal is Acme")
    assert subjects[-1].startswith("Hoe sociaal is Acme")
    assert english_in(read(dutch)) == set()


def test_the_check_finds_english_in_an_english_mail(received):
    """The check above fails on a mail in the product's English."""
    found = english_in(read(received["en"]))
    assert any(f.startswith("'the'") for f in found)
    assert any(f.startswith("'people'") for f in found)
