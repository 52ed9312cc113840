"""HR: a round's participant list — upload and preview, import, invitations, reminders, the
invitation e-mail, and its participation as :mod:`survey.services.participation` allows it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer

from survey import jobs
from survey.extensions import db
from survey.models import CampaignStatus
from survey.services import access, custody, participants
from survey.services.errors import InvalidInput
from survey.services.mail import WordingError, compose
from survey.web.hr.forms import ActionForm
from survey.web.participants.forms import (
    ImportForm,
    ReminderForm,
    TextsForm,
    UploadForm,
    wording_notice,
)

blueprint = Blueprint("participants", __name__, url_prefix="/campaigns/<int:campaign_id>")


@blueprint.before_request
@login_required
def require_login():
    """Every page here needs a logged-in user."""


def _campaign(campaign_id: int):
    """A round whose participant list and e-mail the user may manage (HR: ``run``)."""
    return access.campaign_for(db.session, current_user, campaign_id, "run")


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="participant-list")


def _settings(campaign) -> list:
    """What a previewed list was checked against: the round's questions, languages and k."""
    return [campaign.segments, list(campaign.languages), campaign.min_group_size]


def _page(campaign, **forms):
    return render_template(
        "hr/participants.html",
        campaign=campaign,
        figures=participants.list_figures(db.session, campaign),
        upload=forms.get("upload") or UploadForm(),
        reminders=forms.get("reminders") or ReminderForm(),
        texts=forms.get("texts") or TextsForm(),
        preview=forms.get("preview"),
        confirm=forms.get("confirm"),
        problems=forms.get("problems", []),
        action=ActionForm(),
        wording=wording_notice(participants.wording_trouble(db.session, campaign)),
    )


@blueprint.errorhandler(jobs.QueueUnavailable)
def queue_unavailable(_exc):
    """Redis is away: say so on the list's page (what was imported stays imported)."""
    flash(
        _(
            "The mail queue cannot be reached just now, so not every e-mail was queued. Nothing "
            "is lost: send again in a few minutes; nobody gets an invitation twice."
        ),
        "error",
    )
    return redirect(url_for(".overview", campaign_id=request.view_args["campaign_id"]))


@blueprint.get("/participants")
def overview(campaign_id: int):
    """The list's figures and the forms to upload, send, remind and word the e-mail."""
    campaign = _campaign(campaign_id)
    texts = TextsForm(data=_texts_data(campaign))
    return _page(campaign, texts=texts)


def _texts_data(campaign) -> dict:
    own = campaign.invitation_texts or {}
    return {
        f"{lang}_{field}": own.get(lang, {}).get(key, "")
        for lang in ("en", "nl")
        for field, key in (("subject", "invitation_subject"), ("intro", "intro"))
    }


@blueprint.post("/participants/preview")
def preview(campaign_id: int):
    """Check an uploaded list and show its counts per group (nothing is imported yet)."""
    campaign = _campaign(campaign_id)
    upload = UploadForm()
    if not upload.validate_on_submit():
        return _page(campaign, upload=upload), 400
    try:
        checked = participants.read_participant_file(
            upload.file.data.read(), upload.file.data.filename or "list", campaign
        )
    except participants.ParticipantFileError as exc:
        return _page(campaign, upload=upload, problems=exc.problems), 422
    rows = [[r.email, r.language, r.attributes] for r in checked.rows]
    checked.coarsened = participants.coarsened(db.session, campaign, checked)
    source = "directory" if upload.source.data == "directory" else "hr"
    confirm = ImportForm(checked=_signer().dumps([campaign.id, _settings(campaign), rows, source]))
    return _page(campaign, preview=checked, confirm=confirm)


@blueprint.post("/participants/import")
def import_list(campaign_id: int):
    """Import the previewed list; in an open round its people are invited at once."""
    campaign = _campaign(campaign_id)
    form = ImportForm()
    try:
        signed = _signer().loads(form.checked.data or "") if form.validate_on_submit() else None
    except BadSignature:
        signed = None
    # the list previewed for this round as it is now (not another round's, nor an older form)
    if not isinstance(signed, list) or len(signed) != 4:
        abort(400)
    campaign_id_signed, settings, rows, source = signed
    if campaign_id_signed != campaign.id or settings != _settings(campaign):
        abort(400)
    checked = participants.ParticipantList(
        [participants.ParticipantRow(email, lang, attributes) for email, lang, attributes in rows]
    )
    try:
        ids = participants.import_participants(
            db.session, campaign, checked, uploaded_by=current_user.email, source=source
        )
    except participants.ParticipantFileError as exc:
        db.session.rollback()
        status = 409 if isinstance(exc, participants.AlreadyListed) else 422
        return _page(campaign, problems=exc.problems), status
    flash(_("%(n)d participants imported.", n=len(ids)), "info")
    if campaign.status == CampaignStatus.OPEN and custody.may_send(db.session, campaign):
        jobs.invite(db.session, campaign, ids)
    elif custody.required(campaign):
        flash(
            _(
                "Before any invitation goes out, the works council or privacy officer approves "
                "the list and the round's privacy settings."
            ),
            "info",
        )
    return redirect(url_for(".overview", campaign_id=campaign.id))


@blueprint.post("/participants/<any(send, remind):what>")
def send(campaign_id: int, what: str):
    """Send the invitations (to all not sent yet), or a reminder to all who have not answered."""
    campaign = _campaign(campaign_id)
    if not ActionForm().validate_on_submit() or campaign.status != CampaignStatus.OPEN:
        abort(400)
    if what == "send":
        try:
            count = jobs.invite(db.session, campaign)
        except InvalidInput:
            flash(
                _(
                    "No invitation was sent: the works council or privacy officer has not "
                    "approved the list and the round's privacy settings as they are now."
                ),
                "error",
            )
            return redirect(url_for(".overview", campaign_id=campaign.id))
        flash(_("%(n)d e-mails are on their way.", n=count), "info")
    else:
        # not how many: the list minus the reminded would be how many have answered
        jobs.remind(db.session, campaign)
        flash(_("Reminders are on their way to everyone who has not answered yet."), "info")
    return redirect(url_for(".overview", campaign_id=campaign.id))


@blueprint.post("/participants/reminders")
def reminders(campaign_id: int):
    """Schedule up to three reminders."""
    campaign = _campaign(campaign_id)
    form = ReminderForm()
    if not form.validate_on_submit():
        return _page(campaign, reminders=form), 400
    try:
        participants.schedule_reminders(
            db.session, campaign, [form.first.data, form.second.data, form.third.data]
        )
    except InvalidInput as exc:
        db.session.rollback()
        form.first.errors.append(str(exc))
        return _page(campaign, reminders=form), 422
    return redirect(url_for(".overview", campaign_id=campaign.id))


@blueprint.post("/participants/texts")
def texts(campaign_id: int):
    """Save the invitation's subject and introduction per language."""
    campaign = _campaign(campaign_id)
    form = TextsForm()
    if not form.validate_on_submit():  # the page says what the e-mail cannot send
        return _page(campaign, texts=form), 400 if form.csrf_token.errors else 422
    participants.set_invitation_texts(db.session, campaign, form.texts(campaign.languages))
    return redirect(url_for(".invitation", campaign_id=campaign.id, lang=campaign.languages[0]))


@blueprint.get("/participants/invitation")
def invitation(campaign_id: int):
    """The invitation e-mail as participants will get it (with a sample link)."""
    campaign = _campaign(campaign_id)
    lang = request.args.get("lang", campaign.languages[0])
    if lang not in campaign.languages:
        abort(404)
    sample = f"{current_app.config['BASE_URL']}/s/…"
    try:
        message = compose(
            campaign, lang, sample, "invitation", "…", current_app.config["MAIL_FROM"]
        )
    except WordingError as exc:  # saved before wording was checked: say what is wrong
        notice = wording_notice(participants.WordingTrouble(0, exc.problems))
        return render_template(
            "hr/invitation.html", campaign=campaign, message=None, lang=lang, wording=notice
        )
    return render_template("hr/invitation.html", campaign=campaign, message=message, lang=lang)
