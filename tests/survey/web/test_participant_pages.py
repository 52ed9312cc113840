"""HR's participant-list pages: upload, preview, import, send, remind, the e-mail's wording."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from survey.models import Campaign, Participant
from survey.services.campaigns import add_organisation
from survey.services.users import add_user

from ..conftest import PASSWORD, AuthActions, csrf_token, department_round
from .test_custody import approve

LIST = b"email,language,department\n" + b"".join(
    f"p{i}@acme.example,nl,{'Sales' if i < 6 else 'IT'}\n".encode() for i in range(8)
)


@pytest.fixture
def round_(session, tmp_path, app):
    app.config["OUTBOX"] = str(tmp_path / "outbox")
    organisations = []
    for slug in ("acme", "globex"):
        organisation = add_organisation(session, slug, slug.title())
        add_user(session, f"hr@{slug}.example", PASSWORD, memberships=((organisation, "hr"),))
        organisations.append(organisation)
    return department_round(session, organisations[0])


def upload(client, campaign_id: int, content: bytes, name="list.csv"):
    page = client.get(f"/campaigns/{campaign_id}/participants").get_data(as_text=True)
    return client.post(
        f"/campaigns/{campaign_id}/participants/preview",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_preview_then_import_invites_everyone(client, session, round_, tmp_path):
    assert AuthActions(client).login("hr@acme.example").status_code == 302
    preview = upload(client, round_.id, LIST)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "8 participants, ready to import" in page
    assert (
        "Sales 6" in page
        and session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0
    )
    signed = re.search(r'name="checked" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(
        f"/campaigns/{round_.id}/participants/import",
        data={"csrf_token": csrf_token(page), "checked": signed},
    )
    assert done.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 8
    # nothing goes out before the works council has approved the list and the settings
    assert not list((tmp_path / "outbox").glob("*.eml"))
    auth = AuthActions(client)
    auth.logout()
    add_user(
        session, "council@acme.example", PASSWORD, memberships=((round_.organisation, "privacy"),)
    )
    auth.login("council@acme.example")
    approve(client, round_.id)
    auth.logout()
    auth.login("hr@acme.example")
    page = client.get(f"/campaigns/{round_.id}/participants").get_data(as_text=True)
    client.post(f"/campaigns/{round_.id}/participants/send", data={"csrf_token": csrf_token(page)})
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 8
    overview = client.get(f"/campaigns/{round_.id}/participants").get_data(as_text=True)
    assert "Invitations sent" in overview and ">8<" in overview
    campaign_page = client.get(f"/campaigns/{round_.id}").get_data(as_text=True)
    assert "Nobody at your organisation can see or download the links" in campaign_page
    session.expire_all()
    assert session.get(Campaign, round_.id).link_custody == "system"


def test_a_bad_file_lists_its_problems_and_imports_nothing(client, session, round_):
    AuthActions(client).login("hr@acme.example")
    response = upload(client, round_.id, b"email,department\nnope,Legal\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in page
    assert "line 2, column &#39;email&#39;" in page and "column &#39;department&#39;" in page
    image = upload(client, round_.id, b"\x89PNG\r\n\x1a\n\x00\x00", name="list.png")
    assert image.status_code == 422 and "binary data" in image.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0


def test_a_tampered_list_is_refused(client, session, round_):
    AuthActions(client).login("hr@acme.example")
    page = client.get(f"/campaigns/{round_.id}/participants").get_data(as_text=True)
    response = client.post(
        f"/campaigns/{round_.id}/participants/import",
        data={"csrf_token": csrf_token(page), "checked": "W1siYSJdXQ.forged"},
    )
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0


def test_another_organisation_sees_nothing(client, round_):
    AuthActions(client).login("hr@globex.example")
    assert client.get(f"/campaigns/{round_.id}/participants").status_code == 404
    assert client.get(f"/campaigns/{round_.id}/participants/invitation").status_code == 404


def save_wording(client, campaign_id: int, lang: str = "en", **fields):
    """HR saves the e-mail's wording from the list's page (in ``lang``); blank fields are the
    standard text."""
    page = client.get(f"/campaigns/{campaign_id}/participants?lang={lang}").get_data(as_text=True)
    blank = {"en_subject": "", "en_intro": "", "nl_subject": "", "nl_intro": ""}
    return client.post(
        f"/campaigns/{campaign_id}/participants/texts",
        data={"csrf_token": csrf_token(page), **blank, **fields},
    )


def test_wording_reminders_and_preview(client, session, round_):
    AuthActions(client).login("hr@acme.example")
    saved = save_wording(
        client,
        round_.id,
        en_subject="Tell us, {organisation}",
        nl_intro="Vijf minuten voor {organisation}.",
    )
    assert saved.status_code == 302
    english = client.get(f"/campaigns/{round_.id}/participants/invitation?lang=en")
    assert "Tell us, Acme" in english.get_data(as_text=True)
    dutch = client.get(f"/campaigns/{round_.id}/participants/invitation?lang=nl")
    assert "Vijf minuten voor Acme." in dutch.get_data(as_text=True)
    page = client.get(f"/campaigns/{round_.id}/participants").get_data(as_text=True)
    bad = client.post(
        f"/campaigns/{round_.id}/participants/reminders",
        data={"csrf_token": csrf_token(page), "first": "2020-01-01"},
    )
    assert bad.status_code == 422 and "is not after today" in bad.get_data(as_text=True)


def test_import_pressed_twice_at_once_imports_the_list_once(app, session, round_):
    """Two tabs (or a double click) send the same previewed list at the same moment: one
    imports it, the other gets a page that says so, and every address is stored once."""
    import threading

    clients = [app.test_client() for _ in range(2)]
    forms = []
    for client in clients:
        AuthActions(client).login("hr@acme.example")
        page = upload(client, round_.id, LIST).get_data(as_text=True)
        signed = re.search(r'name="checked" type="hidden" value="([^"]+)"', page).group(1)
        forms.append({"csrf_token": csrf_token(page), "checked": signed})
    barrier = threading.Barrier(len(clients))
    answers = []

    def press(client, form):
        barrier.wait()
        answers.append(client.post(f"/campaigns/{round_.id}/participants/import", data=form))

    pairs = zip(clients, forms, strict=True)
    threads = [threading.Thread(target=press, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [302, 409]
    refused = next(a for a in answers if a.status_code == 409).get_data(as_text=True)
    assert "round&#39;s list" in refused and "Nothing was imported" in refused
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 8


def test_a_list_imported_already_is_refused_with_a_page(client, session, round_):
    """The same previewed list sent again later: a clear page, nothing stored twice."""
    AuthActions(client).login("hr@acme.example")
    page = upload(client, round_.id, LIST).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "checked": re.search(r'name="checked" type="hidden" value="([^"]+)"', page).group(1),
    }
    assert client.post(f"/campaigns/{round_.id}/participants/import", data=form).status_code == 302
    again = client.post(f"/campaigns/{round_.id}/participants/import", data=form)
    assert again.status_code == 409
    assert "on the round&#39;s list already" in again.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 8


@pytest.mark.parametrize("problem", ["long field", "nan cell", "shared string"])
def test_an_unreadable_upload_is_a_page_not_an_error(client, session, round_, problem):
    from ..services.test_participant_files import INLINE_A2, SHARED_A2, rewrite_sheet, xlsx

    AuthActions(client).login("hr@acme.example")
    if problem == "long field":
        content, name = b'email,department\n"' + b"x" * 140_000 + b'",Sales\n', "list.csv"
    else:
        good = xlsx([["email", "language"], ["a@acme.example", 1.5]])
        old, new = (
            ("<v>1.5</v>", "<v>NaN</v>")
            if problem == "nan cell"
            else (INLINE_A2, SHARED_A2)
        )
        content, name = rewrite_sheet(good, lambda xml: xml.replace(old, new)), "list.xlsx"
    response = upload(client, round_.id, content, name)
    assert response.status_code == 422 and "Nothing was imported" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0


@pytest.mark.parametrize(
    ("field", "text", "said"),
    [
        ("nl_intro", "Beste {name}, doe mee", "{name} kent de e-mail niet"),
        ("nl_intro", "Het kost {0} minuten", "{0} kent de e-mail niet"),
        ("en_intro", "Five minutes { for us", "{ of } staat alleen om"),
        ("en_intro", "Five minutes } for us", "{ of } staat alleen om"),
        ("en_subject", "Survey\r\nBcc: everyone@acme.example", "Het onderwerp moet één regel"),
        ("nl_subject", "Enquête\nX-Priority: 1", "Het onderwerp moet één regel"),
    ],
)
def test_wording_the_e_mail_cannot_use_is_refused_when_saved(
    client, session, round_, field, text, said
):
    AuthActions(client).login("hr@acme.example")
    saved = save_wording(client, round_.id, "nl", **{field: text})
    assert saved.status_code == 422
    assert said in saved.get_data(as_text=True)  # next to the field, in HR's language
    session.expire_all()
    assert session.get(Campaign, round_.id).invitation_texts == {}  # nothing saved


def test_placeholders_the_e_mail_offers_are_saved(client, session, round_):
    AuthActions(client).login("hr@acme.example")
    saved = save_wording(
        client,
        round_.id,
        en_subject="{organisation}: five minutes",
        en_intro="Groups of {k} or more, {{really}}.",
    )
    assert saved.status_code == 302
    english = client.get(f"/campaigns/{round_.id}/participants/invitation?lang=en")
    assert "Groups of 5 or more, {really}." in english.get_data(as_text=True)


def test_a_send_whose_e_mail_cannot_be_worded_fails_and_tells_hr(client, session, round_, tmp_path):
    """Wording saved before it was checked (or an organisation name with a line break): the
    preview says what is wrong instead of failing, and sending marks those people failed and
    tells HR on the round's page — nobody is left waiting without a word."""
    from survey.services import participants

    from ..conftest import import_approved

    session.execute(
        sa.update(Campaign)
        .where(Campaign.id == round_.id)
        .values(invitation_texts={"nl": {"invitation_subject": "", "intro": "Beste {naam}"}})
    )
    session.commit()
    session.refresh(round_)
    checked = participants.read_participant_file(LIST, "list.csv", round_)
    import_approved(session, round_, checked)
    auth = AuthActions(client)
    auth.login("hr@acme.example")
    preview = client.get(f"/campaigns/{round_.id}/participants/invitation?lang=nl")
    assert preview.status_code == 200 and "{naam}" in preview.get_data(as_text=True)
    page = client.get(f"/campaigns/{round_.id}/participants?lang=en").get_data(as_text=True)
    sent = client.post(
        f"/campaigns/{round_.id}/participants/send", data={"csrf_token": csrf_token(page)}
    )
    assert sent.status_code == 302
    assert not list((tmp_path / "outbox").glob("*.eml"))
    states = session.scalars(sa.select(Participant.state)).all()
    assert states == ["failed"] * 8  # none left waiting
    round_page = client.get(f"/campaigns/{round_.id}").get_data(as_text=True)
    assert "8 invitations could not be sent" in round_page and "{naam}" in round_page
    # HR corrects the wording and sends again: everyone gets the invitation
    fixed = save_wording(client, round_.id, nl_intro="Beste collega")
    assert fixed.status_code == 302
    # the wording changed since the approval: nothing goes out before it is approved again
    page = client.get(f"/campaigns/{round_.id}/participants").get_data(as_text=True)
    refused = client.post(
        f"/campaigns/{round_.id}/participants/send",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "No invitation was sent" in refused.get_data(as_text=True)
    auth.logout()
    auth.login(f"council@{round_.organisation.slug}.example")
    approved = approve(client, round_.id)  # the e-mail's wording changed: approved again
    assert "Approved" in approved.get_data(as_text=True)
    auth.logout()
    auth.login("hr@acme.example")
    page = client.get(f"/campaigns/{round_.id}/participants").get_data(as_text=True)
    again = client.post(
        f"/campaigns/{round_.id}/participants/send",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "8 e-mails are on their way" in again.get_data(as_text=True)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 8
    assert "could not be sent" not in client.get(f"/campaigns/{round_.id}").get_data(as_text=True)
