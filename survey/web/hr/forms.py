"""Forms of the HR pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
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

from survey.policy import (
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_RETENTION_DAYS,
    MAX_MIN_GROUP_SIZE,
    MAX_RETENTION_DAYS,
    MIN_GROUP_SIZE_FLOOR,
)
from survey.services.campaigns import parse_segment
from survey.services.errors import InvalidInput


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
        default=DEFAULT_MIN_GROUP_SIZE,
        validators=[
            InputRequired(),
            NumberRange(min=MIN_GROUP_SIZE_FLOOR, max=MAX_MIN_GROUP_SIZE),
        ],
    )
    segments = TextAreaField(
        _l("Segment questions, one per line"),
        default=(
            "department:Department|Afdeling=Sales|Verkoop,IT,HR\n"
            "role_level=Employee,Manager,Director"
        ),
        validators=[Optional(), Length(max=4000)],
    )
    open_link = BooleanField(_l("Also allow answering through one open link"))
    retention_days = IntegerField(
        _l("Keep the answers for this many days after closing"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_RETENTION_DAYS)],
    )
    submit = SubmitField(_l("Create the round"))

    def settings(self) -> dict:
        """The round's settings, as :func:`survey.services.campaigns.create_campaign` takes them."""
        return {
            "name": self.name.data,
            "languages": tuple(self.languages.data),
            "min_group_size": self.min_group_size.data,
            "closes_on": self.closes_on.data,
            "segments": self.parsed_segments(),
            "open_link": self.open_link.data,
            "retention_days": self.retention_days.data,
        }

    def parsed_segments(self) -> tuple[dict, ...]:
        """The segment questions typed in the box (none when it is left empty)."""
        lines = (self.segments.data or "").splitlines()
        return tuple(parse_segment(line) for line in lines if line.strip())

    def validate_segments(self, field):
        try:
            self.parsed_segments()
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

    def changes(self) -> dict:
        """The edited fields, as :func:`survey.services.actions.update` takes them."""
        return {
            "owner": self.owner.data or "",
            "due_on": self.due_on.data,
            "status": self.status.data,
            "note": self.note.data or "",
        }
