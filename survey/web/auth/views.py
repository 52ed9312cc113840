"""Signing in and out, for HR, consultants and admins: a password (with a second factor where it
is required) or the organisation's identity provider (OpenID Connect)."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
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
from survey.models import IdentityProvider, User
from survey.services import audit, second_factor, sso, users
from survey.services.errors import InvalidInput
from survey.services.second_factor import CodeCheck
from survey.web.auth.forms import (
    CodeForm,
    EnrolForm,
    LoginForm,
    OrganisationLoginForm,
    RemoveForm,
)

blueprint = Blueprint("auth", __name__)

PENDING = "pending_login"  # a password that was right, waiting for the second factor
SSO_PENDING = "pending_sso"


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    """Log in with e-mail address and password; one message for every failure."""
    form = LoginForm()
    organisation_form = OrganisationLoginForm(formdata=None)
    if form.validate_on_submit():
        provider = sso.provider_for_email(db.session, form.email.data)
        if provider is not None and not provider.password_login:
            return _to_provider(provider, form.email.data)
        user = users.authenticate(db.session, form.email.data, form.password.data)
        if user is not None and user.identity_provider_id is None:
            return _password_was_right(user)
        audit.record(
            db.session, "sign_in_failed", actor=form.email.data.strip().lower(), detail="password"
        )
        flash(_("The e-mail address or password is not right."), "error")
    status = 200 if request.method == "GET" else 401
    return render_template(
        "auth/login.html", form=form, organisation_form=organisation_form
    ), status


@blueprint.post("/login/organisation")
@limiter.limit(login_limit)
def login_organisation():
    """Step one of signing in through the organisation: find its provider by the domain."""
    form = OrganisationLoginForm()
    if not form.validate_on_submit():
        abort(400)
    provider = sso.provider_for_email(db.session, form.email.data)
    if provider is None:
        flash(
            _(
                "No organisation signs in with its own account for this e-mail address. Log in "
                "with your password below."
            ),
            "error",
        )
        return redirect(url_for(".login"))
    return _to_provider(provider, form.email.data)


def _to_provider(provider: IdentityProvider, email: str):
    redirect_uri = current_app.config["BASE_URL"] + url_for(".organisation_callback")
    try:
        url, pending = sso.begin(provider, redirect_uri, _secret_key(), login_hint=email.strip())
    except sso.ProviderUnavailable as exc:
        current_app.logger.warning("identity provider %s: %s", provider.issuer, exc)
        return _provider_down()
    except sso.SignInRefused as exc:
        return _refused(exc, provider)
    session[SSO_PENDING] = pending
    return _leave_for(
        url,
        _("To your organisation's sign-in"),
        _("Continue to your organisation's sign-in"),
    )


def _leave_for(url: str, title: str, link: str):
    """Send the browser to the identity provider. Not a redirect: the answer to a form may only
    lead to this site (the pages' Content-Security-Policy says form-action 'self', and browsers
    apply it to redirects), so the page moves on by itself (and offers the link)."""
    return render_template("auth/leaving.html", url=url, title=title, link=link)


@blueprint.get("/login/organisation/callback")
@limiter.limit(login_limit)
def organisation_callback():
    """The provider sends the browser back here: check its answer and sign in."""
    pending = session.pop(SSO_PENDING, None)  # single use: a replayed answer finds nothing
    if not isinstance(pending, dict):
        return _refused(sso.SignInRefused("state", "no sign-in was started in this browser"))
    provider = db.session.get(IdentityProvider, pending.get("provider") or 0)
    if provider is None:
        return _refused(sso.SignInRefused("state", "the provider is no longer configured"))
    try:
        user = sso.finish(db.session, provider, pending, request.args.to_dict(), _secret_key())
    except sso.ProviderUnavailable as exc:
        db.session.rollback()
        current_app.logger.warning("identity provider %s: %s", provider.issuer, exc)
        return _provider_down()
    except sso.SignInRefused as exc:
        db.session.rollback()
        return _refused(exc, provider)
    start_session(user)
    session["signed_in_at_provider"] = provider.id
    audit.record(
        db.session,
        "sign_in",
        user=user,
        organisation=provider.organisation_id,
        detail=f"identity provider {provider.issuer}",
    )
    return redirect(url_for("hr.campaigns"))


REFUSALS = {
    "state": lambda: _(
        "This sign-in answer does not belong to a sign-in started in this browser, or it was "
        "used already. Start again."
    ),
    "issuer": lambda: _("The answer did not come from your organisation's identity provider."),
    "audience": lambda: _("The identity provider's token was meant for another application."),
    "expired": lambda: _("The identity provider's token has expired. Start again."),
    "nonce": lambda: _("The identity provider's token belongs to another sign-in. Start again."),
    "signature": lambda: _("The identity provider's token is not signed by it."),
    "token": lambda: _("The identity provider's token could not be accepted."),
    "email": lambda: _("The identity provider did not confirm an e-mail address for you."),
    "domain": lambda: _(
        "Your e-mail address is not in a domain your organisation set up for Ambassador Scan."
    ),
    "role": lambda: _(
        "Your account at your organisation has no role in Ambassador Scan. Ask your "
        "organisation's administrator to add you to the group for HR, consultants or managers."
    ),
    "team": lambda: _(
        "Your organisation's identity provider did not send a team Ambassador Scan can read "
        "for you as a manager (such as Care/Ward 3). Ask your organisation's administrator to "
        "check your department in the organisation's directory."
    ),
    "admin": lambda: _("Admins sign in with their password and a second factor."),
    "provider": lambda: _("Your organisation's identity provider did not sign you in."),
    "configuration": lambda: _(
        "Signing in with your organisation's account is not set up correctly here. Ask the "
        "administrator of Ambassador Scan to check your organisation's sign-in settings."
    ),
}


def _refused(exc: sso.SignInRefused, provider: IdentityProvider | None = None):
    audit.record(
        db.session,
        "sign_in_failed",
        actor="",
        organisation=provider.organisation_id if provider else None,
        detail=f"identity provider: {exc.reason}: {exc.detail}",
    )
    message = REFUSALS.get(exc.reason, REFUSALS["token"])()
    return render_template("auth/refused.html", message=message), 403


def _provider_down():
    return render_template(
        "auth/refused.html",
        title=_("Your organisation's sign-in does not answer"),
        message=_(
            "Your organisation's identity provider could not be reached. Nothing has changed; "
            "please try again in a few minutes, or ask your IT department."
        ),
    ), 503


# ------------------------------------------------------------------------------------------------
# the second factor


def _password_was_right(user: User):
    """Sign in at once, or ask for the second factor first (and set one up where required)."""
    if second_factor.enrolled(user) or second_factor.required(db.session, user):
        _fresh_session()
        session[PENDING] = {
            "user": user.id,
            "version": user.session_version or 0,
            "at": int(time.time()),
            "id": second_factor.begin(db.session, user),  # its wrong codes count on the server
        }
        if second_factor.enrolled(user):
            return redirect(url_for(".second_factor_code"))
        return redirect(url_for(".second_factor_setup"))
    return _signed_in(user, "password")


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if (
        not isinstance(pending, dict)
        or time.time() - pending.get("at", 0) > second_factor.PENDING_SECONDS
    ):
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("user") or 0)
    if user is None or (user.session_version or 0) != pending.get("version"):
        return None
    if not second_factor.pending(db.session, pending.get("id"), user):
        session.pop(PENDING, None)  # ended by its wrong codes, or used
        return None
    return user


@blueprint.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def second_factor_code():
    """The second step of a password sign-in: a one-time code or a recovery code."""
    user = _pending_user()
    if user is None or not second_factor.enrolled(user):
        flash(_("Please log in again."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    status = 200 if request.method == "GET" else 401
    if form.validate_on_submit():
        outcome = _check_code(user, form.code.data, session[PENDING].get("id"))
        if outcome is CodeCheck.RIGHT:
            return _signed_in(user, "password and second factor")
        audit.record(db.session, "sign_in_failed", user=user, detail=CODE_FAILURES[outcome])
        if outcome is CodeCheck.ENDED:
            session.pop(PENDING, None)
            flash(_("Too many wrong codes. Log in again with your password."), "error")
            return redirect(url_for(".login"))
        form.code.errors.append(_code_error(outcome))
        status = 429 if outcome is CodeCheck.LOCKED else 401
    return render_template("auth/code.html", form=form), status


CODE_FAILURES = {
    CodeCheck.WRONG: "second factor",
    CodeCheck.ENDED: "second factor: too many wrong codes, the sign-in ended",
    CodeCheck.LOCKED: "second factor: too many wrong codes for the account this hour",
}


def _check_code(user: User, code: str, pending_id: str | None = None) -> CodeCheck:
    try:
        return second_factor.check_code(db.session, user, code, _secret_key(), pending_id)
    except InvalidInput:  # a second factor sealed with another SECRET_KEY
        return CodeCheck.WRONG


def _code_error(outcome: CodeCheck) -> str:
    if outcome is CodeCheck.LOCKED:
        return _(
            "Too many wrong codes for this account. Try again in an hour, or ask an admin to "
            "reset your second factor."
        )
    return _("This code is not right, or it was used already.")


@blueprint.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def second_factor_setup():
    """Set up the second factor: during a sign-in that requires one, or from the account page."""
    user = current_user if current_user.is_authenticated else _pending_user()
    if user is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for(".login"))
    if user.identity_provider_id is not None:
        abort(404)  # their second factor is their provider's business
    if second_factor.enrolled(user) and not current_user.is_authenticated:
        return redirect(url_for(".second_factor_code"))
    secret = session.get("totp_setup")
    if not secret or request.method == "GET":
        secret = session["totp_setup"] = second_factor.new_secret()
    form = EnrolForm()
    if form.validate_on_submit():
        codes = second_factor.enrol(db.session, user, secret, form.code.data, _secret_key())
        if codes is not None:
            session.pop("totp_setup", None)
            if not current_user.is_authenticated:
                _signed_in(user, "password and new second factor")
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors.append(
            _("This code is not right. Check that the app's clock is right and try the next one.")
        )
    uri = second_factor.provisioning_uri(user, secret)
    return render_template(
        "auth/second_factor.html",
        form=form,
        qr=second_factor.qr_svg(uri),
        secret=secret,
        required=second_factor.required(db.session, user),
    ), (200 if request.method == "GET" else 422)


@blueprint.route("/account/security", methods=["GET", "POST"])
@login_required
def security():
    """The account's sign-in: how it signs in, and its second factor (set up or remove)."""
    user = current_user
    form = RemoveForm()
    required = second_factor.required(db.session, user)
    if form.validate_on_submit():
        if required:
            abort(403)
        outcome = _check_code(user, form.code.data)
        if outcome is CodeCheck.RIGHT:
            second_factor.remove(db.session, user, actor=user)
            flash(_("The second factor has been removed."), "info")
            return redirect(url_for(".security"))
        form.code.errors.append(_code_error(outcome))
    provider = (
        db.session.get(IdentityProvider, user.identity_provider_id)
        if user.identity_provider_id
        else None
    )
    return render_template(
        "auth/security.html",
        form=form,
        enrolled=second_factor.enrolled(user),
        required=required,
        provider=provider,
        recovery_left=second_factor.recovery_codes_left(db.session, user),
    )


def _signed_in(user: User, how: str):
    pending = session.get(PENDING)
    if isinstance(pending, dict):
        second_factor.end(db.session, pending.get("id"))  # set up just now: it is used
    start_session(user)
    audit.record(db.session, "sign_in", user=user, detail=how)
    return redirect(url_for("hr.campaigns"))


def _fresh_session() -> None:
    """Nothing from before carries over but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user) -> None:
    """A new session at login (see :func:`_fresh_session`)."""
    _fresh_session()
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
    kept elsewhere (the session version it names is retired). An account of an identity
    provider is sent on to the provider's end-session endpoint, where it has one."""
    user = current_user._get_current_object()
    provider = (
        db.session.get(IdentityProvider, user.identity_provider_id)
        if user.identity_provider_id
        else None
    )
    users.end_sessions(user)
    audit.record(db.session, "sign_out", user=user, commit=False)
    db.session.commit()
    logout_user()
    session.clear()
    after = current_app.config["BASE_URL"] + url_for(".login")
    if provider is not None:
        ended = sso.end_session_url(provider, after)
        if ended:
            return _leave_for(
                ended,
                _("Signed out here"),
                _("Sign out at your organisation's sign-in too"),
            )
    return redirect(url_for(".login"))
