"""Participant lists, e-mailed invitations and reminders — through a real SMTP server (aiosmtpd,
in-process) and, where Redis answers, the RQ worker."""

from __future__ import annotations

import email
import io
import re
import socket
import uuid
from contextlib import contextmanager
from email import policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from survey import jobs
from survey.models import Campaign, Invitation, Participant, Response
from survey.services import participants
from survey.services.campaigns import add_organisation, campaign_instrument
from survey.services.lifecycle import set_status
from survey.services.responses import TokenAlreadyUsed, campaign_for_token, submit_response

from ..conftest import department_round, import_approved, redis_url_or_skip

HEADER = "email,language,department\n"


class Inbox(Message):
    """What the SMTP server received; it refuses addresses at ``refused.example``."""

    def __init__(self):
        super().__init__(email.message.EmailMessage)
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def handle_message(self, message):
        self.messages.append(email.message_from_bytes(message.as_bytes(), policy=policy.default))

    def links(self) -> list[str]:
        return [re.search(r"http\S+/s/\S+", m.get_content()).group(0) for m in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def mail_server(app, inbox: Inbox):
    """A real SMTP server on a free loopback port, set as the app's SMTP_URL meanwhile."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    before = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield inbox
    finally:
        app.config["SMTP_URL"] = before
        controller.stop()


@pytest.fixture
def smtp(app):
    with mail_server(app, Inbox()) as inbox:
        yield inbox


@pytest.fixture
def listed(session):
    """An open round with department questions, and its checked participant list."""
    organisation = add_organisation(session, "acme", "Acme")
    campaign = department_round(session, organisation)
    campaign.min_group_size = 3  # both departments are recorded: each holds at least k
    session.commit()
    rows = [
        f"p{i}@acme.example,{'nl' if i % 2 else 'en'},{'Sales' if i < 5 else 'IT'}"
        for i in range(8)
    ]
    checked = participants.read_participant_file(
        (HEADER + "\n".join(rows)).encode(), "list.csv", campaign
    )
    return campaign, checked


def test_a_clean_list_is_checked_and_counted(listed):
    _campaign, checked = listed
    assert len(checked) == 8 and checked.groups["department"] == {"Sales": 5, "IT": 3}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + "not-an-address,en,Sales\n", "line 2, column 'email'"),
        (HEADER + "a@acme.example,en,Sales\nA@acme.example,nl,IT\n", "line 3, column 'email'"),
        (HEADER + "a@acme.example,fr,Sales\n", "line 2, column 'language'"),
        (HEADER + "a@acme.example,en,Legal\n", "line 2, column 'department'"),
        ("address,language\na@acme.example,en\n", "the column 'email' is missing"),
        ("email,shoe_size\na@acme.example,44\n", "unknown column"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV or XLSX file"),
        (b"PK\x03\x04 broken zip", "not a readable XLSX file"),
    ],
)
def test_bad_lists_import_nothing(session, listed, content, message):
    campaign, _ = listed
    raw = content if isinstance(content, bytes) else content.encode()
    with pytest.raises(participants.ParticipantFileError, match=message) as caught:
        participants.read_participant_file(raw, "list.csv", campaign)
    assert "nothing was imported" in str(caught.value)
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0


def test_an_xlsx_list_reads_like_a_csv(listed):
    from openpyxl import Workbook

    campaign, _ = listed
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["email", "language", "department"])
    sheet.append(["x@acme.example", "nl", "IT"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    checked = participants.read_participant_file(buffer.getvalue(), "list.xlsx", campaign)
    assert [(r.email, r.language, r.attributes) for r in checked.rows] == [
        ("x@acme.example", "nl", {"department": "IT"})
    ]


def test_a_hundred_thousand_rows_are_checked_and_the_next_one_refused(listed):
    campaign, _ = listed
    body = "".join(f"p{i}@acme.example,en,Sales\n" for i in range(participants.MAX_ROWS))
    checked = participants.read_participant_file((HEADER + body).encode(), "big.csv", campaign)
    assert len(checked) == participants.MAX_ROWS
    with pytest.raises(participants.ParticipantFileError, match="at most 100,000"):
        participants.read_participant_file(
            (HEADER + body + "one@more.example,en,IT\n").encode(), "big.csv", campaign
        )


def test_invitations_reach_everyone_once_and_responses_take_their_attributes(
    app, session, smtp, listed
):
    campaign, checked = listed
    with app.app_context():
        from survey.extensions import db

        ids = import_approved(db.session, db.session.get(Campaign, campaign.id), checked)
        assert jobs.invite(db.session, db.session.get(Campaign, campaign.id), ids) == 8
        assert jobs.invite(db.session, db.session.get(Campaign, campaign.id)) == 0  # none twice
    links = smtp.links()
    assert len(links) == 8 and len({m["To"] for m in smtp.messages}) == 8
    dutch = next(m for m in smtp.messages if m["To"] == "p1@acme.example")
    assert "Hoe sociaal is Acme" in dutch["Subject"]
    assert "uw organisatie ziet hem nooit" in dutch.get_content()
    # nothing but hashes is kept: no link text in the database
    stored = session.scalars(sa.select(Invitation.token_hash)).all()
    assert len(stored) == 8 and not any(link.rsplit("/", 1)[1] in stored for link in links)

    token = next(
        link for link, m in zip(links, smtp.messages, strict=True) if m["To"] == "p7@acme.example"
    ).rsplit("/", 1)[1]
    answer(session, campaign, token, segments={})
    response = session.scalars(sa.select(Response)).one()
    assert response.segments == {"department": "IT"}  # from the list, not asked
    assert "participant" not in {c.name for c in Response.__table__.columns}


def answer(session, campaign, token, segments):
    campaign = campaign_for_token(session, token)
    keys = campaign_instrument(campaign).item_keys
    submit_response(
        session,
        campaign,
        answers={key: 4 for key in keys},
        segments=segments,
        language="en",
        token=token,
    )


def test_reminders_go_only_to_those_who_have_not_answered(app, session, smtp, listed):
    campaign, checked = listed
    with app.app_context():
        from survey.extensions import db

        round_ = db.session.get(Campaign, campaign.id)
        import_approved(db.session, round_, checked)
        jobs.invite(db.session, round_)
    first = {m["To"]: link for m, link in zip(smtp.messages, smtp.links(), strict=True)}
    answer(session, campaign, first["p0@acme.example"].rsplit("/", 1)[1], {})
    smtp.messages.clear()
    with app.app_context():
        from survey.extensions import db

        assert jobs.remind(db.session, db.session.get(Campaign, campaign.id)) == 7
    reminded = {m["To"]: link for m, link in zip(smtp.messages, smtp.links(), strict=True)}
    assert "p0@acme.example" not in reminded and len(reminded) == 7
    assert all("Reminder" in m["Subject"] or "Herinnering" in m["Subject"] for m in smtp.messages)
    # the reminder's link and the first link both work — but only one of them, once
    answer(session, campaign, reminded["p2@acme.example"].rsplit("/", 1)[1], {})
    with pytest.raises(TokenAlreadyUsed):
        answer(session, campaign, first["p2@acme.example"].rsplit("/", 1)[1], {})
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 2


def test_a_refused_address_is_listed_and_a_vanished_server_retried(app, session, listed):
    campaign, _ = listed
    checked = participants.read_participant_file(
        (
            HEADER
            + "ok@acme.example,en,Sales\nno@refused.example,en,Sales\nok2@acme.example,en,Sales\n"
        ).encode(),
        "l.csv",
        campaign,
    )
    with mail_server(app, Inbox()) as inbox, app.app_context():
        from survey.extensions import db

        round_ = db.session.get(Campaign, campaign.id)
        import_approved(db.session, round_, checked)
        jobs.invite(db.session, round_)
        figures = participants.list_figures(db.session, round_)
    assert [email for email, _ in figures["failed"]] == ["no@refused.example"]
    assert "550" in figures["failed"][0][1] and len(inbox.messages) == 2
    # the server is gone now: a temporary failure is raised for the queue to retry
    with mail_server(app, Inbox()):
        gone = app.config["SMTP_URL"]
    with app.app_context():
        from survey.extensions import db
        from survey.services.mail import MailError, MailSettings

        failed = db.session.scalar(sa.select(Participant).filter_by(email="no@refused.example"))
        failed.email, failed.state = "later@acme.example", "waiting"
        db.session.commit()
        settings = MailSettings(gone, app.config["MAIL_FROM"], Path(app.config["OUTBOX"]))
        with pytest.raises(MailError):
            jobs.send_mail(db.session, settings, "http://x", failed.id, "invitation", final=False)
    assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 2  # ok@, ok2@


def test_closing_deletes_the_list_and_keeps_the_counts(app, session, listed, tmp_path):
    campaign, checked = listed
    with app.app_context():
        from survey.extensions import db

        app.config["OUTBOX"] = str(tmp_path / "outbox")
        round_ = db.session.get(Campaign, campaign.id)
        import_approved(db.session, round_, checked)
        jobs.invite(db.session, round_)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 8  # no SMTP_URL: the outbox
    set_status(session, session.get(Campaign, campaign.id), "closed")
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    closed = session.get(Campaign, campaign.id)
    session.refresh(closed)
    assert closed.participant_counts == {"department": {"Sales": 5, "IT": 3}}
    assert closed.invitations_total == 8


def test_hr_links_cannot_be_mixed_with_a_list(session, listed):
    from survey.services.errors import InvalidInput
    from survey.services.responses import create_invitations

    campaign, checked = listed
    create_invitations(session, campaign, 2)
    with pytest.raises(InvalidInput, match="handed out"):
        import_approved(session, campaign, checked)


def test_the_worker_sends_from_real_redis(app, session, smtp, listed):
    url = redis_url_or_skip()
    from rq import SimpleWorker

    campaign, checked = listed
    queue_name = f"test-{uuid.uuid4().hex}"
    before = (app.config["REDIS_URL"], jobs.QUEUE)
    app.config["REDIS_URL"], jobs.QUEUE = url, queue_name
    try:
        with app.app_context():
            from survey.extensions import db

            round_ = db.session.get(Campaign, campaign.id)
            import_approved(db.session, round_, checked)
            assert jobs.invite(db.session, round_) == 8
            queue = jobs.queue()
            payloads = [job.args for job in queue.jobs]
            # a job holds participant ids, the kind of mail and its mailing: never a token or an
            # address
            assert payloads == [(sorted(ids), "invitation", 0) for ids in [p[0] for p in payloads]]
            assert all(isinstance(i, int) for ids, *_mail in payloads for i in ids)
            assert smtp.messages == []  # queued, not sent by the request
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        app.config["REDIS_URL"], jobs.QUEUE = before
    assert len(smtp.messages) == 8
    assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 8


def test_nobody_can_make_a_link_for_a_round_with_a_list(app, session, listed, runner):
    from survey.services.errors import InvalidInput
    from survey.services.responses import create_invitations

    campaign, checked = listed
    import_approved(session, campaign, checked)
    with pytest.raises(InvalidInput, match="only the system sends its links"):
        create_invitations(session, session.get(Campaign, campaign.id), 1)
    result = runner.invoke(args=["invite", str(campaign.id), "--count", "1"])
    assert result.exit_code == 2 and "participant list" in result.output


class Overloaded(Inbox):
    """Takes three messages, then answers 421 (try again later) to every further one."""

    async def handle_DATA(self, server, session, envelope):
        if len(self.messages) >= 3:
            return "421 4.3.2 try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_server_that_gives_out_mid_batch_sends_nobody_twice(app, session, listed):
    campaign, checked = listed
    with mail_server(app, Overloaded()) as inbox, app.app_context():
        from survey.extensions import db
        from survey.services.mail import MailError

        round_ = db.session.get(Campaign, campaign.id)
        ids = import_approved(db.session, round_, checked)
        with pytest.raises(MailError, match="421"):  # the queue will try the batch again
            jobs.send_batch(ids, "invitation", final=False)
        assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 3
        inbox.__class__ = Inbox  # the server recovers; the retry sends the rest only
        jobs.send_batch(ids, "invitation", final=True)
    addresses = [m["To"] for m in inbox.messages]
    assert len(addresses) == 8 and len(set(addresses)) == 8
    assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 8


class Greylisting(Inbox):
    """Answers the first recipient 451 (try again later, as greylisting does), then takes all."""

    deferred = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.deferred:
            self.deferred = True
            return "451 4.7.1 greylisted, try again later"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_an_address_deferred_with_451_is_tried_again_not_failed(app, session, listed):
    campaign, checked = listed
    with mail_server(app, Greylisting()) as inbox, app.app_context():
        from survey.extensions import db
        from survey.services.mail import MailError

        round_ = db.session.get(Campaign, campaign.id)
        ids = import_approved(db.session, round_, checked)
        with pytest.raises(MailError, match="451"):  # the queue will try the batch again
            jobs.send_batch(ids, "invitation", final=False)
        state = sa.select(Participant.state).filter_by(campaign_id=campaign.id)
        assert "failed" not in set(session.scalars(state))
        jobs.send_batch(ids, "invitation", final=True)
    addresses = [m["To"] for m in inbox.messages]
    assert len(addresses) == 8 and len(set(addresses)) == 8


def test_scheduled_reminders_go_out_once_on_their_day(app, session, smtp, listed, runner):
    import datetime as dt

    campaign, checked = listed
    with app.app_context():
        from survey.extensions import db

        round_ = db.session.get(Campaign, campaign.id)
        import_approved(db.session, round_, checked)
        jobs.invite(db.session, round_)
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        participants.schedule_reminders(db.session, round_, [tomorrow])
        with pytest.raises(participants.InvalidInput, match="at most 3"):
            participants.schedule_reminders(
                db.session, round_, [tomorrow + dt.timedelta(days=d) for d in range(4)]
            )
        smtp.messages.clear()
        assert jobs.due_reminders(db.session, dt.date.today()) == []  # not yet
        sent = jobs.due_reminders(db.session, tomorrow)
        assert [(c.id, n) for c, n in sent] == [(campaign.id, 8)]
        assert jobs.due_reminders(db.session, tomorrow) == []  # once only
    assert len(smtp.messages) == 8
    assert "No reminder is due." in runner.invoke(args=["remind"]).output


@pytest.fixture
def tls_server(app, tmp_path, monkeypatch):
    """A real SMTP server that demands STARTTLS (a certificate from a test CA the app is told to
    trust) and then a login; yields (inbox, port)."""
    import ssl

    import trustme
    from aiosmtpd.smtp import AuthResult

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret/pw"
        return AuthResult(success=ok, handled=False)

    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=authenticator,
    )
    controller.start()
    before = app.config["SMTP_URL"]
    try:
        yield inbox, port
    finally:
        app.config["SMTP_URL"] = before
        controller.stop()


def test_invitations_go_through_starttls_with_a_login(app, session, listed, tls_server):
    inbox, port = tls_server
    campaign, checked = listed
    with app.app_context():
        from survey.extensions import db

        ids = import_approved(db.session, db.session.get(Campaign, campaign.id), checked)
        # a wrong password: nothing goes out, the batch is listed with the server's answer
        app.config["SMTP_URL"] = f"smtp://mailer:wrong@127.0.0.1:{port}?starttls=true"
        outcomes = jobs.send_batch(ids, "invitation", final=True)
        assert outcomes == {"failed": 8} and inbox.messages == []
        errors = db.session.scalars(sa.select(Participant.error)).all()
        assert all("535" in error for error in errors), errors
        # the right one (its '/' written %2F in the URL): every listed address gets its link
        app.config["SMTP_URL"] = f"smtp://mailer:s3cret%2Fpw@127.0.0.1:{port}?starttls=true"
        assert jobs.invite(db.session, db.session.get(Campaign, campaign.id), ids) == 8
    assert len(inbox.messages) == 8
    assert len({m["To"] for m in inbox.messages}) == 8


def test_a_directory_export_reads_like_our_own_list(session, listed):
    """Entra ID's and Google's column names: mail or userPrincipalName, preferredLanguage."""
    campaign, _checked = listed
    for header in (
        "mail,preferredLanguage,department",
        "userPrincipalName,preferredlanguage,department",
    ):
        content = f"{header}\nann@acme.example,nl,Sales\n".encode()
        checked = participants.read_participant_file(content, "export.csv", campaign)
        assert [(r.email, r.language, r.attributes) for r in checked.rows] == [
            ("ann@acme.example", "nl", {"department": "Sales"})
        ]


def test_an_import_does_not_reload_each_participant(app, session):
    """A list of 2,000 takes a handful of statements, not one SELECT per person after the
    commit (100,000 people took 66 s that way: past a proxy's 60-second timeout). The session
    expires on commit, as the app's and the command's do."""
    from survey.extensions import db

    organisation = add_organisation(session, "acme", "Acme")
    campaign = department_round(session, organisation)
    rows = [f"p{i}@acme.example,en,{'Sales' if i % 2 else 'IT'}" for i in range(2000)]
    content = (HEADER + "\n".join(rows)).encode()
    with app.app_context():
        engine = db.engine
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split(None, 1)[0].upper())

    with sa.orm.Session(engine) as own:  # expire_on_commit=True
        round_ = own.get(Campaign, campaign.id)
        checked = participants.read_participant_file(content, "list.csv", round_)
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            ids = participants.import_participants(own, round_, checked)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
    assert len(ids) == 2000 == len(set(ids))
    assert statements.count("SELECT") < 10, statements[:20]
    stored = dict(session.execute(sa.select(Participant.id, Participant.email)).all())
    assert [stored[i] for i in ids] == [f"p{i}@acme.example" for i in range(2000)]


def test_wording_the_e_mail_cannot_send_is_refused_by_the_service(session, listed):
    campaign, _checked = listed
    for texts, said in (
        ({"en": {"intro": "Dear {name}"}}, r"the English introduction: \{name\} is not a"),
        ({"nl": {"intro": "Een { te veel"}}, "the Dutch introduction: a { or }"),
        ({"en": {"invitation_subject": "Hi\r\nBcc: all@acme.example"}}, "line break"),
    ):
        with pytest.raises(participants.InvalidInput, match=said):
            participants.set_invitation_texts(session, campaign, texts)
    assert session.get(Campaign, campaign.id).invitation_texts == {}
