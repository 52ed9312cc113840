"""Logging in and out, for HR, consultants and admins."""

from __future__ import annotations

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
from flask_login import login_required, login_user, logout_user

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


@blueprint.post("/logout")
@login_required
def logout():
    """Log out and forget the session."""
    logout_user()
    session.clear()
    return redirect(url_for(".login"))
