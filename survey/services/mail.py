"""E-mail: the invitation and reminder messages, sent through SMTP or written to an outbox folder.

``SMTP_URL`` names the server: ``smtp://user:password@host:port`` (add ``?starttls=true`` for
STARTTLS, or use ``smtps://`` for TLS from the start). Without it, every message is written to the
outbox folder (``instance/outbox`` by default) as an ``.eml`` file, which ``ambassador outbox``
lists — so a laptop needs no mail server.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
import string
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from survey.models import Campaign

DEFAULT_TEXTS = {
    "en": {
        "invitation_subject": "How social is {organisation}? Five minutes, anonymous",
        "reminder_subject": "Reminder: how social is {organisation}?",
        "intro": (
            "{organisation} asks everyone on its team how it deals with social media: guidelines, "
            "room for mistakes, patience, the example leaders set and the conversation about it. "
            "It takes about five minutes, and your answers are anonymous."
        ),
        "link": "Your personal link (it works once):",
        "custody": (
            "Ambassador Scan sent you this link; your organisation never sees it, nor which "
            "answers came with it. Results are shown only for groups of at least {k} people."
        ),
    },
    "nl": {
        "invitation_subject": "Hoe sociaal is {organisation}? Vijf minuten, anoniem",
        "reminder_subject": "Herinnering: hoe sociaal is {organisation}?",
        "intro": (
            "{organisation} vraagt iedereen in de organisatie hoe er met sociale media wordt "
            "omgegaan: richtlijnen, ruimte voor fouten, een lange adem, het voorbeeld van "
            "leidinggevenden en het gesprek daarover. Invullen duurt ongeveer vijf minuten en uw "
            "antwoorden zijn anoniem."
        ),
        "link": "Uw persoonlijke link (deze werkt één keer):",
        "custody": (
            "Ambassador Scan heeft u deze link gestuurd; uw organisatie ziet hem nooit, en ook "
            "niet welke antwoorden erbij horen. Resultaten worden alleen getoond voor groepen "
            "van minstens {k} mensen."
        ),
    },
}


class MailError(Exception):
    """Sending failed."""

    permanent = False  # a permanent failure (the address is refused) is not retried


class AddressRefused(MailError):
    permanent = True


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str | None
    sender: str
    outbox: Path

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(config.get("SMTP_URL"), config["MAIL_FROM"], Path(config["OUTBOX"]))


def texts(campaign: Campaign, lang: str) -> dict[str, str]:
    """The round's invitation texts in a language: HR's own where it wrote them."""
    own = (campaign.invitation_texts or {}).get(lang, {})
    return {**DEFAULT_TEXTS[lang], **{key: value for key, value in own.items() if value}}


# what HR's wording may name; each is filled in for the round (see Wording.of)
PLACEHOLDERS = ("organisation", "k")
LANGUAGE_NAMES = {"en": "English", "nl": "Dutch"}
FIELD_NAMES = {"invitation_subject": "subject", "intro": "introduction"}


@dataclass(frozen=True)
class WordingProblem:
    """What keeps a text of the invitation e-mail from being sent: a ``placeholder`` the e-mail
    does not fill in, a lone ``brace``, a ``line break`` (or another control character) in the
    subject — which would add headers of the writer's choosing — or a ``control`` character
    in the introduction."""

    kind: str
    placeholder: str = ""
    lang: str = ""
    field: str = ""

    def __str__(self) -> str:
        where = f"the {LANGUAGE_NAMES.get(self.lang, self.lang)} {FIELD_NAMES[self.field]}: "
        return (where if self.field else "") + {
            "placeholder": f"{self.placeholder} is not a placeholder the e-mail fills in",
            "brace": "a { or } that is not around a placeholder",
            "line break": "a line break or control character in the subject",
            "control": "a control character",
        }[self.kind]


# what a participant's error starts with when their e-mail could not be worded
WORDING_FAILED = "the e-mail's wording cannot be used"


class WordingError(ValueError):
    """The round's e-mail cannot be worded as HR wrote it."""

    def __init__(self, problems: list[WordingProblem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def text_problems(text: str, subject: bool = False) -> list[WordingProblem]:
    """What is wrong with one of HR's texts (a subject when ``subject``): only the placeholders
    in :data:`PLACEHOLDERS`, as ``{organisation}``, and braces doubled to be shown (``{{``)."""
    problems = []
    if subject and any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        problems.append(WordingProblem("line break"))
    elif any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
        problems.append(WordingProblem("control"))
    try:
        for _literal, name, spec, conversion in string.Formatter().parse(text):
            if name is not None and (name not in PLACEHOLDERS or spec or conversion):
                shown = name + (f"!{conversion}" if conversion else "")
                shown += f":{spec}" if spec else ""
                problems.append(WordingProblem("placeholder", "{" + shown + "}"))
    except ValueError:  # a lone { or }
        problems.append(WordingProblem("brace"))
    return problems


def wording_problems(campaign: Campaign, lang: str | None = None) -> list[WordingProblem]:
    """What is wrong with HR's wording of the round's e-mail (in one language, or in all)."""
    problems = []
    for each in [lang] if lang else campaign.languages:
        own = (campaign.invitation_texts or {}).get(each, {})
        for key in FIELD_NAMES:
            for problem in text_problems(own.get(key) or "", key == "invitation_subject"):
                problems.append(replace(problem, lang=each, field=key))
    return problems


@dataclass(frozen=True)
class RawMail:
    """A message ready for the wire: envelope sender, recipient and the bytes."""

    sender: str
    to: str
    data: bytes


_TO, _LINK, _ID = "recipient@placeholder.invalid", "LINK-PLACEHOLDER-5c1e", "MSGID-PLACEHOLDER-5c1e"


@dataclass(frozen=True)
class Wording:
    """A round's e-mail in one language, worked out once for a whole batch."""

    subjects: dict[str, str]  # per kind
    intro: str
    link: str
    custody: str
    templates: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, campaign: Campaign, lang: str) -> Wording:
        """The round's e-mail in ``lang``; :class:`WordingError` when HR's wording cannot be
        sent (saved before it was checked) or the organisation's name breaks the subject."""
        problems = wording_problems(campaign, lang)
        if problems:
            raise WordingError(problems)
        words = texts(campaign, lang)
        values = {"organisation": campaign.organisation.name, "k": campaign.min_group_size}
        subjects = {
            kind: words[f"{kind}_subject"].format(**values) for kind in ("invitation", "reminder")
        }
        for subject in subjects.values():
            if text_problems(subject, subject=True):
                problem = WordingProblem("line break", lang=lang, field="invitation_subject")
                raise WordingError([problem])
        return cls(
            subjects,
            words["intro"].format(**values),
            words["link"],
            words["custody"].format(**values),
        )

    def message(self, link: str, kind: str, to: str, sender: str) -> EmailMessage:
        """The invitation (or reminder) e-mail to one participant."""
        message = EmailMessage()
        message["Subject"] = self.subjects[kind]
        message["From"] = sender
        message["To"] = to
        message["Message-ID"] = make_msgid(domain=_domain(sender))
        message.set_content(f"{self.intro}\n\n{self.link}\n{link}\n\n{self.custody}\n", cte="8bit")
        return message

    def raw(self, link: str, kind: str, to: str, sender: str) -> RawMail:
        """The same message as bytes, from a template rendered once per kind: a batch of
        thousands builds no header twice."""
        key = (kind, sender)
        if key not in self.templates:
            template = self.message(_LINK, kind, _TO, sender)
            template.replace_header("Message-ID", f"<{_ID}@{_domain(sender)}>")
            self.templates[key] = bytes(template)
        data = (
            self.templates[key]
            .replace(_TO.encode(), to.encode("ascii"))
            .replace(_LINK.encode(), link.encode("ascii"))
            .replace(_ID.encode(), secrets.token_hex(16).encode())
        )
        return RawMail(parseaddr(sender)[1], to, data)


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].split("@")[-1] or "localhost"


def compose(campaign: Campaign, lang: str, link: str, kind: str, to: str, sender: str):
    """The invitation (or reminder) e-mail to one participant, in their language."""
    return Wording.of(campaign, lang).message(link, kind, to, sender)


def deliver(message: EmailMessage | RawMail, settings: MailSettings, connection=None) -> None:
    """Send one message, or write it to the outbox when no SMTP server is configured."""
    if not settings.smtp_url:
        settings.outbox.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(8)}.eml"
        data = message.data if isinstance(message, RawMail) else bytes(message)
        (settings.outbox / name).write_bytes(data)
        return
    try:
        if connection is not None:
            _send(connection, message)
            return
        with open_smtp(settings.smtp_url) as smtp:
            _send(smtp, message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = _reason(exc)
        # 4xx (greylisting, a full mailbox, an overloaded server): try again later; 5xx: refused
        raise (AddressRefused if code >= 500 else MailError)(reason) from None
    except smtplib.SMTPResponseException as exc:
        error = AddressRefused if 500 <= exc.smtp_code < 600 else MailError
        raise error(f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"[:300]) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:300]) from None


def _send(smtp: smtplib.SMTP, message: EmailMessage | RawMail) -> None:
    if isinstance(message, RawMail):
        smtp.sendmail(message.sender, [message.to], message.data)
    else:
        smtp.send_message(message)


def _reason(exc: smtplib.SMTPRecipientsRefused) -> tuple[int, str]:
    code, text = next(iter(exc.recipients.values()))
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    return code, f"{code} {text}"[:300]


@contextmanager
def mail_connection(settings: MailSettings):
    """One SMTP connection for a batch of messages (None with the outbox); a server that cannot be
    reached here is a temporary failure."""
    if not settings.smtp_url:
        yield None
        return
    try:
        smtp = open_smtp(settings.smtp_url)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:300]) from None
    try:
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def open_smtp(url: str) -> smtplib.SMTP:
    """A logged-in SMTP connection for ``smtp://`` or ``smtps://`` URLs."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailError(f"SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
    options = parse_qs(parts.query)
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=30, context=context)
    else:
        smtp = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=30)
    try:
        if parts.scheme == "smtp" and options.get("starttls", ["false"])[0].lower() in (
            "1",
            "true",
            "yes",
        ):
            smtp.starttls(context=context)
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
    except BaseException:
        smtp.close()  # a refused login or handshake leaves no connection open
        raise
    return smtp


def outbox_messages(outbox: Path) -> list[Path]:
    """The outbox's messages, oldest first."""
    if not outbox.is_dir():
        return []
    return sorted(outbox.glob("*.eml"), key=lambda path: path.stat().st_mtime)
