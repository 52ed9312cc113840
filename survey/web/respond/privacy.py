"""The public "what we store" page, generated from the schema itself so that it cannot drift."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from survey.models import Base

TABLES = {
    "responses": _l("Your answers"),
    "comments": _l("Your comment, if you wrote one"),
    "invitations": _l("Your invitation link"),
    "participants": _l("Your place on the participant list, if your organisation gave one"),
    "closed_links": _l("Your invitation link, once the round has closed"),
    "form_keys": _l("Your questionnaire, once you have sent it"),
}
COLUMNS = {
    ("responses", "id"): _l(
        "a random number, so that the answers can be stored; it says nothing about you"
    ),
    ("responses", "campaign_id"): _l("which survey round the answers belong to"),
    ("responses", "submitted_on"): _l("the day you answered — not the time"),
    ("responses", "language"): _l("the language you answered in"),
    ("responses", "segments"): _l(
        "your answers to the questions about your department, role "
        "and years of service, if you gave them"
    ),
    ("responses", "answers"): _l("your answer to each statement, or “don't know”"),
    ("comments", "id"): _l("a random number, different from the one of your answers"),
    ("comments", "campaign_id"): _l("which survey round the comment belongs to"),
    ("comments", "text"): _l("what you wrote"),
    ("comments", "team"): _l(
        "if the link came from a list with your organisation's teams: your team as the list "
        "records it (a small team as the team above it), so that a manager can read the "
        "comments of a team large enough — nothing else about you"
    ),
    ("invitations", "id"): _l("a number for the link"),
    ("invitations", "campaign_id"): _l("which survey round the link belongs to"),
    ("invitations", "token_hash"): _l(
        "a fingerprint of the link (not the link itself), so that it can be used once"
    ),
    ("invitations", "redeemed"): _l(
        "whether the link has been used — not when, and not for which answers"
    ),
    ("invitations", "participant_id"): _l(
        "which participant the link was e-mailed to, so that reminders skip those who answered; "
        "deleted when the round closes"
    ),
    ("invitations", "mailing"): _l(
        "which of the e-mails sent to you carried the link: the invitation or a reminder"
    ),
    ("invitations", "sent"): _l("whether the e-mail with the link has gone out"),
    ("closed_links", "token_hash"): _l(
        "a fingerprint of the link, so that it says the survey has closed — not whether it was "
        "used, nor whom it was sent to"
    ),
    ("closed_links", "campaign_id"): _l("which survey round the link belonged to"),
    ("form_keys", "key_hash"): _l(
        "a fingerprint of a random key the questionnaire carried, so that answers sent twice "
        "are stored once — not your link, nor which answers; deleted when the round closes"
    ),
    ("form_keys", "campaign_id"): _l("which survey round the questionnaire belongs to"),
    ("participants", "id"): _l("a number for your place on the list"),
    ("participants", "campaign_id"): _l("which survey round the list belongs to"),
    ("participants", "email"): _l(
        "your e-mail address, to send you the link; deleted when the round closes"
    ),
    ("participants", "mailbox"): _l(
        "your address as the mailbox it reaches (small letters, without a +tag), so that nobody "
        "is invited twice under two spellings; deleted when the round closes"
    ),
    ("participants", "language"): _l("the language of your invitation"),
    ("participants", "attributes"): _l(
        "your department, role or other groups from your organisation's list, only where at "
        "least k people on the list share them; your answers take them over instead of asking"
    ),
    ("participants", "added_after_open"): _l("whether you were added after the round opened"),
    ("participants", "answered"): _l(
        "whether you have answered — never what — so that you get no reminder"
    ),
    ("participants", "state"): _l("whether the invitation could be sent"),
    ("participants", "mails_sent"): _l("how many e-mails were sent to you"),
    ("participants", "failures"): _l("how often sending to your address failed"),
    ("participants", "error"): _l("the mail server's last complaint about your address"),
}


def stored_fields() -> list[tuple[str, list[tuple[str, str]]]]:
    """Per table that concerns a respondent, every column with its plain-language description."""
    tables = Base.metadata.tables
    return [
        (
            str(TABLES[name]),
            [
                (column.name, str(COLUMNS.get((name, column.name), column.name)))
                for column in tables[name].columns
            ],
        )
        for name in TABLES
    ]
