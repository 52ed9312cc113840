"""HR pages: logging in, who sees what (a role × route matrix), rounds, links and the report."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from survey.extensions import limiter
from survey.models import Campaign, Invitation, Response
from survey.services.lifecycle import set_status
from survey.services.users import add_user
from survey.web.hr.forms import SEGMENT_ROWS

from ..conftest import PASSWORD, AuthActions, csrf_token


@pytest.fixture
def world(two_organisations):
    return two_organisations


@pytest.fixture
def closed(world, session):
    """The world with its rounds closed: a round's figures are published only then."""
    for campaign_id in world.values():
        set_status(session, session.get(Campaign, campaign_id), "closed")
    return world


class HRActions(AuthActions):
    """Logging in, and posting the new-round form."""

    def new_round(self, session, organisation_of: int, **fields):
        """POST the new-round form for the organisation of campaign ``organisation_of``."""
        page = self.client.get("/campaigns/new").get_data(as_text=True)
        organisation_id = session.scalar(
            sa.select(Campaign.organisation_id).where(Campaign.id == organisation_of)
        )
        form = {
            "csrf_token": csrf_token(page),
            "organisation": str(organisation_id),
            "name": "X",
            "languages": ["en"],
            "min_group_size": "5",
            "retention_days": "730",
        }
        rows = fields.pop("segment_rows", None)
        form.update(segment_rows(rows if rows is not None else []))
        form.update(fields)
        return self.client.post("/campaigns/new", data=form)


def segment_rows(rows: list[dict]) -> dict:
    """The new-round form's segment fields, as a browser sends them: every row, filled or not."""
    fields = {}
    for i in range(SEGMENT_ROWS):
        row = rows[i] if i < len(rows) else {}
        for name in ("key", "label_en", "label_nl", "options_en", "options_nl"):
            fields[f"segments-{i}-{name}"] = row.get(name, "")
    return fields


@pytest.fixture
def auth(client):
    return HRActions(client)


def test_login_and_logout(auth, world):
    response = auth.login("HR@acme.example")
    assert response.status_code == 302 and response.headers["Location"] == "/campaigns"
    page = auth.client.get("/campaigns").get_data(as_text=True)
    assert "acme round" in page and "globex round" not in page
    token = csrf_token(auth.client.get("/campaigns/new").get_data(as_text=True))
    assert auth.client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert auth.client.get("/campaigns").status_code == 302


def test_the_front_page_sends_employees_to_their_link_and_hr_to_its_rounds(auth, world):
    page = auth.client.get("/?lang=nl")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "persoonlijke link" in text and 'href="/login"' in text
    assert "Portfolio" not in text and "Survey rounds" not in text
    auth.login("HR@acme.example")
    assert auth.client.get("/").headers["Location"] == "/campaigns"


@pytest.mark.parametrize(
    "email, password", [("hr@acme.example", "wrong password"), ("nobody@acme.example", PASSWORD)]
)
def test_failed_login_has_one_generic_message(auth, world, email, password):
    response = auth.login(email, password)
    assert response.status_code == 401
    assert "The e-mail address or password is not right." in response.get_data(as_text=True)


def test_login_renews_the_session(auth, world):
    with auth.client.session_transaction() as before:
        before["planted"] = "by someone else"
    auth.login("hr@acme.example")
    with auth.client.session_transaction() as after:
        assert "planted" not in after and "_user_id" in after


def test_login_is_rate_limited(app, auth, world):
    limiter.reset()
    try:
        statuses = [auth.login("hr@acme.example", "wrong").status_code for _ in range(11)]
    finally:
        limiter.reset()
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


# (method, route, permission): what each page needs (see survey.services.access.PERMISSIONS)
ROUTES = [
    ("get", "/campaigns/{id}", "view"),
    ("get", "/campaigns/{id}/report", "view"),
    ("get", "/campaigns/{id}/report.pdf", "view"),
    ("get", "/campaigns/{id}/report.csv", "view"),
    ("get", "/campaigns/{id}/report.json", "view"),
    ("get", "/campaigns/{id}/report.xlsx", "view"),
    ("get", "/campaigns/{id}/report.pptx", "view"),
    ("get", "/campaigns/{id}/preview?lang=nl", "view"),
    ("get", "/campaigns/{id}/actions", "view"),
    ("get", "/campaigns/{id}/managers", "run"),
    ("post", "/campaigns/{id}/publish-to-managers", "run"),
    # a team's page: for its manager once HR published the round (test_managers.py); these
    # rounds have no teams, so it is invisible to everyone
    ("get", "/campaigns/{id}/team", "team"),
    ("get", "/campaigns/{id}/team.pdf", "team"),
    ("get", "/campaigns/{id}/team.xlsx", "team"),
    ("get", "/campaigns/{id}/team.pptx", "team"),
    ("post", "/campaigns/{id}/team/actions", "team"),
    ("post", "/campaigns/{id}/actions", "plan"),
    ("post", "/campaigns/{id}/invitations", "run"),
    ("post", "/campaigns/{id}/close", "run"),
    ("post", "/campaigns/{id}/contact", "run"),
    ("get", "/campaigns/{id}/participants", "run"),
    ("post", "/campaigns/{id}/participants/send", "run"),
    ("get", "/campaigns/new", "prepare"),
    ("get", "/portfolio", "compare"),
    ("get", "/benchmark", "compare"),
    ("get", "/compare?campaign={id}", "compare"),
    ("get", "/validate?campaign={id}", "compare"),
    ("get", "/account/security", "account"),
    ("get", "/approvals", "approve"),
    ("get", "/campaigns/{id}/approval", "approve"),
    ("get", "/organisations/acme/members", "members"),
    ("get", "/admin/sign-in", "admin"),
    ("get", "/admin/organisations/acme/lists", "admin"),
    ("get", "/admin/organisations/acme/sign-in", "admin"),
    ("get", "/admin/audit", "admin"),
    ("get", "/admin/audit.csv", "admin"),
]
ROLES = {  # who logs in, and what that role may do in its own organisation
    "hr": ("hr@acme.example", {"account", "view", "prepare", "run", "plan", "members"}),
    "consultant": ("advisor@example.org", {"account", "view", "prepare", "compare"}),
    "privacy": ("council@acme.example", {"account", "approve"}),
    "manager": ("lead@acme.example", {"account"}),
    "admin": (
        "admin@example.org",
        {"account", "view", "prepare", "run", "plan", "compare", "approve", "admin", "members"},
    ),
}


@pytest.fixture
def consultant(world, session):
    acme = session.get(Campaign, world["acme"]).organisation
    add_user(session, "advisor@example.org", PASSWORD, memberships=((acme, "consultant"),))
    add_user(session, "council@acme.example", PASSWORD, memberships=((acme, "privacy"),))
    add_user(session, "lead@acme.example", PASSWORD, memberships=((acme, "manager"),), team="IT")


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
@pytest.mark.parametrize(("method", "route", "permission"), ROUTES)
def test_role_matrix(auth, world, consultant, role, method, route, permission):
    """Every role on every page: allowed (200/302), refused for the role (403), invisible in
    another organisation (404), or sent to the login page."""
    if role != "anonymous":
        assert auth.login(ROLES[role][0]).status_code == 302
    check_route(auth, world, role, method, route, permission)


def check_route(auth, world, role, method, route, permission) -> None:
    """One route of the matrix for the logged-in ``role`` (password or identity provider)."""
    own = auth.client
    for target in ("acme", "globex"):
        url = route.format(id=world[target])
        if method == "get":
            response = own.get(url)
        else:
            data = {
                "count": "2",
                "recommendation": "guidelines-1-2-a",
                "csrf_token": auth.token("/login"),
            }
            response = own.post(url, data=data)
        status = response.status_code
        assert response.headers.get("Cache-Control") == "no-store", url  # nor a 403 or 404
        if role == "anonymous":
            assert status == 302 and "/login" in response.headers["Location"], url
            continue
        if permission == "team":
            assert status == 404, (url, status)
            continue
        allowed = permission in ROLES[role][1]
        foreign = target == "globex" and role != "admin" and "{id}" in route
        across = route.startswith(("/compare", "/validate"))  # pages across organisations
        if foreign and (allowed or not across):
            assert status == 404, (url, status)  # another organisation's round: invisible
        elif allowed:
            assert status in (200, 302, 400), (url, status)
            if status == 302:
                assert "/login" not in response.headers["Location"], url
        else:
            assert status == 403, (url, status)


def test_pages_offer_only_what_the_role_may_do(auth, world, consultant, closed):
    auth.login("advisor@example.org")
    page = auth.client.get(f"/campaigns/{world['acme']}").get_data(as_text=True)
    assert "Close the round" not in page and "Participant list" not in page
    report = auth.client.get(f"/campaigns/{world['acme']}/report").get_data(as_text=True)
    assert "Make this an action" not in report and "Portfolio" in report
    auth.client.delete_cookie("session")
    auth.login("hr@acme.example")
    report = auth.client.get(f"/campaigns/{world['acme']}/report").get_data(as_text=True)
    assert "Make this an action" in report and "Portfolio" not in report


def test_other_organisations_rounds_are_invisible(auth, world, session):
    auth.login("hr@acme.example")
    listing = auth.client.get("/campaigns").get_data(as_text=True)
    assert "globex" not in listing.lower()
    assert auth.client.get("/campaigns/999999/report").status_code == 404


def test_create_round_open_close_and_links(auth, world, session):
    auth.login("hr@acme.example")
    response = auth.new_round(
        session,
        world["acme"],
        name="Autumn",
        languages=["nl", "en"],
        min_group_size="6",
        segment_rows=[
            {
                "key": "department",
                "label_en": "Department",
                "label_nl": "Afdeling",
                "options_en": "Sales\nIT",
                "options_nl": "Verkoop\nIT",
            },
            {"key": "tenure", "options_en": "New\r\nOld"},
        ],  # fmt: skip
        open_link="y",
        retention_days="400",
    )
    assert response.status_code == 302
    created = session.scalars(sa.select(Campaign).filter_by(name="Autumn")).one()
    assert created.min_group_size == 6 and created.open_slug and created.status == "draft"
    assert created.retention_days == 400
    assert [s["key"] for s in created.segments] == ["department", "tenure"]
    assert created.segments[0]["label"] == {"en": "Department", "nl": "Afdeling"}
    assert created.segments[0]["option_labels"]["nl"] == ["Verkoop", "IT"]
    assert created.segments[1]["options"] == ["New", "Old"] and "label" not in created.segments[1]

    url = f"/campaigns/{created.id}"
    token = auth.token(url)
    assert auth.client.post(f"{url}/open", data={"csrf_token": token}).status_code == 302
    download = auth.client.post(f"{url}/invitations", data={"csrf_token": token, "count": "3"})
    assert download.status_code == 200 and download.mimetype == "text/csv"
    links = [row["link"] for row in csv.DictReader(io.StringIO(download.get_data(as_text=True)))]
    assert len(links) == 3 and all("/s/" in link for link in links)
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .where(Invitation.campaign_id == created.id)
        )
        == 3
    )
    closing = {"csrf_token": token, "confirm": "yes"}
    assert auth.client.post(f"{url}/close", data=closing).status_code == 302
    session.expire_all()
    assert session.get(Campaign, created.id).status == "closed"


def test_hr_names_whom_employees_can_ask(auth, world, session):
    """The new-round form takes a contact, the round's page changes it; too long is refused with
    a message and the stored one stays."""
    auth.login("hr@acme.example")
    response = auth.new_round(session, world["acme"], name="Winter", contact=" Anna  (HR) ")
    assert response.status_code == 302
    created = session.scalars(sa.select(Campaign).filter_by(name="Winter")).one()
    assert created.contact == "Anna (HR)"
    url = f"/campaigns/{created.id}"
    assert "Anna (HR)" in auth.client.get(url).get_data(as_text=True)
    changed = auth.client.post(
        f"{url}/contact", data={"csrf_token": auth.token(url), "contact": "Bas, 010-1234567"}
    )
    assert changed.status_code == 302
    session.expire_all()
    assert session.get(Campaign, created.id).contact == "Bas, 010-1234567"
    too_long = auth.client.post(
        f"{url}/contact", data={"csrf_token": auth.token(url), "contact": "x" * 301}
    )
    assert too_long.status_code == 302
    assert "300 characters" in auth.client.get(url).get_data(as_text=True)
    session.expire_all()
    assert session.get(Campaign, created.id).contact == "Bas, 010-1234567"
    cleared = auth.client.post(f"{url}/contact", data={"csrf_token": auth.token(url)})
    assert cleared.status_code == 302
    session.expire_all()
    assert session.get(Campaign, created.id).contact is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("segment_rows", [{"key": "department", "options_en": "Sales"}], "at least two"),
        ("segment_rows", [{"key": "Dept!", "options_en": "A\nB"}], "lower-case letters"),
        (
            "segment_rows",
            [{"key": "site", "options_en": "A\nB", "options_nl": "A"}],
            "as many options in Dutch",
        ),
        (
            "segment_rows",
            [{"key": "site", "options_en": "A\nB"}, {"key": "site", "options_en": "C\nD"}],
            "the same key",
        ),  # fmt: skip
        ("min_group_size", "2", "Number must be between 3 and 1000"),
        ("languages", [], "Choose at least one language"),
    ],
)
def test_bad_round_form_stores_nothing(auth, world, session, field, value, message):
    auth.login("hr@acme.example")
    response = auth.new_round(session, world["acme"], **{field: value})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 2


def test_hr_cannot_create_a_round_for_another_organisation(auth, world, session):
    auth.login("hr@acme.example")
    response = auth.new_round(session, world["globex"], name="Sneaky")
    assert response.status_code == 200  # "Not a valid choice": it was never offered
    assert session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 2


def test_report_page_in_both_languages_hides_small_groups(auth, closed):
    world = closed
    auth.login("hr@acme.example")
    english = auth.client.get(f"/campaigns/{world['acme']}/report?lang=en")
    html = english.get_data(as_text=True)
    assert english.status_code == 200 and "Where to start" in html and "<svg" in html
    assert "Legal" not in html  # 2 people
    dutch = auth.client.get(f"/campaigns/{world['acme']}/report?lang=nl").get_data(as_text=True)
    assert "Waar u kunt beginnen" in dutch and '<html lang="nl">' in dutch
    data = json.loads(auth.client.get(f"/campaigns/{world['acme']}/report.json").data)
    department = data["segments"][0]
    # Legal (2) is too small; IT (5) would be total − Sales − Legal: hidden, Sales and IT tied
    assert {g["group"] for g in department["groups"]} == {"Sales"}
    assert data["n_respondents"] == 12


def test_report_cli(runner, closed, tmp_path, session):
    campaign_id = closed["acme"]
    result = runner.invoke(args=["report", str(campaign_id), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["n_respondents"] == 12
    pdf = tmp_path / "r.pdf"
    assert runner.invoke(args=["report", str(campaign_id), "--pdf", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    html = tmp_path / "r.html"
    result = runner.invoke(args=["report", str(campaign_id), "--html", str(html), "--lang", "nl"])
    assert result.exit_code == 0 and "Waar u kunt beginnen" in html.read_text()
    for args in (
        ["report", str(campaign_id)],
        ["report", "9999", "--json"],
        ["report", str(campaign_id), "--pdf", str(tmp_path / "no" / "r.pdf")],
    ):
        assert runner.invoke(args=args).exit_code == 2, args


def test_user_passwd(runner, world, auth):
    result = runner.invoke(
        args=["user", "passwd", "hr@acme.example", "--password-stdin"], input="brand new password\n"
    )
    assert result.exit_code == 0
    assert auth.login("hr@acme.example", "brand new password").status_code == 302
    assert (
        runner.invoke(
            args=["user", "passwd", "x@y.example", "--password-stdin"], input="whatever long\n"
        ).exit_code
        == 2
    )


def test_no_export_has_a_row_per_respondent(auth, closed, session):
    world = closed
    auth.login("hr@acme.example")
    rows = list(
        csv.DictReader(
            io.StringIO(
                auth.client.get(f"/campaigns/{world['acme']}/report.csv").get_data(as_text=True)
            )
        )
    )
    responses = session.scalar(sa.select(sa.func.count()).select_from(Response))
    assert rows and len(rows) < responses and all(int(r["n"]) >= 5 for r in rows)


def test_the_open_link_comes_with_a_qr_code_for_a_poster(auth, world, session):
    import struct

    import segno

    auth.login("hr@acme.example")
    auth.new_round(session, world["acme"], name="Poster", open_link="y")
    created = session.scalars(sa.select(Campaign).filter_by(name="Poster")).one()
    page = auth.client.get(f"/campaigns/{created.id}").get_data(as_text=True)
    url = f"{auth.client.application.config['BASE_URL']}/o/{created.open_slug}"
    assert f'id="open-link">{url}</code>' in page and "data-copy" in page
    svg = auth.client.get(f"/campaigns/{created.id}/open-link.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = auth.client.get(f"/campaigns/{created.id}/open-link.png")
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png.data[16:24])
    modules = segno.make(url, error="m", micro=False).symbol_size(scale=1, border=4)
    assert (width, height) == (modules[0] * 10, modules[1] * 10)  # ten pixels a module
    plain = auth.client.get(f"/campaigns/{world['acme']}/open-link.svg")
    assert plain.status_code == 404  # a round without an open link has no code
    other = auth.client.get(f"/campaigns/{world['globex']}/open-link.svg")
    assert other.status_code == 404


def test_hr_previews_the_survey_in_each_language_and_nothing_can_be_sent(auth, world, session):
    from survey.models import Response

    auth.login("hr@acme.example")
    url = f"/campaigns/{world['acme']}"
    page = auth.client.get(url).get_data(as_text=True)
    assert f"{url}/preview?lang=en" in page
    stored = session.scalar(sa.select(sa.func.count()).select_from(Response))
    for lang, heading in (("nl", "Sociale media bij Acme"), ("en", "Social media in Acme")):
        preview = auth.client.get(f"{url}/preview?lang={lang}").get_data(as_text=True)
        assert heading in preview and 'class="preview-banner"' in preview
        assert "Legal" in preview  # the segment questions a personal link asks
        assert preview.count('type="radio"') > 28 * 5 and "disabled" in preview
        assert "data-draft" not in preview and "csrf_token" not in preview
    assert auth.client.post(f"{url}/preview").status_code == 405
    assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == stored


def test_an_open_rounds_report_offers_no_files_until_it_has_results(auth, world, session):
    auth.login("hr@acme.example")
    page = auth.client.get(f"/campaigns/{world['acme']}/report").get_data(as_text=True)
    assert "No results yet" in page  # an open round: its files would be that one page
    assert "0 of them" not in page and "the 0 personal" not in page
    for name in ("report.pdf", "report.xlsx", "report.pptx", "report.csv", "Download PDF"):
        assert name not in page
    set_status(session, session.get(Campaign, world["acme"]), "closed")
    closed = auth.client.get(f"/campaigns/{world['acme']}/report").get_data(as_text=True)
    for name in ("report.pdf", "report.xlsx", "report.pptx", "report.csv"):
        assert name in closed


def test_the_make_this_an_action_button_follows_the_recommendations_text(auth, closed):
    auth.login("hr@acme.example")
    page = auth.client.get(f"/campaigns/{closed['acme']}/report").get_data(as_text=True)
    plan = page[page.index('<section class="plan"') :]
    items = re.findall(r"<li>(.*?)</li>", plan[: plan.index("</section>")], re.S)
    assert items  # the recommendations, each with its button
    for item in items:
        text, button = item.index("<p>"), item.index("<button")
        assert text < item.index("</p>") < button  # the whole text first, the button after it
        assert "Make this an action" not in item[text : item.index("</p>")]
