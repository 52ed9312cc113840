"""Forms of the HR pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from survey.campaigns import InvalidInput, parse_segment
from survey.models import MIN_GROUP_SIZE_FLOOR


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class CampaignForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Name of the round"), validators=[DataRequired(), Length(max=200)])
    closes_on = DateField(_l("Closing date"), validators=[Optional()])
    languages = SelectMultipleField(
        _l("Languages"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
        default=["nl", "en"],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(message=_l("Choose at least one language."))],
    )
    min_group_size = IntegerField(
        _l("Minimum group size"),
        default=5,
        validators=[InputRequired(), NumberRange(min=MIN_GROUP_SIZE_FLOOR, max=1000)],
    )
    segments = TextAreaField(
        _l("Segment questions, one per line"),
        default="department=Sales,IT,HR\nrole_level=Employee,Manager,Director",
        validators=[Optional(), Length(max=4000)],
    )
    open_link = BooleanField(_l("Also allow answering through one open link"))
    retention_days = IntegerField(
        _l("Keep the answers for this many days after closing"),
        default=730,
        validators=[InputRequired(), NumberRange(min=1, max=3650)],
    )
    submit = SubmitField(_l("Create the round"))

    def validate_segments(self, field):
        try:
            self.parsed_segments = tuple(
                parse_segment(line) for line in (field.data or "").splitlines() if line.strip()
            )
        except InvalidInput as exc:
            raise ValidationError(str(exc)) from None


class InvitationForm(FlaskForm):
    count = IntegerField(
        _l("Number of personal links"),
        default=50,
        validators=[InputRequired(), NumberRange(min=1, max=100_000)],
    )
    submit = SubmitField(_l("Create links and download them (CSV)"))


class ActionForm(FlaskForm):
    """An empty form: a button that POSTs with a CSRF token."""

    submit = SubmitField()


class ActionEditForm(FlaskForm):
    owner = StringField(_l("Owner"), validators=[Optional(), Length(max=200)])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("planned", _l("planned")),
            SelectChoice("in_progress", _l("in progress")),
            SelectChoice("done", _l("done")),
        ],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save"))
