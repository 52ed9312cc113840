"""HR: log in, run survey rounds, read the maturity report (page, PDF, CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from markupsafe import Markup
from wtforms import SelectChoice

from reports.render import render_body, render_csv, render_pdf
from survey import access, actions
from survey import campaigns as service
from survey.extensions import db, limiter
from survey.hr.forms import ActionEditForm, ActionForm, CampaignForm, InvitationForm, LoginForm
from survey.models import Action
from survey.reporting import campaign_report
from survey.responses import create_invitations

blueprint = Blueprint("hr", __name__)


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Log in with e-mail address and password; one message for every failure."""
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a new session at login: nothing from before carries over
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(url_for(".campaigns"))
        flash(_("The e-mail address or password is not right."), "error")
    return render_template("hr/login.html", form=form), 200 if request.method == "GET" else 401


@blueprint.post("/logout")
@login_required
def logout():
    """Log out and forget the session."""
    logout_user()
    session.clear()
    return redirect(url_for(".login"))


@blueprint.get("/")
@blueprint.get("/campaigns")
@login_required
def campaigns():
    """List the rounds of the user's organisations with their responses."""
    rows = service.with_response_counts(db.session, access.visible_campaigns())
    return render_template("hr/campaigns.html", rows=rows)


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new_campaign():
    """Create a survey round."""
    form = CampaignForm()
    organisations = db.session.scalars(access.visible_organisations()).all()
    form.organisation.choices = [SelectChoice(o.id, o.name) for o in organisations]
    if form.validate_on_submit():
        organisation = access.organisation_or_404(form.organisation.data)
        try:
            campaign = service.create_campaign(
                db.session,
                organisation,
                form.name.data,
                languages=tuple(form.languages.data),
                min_group_size=form.min_group_size.data,
                closes_on=form.closes_on.data,
                segments=form.parsed_segments,
                open_link=form.open_link.data,
                retention_days=form.retention_days.data,
            )
        except service.InvalidInput as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            return redirect(url_for(".campaign", campaign_id=campaign.id))
    return render_template("hr/campaign_new.html", form=form)


@blueprint.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    """A round: its status, responses and response rate, and its links."""
    item = access.campaign_or_404(campaign_id)
    responses, invited, used = service.response_figures(db.session, item)
    return render_template(
        "hr/campaign.html",
        campaign=item,
        responses=responses,
        invited=invited,
        used=used,
        rate=(used / invited) if invited else None,
        action=ActionForm(),
        invite=InvitationForm(),
        base_url=current_app.config["BASE_URL"],
    )


@blueprint.post("/campaigns/<int:campaign_id>/<any(open, close):action>")
@login_required
def set_status(campaign_id: int, action: str):
    """Open or close a round."""
    item = access.campaign_or_404(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.set_status(db.session, item, "open" if action == "open" else "closed")
    except service.InvalidInput as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for(".campaign", campaign_id=item.id))


@blueprint.post("/campaigns/<int:campaign_id>/invitations")
@login_required
def invitations(campaign_id: int):
    """Create personal links and hand them over once, as a CSV download."""
    item = access.campaign_or_404(campaign_id)
    form = InvitationForm()
    if not form.validate_on_submit() or item.status == "closed":
        abort(400)
    base = current_app.config["BASE_URL"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["link"])
    writer.writerows(
        [f"{base}/s/{token}"] for token in create_invitations(db.session, item, form.count.data)
    )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=links-campaign-{item.id}.csv",
            "Cache-Control": "no-store",
        },
    )


def _report(campaign_id: int):
    item = access.campaign_or_404(campaign_id)
    lang = str(get_locale())
    if lang not in ("en", "nl"):
        lang = "en"
    report, labels = campaign_report(
        db.session, item, lang, current_app.config["COMMENT_MIN_GROUP_SIZE"]
    )
    return item, report, labels


@blueprint.get("/campaigns/<int:campaign_id>/report")
@login_required
def report(campaign_id: int):
    """The maturity report as a web page."""
    item, built, labels = _report(campaign_id)
    with force_locale(built.lang):
        body = Markup(render_body(built, labels))
    return render_template(
        "hr/report.html",
        campaign=item,
        body=body,
        lang=built.lang,
        report=built,
        action=ActionForm(),
    )


@blueprint.get("/campaigns/<int:campaign_id>/report.pdf")
@login_required
def report_pdf(campaign_id: int):
    """The maturity report as an A4 PDF in the chosen language."""
    item, built, labels = _report(campaign_id)
    return Response(
        render_pdf(built, labels),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=report-{item.id}-{built.lang}.pdf"},
    )


@blueprint.get("/campaigns/<int:campaign_id>/report.csv")
@login_required
def report_csv(campaign_id: int):
    """Aggregates per principle and per allowed segment group (never one row per person)."""
    item, built, _labels = _report(campaign_id)
    return Response(
        render_csv(built),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=report-{item.id}.csv"},
    )


@blueprint.get("/campaigns/<int:campaign_id>/report.json")
@login_required
def report_json(campaign_id: int):
    """The report's figures as JSON (the ``ambassador report --json`` contract)."""
    _item, built, _labels = _report(campaign_id)
    return Response(json.dumps(built.to_dict(), ensure_ascii=False), mimetype="application/json")


@blueprint.post("/campaigns/<int:campaign_id>/actions")
@login_required
def add_action(campaign_id: int):
    """Turn one of the report's recommendations into an action."""
    item = access.campaign_or_404(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    lang = str(get_locale()) if str(get_locale()) in ("en", "nl") else "en"
    try:
        actions.add_from_recommendation(
            db.session, item, request.form.get("recommendation", ""), lang
        )
    except service.InvalidInput:
        db.session.rollback()
        abort(400)
    return redirect(url_for(".action_plan", campaign_id=item.id))


@blueprint.get("/campaigns/<int:campaign_id>/actions")
@login_required
def action_plan(campaign_id: int):
    """The round's action plan: every action with its owner, due date, status and note."""
    item = access.campaign_or_404(campaign_id)
    rows = [
        (action, ActionEditForm(obj=action, prefix=f"a{action.id}"))
        for action in actions.actions_of(db.session, item.id)
    ]
    return render_template("hr/actions.html", campaign=item, rows=rows)


@blueprint.post("/campaigns/<int:campaign_id>/actions/<int:action_id>")
@login_required
def edit_action(campaign_id: int, action_id: int):
    """Save an action's owner, due date, status and note."""
    item = access.campaign_or_404(campaign_id)
    action = db.session.get(Action, action_id)
    if action is None or action.campaign_id != item.id:
        abort(404)
    form = ActionEditForm(prefix=f"a{action.id}")
    if not form.validate_on_submit():
        abort(400)
    actions.update(
        db.session,
        action,
        owner=form.owner.data or "",
        due_on=form.due_on.data,
        status=form.status.data,
        note=form.note.data or "",
    )
    flash(_("Action saved."), "info")
    return redirect(url_for(".action_plan", campaign_id=item.id))
