"""Admin pages: each organisation's sign-in (identity provider, second factor) and the audit log."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from survey.extensions import db
from survey.models import IdentityProvider, Organisation
from survey.services import audit, custody, second_factor, sso
from survey.services.errors import InvalidInput
from survey.web.admin.forms import AuditFilterForm, ListsForm, SignInForm
from survey.web.downloads import download

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


@blueprint.before_request
@login_required
def require_admin():
    """Every admin page needs a logged-in admin."""
    if not current_user.is_admin:
        abort(403)


@blueprint.get("/sign-in")
def sign_in_overview():
    """Every organisation with how its members sign in."""
    organisations = list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))
    providers = {p.organisation_id: p for p in db.session.scalars(sa.select(IdentityProvider))}
    return render_template(
        "admin/sign_in_overview.html", organisations=organisations, providers=providers
    )


@blueprint.route("/organisations/<slug>/lists", methods=["GET", "POST"])
def lists(slug: str):
    """An organisation's verified e-mail domains and whether its participant lists need a
    second person's approval (turning it off is logged, and reports say so)."""
    organisation = db.session.scalar(sa.select(Organisation).filter_by(slug=slug))
    if organisation is None:
        abort(404)
    form = ListsForm()
    if request.method == "GET":
        form.domains.data = ", ".join(organisation.email_domains or [])
        form.approval.data = organisation.list_approval
    elif form.validate_on_submit():
        domains = form.domain_list()
        bad = [d for d in domains if "." not in d or "@" in d or " " in d]
        if bad:
            form.domains.errors = [_("Not a domain: %(domains)s", domains=", ".join(bad))]
            return render_template("admin/lists.html", form=form, organisation=organisation), 422
        if domains != sorted(organisation.email_domains or []):
            organisation.email_domains = domains
            audit.setting_changed(
                db.session, organisation, f"verified e-mail domains: {domains}", current_user
            )
            db.session.commit()
        if form.approval.data != organisation.list_approval:
            custody.set_requirement(db.session, organisation, form.approval.data, current_user)
        flash(_("Saved."), "info")
        return redirect(url_for(".lists", slug=slug))
    else:
        return render_template("admin/lists.html", form=form, organisation=organisation), 400
    return render_template("admin/lists.html", form=form, organisation=organisation)


@blueprint.route("/organisations/<slug>/sign-in", methods=["GET", "POST"])
def sign_in(slug: str):
    """An organisation's identity provider and second-factor rule."""
    organisation = db.session.scalar(sa.select(Organisation).filter_by(slug=slug))
    if organisation is None:
        abort(404)
    provider = db.session.scalar(
        sa.select(IdentityProvider).filter_by(organisation_id=organisation.id)
    )
    form = SignInForm()
    if request.method == "GET":
        form.require_second_factor.data = organisation.require_second_factor
        if provider is not None:
            form.use_provider.data = True
            form.issuer.data, form.client_id.data = provider.issuer, provider.client_id
            form.client_secret_env.data = provider.client_secret_env or ""
            form.domains.data = ", ".join(provider.domains)
            form.role_claim.data = provider.role_claim
            form.hr_values.data = ", ".join(provider.role_values.get("hr", []))
            form.consultant_values.data = ", ".join(provider.role_values.get("consultant", []))
            form.privacy_values.data = ", ".join(provider.role_values.get("privacy", []))
            form.manager_values.data = ", ".join(provider.role_values.get("manager", []))
            form.team_claim.data = provider.team_claim or ""
            form.password_login.data = provider.password_login
    if form.validate_on_submit():
        try:
            if form.use_provider.data:
                sso.configure(
                    db.session,
                    organisation,
                    secret_key=current_app.config["SECRET_KEY"],
                    actor=current_user,
                    **form.provider_settings(),
                )
            elif provider is not None:
                sso.remove(db.session, organisation, actor=current_user)
            second_factor.set_required(
                db.session, organisation, form.require_second_factor.data, actor=current_user
            )
        except InvalidInput as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _sign_in_page(form, organisation, provider), 422
        flash(_("Saved."), "info")
        return redirect(url_for(".sign_in", slug=slug))
    return _sign_in_page(form, organisation, provider), (422 if form.errors else 200)


def _sign_in_page(form, organisation, provider):
    redirect_uri = current_app.config["BASE_URL"] + url_for("auth.organisation_callback")
    return render_template(
        "admin/sign_in.html",
        form=form,
        organisation=organisation,
        provider=provider,
        redirect_uri=redirect_uri,
    )


@blueprint.get("/audit")
def audit_log():
    """The audit log, newest first, filtered by event or person."""
    form = AuditFilterForm(request.args)
    form.event.choices = [SelectChoice("", _("All events"))] + [
        SelectChoice(key, key) for key in audit.EVENTS
    ]
    page = request.args.get("page", 1, type=int) or 1
    if page < 1 or page > 100_000:
        abort(400)
    rows = audit.events(
        db.session, event=form.event.data or None, actor=form.actor.data or None, page=page
    )
    return render_template(
        "admin/audit.html",
        form=form,
        rows=rows,
        names=audit.organisation_names(db.session, rows),
        page=page,
        more=len(rows) == audit.PAGE_SIZE,
        utc=audit.utc,
    )


@blueprint.get("/audit.csv")
def audit_export():
    """The whole audit log as CSV."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    return download(audit.audit_csv(db.session), "text/csv", f"audit-{stamp}.csv")
