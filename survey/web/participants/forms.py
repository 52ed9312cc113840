"""Forms of the participant-list pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from survey.services.mail import WordingProblem, text_problems
from survey.services.participants import WordingTrouble


class UploadForm(FlaskForm):
    file = FileField(_l("Participant list (CSV or XLSX)"), validators=[FileRequired()])
    source = SelectField(
        _l("Where the list comes from"),
        choices=[
            SelectChoice("hr", _l("HR's own list")),
            SelectChoice(
                "directory", _l("An export from the directory (Entra ID, Google Workspace, …)")
            ),
        ],
        default="hr",
    )
    submit = SubmitField(_l("Check the list"))


class ImportForm(FlaskForm):
    """The checked list, signed, so that what is imported is exactly what was previewed."""

    checked = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import these participants"))


class ReminderForm(FlaskForm):
    first = DateField(_l("First reminder"), validators=[Optional()])
    second = DateField(_l("Second reminder"), validators=[Optional()])
    third = DateField(_l("Third reminder"), validators=[Optional()])
    submit = SubmitField(_l("Save the reminders"))


TEXT_LABELS = {
    ("en", "invitation_subject"): _l("Subject (English)"),
    ("en", "intro"): _l("Introduction (English)"),
    ("nl", "invitation_subject"): _l("Subject (Dutch)"),
    ("nl", "intro"): _l("Introduction (Dutch)"),
}


def wording_message(problem: WordingProblem) -> str:
    """What is wrong with a text of the invitation e-mail, in the reader's language."""
    if problem.kind == "placeholder":
        return _(
            "%(placeholder)s is not a placeholder the e-mail fills in: use {organisation} or {k}.",
            placeholder=problem.placeholder,
        )
    if problem.kind == "brace":
        return _("A { or } goes only around {organisation} or {k}.")
    if problem.kind == "line break":
        return _("The subject must be one line, without line breaks.")
    return _("The text holds an invisible control character; please type it again.")


def wording_notice(trouble: WordingTrouble | None) -> dict | None:
    """What the round's pages tell HR when its e-mail could not be worded."""
    if trouble is None:
        return None
    problems = [
        f"{TEXT_LABELS[problem.lang, problem.field]}: {wording_message(problem)}"
        for problem in trouble.problems
    ]
    return {"failed": trouble.failed, "problems": problems}


class Sendable:
    """A text the invitation e-mail can send, checked when HR saves it: only the placeholders
    the e-mail fills in, and a subject of one line (a line break would let the text add mail
    headers of its own)."""

    def __init__(self, subject: bool = False):
        self.subject = subject

    def __call__(self, form, field) -> None:
        problems = text_problems(field.data or "", subject=self.subject)
        if problems:
            raise ValidationError(" ".join(wording_message(problem) for problem in problems))


class TextsForm(FlaskForm):
    en_subject = StringField(
        TEXT_LABELS["en", "invitation_subject"], [Length(max=200), Sendable(subject=True)]
    )
    en_intro = TextAreaField(TEXT_LABELS["en", "intro"], [Length(max=2000), Sendable()])
    nl_subject = StringField(
        TEXT_LABELS["nl", "invitation_subject"], [Length(max=200), Sendable(subject=True)]
    )
    nl_intro = TextAreaField(TEXT_LABELS["nl", "intro"], [Length(max=2000), Sendable()])
    submit = SubmitField(_l("Save the e-mail"))

    def texts(self, languages) -> dict:
        return {
            lang: {
                "invitation_subject": self[f"{lang}_subject"].data,
                "intro": self[f"{lang}_intro"].data,
            }
            for lang in languages
        }
