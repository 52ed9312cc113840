"""Forms of signing in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class OrganisationLoginForm(FlaskForm):
    """Step one of signing in through the organisation: which organisation (by e-mail domain)."""

    email = EmailField(
        _l("Your work e-mail address"),
        validators=[DataRequired(), Length(max=254)],
        id="sso-email",
    )
    submit = SubmitField(_l("Sign in with your organisation's account"), id="sso-submit")


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
    )
    submit = SubmitField(_l("Continue"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("The six-digit code your app shows now"), validators=[DataRequired(), Length(max=20)]
    )
    submit = SubmitField(_l("Set up the second factor"))


class RemoveForm(FlaskForm):
    code = StringField(
        _l("A current code, to confirm"), validators=[DataRequired(), Length(max=20)]
    )
    submit = SubmitField(_l("Remove the second factor"))
