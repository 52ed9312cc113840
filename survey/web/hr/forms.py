"""Forms of the HR pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
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

from scoring.teams import MAX_DEPTH, MAX_PART, MAX_PATH, SEPARATOR
from survey.policy import (
    CONTACT_MAX,
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_RETENTION_DAYS,
    MAX_MIN_GROUP_SIZE,
    MAX_RETENTION_DAYS,
    MIN_GROUP_SIZE_FLOOR,
)
from survey.services.campaigns import segment_question
from survey.services.errors import InvalidInput
from survey.services.users import EMAIL_PATTERN


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SegmentQuestionForm(Form):
    """One segment question: its key, its name and its options in English and Dutch."""

    key = StringField(_l("Key (letters, digits, _)"), validators=[Optional(), Length(max=40)])
    label_en = StringField(_l("Question in English"), validators=[Optional(), Length(max=200)])
    label_nl = StringField(_l("Question in Dutch"), validators=[Optional(), Length(max=200)])
    options_en = TextAreaField(
        _l("Options in English, one per line"), validators=[Optional(), Length(max=4000)]
    )
    options_nl = TextAreaField(
        _l("The same options in Dutch, in the same order"),
        validators=[Optional(), Length(max=4000)],
    )

    def question(self) -> dict | None:
        """The segment question, or None for a row left empty."""
        english, dutch = _lines(self.options_en.data), _lines(self.options_nl.data)
        key = (self.key.data or "").strip()
        if not key and not english and not dutch:
            return None
        dutch = dutch or english  # the same names in both languages
        if len(dutch) != len(english):
            raise InvalidInput(
                f"segment {key!r}: give as many options in Dutch ({len(dutch)}) as in English "
                f"({len(english)}), in the same order"
            )
        label = (self.label_en.data or "", self.label_nl.data or "")
        return segment_question(key, label, list(zip(english, dutch, strict=True)))


DEFAULT_SEGMENTS = [
    {"key": "department", "label_en": "Department", "label_nl": "Afdeling",
     "options_en": "Sales\nIT\nHR", "options_nl": "Verkoop\nIT\nHR"},
    {"key": "role_level", "label_en": "Role level", "label_nl": "Functieniveau",
     "options_en": "Employee\nManager\nDirector",
     "options_nl": "Medewerker\nLeidinggevende\nDirecteur"},
]  # fmt: skip
SEGMENT_ROWS = 4


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
    segments = FieldList(
        FormField(SegmentQuestionForm),
        min_entries=SEGMENT_ROWS,
        max_entries=SEGMENT_ROWS,
        default=DEFAULT_SEGMENTS,
    )
    contact = StringField(
        _l("Whom employees can ask about the survey"),
        validators=[Optional(), Length(max=CONTACT_MAX)],
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
            "contact": self.contact.data,
        }

    def parsed_segments(self) -> tuple[dict, ...]:
        """The segment questions filled in (rows left empty ask nothing)."""
        questions = tuple(
            question for entry in self.segments if (question := entry.form.question())
        )
        keys = [question["key"] for question in questions]
        if len(set(keys)) != len(keys):
            raise InvalidInput("two segment questions have the same key")
        return questions

    def validate_segments(self, field):
        try:
            self.parsed_segments()
        except InvalidInput as exc:
            raise ValidationError(str(exc)) from None


class ContactForm(FlaskForm):
    contact = StringField(
        _l("Whom employees can ask about the survey"),
        validators=[Optional(), Length(max=CONTACT_MAX)],
    )
    submit = SubmitField(_l("Save"))


class InvitationForm(FlaskForm):
    count = IntegerField(
        _l("Number of personal links"),
        default=50,
        validators=[InputRequired(), NumberRange(min=1, max=100_000)],
    )
    submit = SubmitField(_l("Create links and download them (CSV)"))


class MemberForm(FlaskForm):
    """Someone's role in the organisation; a manager's team (:mod:`survey.services.members`)."""

    email = StringField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), default="manager")
    team = StringField(_l("Team"), validators=[Optional(), Length(max=2000)])
    password = PasswordField(
        _l("Password (a new account only)"), validators=[Optional(), Length(max=128)]
    )
    submit = SubmitField(_l("Save"))

    def validate_email(self, field) -> None:
        if not EMAIL_PATTERN.match((field.data or "").strip()):
            raise ValidationError(_l("Give an e-mail address such as ann@acme.example."))

    def validate_team(self, field) -> None:
        team = (field.data or "").strip()
        if not team:
            return
        if self.role.data != "manager":
            raise ValidationError(_l("Only a manager has a team: leave it empty."))
        parts = [part.strip() for part in team.split(SEPARATOR)]
        if not all(parts):
            raise ValidationError(_l("A level is empty: write the team as Care/Ward 3."))
        if len(parts) > MAX_DEPTH:
            raise ValidationError(_l("A team is at most %(n)s levels deep.", n=MAX_DEPTH))
        if any(len(part) > MAX_PART for part in parts):
            raise ValidationError(_l("A level has at most %(n)s characters.", n=MAX_PART))
        if len(SEPARATOR.join(parts)) > MAX_PATH:
            raise ValidationError(_l("A team has at most %(n)s characters.", n=MAX_PATH))


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
