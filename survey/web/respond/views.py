"""The anonymous survey: personal token links and open links."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from importlib.resources import files

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer

from scoring.teams import is_tree
from survey.extensions import db, limiter
from survey.models import Campaign, valid_id
from survey.services.campaigns import campaign_instrument
from survey.services.responses import (
    FORM_KEY_PATTERN,
    AnswersReceived,
    CampaignClosed,
    InvalidSubmission,
    UnknownLink,
    campaign_for_slug,
    campaign_for_token,
    new_form_key,
    submit_response,
)
from survey.web.respond.forms import (
    DONT_KNOW,
    NO_ANSWER,
    item_field_name,
    questionnaire_form,
    segment_field_name,
)

blueprint = Blueprint("respond", __name__)


@blueprint.after_request
def no_referrer(response):
    """Never leak a survey link to another site through the Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def survey_language(campaign) -> str:
    lang = str(get_locale())
    return lang if lang in campaign.languages else campaign.languages[0]


@blueprint.get("/s/<token>")
def welcome(token: str):
    """Show the welcome page and privacy statement of a personal survey link."""
    campaign = campaign_for_token(db.session, token)
    return _welcome(campaign, url_for(".questions", token=token), via="personal")


@blueprint.route("/s/<token>/questions", methods=["GET", "POST"])
def questions(token: str):
    """Show the questionnaire, and store the answers once they are complete."""
    try:
        campaign = campaign_for_token(db.session, token, form_key=posted_form_key())
    except UnknownLink:
        closed_under_the_form()
        raise
    except AnswersReceived as received:  # sent again: the confirmation never arrived
        return _thanks_again(received.campaign_id)
    return _questionnaire(campaign, token=token)


ROUND_FIELD = "round"  # a signed mark of the round, in every questionnaire form
# the form's one-time key, issued with the form: the same form sent twice is stored once
FORM_KEY_FIELD = "form_key"


def posted_form_key() -> str | None:
    """The key of the questionnaire form sent (None on a GET, or from a form shown before forms
    had keys); a key no form was given is refused (400)."""
    if request.method != "POST" or FORM_KEY_FIELD not in request.form:
        return None
    key = request.form[FORM_KEY_FIELD]
    if not FORM_KEY_PATTERN.fullmatch(key):
        abort(400)
    return key


def _thanks_again(campaign_id: int):
    """The thank-you page, saying the answers had arrived the first time."""
    lang = str(get_locale())
    mark = _round_signer().dumps(campaign_id)
    return redirect(url_for(".thanks", lang=lang, round=mark, again=1))


def _round_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="questionnaire-round")


def closed_under_the_form() -> None:
    """Answers sent from a form opened before the round closed: closing deleted the links, so
    the token is unknown now — the form's round mark says the round has closed (410), not
    that the link was never valid."""
    if request.method != "POST":
        return
    try:
        campaign_id = _round_signer().loads(request.form.get(ROUND_FIELD, ""))
    except BadSignature:
        return
    campaign = db.session.get(Campaign, campaign_id) if valid_id(campaign_id) else None
    if campaign is not None and campaign.is_closed:
        raise CampaignClosed()


# An open link is limited where it costs nobody their answers: when a browser *starts* the survey
# (per client address, generously, so that a company behind one NAT address is not refused), and
# per browser for submissions (a person answers once; a browser that sends many is a script).
# A browser that was shown the questions is never refused for its address when it sends them.
VISIT_KEY = "open_visit"


def open_start_limit() -> str:
    return current_app.config["OPEN_LINK_START_LIMIT"]


def open_submit_limit() -> str:
    return current_app.config["OPEN_LINK_SUBMIT_LIMIT"]


def visit_started() -> bool:
    """A browser that already started this survey is not counted again when it reloads."""
    return session.get(VISIT_KEY) is not None


def visit_key() -> str:
    """The browser's visit (set when it was shown the questions); without one the POST has no
    CSRF token either and is refused."""
    return "visit:" + (session.get(VISIT_KEY) or "none")


@blueprint.get("/o/<slug>")
def open_welcome(slug: str):
    """Show the welcome page of an open survey link."""
    campaign = campaign_for_slug(db.session, slug)
    return _welcome(campaign, url_for(".open_questions", slug=slug), via="open")


@blueprint.route("/o/<slug>/questions", methods=["GET", "POST"])
@limiter.limit(open_start_limit, methods=["GET"], exempt_when=visit_started)
@limiter.limit(open_submit_limit, methods=["POST"], key_func=visit_key)
def open_questions(slug: str):
    """Show and take the questionnaire of an open survey link."""
    campaign = campaign_for_slug(db.session, slug)
    if request.method == "GET":
        session.setdefault(VISIT_KEY, secrets.token_urlsafe(12))
    return _questionnaire(campaign, token=None)


@blueprint.get("/")
def home():
    """Employees: answer through the link of your invitation; HR: to its rounds (or log in)."""
    if current_user.is_authenticated:
        return redirect(url_for("hr.campaigns"))
    return render_template("respond/home.html")


@blueprint.get("/privacy")
def privacy():
    """What the survey stores about a respondent, for employees and works councils."""
    from survey.web.respond.privacy import stored_fields

    languages = current_app.config["LANGUAGES"]
    return render_template("respond/privacy.html", tables=stored_fields(), languages=languages)


@blueprint.get("/privacy/threat-model")
def threat_model():
    """How anonymity is protected, against whom, and what remains (the project's threat model)."""
    text = (files("survey.docs") / "anonymity.md").read_text(encoding="utf-8")
    return current_app.response_class(text, mimetype="text/plain")


@blueprint.get("/thanks")
def thanks():
    """Thank the respondent and say whom to ask and when the round closes (from the signed round
    mark); nothing here refers to the answers."""
    contact = closes_on = None
    try:
        campaign_id = _round_signer().loads(request.args.get(ROUND_FIELD, ""))
    except BadSignature:
        campaign_id = None
    if isinstance(campaign_id, int) and valid_id(campaign_id):
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is not None:
            contact, closes_on = campaign.contact, campaign.closes_on
    return render_template(
        "respond/thanks.html",
        contact=contact,
        closes_on=closes_on,
        again=request.args.get("again") == "1",
    )


def _welcome(campaign, start_url: str, via: str):
    return render_template(
        "respond/welcome.html",
        via=via,
        custody=campaign.link_custody,
        campaign=campaign,
        organisation=campaign.organisation,
        start_url=start_url,
        languages=campaign.languages,
        lang=survey_language(campaign),
    )


def asked_segments(campaign, token: str | None) -> list[dict]:
    """The segment questions the survey asks: none on a link the system e-mailed (the response
    takes its participant's attributes from the list), all of them but the organisation's tree
    otherwise."""
    if token is not None and campaign.link_custody == "system":
        return []
    # the organisation's tree is never asked: a team comes from the participant list only
    return [question for question in campaign.segments if not is_tree(question)]


def _questionnaire(campaign, token: str | None):
    instrument = campaign_instrument(campaign)
    lang = survey_language(campaign)
    questions = asked_segments(campaign, token)
    with force_locale(lang):  # interface texts in the survey's language, as the items are
        if request.method == "GET":
            page = blank_questionnaire(campaign, instrument, lang, questions)
            return (
                page.replace(CSRF_PLACEHOLDER, generate_csrf(), 1)
                .replace(DRAFT_PLACEHOLDER, draft_key(), 1)
                .replace(FORM_KEY_PLACEHOLDER, new_form_key(), 1)
            )
        form = questionnaire_form(instrument, questions, lang)
        reject_tampering(form)
        form_key = posted_form_key()
        if form.validate_on_submit():
            try:
                submit_response(
                    db.session,
                    campaign,
                    answers=collect_answers(form, instrument),
                    segments=collect_segments(form, questions),
                    language=lang,
                    comment=form.comment.data or "",
                    token=token,
                    form_key=form_key,
                )
            except AnswersReceived:  # a double click: the first one stored them
                return _thanks_again(campaign.id)
            return redirect(url_for(".thanks", lang=lang, round=_round_signer().dumps(campaign.id)))
        page = render_questionnaire(
            form,
            campaign,
            instrument,
            lang,
            questions,
            draft=draft_key(),
            form_key=form_key or new_form_key(),  # the same form, sent again once corrected
        )
        return page, 422


CSRF_PLACEHOLDER = "\x00csrf\x00"
DRAFT_PLACEHOLDER = "\x00draft\x00"
FORM_KEY_PLACEHOLDER = "\x00form-key\x00"


def draft_key() -> str:
    """What the browser names this link's draft by: a keyed hash of the link's path, so that the
    browser's storage never holds the link itself, and nobody can tie the name to a link."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"draft:" + request.path.encode(), hashlib.sha256).hexdigest()[:24]


_BLANK_PAGES: dict[tuple, str] = {}


def blank_questionnaire(campaign, instrument, lang: str, questions: list[dict]) -> str:
    """The unanswered questionnaire, rendered once per campaign and language.

    Only the CSRF token, the draft's name and the form's key differ between respondents; they
    are filled in per request.
    """
    key = (
        campaign.id,
        lang,
        campaign.instrument_name,
        campaign.min_group_size,
        campaign.organisation.name,
        tuple(campaign.languages),
        json.dumps(questions, sort_keys=True),
    )
    page = _BLANK_PAGES.get(key)
    if page is None:
        form = questionnaire_form(instrument, questions, lang, meta={"csrf": False})
        page = render_questionnaire(
            form,
            campaign,
            instrument,
            lang,
            questions,
            csrf=CSRF_PLACEHOLDER,
            draft=DRAFT_PLACEHOLDER,
            form_key=FORM_KEY_PLACEHOLDER,
        )
        if len(_BLANK_PAGES) >= 256:
            _BLANK_PAGES.clear()
        _BLANK_PAGES[key] = page
    return page


def preview_page(campaign) -> str:
    """The questionnaire as a person with a personal link sees it, in the chosen language, for
    HR to check before the round opens; nothing on it can be sent."""
    instrument = campaign_instrument(campaign)
    lang = survey_language(campaign)
    questions = asked_segments(campaign, token="preview")
    with force_locale(lang):
        form = questionnaire_form(instrument, questions, lang, meta={"csrf": False})
        return render_questionnaire(form, campaign, instrument, lang, questions, preview=True)


def render_questionnaire(
    form,
    campaign,
    instrument,
    lang: str,
    questions: list[dict],
    csrf: str | None = None,
    draft: str = "",
    preview: bool = False,
    form_key: str = "",
) -> str:
    return render_template(
        "respond/questionnaire.html",
        campaign=campaign,
        form=form,
        csrf=csrf,
        draft=draft,
        preview=preview,
        round_field=ROUND_FIELD,
        round_mark=_round_signer().dumps(campaign.id),
        form_key_field=FORM_KEY_FIELD,
        form_key=form_key,
        sections=[
            (dim.name[lang], [form[item_field_name(i.key)] for i in dim.items])
            for dim in instrument.dimensions
        ],
        outcomes=[form[item_field_name(item.key)] for item in instrument.outcomes],
        segments=[form[segment_field_name(s["key"])] for s in questions],
        lang=lang,
        languages=campaign.languages,
        total_questions=len(instrument.items),
        answered=sum(1 for item in instrument.items if form[item_field_name(item.key)].data),
    )


def reject_tampering(form) -> None:
    """Refuse (400) a POST with a field or a value that the form never offered."""
    fields = {field.name: field for field in form}
    for name in request.form:
        if name in (ROUND_FIELD, FORM_KEY_FIELD):
            continue
        field = fields.get(name)
        values = request.form.getlist(name)
        if field is None or len(values) > 1:
            abort(400)
        choices = getattr(field, "choices", None)
        if choices is not None and values[0] not in {choice.value for choice in choices}:
            abort(400)


def collect_answers(form, instrument) -> dict[str, int | None]:
    answers = {}
    for item in instrument.items:
        value = form[item_field_name(item.key)].data
        answers[item.key] = None if value == DONT_KNOW else int(value)
    return answers


def collect_segments(form, questions: list[dict]) -> dict[str, str | None]:
    segments = {}
    for segment in questions:
        value = form[segment_field_name(segment["key"])].data
        segments[segment["key"]] = None if value in (None, "", NO_ANSWER) else value
    return segments


__all__ = ["blueprint", "InvalidSubmission"]
