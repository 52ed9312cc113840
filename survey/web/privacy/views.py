"""The works council or privacy officer: the rounds whose participant lists wait for approval,
and a round's privacy settings with a summary of its list — never an answer, a report or a link
(:mod:`survey.services.custody`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from survey.extensions import db
from survey.services import access, custody
from survey.services.errors import InvalidInput

blueprint = Blueprint("privacy", __name__)


class DecisionForm(FlaskForm):
    shown = HiddenField()  # the digest of what the page showed
    note = TextAreaField(
        _l("Note to HR (when sending the list back)"), validators=[Length(max=custody.NOTE_MAX)]
    )


@blueprint.before_request
@login_required
def require_login():
    """Every page here needs a logged-in user."""


@blueprint.get("/approvals")
def approvals():
    """The rounds whose lists wait for approval, in the organisations the user approves for."""
    if not (current_user.is_admin or any(m.role == "privacy" for m in current_user.memberships)):
        abort(403)
    waiting = custody.approvals_waiting(db.session, current_user)
    return render_template("privacy/approvals.html", waiting=waiting)


def _campaign(campaign_id: int):
    return access.campaign_for(db.session, current_user, campaign_id, "approve")


@blueprint.get("/campaigns/<int:campaign_id>/approval")
def approval(campaign_id: int):
    """The round's privacy settings and list summary, with approve and send back."""
    campaign = _campaign(campaign_id)
    summary = custody.summary(db.session, campaign)
    form = DecisionForm(shown=summary.digest)
    return _page(campaign, summary, form)


def _page(campaign, summary, form, status: int = 200):
    uploader = bool(
        campaign.list_uploaded_by
        and campaign.list_uploaded_by.lower() == current_user.email.lower()
    )
    page = render_template(
        "privacy/approval.html", campaign=campaign, summary=summary, form=form, uploader=uploader
    )
    return page, status


@blueprint.post("/campaigns/<int:campaign_id>/approval/<any(approve, return):decision>")
def decide(campaign_id: int, decision: str):
    """Approve what was shown, or send the list back to HR with a note."""
    campaign = _campaign(campaign_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    role = access.role_in(current_user, campaign.organisation_id)
    try:
        if decision == "approve":
            custody.approve(db.session, campaign, current_user, role, form.shown.data or "")
            flash(_("Approved: HR can now send the invitations."), "info")
        else:
            custody.send_back(db.session, campaign, current_user, role, form.note.data or "")
            flash(_("Sent back to HR with your note."), "info")
    except InvalidInput as exc:
        db.session.rollback()
        form.note.errors = [str(exc)]
        return _page(campaign, custody.summary(db.session, campaign), form, 422)
    return redirect(url_for(".approvals"))
