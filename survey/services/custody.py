"""Custody of a participant list: who wrote it, what a second person saw and approved, and
whether the system may send its links.

HR uploads a list; before any invitation goes out, a second person who did not upload it — the
works council (ondernemingsraad, whose consent WOR art. 27 requires for employee surveys) or a
privacy officer, with the role ``privacy`` — approves the list and the round's privacy settings
(minimum group size, segment questions, open link) or sends it back with a note. They see a
summary of the list (:func:`summary`), never an answer or a link. What was approved is kept as a
digest: any change of the list or of those settings afterwards needs approval again. An
organisation may do without approval only through an admin's action, which the report states.

Mechanical checks need no judgement: addresses are compared as mailboxes (:func:`mailbox`), and
the same mailbox twice is refused at import.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey.models import Campaign, IdentityProvider, Organisation, Participant, User, today_utc
from survey.services import audit
from survey.services.errors import Forbidden, InvalidInput

PENDING, APPROVED, RETURNED = "pending", "approved", "returned"
SOURCES = ("hr", "directory")  # who produced the list: HR's own file, or a directory export
# providers that ignore dots in the local part of their own addresses
DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
NOTE_MAX = 1000


def mailbox(email: str) -> str:
    """The mailbox an address reaches: lower case, without a ``+tag`` (which most providers,
    corporate ones included, deliver to the same mailbox), without dots where the provider
    ignores them."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def near_identical(emails: list[str]) -> list[list[str]]:
    """Groups of addresses of one domain whose mailboxes differ from another of the group by one
    character (added, left out or changed: ``j.smith`` and ``j.smyth``, ``legal1`` and
    ``legal2``), found through their one-deletion variants; each group sorted, groups in order."""
    variants: dict[tuple[str, str], set[str]] = defaultdict(set)
    boxes = sorted({mailbox(e): e for e in emails}.items())
    for box, email in boxes:
        local, _, domain = box.rpartition("@")
        if len(local) < 4:  # "hr" and "it" are near every other short name
            continue
        for i in range(len(local) + 1):
            variants[(domain, local[:i] + local[i + 1 :] if i < len(local) else local)].add(email)
    parent = {email: email for _box, email in boxes}

    def root(email: str) -> str:
        while parent[email] != email:
            parent[email] = parent[parent[email]]
            email = parent[email]
        return email

    for similar in variants.values():
        first, *rest = sorted(similar)
        for other in rest:
            parent[root(other)] = root(first)
    groups: dict[str, list[str]] = defaultdict(list)
    for email in parent:
        groups[root(email)].append(email)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)


def verified_domains(session: Session, organisation: Organisation) -> list[str]:
    """The organisation's own e-mail domains: set by an admin, else its identity provider's."""
    if organisation.email_domains:
        return sorted(organisation.email_domains)
    provider = session.scalar(
        sa.select(IdentityProvider).where(IdentityProvider.organisation_id == organisation.id)
    )
    return sorted(provider.domains) if provider is not None and provider.domains else []


@dataclass(frozen=True)
class Summary:
    """What the approver sees of a round's list and settings: counts, never an answer or a link."""

    invited: int
    source: str | None
    uploaded_by: str | None
    min_group_size: int
    questions: list[dict]
    open_link: bool
    groups: dict[str, dict[str, int]]  # question → option (or "–") → people
    combinations: list[tuple[tuple[str, ...], int]]  # stored attribute combinations, smallest first
    domains: dict[str, int]
    verified: list[str]
    outside: list[str]  # addresses outside the verified domains
    similar: list[list[str]]  # groups of addresses a character apart
    # groups of at least k people that hold fewer than k when each group of similar addresses
    # counts as one person and the addresses outside the domains are left out
    only_through: list[tuple[str, str, int, int]] = field(default_factory=list)
    digest: str = ""


def summary(session: Session, campaign: Campaign) -> Summary:
    """The list and the round's privacy settings as the approver judges them."""
    people = session.execute(
        sa.select(Participant.email, Participant.attributes).where(
            Participant.campaign_id == campaign.id
        )
    ).all()
    keys = [q["key"] for q in campaign.segments]
    k = campaign.min_group_size
    verified = verified_domains(session, campaign.organisation)
    domains = Counter(email.rpartition("@")[2] for email, _ in people)
    outside = sorted(e for e, _ in people if verified and e.rpartition("@")[2] not in verified)
    similar = near_identical([e for e, _ in people])
    # of each group of similar addresses one may be a person; the others may be aliases
    doubtful = set(outside) | {e for group in similar for e in group[1:]}
    groups: dict[str, dict[str, int]] = {key: {} for key in keys}
    flagged: dict[str, Counter] = {key: Counter() for key in keys}
    combinations: Counter = Counter()
    for email, attributes in people:
        combinations[tuple(attributes.get(key) or "–" for key in keys)] += 1
        for key in keys:
            option = attributes.get(key) or "–"
            groups[key][option] = groups[key].get(option, 0) + 1
            if email in doubtful:
                flagged[key][option] += 1
    only_through = [
        (key, option, count, count - flagged[key][option])
        for key in keys
        for option, count in sorted(groups[key].items())
        if option != "–" and count >= k and count - flagged[key][option] < k
    ]
    return Summary(
        invited=len(people),
        source=campaign.list_source,
        uploaded_by=campaign.list_uploaded_by,
        min_group_size=k,
        questions=list(campaign.segments),
        open_link=campaign.open_slug is not None,
        groups=groups,
        combinations=sorted(combinations.items(), key=lambda item: (item[1], item[0])),
        domains=dict(sorted(domains.items())),
        verified=verified,
        outside=outside,
        similar=similar,
        only_through=only_through,
        digest=digest(session, campaign),
    )


def digest(session: Session, campaign: Campaign) -> str:
    """A hash of what an approval covers: every participant (mailbox, language, attributes) and
    the round's minimum group size, segment questions, open link and invitation e-mail."""
    people = sorted(
        [mailbox(email), language, json.dumps(attributes, sort_keys=True)]
        for email, language, attributes in session.execute(
            sa.select(Participant.email, Participant.language, Participant.attributes).where(
                Participant.campaign_id == campaign.id
            )
        )
    )
    settings = [
        campaign.min_group_size,
        campaign.segments,
        campaign.open_slug is not None,
        campaign.invitation_texts or {},  # what the e-mail asks of people
    ]
    text = json.dumps([people, settings], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def required(campaign: Campaign) -> bool:
    """Whether the round's list needs a second person's approval before links go out."""
    return campaign.link_custody == "system" and campaign.organisation.list_approval


def may_send(session: Session, campaign: Campaign) -> bool:
    """Whether the system may send the round's links: approval is off, or what was approved is
    still what the list and settings are."""
    if not required(campaign):
        return True
    return campaign.list_state == APPROVED and campaign.list_digest == digest(session, campaign)


def require_approval_to_send(session: Session, campaign: Campaign) -> None:
    """Raise when invitations may not go out yet (and mark a changed list as pending)."""
    if may_send(session, campaign):
        return
    if campaign.list_state == APPROVED:  # changed since: approved no longer
        campaign.list_state = PENDING
        session.commit()
    raise InvalidInput(
        "the participant list awaits approval by the works council or privacy officer: no "
        "invitation goes out before a second person has approved the list and the round's "
        "privacy settings"
    )


def list_changed(campaign: Campaign, uploaded_by: str, source: str) -> None:
    """A list was imported (or added to): it needs approval again; the caller commits."""
    if source not in SOURCES:
        raise InvalidInput(f"a list's source is one of {', '.join(SOURCES)}, not {source!r}")
    campaign.list_uploaded_by = uploaded_by
    campaign.list_source = source
    campaign.list_state = PENDING if required(campaign) else None
    campaign.list_approved_by = campaign.list_approved_on = campaign.list_digest = None


def _check_approver(campaign: Campaign, user: User, role: str | None) -> None:
    if role not in ("privacy", "admin"):
        raise Forbidden("approving a participant list is for the works council or privacy officer")
    if campaign.list_uploaded_by and user.email.lower() == campaign.list_uploaded_by.lower():
        raise Forbidden("the person who uploaded a list cannot approve it: a second person must")
    if campaign.list_uploaded_by == "cli" and role == "admin":
        raise Forbidden(
            "a list imported on the command line is approved by the works council or privacy "
            "officer: an admin may have run the command"
        )
    if campaign.list_state not in (PENDING, RETURNED):
        raise InvalidInput("this round has no list awaiting approval")


def approve(session: Session, campaign: Campaign, user: User, role: str | None, shown: str) -> None:
    """Approve the list and settings the approver was shown (``shown``: their digest)."""
    _check_approver(campaign, user, role)
    current = summary(session, campaign)
    if shown != current.digest:
        raise InvalidInput(
            "the list or the round's settings changed while you looked at them: look again"
        )
    campaign.list_state = APPROVED
    campaign.list_approved_by = user.email
    campaign.list_approved_on = today_utc()
    campaign.list_digest = current.digest
    campaign.list_note = None
    audit.record(
        session,
        "list_approved",
        user=user,
        organisation=campaign.organisation_id,
        detail=_shown(campaign, current),
        commit=False,
    )
    session.commit()


def send_back(
    session: Session, campaign: Campaign, user: User, role: str | None, note: str
) -> None:
    """Send the list back to HR with a note; nothing goes out."""
    _check_approver(campaign, user, role)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("say what should change: the note is what HR reads")
    campaign.list_state = RETURNED
    campaign.list_note = note[:NOTE_MAX]
    current = summary(session, campaign)
    audit.record(
        session,
        "list_returned",
        user=user,
        organisation=campaign.organisation_id,
        detail=_shown(campaign, current) + f"; note: {campaign.list_note}",
        commit=False,
    )
    session.commit()


def _shown(campaign: Campaign, current: Summary) -> str:
    """What the approver was shown, as the audit log keeps it."""
    return (
        f"round {campaign.id} ({campaign.name}): {current.invited} participants uploaded by "
        f"{current.uploaded_by or 'unknown'} ({current.source or 'hr'}), k = "
        f"{current.min_group_size}, segment questions "
        f"{', '.join(q['key'] for q in current.questions) or 'none'}, open link "
        f"{'yes' if current.open_link else 'no'}; outside the domains {len(current.outside)}, "
        f"groups of similar addresses {len(current.similar)}, groups at k only through those "
        f"{len(current.only_through)}; digest {current.digest[:16]}"
    )


def set_requirement(
    session: Session, organisation: Organisation, required: bool, admin: User | None
) -> None:
    """Turn the approval of lists on or off for an organisation: an admin's action, logged, and
    stated in the report of every round whose list went out without approval."""
    if admin is not None and not admin.is_admin:
        raise Forbidden("only an admin can turn the approval of participant lists off or on")
    organisation.list_approval = required
    organisation.list_approval_off_by = None if required else (admin.email if admin else "cli")
    organisation.list_approval_off_on = None if required else today_utc()
    if required:  # lists not yet approved wait for approval from now on
        session.execute(
            sa.update(Campaign)
            .where(
                Campaign.organisation_id == organisation.id,
                Campaign.link_custody == "system",
                Campaign.status != "closed",
                Campaign.list_state.is_(None),
            )
            .values(list_state=PENDING)
        )
    state = "on" if required else "off"
    audit.setting_changed(session, organisation, f"approval of participant lists {state}", admin)
    session.commit()


def approvals_waiting(session: Session, user: User) -> list[Campaign]:
    """Rounds whose lists wait for this user's approval (their privacy role's organisations)."""
    query = sa.select(Campaign).where(Campaign.list_state.in_((PENDING, RETURNED)))
    if not user.is_admin:
        ids = [m.organisation_id for m in user.memberships if m.role == "privacy"]
        query = query.where(Campaign.organisation_id.in_(ids))
    return list(session.scalars(query.order_by(Campaign.id)))


__all__ = [
    "APPROVED",
    "PENDING",
    "RETURNED",
    "Summary",
    "approve",
    "approvals_waiting",
    "digest",
    "mailbox",
    "may_send",
    "near_identical",
    "required",
    "send_back",
    "set_requirement",
    "summary",
]
