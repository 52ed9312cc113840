"""Forms of the participant-list pages."""

from __future__ import annotations

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
from wtforms.validators import DataRequired, Length, Optional


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


class TextsForm(FlaskForm):
    en_subject = StringField(_l("Subject (English)"), validators=[Length(max=200)])
    en_intro = TextAreaField(_l("Introduction (English)"), validators=[Length(max=2000)])
    nl_subject = StringField(_l("Subject (Dutch)"), validators=[Length(max=200)])
    nl_intro = TextAreaField(_l("Introduction (Dutch)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save the e-mail"))

    def texts(self, languages) -> dict:
        return {
            lang: {
                "invitation_subject": self[f"{lang}_subject"].data,
                "intro": self[f"{lang}_intro"].data,
            }
            for lang in languages
        }
