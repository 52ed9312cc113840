"""The questionnaire form, composed at run time from the campaign's instrument."""

from __future__ import annotations

import json
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from scoring.instrument import Instrument
from scoring.segments import option_label, question_label
from survey.services.responses import COMMENT_MAX_LENGTH

DONT_KNOW = "dk"
NO_ANSWER = "-"
# Options of the standard segment questions are shown translated; the stored value stays as is.
STANDARD_OPTIONS = {
    "Employee": _l("Employee"),
    "Manager": _l("Manager"),
    "Director": _l("Director"),
    "Less than 1 year": _l("Less than 1 year"),
    "1-5 years": _l("1-5 years"),
    "More than 5 years": _l("More than 5 years"),
}
SEGMENT_LABELS = {
    "department": _l("In which department do you work?"),
    "role_level": _l("What is your role?"),
    "tenure": _l("How long have you worked here?"),
}


def segment_option_name(segment: dict, option: str, lang: str):
    """An option as respondents read it: the round's own name for it in ``lang``, else the
    standard translation of a standard option, else the option itself."""
    if (segment.get("option_labels") or {}).get(lang):
        return option_label(segment, option, lang)
    return STANDARD_OPTIONS.get(option, option)


class QuestionnaireForm(FlaskForm):
    """Base of the questionnaire; item and segment fields are added per campaign."""

    comment = TextAreaField(
        _l("Anything else you would like to say? (optional)"),
        validators=[
            Optional(),
            Length(
                max=COMMENT_MAX_LENGTH,
                message=_l(
                    "Please keep your comment under %(max)d characters.", max=COMMENT_MAX_LENGTH
                ),
            ),
        ],
    )
    submit = SubmitField(_l("Send my answers"))


def item_field_name(key: str) -> str:
    return f"item_{key}"


def segment_field_name(key: str) -> str:
    return f"segment_{key}"


def questionnaire_form(
    instrument: Instrument, questions: list[dict], lang: str, **kwargs
) -> QuestionnaireForm:
    """The questionnaire in a language: one radio group per item and per segment question asked."""
    segments = json.dumps(questions, sort_keys=True)
    return _form_class(instrument, segments, lang)(**kwargs)


@lru_cache(maxsize=256)
def _form_class(instrument: Instrument, segments_json: str, lang: str):
    """The questionnaire's form class, built once per instrument, segments and language."""
    scale = instrument.scale
    labels = scale.labels.get(lang) or tuple(str(v) for v in range(scale.min, scale.max + 1))
    choices = [
        SelectChoice(str(v), label)
        for v, label in zip(range(scale.min, scale.max + 1), labels, strict=True)
    ]
    choices.append(SelectChoice(DONT_KNOW, _("Don't know")))
    fields = {}
    for item in instrument.items:
        fields[item_field_name(item.key)] = RadioField(
            item.text[lang],
            choices=choices,
            validators=[InputRequired(message=_("Please choose an answer, or “Don't know”."))],
        )
    for segment in json.loads(segments_json):
        options = [
            SelectChoice(option, segment_option_name(segment, option, lang))
            for option in segment["options"]
        ]
        options.append(SelectChoice(NO_ANSWER, _("I prefer not to say")))
        fields[segment_field_name(segment["key"])] = RadioField(
            question_label(segment, lang)
            or SEGMENT_LABELS.get(segment["key"], segment["key"].replace("_", " ").capitalize()),
            choices=options,
            validators=[Optional()],
        )
    return type("CampaignQuestionnaireForm", (QuestionnaireForm,), fields)
