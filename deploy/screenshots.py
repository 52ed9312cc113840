"""The README's screenshots, taken by Debian's Chromium from the demo (`make screenshots`).

It loads the demo into a fresh SQLite database, serves the app on a loopback port, closes the
demo's open rounds (figures appear once a round closes), publishes the hospital's latest round to
its managers and photographs the pages the README shows into docs/.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}  # fmt: skip
DESKTOP = {"viewport": {"width": 1100, "height": 900}}


def logged_in(browser, base: str, email: str, password: str):
    """A desktop page logged in as ``email``."""
    page = browser.new_context(**DESKTOP, locale="en-GB").new_page()
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("E-mail address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    return page


def _pending_list() -> int:
    """A round of Noordbank's whose list waits for the works council: one address outside the
    domain, two a letter apart, and a group that reaches k only through them."""
    from survey.extensions import db
    from survey.services import campaigns, participants

    noordbank = campaigns.organisation_by_slug(db.session, "noordbank")
    campaign = campaigns.create_campaign(
        db.session,
        noordbank,
        "Voorjaar 2027",
        languages=("nl", "en"),
        segments=(campaigns.parse_segment("department=Sales,IT,Legal"),),
    )
    names = ["a.bakker", "b.visser", "c.smit", "d.meijer", "e.boer", "f.mulder", "g.vos",
             "h.peters", "i.hendriks", "j.dijkstra", "k.bos", "l.vermeulen", "n.vandam",
             "o.kok", "q.jacobs"]  # fmt: skip
    rows = [
        (f"{name}@noordbank.example", "Sales" if i < 9 else "IT") for i, name in enumerate(names)
    ]
    rows += [("m.jansen@noordbank.example", "Legal"), ("m.janssen@noordbank.example", "Legal"),
             ("p.dekker@noordbank.example", "Legal"), ("r.degroot@noordbank.example", "Legal"),
             ("juridisch.team@gmail.com", "Legal")]  # fmt: skip
    content = "email,language,department\n" + "".join(f"{e},nl,{d}\n" for e, d in rows)
    checked = participants.read_participant_file(content.encode(), "lijst.csv", campaign)
    participants.import_participants(
        db.session, campaign, checked, uploaded_by="hr@noordbank.example"
    )
    return campaign.id


def main() -> None:
    folder = tempfile.mkdtemp(prefix="ambassador-screenshots-")
    os.environ.update(SECRET_KEY="screenshots", DATABASE_URL=f"sqlite:///{folder}/demo.sqlite3",
                      OUTBOX=f"{folder}/outbox")  # fmt: skip
    import sqlalchemy as sa
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from survey import create_app, schema
    from survey.cli.demo import COUNCIL, DEMO_PASSWORD, MANAGER, load_demo
    from survey.extensions import db
    from survey.models import Campaign
    from survey.services import managers
    from survey.services.lifecycle import set_status

    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    with app.app_context():
        schema.upgrade()
        lines = load_demo()
        link = next(  # a round that stays open: Veilig Verzekerd's
            re.search(r"http\S+/s/\S+", line).group(0)
            for line in lines
            if "/s/" in line and "Veilig" in line
        )
        link = base + link[link.index("/s/") :]
        rounds = db.session.scalars(sa.select(Campaign).order_by(Campaign.id)).all()
        lucas = [c for c in rounds if c.organisation.slug == "st-lucas"]
        for campaign in lucas:
            if campaign.status == "open":
                set_status(db.session, campaign, "closed")
        report_id = lucas[-1].id
        managers.publish(db.session, lucas[-1])  # the hospital's managers read their teams
        pending_id = _pending_list()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox"])  # fmt: skip
        phone = browser.new_context(**PHONE, locale="nl-NL").new_page()
        phone.goto(link)
        phone.screenshot(path=DOCS / "survey-welcome.png")
        phone.goto(f"{link}/questions")
        phone.locator("fieldset.question").nth(0).locator("label.choice").nth(3).click()
        phone.screenshot(path=DOCS / "survey-questions.png")
        login = browser.new_context(viewport={"width": 1100, "height": 760}, locale="en-GB")
        login_page = login.new_page()
        login_page.goto(f"{base}/login?lang=en")
        login_page.screenshot(path=DOCS / "login.png")
        desk = logged_in(browser, base, "hr@st-lucas.example", DEMO_PASSWORD)
        desk.goto(f"{base}/campaigns/{report_id}/report")
        desk.screenshot(path=DOCS / "report-overview.png")
        desk.locator("section.breakdown").first.screenshot(path=DOCS / "report-heatmap.png")
        tree = desk.locator("#seg-team").locator("xpath=..")
        tree.locator("button.fold").first.click()  # the table opens folded: open the first team
        tree.screenshot(path=DOCS / "report-tree.png")
        desk.goto(f"{base}/campaigns/new")
        desk.locator("fieldset.segments").screenshot(path=DOCS / "segment-form.png")
        consultant = logged_in(browser, base, "consultant@ambassador.example", DEMO_PASSWORD)
        consultant.goto(f"{base}/benchmark?campaign={report_id}")
        consultant.locator("figure.chart").screenshot(path=DOCS / "benchmark-chart.png")
        lead = logged_in(browser, base, MANAGER, DEMO_PASSWORD)
        lead.goto(f"{base}/campaigns/{report_id}/team?lang=nl")
        lead.screenshot(path=DOCS / "manager-team.png", full_page=True)
        council = logged_in(browser, base, COUNCIL, DEMO_PASSWORD)
        council.goto(f"{base}/campaigns/{pending_id}/approval?lang=nl")
        council.screenshot(path=DOCS / "list-approval.png", full_page=True)
        browser.close()
    server.shutdown()
    print(f"screenshots written to {DOCS}", file=sys.stderr)


if __name__ == "__main__":
    main()
