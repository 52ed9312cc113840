"""``ambassador demo``: three organisations, two rounds each, a few hundred synthetic responses.

The generator is seeded, and the organisations really differ per principle (a hospital that forgives
mistakes but whose leaders stay offline, a bank with strict guidelines and little dialogue, an
insurer that improves between rounds), so reports and comparisons have something to show. Running
it again changes nothing: whatever exists already is left alone. Demo invitation tokens are derived
from the secret key, so the command can print a working survey link every time while the database
still holds only their hashes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from base64 import urlsafe_b64encode
from importlib.resources import files
from pathlib import Path

import click
import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from scoring.instrument import MISSING, Instrument, instrument_with_text
from scoring.teams import tree_question
from survey.extensions import db
from survey.models import (
    Campaign,
    CampaignStatus,
    Invitation,
    Organisation,
    Response,
    RoundAggregate,
    User,
)
from survey.policy import DEFAULT_MIN_GROUP_SIZE
from survey.services import campaigns, users
from survey.services.exchange import import_pool, read_exchange_file
from survey.services.responses import hash_token, store_invitations

DEMO_PASSWORD = "ambassador-demo"
# Rounds of other organisations, as another pool would export them, so that the demo's benchmark
# pool holds enough organisations to show percentiles.
SAMPLE_POOL = Path(str(files("survey.examples") / "benchmark-sample.json"))
SEED = 20261124
INVITATIONS = 25
SEGMENTS = (
    {
        "key": "department",
        "options": ["Sales", "IT", "HR", "Operations", "Finance", "Legal"],
        "label": {"en": "Department", "nl": "Afdeling"},
        "option_labels": {
            "en": ["Sales", "IT", "HR", "Operations", "Finance", "Legal"],
            "nl": ["Verkoop", "ICT", "HR", "Operatie", "Financiën", "Juridisch"],
        },
    },
    {"key": "role_level", "options": ["Employee", "Manager", "Director"]},
    {"key": "tenure", "options": ["Less than 1 year", "1-5 years", "More than 5 years"]},
)
# department weights: Legal stays small, so reports show suppression of small groups
DEPARTMENT_WEIGHTS = (0.3, 0.22, 0.12, 0.25, 0.09, 0.02)
ROLE_WEIGHTS = (0.75, 0.2, 0.05)
TENURE_WEIGHTS = (0.2, 0.45, 0.35)

# Mean latent level per principle (guidelines, error tolerance, patience, leadership, dialogue)
# in round 1 and round 2; 0 is the neutral answer, ±1 one scale point.
ORGANISATIONS = (
    {
        "slug": "st-lucas",
        "name": "St Lucas Hospital",
        "sector": "Healthcare",
        "size": "1000+",
        "responses": (260, 290),
        "rounds": ((-0.4, 0.7, 0.2, -0.7, 0.1), (-0.1, 0.8, 0.2, -0.3, 0.3)),
        # the hospital's teams (a participant list's team column), people per team by weight
        "teams": {
            "Zorg": 0.04, "Zorg/Cardiologie": 0.16, "Zorg/Cardiologie/Nachtdienst": 0.1,
            "Zorg/Oncologie": 0.2, "Zorg/Spoedeisende hulp": 0.18, "Ondersteuning": 0.04,
            "Ondersteuning/ICT": 0.12, "Ondersteuning/Facilitair": 0.15,
            "Ondersteuning/Archief": 0.01,
        },  # fmt: skip
    },
    {
        "slug": "noordbank",
        "name": "Noordbank",
        "sector": "Financial services",
        "size": "250-999",
        "responses": (210, 230),
        "rounds": ((0.9, -0.5, -0.2, 0.3, -0.6), (1.0, -0.4, -0.1, 0.3, -0.2)),
    },
    {
        "slug": "veilig-verzekerd",
        "name": "Veilig Verzekerd",
        "sector": "Financial services",
        "size": "250-999",
        "responses": (180, 200),
        "rounds": ((-0.8, -0.3, -0.6, -0.2, -0.5), (0.0, 0.2, -0.2, 0.4, 0.2)),
    },
)


def demo_token(campaign_id: int, index: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"demo-invitation:{campaign_id}:{index}".encode(), hashlib.sha256)
    return urlsafe_b64encode(digest.digest()[:24]).decode().rstrip("=")


def synthetic_answers(
    instrument: Instrument,
    means: tuple[float, ...],
    n: int,
    rng: np.random.Generator,
    role_level: np.ndarray,
) -> np.ndarray:
    """n × items offsets (answer − scale minimum, -1 don't know) from a latent-trait model."""
    span = instrument.scale.span
    culture = rng.normal(size=n)
    columns, traits = [], []
    for dim, mean in zip(instrument.dimensions, means, strict=True):
        # managers and directors see their own example: they rate leadership higher
        lift = np.where(role_level > 0, 0.5, 0.0) if dim.key == "leadership" else 0.0
        trait = mean + lift + 0.5 * culture + 0.7 * rng.normal(size=n)
        traits.append(trait)
        for item in dim.items:
            columns.append(-trait if item.reverse else trait)
    advocacy = 0.6 * np.mean(traits, axis=0) + 0.6 * rng.normal(size=n) + 0.1
    columns += [advocacy] * len(instrument.outcomes)
    latent = np.column_stack(columns) + rng.normal(scale=0.75, size=(n, len(columns)))
    offsets = np.clip(np.rint(latent + span / 2), 0, span).astype(np.int8)
    offsets[rng.random(offsets.shape) < 0.04] = MISSING
    return offsets


def _add_round(organisation, spec, number, source, rng, today) -> Campaign:
    instrument, text = source
    first = number == 1
    campaign = Campaign(
        organisation=organisation,
        name=f"Social media culture {today.year - 1 if first else today.year}",
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        instrument_text=campaigns.store_instrument_text(db.session, instrument, text),
        languages=["nl", "en"],
        status="closed" if first else "open",
        closed_on=today - dt.timedelta(days=355) if first else None,
        closes_on=None if first else today + dt.timedelta(days=60),
        min_group_size=DEFAULT_MIN_GROUP_SIZE,
        segments=[dict(s) for s in SEGMENTS]
        + ([tree_question(sorted(spec["teams"]))] if spec.get("teams") else []),
        open_slug=None if first else f"{organisation.slug}-open",
    )
    db.session.add(campaign)
    db.session.flush()
    n = spec["responses"][number - 1]
    departments = rng.choice(len(SEGMENTS[0]["options"]), size=n, p=DEPARTMENT_WEIGHTS)
    roles = rng.choice(len(ROLE_WEIGHTS), size=n, p=ROLE_WEIGHTS)
    tenures = rng.choice(len(TENURE_WEIGHTS), size=n, p=TENURE_WEIGHTS)
    offsets = synthetic_answers(instrument, spec["rounds"][number - 1], n, rng, roles)
    teams = sorted(spec.get("teams", {}))
    weights = np.array([spec["teams"][t] for t in teams]) if teams else None
    placed = rng.choice(teams, size=n, p=weights / weights.sum()) if teams else [None] * n
    start = today - dt.timedelta(days=380 if first else 10)
    days = rng.integers(0, 21, size=n)
    db.session.execute(
        sa.insert(Response),
        [
            {
                "campaign_id": campaign.id,
                "submitted_on": start + dt.timedelta(days=int(days[i])),
                "language": "nl" if rng.random() < 0.7 else "en",
                "segments": {
                    "department": SEGMENTS[0]["options"][departments[i]],
                    "role_level": SEGMENTS[1]["options"][roles[i]],
                    "tenure": SEGMENTS[2]["options"][tenures[i]],
                }
                | ({"team": str(placed[i])} if teams else {}),
                "answers": offsets[i].tobytes(),
            }
            for i in range(n)
        ],
    )
    return campaign


def load_demo() -> list[str]:
    """Create whatever part of the demo data is missing; return lines describing how to log in."""
    from survey.services.lifecycle import publish_pools  # loads the statistics: only when run
    from survey.services.pool import store_aggregate

    instrument, text = instrument_with_text(campaigns.DEFAULT_INSTRUMENT)
    today = dt.date.today()
    rng = np.random.default_rng(SEED)
    for spec in ORGANISATIONS:
        if db.session.scalar(sa.select(Organisation).filter_by(slug=spec["slug"])) is not None:
            continue
        organisation = Organisation(
            slug=spec["slug"], name=spec["name"], sector=spec["sector"], size_band=spec["size"]
        )
        db.session.add(organisation)
        for number in (1, 2):
            campaign = _add_round(organisation, spec, number, (instrument, text), rng, today)
            if campaign.is_closed:
                db.session.flush()
                store_aggregate(db.session, campaign)
                if spec.get("teams"):  # its managers have had their team's results
                    campaign.managers_published_on = campaign.closed_on
                    if number == 1:  # and the care teams planned, and did, one thing then
                        _team_action_done(campaign, instrument, "Zorg")
        db.session.commit()
        store_invitations(
            db.session, campaign, [demo_token(campaign.id, i) for i in range(INVITATIONS)]
        )
    if db.session.scalar(sa.select(RoundAggregate).filter_by(external=True).limit(1)) is None:
        import_pool(db.session, read_exchange_file(SAMPLE_POOL), source=SAMPLE_POOL.name)
    publish_pools(db.session)  # the demo's closed rounds and imported ones: the pool's version
    logins = [(f"hr@{spec['slug']}.example", (spec["slug"],), "hr") for spec in ORGANISATIONS]
    logins.append(
        ("consultant@ambassador.example", tuple(s["slug"] for s in ORGANISATIONS), "consultant")
    )
    logins.append((COUNCIL, ("noordbank",), "privacy"))  # approves Noordbank's participant lists
    logins.append((MANAGER, ("st-lucas",), "manager"))  # leads the hospital's care teams
    for email, slugs, role in logins:
        if db.session.scalar(sa.select(User).filter_by(email=email)) is None:
            organisations = tuple(campaigns.organisation_by_slug(db.session, s) for s in slugs)
            users.add_user(
                db.session,
                email,
                DEMO_PASSWORD,
                memberships=tuple((org, role) for org in organisations),
                team="Zorg" if role == "manager" else None,
            )
    _mailed_round()
    return describe(logins)


def _team_action_done(campaign, instrument: Instrument, team: str) -> None:
    """A team's action of an earlier round, done: the next round's team page shows it beside the
    team's change."""
    from survey.services.actions import add_from_recommendation

    db.session.flush()
    first = next(r for r in instrument.recommendations if r.dimension == "guidelines")
    action, _new = add_from_recommendation(db.session, campaign, first.key, "nl", team=team)
    action.status = "done"


MAILED_ROUND, MAILED_PEOPLE = "Winter pulse", 20
COUNCIL = "ondernemingsraad@noordbank.example"
MANAGER = "zorg@st-lucas.example"


def _mailed_round() -> None:
    """A round of Noordbank's whose links the system e-mails to a participant list (to the outbox
    folder when no SMTP_URL is set), so that the demo shows that path too."""
    from survey import jobs
    from survey.services import custody, participants

    organisation = campaigns.organisation_by_slug(db.session, "noordbank")
    if db.session.scalar(sa.select(Campaign).filter_by(name=MAILED_ROUND)) is not None:
        return
    campaign = campaigns.create_campaign(
        db.session,
        organisation,
        MAILED_ROUND,
        languages=("nl", "en"),
        segments=tuple(dict(s) for s in SEGMENTS[:2]),
        status="open",
    )
    rows = [
        participants.ParticipantRow(
            f"medewerker{i}@noordbank.example",
            "nl" if i % 3 else "en",
            {"department": SEGMENTS[0]["options"][i % 4], "role_level": "Employee"},
        )
        for i in range(MAILED_PEOPLE)
    ]
    organisation.email_domains = ["noordbank.example"]
    ids = participants.import_participants(
        db.session,
        campaign,
        participants.ParticipantList(rows),
        uploaded_by="hr@noordbank.example",
    )
    # the works council approves the list and the round's settings before anything goes out
    council = db.session.scalar(sa.select(User).filter_by(email=COUNCIL))
    custody.approve(db.session, campaign, council, "privacy", custody.digest(db.session, campaign))
    jobs.invite(db.session, campaign, ids)


def describe(logins) -> list[str]:
    base = current_app.config["BASE_URL"]
    lines = [f"Demo logins (password: {DEMO_PASSWORD}):"]
    lines += [f"  {email:<34} {role}" for email, _, role in logins]
    lines.append("Survey links (each works once):")
    for spec in ORGANISATIONS:
        campaign = db.session.scalar(
            sa.select(Campaign)
            .join(Organisation)
            .where(Organisation.slug == spec["slug"], Campaign.status == CampaignStatus.OPEN)
        )
        if campaign is None:
            continue
        token = next(
            (t for t in (demo_token(campaign.id, i) for i in range(INVITATIONS)) if _unused(t)),
            None,
        )
        if token:
            lines.append(f"  {spec['name']:<20} {base}/s/{token}")
        if campaign.open_slug:
            lines.append(f"  {'':<20} {base}/o/{campaign.open_slug} (open link)")
    where = current_app.config["SMTP_URL"] and "by SMTP" or "to the outbox: ambassador outbox"
    lines.append(
        f"Noordbank's round '{MAILED_ROUND}' e-mailed its links to {MAILED_PEOPLE} participants "
        f"({where})"
    )
    return lines


def _unused(token: str) -> bool:
    return (
        db.session.scalar(sa.select(Invitation.redeemed).filter_by(token_hash=hash_token(token)))
        is False
    )


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Load demo organisations, users and responses (idempotent) and print the logins."""
    for line in load_demo():
        click.echo(line)
