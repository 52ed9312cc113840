"""HR: survey rounds, the maturity report (page, PDF, XLSX, PPTX, CSV, JSON) and the action plan."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import SelectChoice

from reports.exports import links_csv, report_csv
from reports.render import render_body
from survey import jobs
from survey.extensions import db
from survey.services import (
    access,
    actions,
    campaigns,
    lifecycle,
    managers,
    members,
    participants,
    participation,
    report_files,
    responses,
)
from survey.services.errors import InvalidInput
from survey.web.downloads import download
from survey.web.hr.forms import (
    ActionEditForm,
    ActionForm,
    CampaignForm,
    ContactForm,
    InvitationForm,
    MemberForm,
)
from survey.web.locale import page_language
from survey.web.participants.forms import wording_notice

blueprint = Blueprint("hr", __name__)


@blueprint.before_request
@login_required
def require_login():
    """Every HR page needs a logged-in user."""


def _campaign(campaign_id: int, permission: str = "view"):
    return access.campaign_for(db.session, current_user, campaign_id, permission)


def _posted_button() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@blueprint.get("/campaigns", endpoint="campaigns")
def campaign_list():
    """List the rounds of the user's organisations with their responses (as they may be shown).
    The works council or privacy officer sees the lists waiting for approval instead, and a
    manager their team's rounds."""
    roles = {m.role for m in current_user.memberships}
    if not current_user.is_admin and roles == {"privacy"}:
        return redirect(url_for("privacy.approvals"))
    if not current_user.is_admin and roles == {managers.ROLE}:
        return redirect(url_for("manager.my_rounds"))
    rows = participation.listed_rounds(db.session, access.visible_campaigns(current_user))
    member_pages = [
        m.organisation
        for m in current_user.memberships
        if access.may(current_user, m.organisation_id, "members")
    ]
    return render_template("hr/campaigns.html", rows=rows, member_pages=member_pages)


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    """Create a survey round."""
    form = CampaignForm()
    organisations = access.organisations_allowing(db.session, current_user, "prepare")
    if not organisations:
        abort(403)
    form.organisation.choices = [SelectChoice(o.id, o.name) for o in organisations]
    if form.validate_on_submit():
        organisation = access.organisation_for(
            db.session, current_user, form.organisation.data, "prepare"
        )
        try:
            created = campaigns.create_campaign(db.session, organisation, **form.settings())
        except InvalidInput as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            return redirect(url_for(".campaign", campaign_id=created.id))
    return render_template("hr/campaign_new.html", form=form)


@blueprint.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """A round: its status, responses and response rate (as they may be shown), and its links."""
    item = _campaign(campaign_id)
    return render_template(
        "hr/campaign.html",
        campaign=item,
        participation=participation.round_participation(db.session, item),
        wording=wording_notice(participants.wording_trouble(db.session, item)),
        action=ActionForm(),
        invite=InvitationForm(),
        contact_form=ContactForm(contact=item.contact),
        base_url=current_app.config["BASE_URL"],
    )


@blueprint.post("/campaigns/<int:campaign_id>/contact")
def set_contact(campaign_id: int):
    """Change whom employees can ask about the round."""
    item = _campaign(campaign_id, "run")
    form = ContactForm()
    if not form.validate_on_submit():
        if not form.contact.errors:
            abort(400)
        flash(" ".join(form.contact.errors), "error")
        return redirect(url_for(".campaign", campaign_id=item.id))
    campaigns.set_contact(db.session, item, form.contact.data)
    flash(_("Saved whom employees can ask."), "info")
    return redirect(url_for(".campaign", campaign_id=item.id))


STATUS_CHANGED = {
    "open": _l("The round is open: its links take answers from now on."),
    "close": _l(
        "The round is closed: it takes no more answers. Its report holds the final results."
    ),
}


@blueprint.post("/campaigns/<int:campaign_id>/<any(open, close):action>")
def set_status(campaign_id: int, action: str):
    """Open or close a round; closing is final, so its form asks to tick a confirmation."""
    item = _campaign(campaign_id, "run")
    _posted_button()
    if action == "close" and request.form.get("confirm") != "yes":
        flash(
            _("The round is still open: tick the box to confirm that you want to close it."),
            "error",
        )
        return redirect(url_for(".campaign", campaign_id=item.id))
    try:
        lifecycle.set_status(db.session, item, "open" if action == "open" else "closed")
    except InvalidInput as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(STATUS_CHANGED[action], "info")
    return redirect(url_for(".campaign", campaign_id=item.id))


@blueprint.post("/campaigns/<int:campaign_id>/invitations")
def invitations(campaign_id: int):
    """Create personal links and hand them over once, as a CSV download."""
    item = _campaign(campaign_id, "run")
    form = InvitationForm()
    if not form.validate_on_submit() or item.is_closed:
        abort(400)
    tokens = responses.create_invitations(db.session, item, form.count.data)
    text = links_csv(current_app.config["BASE_URL"], tokens)
    return download(text, "text/csv", f"links-campaign-{item.id}.csv")


class NotReady(Exception):
    """A closed round's report is being built by the worker: answer with the progress page."""

    def __init__(self, page):
        self.page = page


@blueprint.get("/campaigns/<int:campaign_id>/preview")
def preview(campaign_id: int):
    """The questionnaire exactly as employees will see it (``?lang=``); nothing can be sent."""
    from survey.web.respond.views import preview_page

    return preview_page(_campaign(campaign_id))


@blueprint.get("/campaigns/<int:campaign_id>/open-link.<kind>")
def open_link_qr(campaign_id: int, kind: str):
    """The open link as a QR code, SVG or PNG, for a poster or a slide."""
    item = _campaign(campaign_id)
    if not item.open_slug or item.is_closed or kind not in campaigns.QR_KINDS:
        abort(404)
    url = f"{current_app.config['BASE_URL']}/o/{item.open_slug}"
    content, mimetype = campaigns.qr_code(url, kind)
    return download(content, mimetype, f"open-link-{item.id}.{kind}")


def _report(campaign_id: int):
    """The round, its report, scale labels and page body: a closed round's from the kept page,
    built by the worker when there is one (the request never builds a closed round's report
    then: survey requests do not wait behind it)."""
    item = _campaign(campaign_id)
    lang = page_language()
    comment_min_group = current_app.config["COMMENT_MIN_GROUP_SIZE"]
    key = report_files.report_key(db.session, item, lang, "page", comment_min_group)
    if key is not None and jobs.queue() is not None and not report_files.is_kept(db.session, key):
        try:
            state = jobs.request_export(item, lang, "page", key, retry="retry" in request.args)
        except jobs.QueueUnavailable:
            pass  # the queue is away: build it here
        else:
            raise NotReady(_preparing(item, "page", state))
    built, labels, body = report_files.report_page(
        db.session, item, lang, comment_min_group, render_body, key=key
    )
    return item, built, labels, body


def _preparing(item, kind: str, state: str):
    page = render_template("hr/preparing.html", campaign=item, kind=kind, state=state)
    return page, 202, {"Refresh": "2"}


@blueprint.errorhandler(NotReady)
def not_ready(exc: NotReady):
    """The report is being built: a page that follows its progress."""
    return exc.page


@blueprint.get("/campaigns/<int:campaign_id>/report")
def report(campaign_id: int):
    """The maturity report as a web page."""
    item, built, _labels, body = _report(campaign_id)
    return render_template(
        "hr/report.html",
        campaign=item,
        body=Markup(body),
        lang=built.lang,
        report=built,
        action=ActionForm(),
    )


FILE_NAMES = {
    "pdf": "report-{id}-{lang}.pdf",
    "xlsx": "report-{id}-{lang}.xlsx",
    "pptx": "report-{id}-{lang}.pptx",
}


REPORT_URL = "/campaigns/<int:campaign_id>/report."


@blueprint.get(REPORT_URL + "pdf", endpoint="report_pdf", defaults={"kind": "pdf"})
@blueprint.get(REPORT_URL + "xlsx", endpoint="report_xlsx", defaults={"kind": "xlsx"})
@blueprint.get(REPORT_URL + "pptx", endpoint="report_pptx", defaults={"kind": "pptx"})
def report_file(campaign_id: int, kind: str):
    """The report as a PDF, Excel workbook or PowerPoint deck. A closed round's file is built
    once by the worker: until it is ready this answers 202 with a page that follows progress."""
    item = _campaign(campaign_id)
    lang = page_language()
    comment_min_group = current_app.config["COMMENT_MIN_GROUP_SIZE"]
    name = FILE_NAMES[kind].format(id=item.id, lang=lang)
    key = report_files.report_key(db.session, item, lang, kind, comment_min_group)
    content = report_files.cached(db.session, key)
    if content is None and (key is None or jobs.queue() is None):
        content = _build_file(item, lang, kind)  # an open round (no figures), or no worker
    if content is None:
        try:
            state = jobs.request_export(item, lang, kind, key, retry="retry" in request.args)
        except jobs.QueueUnavailable:
            content = _build_file(item, lang, kind)
        else:
            return _preparing(item, kind, state)
    return download(content, report_files.KINDS[kind], name)


def _build_file(item, lang: str, kind: str) -> bytes:
    comment_min_group = current_app.config["COMMENT_MIN_GROUP_SIZE"]
    return report_files.build_file(db.session, item, lang, kind, comment_min_group, render_body)


@blueprint.get("/campaigns/<int:campaign_id>/report.csv", endpoint="report_csv")
def report_csv_download(campaign_id: int):
    """Aggregates per principle and per allowed segment group (never one row per person)."""
    item, built, _labels, _body = _report(campaign_id)
    return download(report_csv(built), "text/csv", f"report-{item.id}.csv")


@blueprint.get("/campaigns/<int:campaign_id>/report.json")
def report_json(campaign_id: int):
    """The report's figures as JSON (the ``ambassador report --json`` contract)."""
    _item, built, _labels, _body = _report(campaign_id)
    return current_app.response_class(
        json.dumps(built.to_dict(), ensure_ascii=False), mimetype="application/json"
    )


@blueprint.post("/campaigns/<int:campaign_id>/actions")
def add_action(campaign_id: int):
    """Turn one of the report's recommendations into an action."""
    item = _campaign(campaign_id, "plan")
    _posted_button()
    key = request.form.get("recommendation", "")
    try:
        _action, new = actions.add_from_recommendation(db.session, item, key, page_language())
    except InvalidInput:
        db.session.rollback()
        abort(400)
    if not new:
        flash(_("This recommendation is in the action plan already."), "info")
    return redirect(url_for(".action_plan", campaign_id=item.id))


@blueprint.get("/campaigns/<int:campaign_id>/actions")
def action_plan(campaign_id: int):
    """The round's action plan: every action with its owner, due date, status and note."""
    item = _campaign(campaign_id)
    rows = [
        (action, ActionEditForm(obj=action, prefix=f"a{action.id}"))
        for action in actions.actions_of(db.session, item.id)
    ]
    return render_template("hr/actions.html", campaign=item, rows=rows, button=ActionForm())


@blueprint.post("/campaigns/<int:campaign_id>/actions/<int:action_id>")
def edit_action(campaign_id: int, action_id: int):
    """Save an action's owner, due date, status and note."""
    action = actions.action_of(db.session, _campaign(campaign_id, "plan"), action_id)
    form = ActionEditForm(prefix=f"a{action.id}")
    if not form.validate_on_submit():
        abort(400)
    actions.update(db.session, action, **form.changes())
    flash(_("Action saved."), "info")
    return redirect(url_for(".action_plan", campaign_id=campaign_id))


@blueprint.post("/campaigns/<int:campaign_id>/actions/<int:action_id>/delete")
def delete_action(campaign_id: int, action_id: int):
    """Remove an action from the plan."""
    action = actions.action_of(db.session, _campaign(campaign_id, "plan"), action_id)
    _posted_button()
    actions.delete(db.session, action)
    flash(_("Action removed."), "info")
    return redirect(url_for(".action_plan", campaign_id=campaign_id))


@blueprint.route("/organisations/<slug>/members", methods=["GET", "POST"])
def organisation_members(slug: str):
    """The organisation's members; HR sets up its managers and their teams, an admin any role."""
    organisation = members.organisation_for(db.session, current_user, slug)
    form = MemberForm()
    form.role.choices = [
        SelectChoice(role, ROLE_NAMES[role]()) for role in members.roles_for(current_user)
    ]
    status = 200
    if form.validate_on_submit():
        try:
            members.set_member(
                db.session, organisation, current_user, email=form.email.data,
                role=form.role.data, team=form.team.data, name=form.name.data or "",
                password=form.password.data or "",
            )  # fmt: skip
        except InvalidInput as exc:
            db.session.rollback()
            flash(str(exc), "error")
            status = 422
        else:
            flash(_("Saved: %(email)s.", email=form.email.data.strip().lower()), "info")
            return redirect(url_for(".organisation_members", slug=slug))
    elif form.errors:
        status = 422
    return render_template(
        "hr/members.html", form=form, organisation=organisation,
        provider=members.identity_provider(db.session, organisation),
        rows=members.members_of(db.session, organisation), role_names=ROLE_NAMES,
    ), status  # fmt: skip


ROLE_NAMES = {
    "hr": lambda: _("HR"),
    "consultant": lambda: _("Consultant"),
    "privacy": lambda: _("Works council or privacy officer"),
    "manager": lambda: _("Manager"),
}
