"""A closed round's report is built once: its page figures and body, PDF, workbook and deck are
kept in the database (shared by every worker and server) under a key that hashes everything
they depend on, and served from there.

What goes into the key: the round (id, status, closing day, purge, minimum group size, name,
organisation name, link custody), its instrument text, the language, the previous round and its
purge, the action plans of both, the benchmark pool's published version, the disclosure and
reporting thresholds, and a hash of the code and templates that build a report. Open rounds show
no figures (participation only, cheap to build) and are not kept.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reports.release import Release
from reports.render import STYLESHEET
from survey.models import Action, Campaign, ReportFile
from survey.policy import POOL_MIN_ORGANISATIONS, SIGNIFICANCE_LEVEL
from survey.services import actions, reporting
from survey.services.pool import pool_for

KINDS = {
    "release": "application/json",
    "page": "application/json",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
FILE_KINDS = ("pdf", "xlsx", "pptx")


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code and templates that build a report: a new release rebuilds reports."""
    import reports
    import scoring

    digest = hashlib.sha256()
    folders = [Path(reports.__file__).parent, Path(scoring.__file__).parent]
    folders.append(Path(str(files("reports.templates"))))
    folders.append(Path(str(files("reports.translations"))))
    paths = [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]
    paths.append(STYLESHEET)  # the PDF's stylesheet: a change of style alone rebuilds the PDFs
    for path in paths:
        if path.suffix in (".py", ".html", ".mo", ".toml", ".css"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _plan(session: Session, campaign_id: int | None) -> list:
    if campaign_id is None:
        return []
    return [
        [a.id, a.dimension, a.recommendation_key, a.title, a.owner, str(a.due_on), a.status, a.note]
        for a in session.scalars(
            # HR's plan only: a team's action changes no file of the round's report
            sa.select(Action)
            .where(Action.campaign_id == campaign_id, Action.team.is_(None))
            .order_by(Action.id)
        )
    ]


def report_key(
    session: Session, campaign: Campaign, lang: str, kind: str, comment_min_group: int
) -> str | None:
    """The key of a closed round's report file, or None for a round that is not closed."""
    if not campaign.is_closed or kind not in KINDS:
        return None
    before = reporting.previous_round(session, campaign)
    _pool, pool_version = pool_for(session, campaign)
    parts = {
        "round": [
            campaign.id,
            campaign.name,
            campaign.organisation.name,
            str(campaign.closed_on),
            campaign.purged,
            campaign.min_group_size,
            campaign.instrument_id,
            campaign.instrument_version,
            campaign.instrument_text_id,
            campaign.segments,
            # how the links reached people: kept on the round when it closed (no counting)
            campaign.link_custody,
            campaign.invitations_total,
            campaign.invitations_used,
            campaign.invitations_after_open,
            campaign.open_slug is not None,
            campaign.imported_responses,
            campaign.list_source,
            campaign.list_state,
            campaign.list_approved_on,
        ],
        "previous": [before.id, before.purged, before.name] if before else None,
        "plans": [_plan(session, campaign.id), _plan(session, before.id if before else None)],
        "pool": pool_version,
        "rules": [comment_min_group, POOL_MIN_ORGANISATIONS, SIGNIFICANCE_LEVEL],
        "lang": lang,
        "kind": kind,
        "code": code_version(),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cached(session: Session, key: str | None) -> bytes | None:
    if key is None:
        return None
    return session.scalar(sa.select(ReportFile.content).where(ReportFile.key == key))


def is_kept(session: Session, key: str) -> bool:
    return session.scalar(sa.select(ReportFile.id).where(ReportFile.key == key)) is not None


def store(session: Session, campaign: Campaign, lang: str, kind: str, key: str, content: bytes):
    """Keep a file under its key, replacing the round's stale file of that kind and language.
    Two servers that built the same file at once both succeed: the second finds it there."""
    session.execute(
        sa.delete(ReportFile).where(
            ReportFile.campaign_id == campaign.id,
            ReportFile.kind == kind,
            ReportFile.lang == lang,
            ReportFile.key != key,
        )
    )
    try:
        with session.begin_nested():
            session.add(
                ReportFile(campaign_id=campaign.id, kind=kind, lang=lang, key=key, content=content)
            )
    except IntegrityError:
        pass  # built by another worker in the meantime: the same content under the same key
    session.commit()


def forget(session: Session, campaign_id: int) -> None:
    """Delete a round's kept report files (its answers are purged, or the round deleted)."""
    session.execute(sa.delete(ReportFile).where(ReportFile.campaign_id == campaign_id))


NOT_LOOKED_UP = object()


def release_for(
    session: Session, campaign: Campaign, lang: str, comment_min_group: int
) -> tuple[Release, list[str]]:
    """The round's release in ``lang`` and the scale's labels: a closed round's kept one, or
    built (and kept, for a closed round). What every reader of a round's figures uses — the
    page, the files, the command line, the comparison of rounds."""
    key = report_key(session, campaign, lang, "release", comment_min_group)
    kept = cached(session, key)
    if kept is not None:
        data = json.loads(kept)
        return Release.from_dict(data["release"]), data["labels"]
    built, labels = reporting.campaign_report(session, campaign, lang, comment_min_group)
    if key is not None:
        content = json.dumps({"release": built.kept(), "labels": labels}).encode()
        store(session, campaign, lang, "release", key, content)
    return built, labels


def report_page(session, campaign, lang, comment_min_group, render_body, key=NOT_LOOKED_UP):
    """The release, the scale labels and the page body (``render_body(release, labels)``): from
    the kept page of a closed round, or rendered from its release (and kept, for a closed
    round). ``key``: the page's key when the caller has looked it up already."""
    if key is NOT_LOOKED_UP:
        key = report_key(session, campaign, lang, "page", comment_min_group)
    kept = cached(session, key)
    if kept is not None:
        data = json.loads(kept)
        return Release.from_dict(data["report"]), data["labels"], data["body"]
    built, labels = release_for(session, campaign, lang, comment_min_group)
    body = str(render_body(built, labels))
    if key is not None:
        page = {"report": built.kept(), "labels": labels, "body": body}
        store(session, campaign, lang, "page", key, json.dumps(page).encode())
    return built, labels, body


def build_file(session, campaign, lang, kind, comment_min_group, render_body) -> bytes:
    """Build a PDF, workbook or deck of the report (kept for a closed round)."""
    from reports.render import render_pdf
    from reports.slides import report_pptx
    from reports.workbook import report_xlsx

    if kind not in FILE_KINDS:
        raise ValueError(f"kind must be one of {FILE_KINDS}, not {kind!r}")
    key = report_key(session, campaign, lang, kind, comment_min_group)
    kept = cached(session, key)
    if kept is not None:
        return kept
    built, labels, _body = report_page(session, campaign, lang, comment_min_group, render_body)
    plan = actions.plan_rows(session, campaign.id)
    if kind == "pdf":
        content = render_pdf(built, labels, closed_on=campaign.closed_on, plan=plan)
    else:
        content = (report_xlsx if kind == "xlsx" else report_pptx)(built, labels, plan)
    if key is not None:
        store(session, campaign, lang, kind, key, content)
    return content
