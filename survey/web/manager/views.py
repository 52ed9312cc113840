"""Managers: their team's results of the rounds HR has published to them, and their team's
actions (:mod:`survey.services.managers`). HR publishes a round and sees who read it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reports.render import STYLESHEET, html_to_pdf
from reports.team_slides import team_pptx
from reports.team_workbook import team_xlsx
from reports.teams import team_change, team_view
from survey import jobs
from survey.extensions import db
from survey.models import AuditEvent
from survey.policy import SIGNIFICANCE_LEVEL
from survey.services import access, actions, managers, report_files
from survey.services.audit import record
from survey.services.campaigns import campaign_instrument
from survey.services.errors import InvalidInput
from survey.web.downloads import download
from survey.web.hr.forms import ActionForm
from survey.web.locale import page_language

blueprint = Blueprint("manager", __name__)
READ = "team_report_read"


@blueprint.before_request
@login_required
def require_login():
    """Every page here needs a logged-in user."""


def _view(campaign_id: int):
    """The round, the node, its view and the release (404 outside the manager's team)."""
    unit = request.args.get("unit") or None
    campaign, node = managers.team_for(db.session, current_user, campaign_id, unit)
    lang = page_language()
    comment_min_group = current_app.config["COMMENT_MIN_GROUP_SIZE"]
    release, _labels = report_files.release_for(db.session, campaign, lang, comment_min_group)
    instrument = campaign_instrument(campaign)
    change = None
    earlier = managers.earlier_round(db.session, campaign, node)
    if earlier is not None and release.enough:
        before, _labels = report_files.release_for(db.session, earlier, lang, comment_min_group)
        planned = actions.by_dimension(actions.team_actions(db.session, earlier.id, node))
        change = team_change(release, before, node, instrument, planned, SIGNIFICANCE_LEVEL)
    view = team_view(release, managers.tree_options(campaign), node, instrument, lang, change)
    return campaign, view, release


@blueprint.get("/team")
def my_rounds():
    """The rounds whose results HR gave the manager."""
    rounds = managers.managed_rounds(db.session, current_user)
    if not rounds and not any(m.role == managers.ROLE for m in current_user.memberships):
        abort(404)
    return render_template("manager/rounds.html", rounds=rounds, lang=page_language())


@blueprint.get("/campaigns/<int:campaign_id>/team")
def team(campaign_id: int):
    """A manager's team: its subtree and each unit under it, against the unit above and the
    organisation, with where the team might start and its actions."""
    campaign, view, release = _view(campaign_id)
    if not db.session.scalar(
        sa.select(AuditEvent.id).where(
            AuditEvent.event == READ, AuditEvent.user_id == current_user.id,
            AuditEvent.detail == f"campaign {campaign.id}",
        )  # fmt: skip
    ):
        record(db.session, READ, user=current_user, organisation=campaign.organisation_id,
               detail=f"campaign {campaign.id}")  # fmt: skip
    planned = actions.team_actions(db.session, campaign.id, view.node)
    return render_template(
        "manager/team.html", campaign=campaign, view=view, report=release, planned=planned,
        button=ActionForm(), lang=page_language(), document=False,
    )  # fmt: skip


@blueprint.get("/campaigns/<int:campaign_id>/team.pdf")
def team_pdf(campaign_id: int):
    """The manager's page as an A4 PDF."""
    campaign, view, release = _view(campaign_id)
    html = render_template(
        "manager/team_document.html", campaign=campaign, view=view, report=release,
        planned=actions.team_actions(db.session, campaign.id, view.node), lang=page_language(),
        stylesheet=STYLESHEET.read_text(encoding="utf-8"), document=True,
    )  # fmt: skip
    return download(html_to_pdf(html), "application/pdf", f"team-{campaign.id}.pdf")


TEAM_FILES = {  # kind: (build, MIME type)
    "xlsx": (team_xlsx, report_files.KINDS["xlsx"]),
    "pptx": (team_pptx, report_files.KINDS["pptx"]),
}


@blueprint.get("/campaigns/<int:campaign_id>/team.xlsx", endpoint="team_xlsx",
               defaults={"kind": "xlsx"})  # fmt: skip
@blueprint.get("/campaigns/<int:campaign_id>/team.pptx", endpoint="team_pptx",
               defaults={"kind": "pptx"})  # fmt: skip
def team_file(campaign_id: int, kind: str):
    """The manager's page as an Excel workbook or a PowerPoint deck."""
    campaign, view, release = _view(campaign_id)
    build, mimetype = TEAM_FILES[kind]
    planned = actions.team_plan_rows(db.session, campaign.id, view.node)
    name = f"team-{campaign.id}-{release.lang}.{kind}"
    return download(build(view, release, planned), mimetype, name)


@blueprint.post("/campaigns/<int:campaign_id>/team/actions")
def add_team_action(campaign_id: int):
    """Turn one of the team's recommendations into an action of the team."""
    campaign, view, _release = _view(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    key = request.form.get("recommendation", "")
    if key not in {r.key for r in view.recommendations}:
        abort(400)
    _action, new = actions.add_from_recommendation(
        db.session, campaign, key, page_language(), team=view.node
    )
    done = _("Added to your team's actions.")
    flash(done if new else _("This is one of your team's actions already."), "info")
    return redirect(url_for(".team", campaign_id=campaign.id, unit=request.args.get("unit")))


@blueprint.post("/campaigns/<int:campaign_id>/publish-to-managers")
def publish(campaign_id: int):
    """HR gives the closed round's results to its managers: each gets an e-mail with a link."""
    campaign = access.campaign_for(db.session, current_user, campaign_id, "run")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        addresses = managers.publish(db.session, campaign)
        record(db.session, "team_results_published", user=current_user,
               organisation=campaign.organisation_id, detail=f"campaign {campaign.id}")  # fmt: skip
    except InvalidInput as exc:
        flash(str(exc), "error")
        return redirect(url_for(".managers_page", campaign_id=campaign.id))
    queue = jobs.queue()
    if queue is None:
        managers.send_announcements(campaign.id, addresses)
    else:
        queue.enqueue(managers.send_announcements, campaign.id, addresses, job_timeout=600)
    told = _("The results were published to %(n)d managers, who get an e-mail with a link.")
    flash(told % {"n": len(addresses)}, "info")
    return redirect(url_for(".managers_page", campaign_id=campaign.id))


@blueprint.get("/campaigns/<int:campaign_id>/managers")
def managers_page(campaign_id: int):
    """HR: the round's managers, whether they have read their team's results and the actions
    their teams planned."""
    campaign = access.campaign_for(db.session, current_user, campaign_id, "run")
    read = set(
        db.session.scalars(
            sa.select(AuditEvent.user_id).where(
                AuditEvent.event == READ, AuditEvent.detail == f"campaign {campaign.id}"
            )
        )
    )
    planned = actions.team_actions(db.session, campaign.id)
    rows = [
        (user, node, user.id in read, [a for a in planned if a.team == node])
        for user, node in managers.managers_of(db.session, campaign)
    ]
    return render_template(
        "manager/managers.html", campaign=campaign, rows=rows, planned=planned,
        button=ActionForm(), lang=page_language(), has_tree=bool(managers.tree_options(campaign)),
    )  # fmt: skip
