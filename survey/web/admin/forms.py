"""Forms of the admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from survey.services.sso import CLAIM_NAME, SECRET_ENV_NAME


def _values(text: str | None) -> list[str]:
    return [value.strip() for value in (text or "").replace("\n", ",").split(",") if value.strip()]


class SignInForm(FlaskForm):
    """An organisation's sign-in: its identity provider, and whether passwords need a second
    factor."""

    use_provider = BooleanField(_l("Members sign in with the organisation's identity provider"))
    issuer = StringField(_l("Issuer URL"), validators=[Optional(), Length(max=500)])
    client_id = StringField(_l("Client id"), validators=[Optional(), Length(max=255)])
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=2000)])
    client_secret_env = StringField(
        _l("…or the environment variable that holds it"), validators=[Optional(), Length(max=100)]
    )
    domains = StringField(_l("E-mail domains"), validators=[Optional(), Length(max=2000)])
    role_claim = StringField(_l("Claim with the roles"), default="groups",
                             validators=[Optional(), Length(max=100)])  # fmt: skip
    hr_values = StringField(
        _l("Claim values for the role HR"), validators=[Optional(), Length(max=2000)]
    )
    privacy_values = StringField(
        _l("Claim values for the role privacy (works council, privacy officer)"),
        validators=[Optional(), Length(max=2000)],
    )
    consultant_values = StringField(
        _l("Claim values for the role consultant"), validators=[Optional(), Length(max=2000)]
    )
    manager_values = StringField(
        _l("Claim values for the role manager"), validators=[Optional(), Length(max=2000)]
    )
    team_claim = StringField(
        _l("Claim with a manager's team"), validators=[Optional(), Length(max=100)]
    )
    password_login = BooleanField(_l("Members may also log in with a password"), default=True)
    require_second_factor = BooleanField(_l("Password accounts of members need a second factor"))
    submit = SubmitField(_l("Save"))

    def validate_client_secret_env(self, field) -> None:
        name = (field.data or "").strip()
        if name and not SECRET_ENV_NAME.match(name):
            raise ValidationError(
                _l(
                    "The variable's name must start with OIDC_SECRET_ (capitals, digits and _), "
                    "such as OIDC_SECRET_ACME: no other setting of the server may be sent to a "
                    "provider."
                )
            )

    def validate_team_claim(self, field) -> None:
        name = (field.data or "").strip()
        if name and not CLAIM_NAME.match(name):
            raise ValidationError(
                _l(
                    "A claim's name, such as department_path: letters, digits and _ . : / - "
                    "only."
                )
            )

    def provider_settings(self) -> dict:
        return {
            "issuer": self.issuer.data or "",
            "client_id": self.client_id.data or "",
            "client_secret": self.client_secret.data or None,
            "client_secret_env": (self.client_secret_env.data or "").strip() or None,
            "domains": _values(self.domains.data),
            "role_claim": self.role_claim.data or "",
            "role_values": {
                "hr": _values(self.hr_values.data),
                "consultant": _values(self.consultant_values.data),
                "privacy": _values(self.privacy_values.data),
                "manager": _values(self.manager_values.data),
            },
            "team_claim": (self.team_claim.data or "").strip() or None,
            "password_login": self.password_login.data,
        }


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    event = SelectField(_l("Event"), validators=[Optional()])
    actor = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    submit = SubmitField(_l("Show"))


class ListsForm(FlaskForm):
    """An organisation's participant lists: its verified e-mail domains, and whether a list
    needs a second person's approval before links go out."""

    domains = StringField(
        _l("Verified e-mail domains (comma-separated)"), validators=[Optional(), Length(max=2000)]
    )
    approval = BooleanField(
        _l("A participant list needs the approval of the works council or privacy officer")
    )
    submit = SubmitField(_l("Save"))

    def domain_list(self) -> list[str]:
        return sorted({d.lower().lstrip("@") for d in _values(self.domains.data)})
