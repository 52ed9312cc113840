"""Logging in and out, for HR, consultants and admins."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from survey.extensions import db, limiter
from survey.services import users
from survey.web.auth.forms import LoginForm

blueprint = Blueprint("auth", __name__)


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Log in with e-mail address and password; one message for every failure."""
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            return redirect(url_for("hr.campaigns"))
        flash(_("The e-mail address or password is not right."), "error")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 401


def start_session(user) -> None:
    """A new session at login: nothing from before carries over but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)
    session["login_at"] = session["seen_at"] = int(time.time())


@blueprint.before_app_request
def session_limits():
    """A login session ends after ``SESSION_IDLE_MINUTES`` without a request and after
    ``SESSION_MAX_HOURS`` in all. The times travel in the signed session cookie."""
    if "_user_id" not in session:
        return None
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    lifetime = current_app.config["SESSION_MAX_HOURS"] * 3600
    login_at, seen_at = session.get("login_at", 0), session.get("seen_at", 0)
    if now - seen_at > idle or now - login_at > lifetime:
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please log in again."), "info")
        return redirect(url_for("auth.login"))
    if now - seen_at >= 60:  # rewrite the cookie at most once a minute
        session["seen_at"] = now
    return None


@blueprint.post("/logout")
@login_required
def logout():
    """Log out: this session and every other one of the account end, also a copy of the cookie
    kept elsewhere (the session version it names is retired)."""
    users.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for(".login"))
