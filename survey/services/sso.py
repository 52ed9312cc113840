"""Signing in through an organisation's identity provider (OpenID Connect).

The authorization-code flow with PKCE, ``state`` and ``nonce`` (Authlib makes the request and
exchanges the code); the ID token's signature is checked against the provider's published keys,
and its issuer, audience, expiry, issue time and nonce (joserfc). An account is created at the
first sign-in — only for the organisation's e-mail domains and only with a role the provider's
claim maps to — and every sign-in sets the role again from the claim, so that a leaver or a
changed group takes effect at the next sign-in. A manager's team comes from the claim the
provider's settings name (``department_path``), again at every sign-in, so that someone who moves
reads their new team; without such a claim, the manager's team is their own address (a tree made
from a list's manager column).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import sqlalchemy as sa
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from scoring.teams import TeamError, parse_path, path_text
from survey.models import IdentityProvider, Membership, Organisation, User
from survey.services import audit
from survey.services.errors import InvalidInput
from survey.services.sealing import seal, unseal

PURPOSE = "client secret"
SCOPES = "openid email profile"
TIMEOUT = 5  # seconds for every request to a provider
DISCOVERY_SECONDS = 300  # the provider's configuration and keys are fetched again after this
LEEWAY = 60  # seconds of clock difference allowed on exp and iat
PENDING_SECONDS = 600  # a sign-in not finished within ten minutes is started again
ROLES = ("hr", "consultant", "privacy", "manager")  # the first that matches is taken
MANAGER = "manager"
CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# The client secret may come from an environment variable named for it, and from no other: the
# server sends it to the provider's token endpoint, and a name such as SECRET_KEY or DATABASE_URL
# would hand the installation's own secrets to whoever runs that endpoint.
SECRET_ENV_PREFIX = "OIDC_SECRET_"
SECRET_ENV_NAME = re.compile(r"^OIDC_SECRET_[A-Z0-9_]{1,88}$")
UNUSABLE_PASSWORD = "!sso"  # no password hash: such an account signs in at its provider


class SignInRefused(Exception):
    """The provider's answer is not accepted; ``reason`` says why, in a word the page explains."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ProviderUnavailable(Exception):
    """The provider did not answer (or not with its configuration)."""


# ------------------------------------------------------------------------------------------------
# configuration


def configure(
    session: Session,
    organisation: Organisation,
    *,
    issuer: str,
    client_id: str,
    domains: list[str],
    role_claim: str = "groups",
    role_values: dict[str, list[str]],
    team_claim: str | None = None,
    password_login: bool = True,
    client_secret: str | None = None,
    client_secret_env: str | None = None,
    secret_key: str,
    actor: User | None = None,
) -> IdentityProvider:
    """Set (or change) an organisation's identity provider. A secret left out keeps the stored
    one; the e-mail domains must not belong to another organisation's provider."""
    issuer = checked_issuer(issuer)
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 255:
        raise InvalidInput("give the client id the provider issued (at most 255 characters)")
    domains = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    if not domains:
        raise InvalidInput("give at least one e-mail domain whose users sign in there")
    for domain in domains:
        if not DOMAIN.match(domain):
            raise InvalidInput(f"{domain!r} is not an e-mail domain such as acme.example")
    role_claim = (role_claim or "").strip()
    if not role_claim or len(role_claim) > 100:
        raise InvalidInput("give the claim that carries the roles, such as groups")
    values = {
        role: sorted({v.strip() for v in role_values.get(role, []) if v.strip()}) for role in ROLES
    }
    if not any(values.values()):
        raise InvalidInput(
            "map at least one claim value to the role hr, consultant, privacy or manager"
        )
    team_claim = (team_claim or "").strip() or None
    if team_claim is not None and not CLAIM_NAME.match(team_claim):
        raise InvalidInput(
            f"{team_claim[:40]!r} is not a claim name such as department_path (letters, digits "
            "and _ . : / -, at most 100)"
        )
    given = [v for role in ROLES for v in values[role]]
    if len(given) != len(set(given)):
        raise InvalidInput("a claim value cannot give two roles")
    provider = session.scalar(
        sa.select(IdentityProvider).filter_by(organisation_id=organisation.id)
    ) or IdentityProvider(organisation=organisation)
    taken = session.execute(
        sa.select(IdentityProvider.domains, Organisation.slug)
        .join(Organisation, Organisation.id == IdentityProvider.organisation_id)
        .where(IdentityProvider.organisation_id != organisation.id)
    ).all()
    for other_domains, slug in taken:
        clash = set(domains) & set(other_domains)
        if clash:
            raise InvalidInput(f"{sorted(clash)[0]} signs in at the provider of {slug} already")
    if client_secret_env:
        if not SECRET_ENV_NAME.match(client_secret_env):
            raise InvalidInput(
                f"{client_secret_env!r}: the environment variable that holds the client secret "
                f"must start with {SECRET_ENV_PREFIX} (such as {SECRET_ENV_PREFIX}ACME), so that "
                "no other setting of the server can be sent to a provider"
            )
        provider.client_secret_env, provider.client_secret_sealed = client_secret_env, None
    elif client_secret:
        provider.client_secret_sealed = seal(secret_key, PURPOSE, client_secret)
        provider.client_secret_env = None
    elif provider.client_secret_sealed is None and provider.client_secret_env is None:
        raise InvalidInput("give the client secret, or the environment variable that holds it")
    before = describe(provider) if provider.id else "none"
    provider.issuer, provider.client_id, provider.domains = issuer, client_id, domains
    provider.role_claim, provider.role_values = role_claim, values
    provider.team_claim = team_claim
    provider.password_login = password_login
    session.add(provider)
    session.flush()
    audit.setting_changed(
        session, organisation, f"identity provider: {before} → {describe(provider)}", actor
    )
    session.commit()
    return provider


def describe(provider: IdentityProvider) -> str:
    """The settings in words for the audit log and the CLI — never the secret."""
    secret = (
        f"secret from ${provider.client_secret_env}"
        if provider.client_secret_env
        else "secret stored sealed"
    )
    if provider.client_secret_env and not SECRET_ENV_NAME.match(provider.client_secret_env):
        secret += f" (refused at sign-in: not an {SECRET_ENV_PREFIX}… variable; set it again)"
    roles = "; ".join(f"{r}={','.join(v)}" for r, v in (provider.role_values or {}).items() if v)
    team = (
        f"team claim {provider.team_claim}" if provider.team_claim else "manager's team: address"
    )
    return (
        f"issuer {provider.issuer}, client {provider.client_id}, {secret}, domains "
        f"{','.join(provider.domains)}, claim {provider.role_claim} ({roles}), {team}, "
        f"password login {'on' if provider.password_login else 'off'}"
    )


def remove(session: Session, organisation: Organisation, actor: User | None = None) -> bool:
    provider = session.scalar(
        sa.select(IdentityProvider).filter_by(organisation_id=organisation.id)
    )
    if provider is None:
        return False
    session.delete(provider)
    audit.setting_changed(session, organisation, "identity provider removed", actor)
    session.commit()
    return True


def checked_issuer(issuer: str) -> str:
    """An issuer is an https URL (http only on this machine's loopback, for tests)."""
    issuer = (issuer or "").strip()
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InvalidInput(f"{issuer!r}: the issuer is an https:// URL")
    if not parts.hostname or parts.query or parts.fragment or len(issuer) > 500:
        raise InvalidInput(f"{issuer!r} is not an issuer URL")
    return issuer


def provider_for_email(session: Session, email: str) -> IdentityProvider | None:
    """The identity provider of the organisation an e-mail address's domain belongs to."""
    domain = (email or "").strip().lower().rpartition("@")[2]
    if not domain:
        return None
    for provider in session.scalars(sa.select(IdentityProvider)):
        if domain in provider.domains:
            return provider
    return None


def client_secret(provider: IdentityProvider, secret_key: str) -> str:
    """The secret the token request carries. A variable name stored before names needed their
    prefix is refused here too, unread."""
    if provider.client_secret_env:
        if not SECRET_ENV_NAME.match(provider.client_secret_env):
            raise SignInRefused(
                "configuration",
                f"the client secret's variable {provider.client_secret_env} does not start with "
                f"{SECRET_ENV_PREFIX}: an admin sets the organisation's sign-in again",
            )
        value = os.environ.get(provider.client_secret_env)
        if not value:
            raise ProviderUnavailable(
                f"the environment variable {provider.client_secret_env} is not set"
            )
        return value
    return unseal(secret_key, PURPOSE, provider.client_secret_sealed or "")


# ------------------------------------------------------------------------------------------------
# the provider's published configuration and keys


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks: dict
    userinfo_endpoint: str | None
    end_session_endpoint: str | None


_DISCOVERED: dict[str, tuple[float, Metadata]] = {}


def discover(issuer: str, *, fresh: bool = False) -> Metadata:
    """The provider's configuration (``/.well-known/openid-configuration``) and signing keys,
    kept for five minutes. A document for another issuer is refused."""
    cached = _DISCOVERED.get(issuer)
    if cached and not fresh and cached[0] > time.monotonic():
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        document = _get_json(url)
        if document.get("issuer") != issuer:
            raise SignInRefused(
                "issuer", f"the provider at {url} says its issuer is {document.get('issuer')!r}"
            )
        jwks = _get_json(document["jwks_uri"])
        metadata = Metadata(
            issuer=issuer,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks=jwks,
            userinfo_endpoint=document.get("userinfo_endpoint"),
            end_session_endpoint=document.get("end_session_endpoint"),
        )
    except (KeyError, TypeError) as exc:
        raise ProviderUnavailable(f"{url}: incomplete configuration ({exc})") from None
    _DISCOVERED[issuer] = (time.monotonic() + DISCOVERY_SECONDS, metadata)
    return metadata


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {exc.__class__.__name__}") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return document


# ------------------------------------------------------------------------------------------------
# the flow


def begin(
    provider: IdentityProvider, redirect_uri: str, secret_key: str, login_hint: str = ""
) -> tuple[str, dict]:
    """The provider's URL to send the browser to, and what the session keeps until it returns
    (state, nonce and the PKCE verifier: single use)."""
    metadata = discover(provider.issuer)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    client = _client(provider, redirect_uri, secret_key)
    extra = {"nonce": nonce}
    if login_hint:
        extra["login_hint"] = login_hint
    url, _ = client.create_authorization_url(
        metadata.authorization_endpoint, state=state, code_verifier=verifier, **extra
    )
    pending = {
        "provider": provider.id,
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "started": int(time.time()),
    }
    return url, pending


def _client(provider: IdentityProvider, redirect_uri: str, secret_key: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret(provider, secret_key),
        scope=SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


def finish(
    session: Session,
    provider: IdentityProvider,
    pending: dict,
    answer: dict[str, str],
    secret_key: str,
) -> User:
    """Check the provider's answer, exchange the code, verify the ID token, and return the
    account (created or with its role refreshed)."""
    if answer.get("error"):
        raise SignInRefused("provider", answer.get("error_description") or answer["error"])
    if not secrets.compare_digest(str(answer.get("state", "")), pending["state"]):
        raise SignInRefused("state", "the answer is not for the sign-in this browser started")
    if time.time() - pending["started"] > PENDING_SECONDS:
        raise SignInRefused("state", "the sign-in was started too long ago")
    metadata = discover(provider.issuer)
    if "iss" in answer and answer["iss"] != metadata.issuer:  # RFC 9207
        raise SignInRefused("issuer", f"the answer comes from {answer['iss']!r}")
    code = answer.get("code")
    if not code:
        raise SignInRefused("provider", "the answer holds no code")
    client = _client(provider, pending["redirect_uri"], secret_key)
    try:
        token = client.fetch_token(
            metadata.token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=pending["verifier"],
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"{metadata.token_endpoint}: {exc.__class__.__name__}") from None
    except OAuthError as exc:  # the provider's answer, such as invalid_grant for a reused code
        raise SignInRefused("provider", str(exc)[:200]) from None
    id_token = token.get("id_token")
    if not id_token:
        raise SignInRefused("token", "the provider gave no ID token")
    claims = verify_id_token(
        id_token,
        issuer=metadata.issuer,
        client_id=provider.client_id,
        nonce=pending["nonce"],
        jwks=_keys_for(id_token, metadata),
    )
    if "email" not in claims and metadata.userinfo_endpoint and token.get("access_token"):
        claims = {**_userinfo(metadata, token["access_token"], claims["sub"]), **claims}
    return account_for(session, provider, claims)


def _keys_for(id_token: str, metadata: Metadata) -> dict:
    """The provider's keys; fetched again once when the token names a key not yet known (the
    provider rotated its keys)."""
    try:
        kid = jws.extract_compact(id_token.encode()).headers().get("kid")
    except (JoseError, ValueError):
        raise SignInRefused("token", "the ID token cannot be read") from None
    known = {key.get("kid") for key in metadata.jwks.get("keys", [])}
    if kid and kid not in known:
        return discover(metadata.issuer, fresh=True).jwks
    return metadata.jwks


def _userinfo(metadata: Metadata, access_token: str, subject: str) -> dict:
    try:
        response = requests.get(
            metadata.userinfo_endpoint,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"userinfo: {exc.__class__.__name__}") from None
    if info.get("sub") != subject:  # OpenID Connect Core 5.3.2
        raise SignInRefused("token", "the user information is about someone else")
    return info


def verify_id_token(
    id_token: str,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    jwks: dict,
    now: int | None = None,
    leeway: int = LEEWAY,
) -> dict[str, Any]:
    """The ID token's claims once its signature (one of the provider's published keys, an
    asymmetric algorithm — never ``none`` or a shared secret), issuer, audience (and ``azp``
    when there are several), expiry, issue time and nonce hold."""
    try:
        keys = KeySet.import_key_set(jwks)
    except (JoseError, ValueError, TypeError, KeyError):
        raise ProviderUnavailable("the provider's keys cannot be read") from None
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except BadSignatureError:
        raise SignInRefused("signature", "the ID token's signature does not hold") from None
    except (JoseError, ValueError) as exc:
        raise SignInRefused(
            "token", f"the ID token cannot be read ({exc.__class__.__name__})"
        ) from None
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=leeway,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = token.claims
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise SignInRefused("expired", "the ID token has expired") from None
    except MissingClaimError as exc:
        raise SignInRefused("token", str(exc)) from None
    except InvalidClaimError as exc:
        claim = getattr(exc, "claim", "")
        reason = {"iss": "issuer", "aud": "audience", "nonce": "nonce"}.get(claim, "token")
        raise SignInRefused(reason, str(exc)) from None
    except InvalidTokenError as exc:  # issued in the future, not yet valid
        raise SignInRefused("token", str(exc)) from None
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise SignInRefused("audience", "the ID token was issued to another party")
    if now is None and claims["iat"] > time.time() + leeway:
        raise SignInRefused("token", "the ID token is issued in the future")
    return dict(claims)


def role_from(provider: IdentityProvider, claims: dict) -> str | None:
    """The role the claim maps to (hr before consultant before privacy before manager), or
    None."""
    value = claims.get(provider.role_claim)  # one value, or a list of them
    values = {value} if isinstance(value, str) else set(value) if isinstance(value, list) else set()
    for role in ROLES:
        if values & set((provider.role_values or {}).get(role, [])):
            return role
    return None


def account_for(session: Session, provider: IdentityProvider, claims: dict) -> User:
    """The account of the person the provider vouches for: created at the first sign-in (for the
    configured domains and a mapped role only), its role in the organisation set from the claim
    at every sign-in. Nothing is created when something is refused."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise SignInRefused("email", "the provider gave no verified e-mail address")
    if email.rpartition("@")[2] not in provider.domains:
        raise SignInRefused("domain", f"{email} is not in {', '.join(provider.domains)}")
    role = role_from(provider, claims)
    if role is None:
        raise SignInRefused(
            "role", f"{provider.role_claim} = {claims.get(provider.role_claim)!r} maps to no role"
        )
    team = team_from(provider, claims) if role == MANAGER else None
    subject = str(claims["sub"])
    user = session.scalar(
        sa.select(User).filter_by(identity_provider_id=provider.id, subject=subject)
    )
    if user is None:
        user = session.scalar(sa.select(User).filter_by(email=email))
        if user is not None and user.is_admin:
            raise SignInRefused("admin", "admins sign in with a password and a second factor")
        if user is not None and user.identity_provider_id not in (None, provider.id):
            raise SignInRefused("email", f"{email} belongs to another provider's account")
    if user is None:
        user = User(
            email=email,
            name=str(claims.get("name") or "")[:200],
            password_hash=UNUSABLE_PASSWORD,
            identity_provider_id=provider.id,
            subject=subject,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            "account_created",
            user=user,
            organisation=provider.organisation_id,
            detail=f"first sign-in at {provider.issuer} as {role}",
            commit=False,
        )
    else:
        user.identity_provider_id, user.subject = provider.id, subject
        user.password_hash = UNUSABLE_PASSWORD  # the provider decides from now on
        user.totp_secret, user.recovery_codes = None, []
    membership = session.scalar(
        sa.select(Membership).filter_by(user_id=user.id, organisation_id=provider.organisation_id)
    )
    if membership is None or (membership.role, membership.team) != (role, team):
        audit.record(
            session,
            "role_changed",
            user=user,
            organisation=provider.organisation_id,
            detail=f"{_role_text(membership.role, membership.team) if membership else 'none'} → "
            f"{_role_text(role, team)} (claim {provider.role_claim}"
            f"{', ' + provider.team_claim if team is not None else ''})",
            commit=False,
        )
    if membership is None:
        session.add(
            Membership(user=user, organisation_id=provider.organisation_id, role=role, team=team)
        )
    else:
        membership.role, membership.team = role, team
    session.commit()
    return user


def team_from(provider: IdentityProvider, claims: dict) -> str | None:
    """A manager's team from the provider's team claim, checked as the command line checks one
    (levels, length, depth); None (the manager's own address) when the provider has no team
    claim. A team claim that is set but missing, blank or unreadable refuses the sign-in: the
    provider names the team, and a team it did not send is never kept or granted."""
    if not provider.team_claim:
        return None
    value = claims.get(provider.team_claim)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]  # a one-valued list, as some providers send every attribute
    if not isinstance(value, str) or not value.strip():
        raise SignInRefused("team", f"{provider.team_claim} = {value!r}: no team")
    try:
        team = path_text(parse_path(value))
    except TeamError as exc:
        raise SignInRefused("team", f"{provider.team_claim}: {exc}") from None
    return team


def _role_text(role: str, team: str | None) -> str:
    return f"{role} of {team}" if team else role


def end_session_url(provider: IdentityProvider, after: str) -> str | None:
    """The provider's end-session endpoint (RP-initiated logout) with the way back, if any."""
    try:
        metadata = discover(provider.issuer)
    except (ProviderUnavailable, SignInRefused):
        return None
    if not metadata.end_session_endpoint:
        return None
    query = urlencode({"client_id": provider.client_id, "post_logout_redirect_uri": after})
    return f"{metadata.end_session_endpoint}?{query}"
