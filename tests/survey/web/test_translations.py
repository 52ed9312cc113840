"""Every interface text exists in Dutch, and the compiled catalogue matches its source."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

import survey
from survey.cli import main
from survey.web.logs import RedactTokens

ROOT = Path(survey.__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "nl" / "LC_MESSAGES"


def source_messages() -> set[str]:
    method_map = [
        ("survey/**.py", "python"),
        ("reports/**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_text_is_translated_to_dutch():
    with open(CATALOGUE / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
    }
    missing = source_messages() - translated
    assert not missing, f"untranslated: {sorted(missing)[:5]} (run `make translations`)"


def test_compiled_catalogue_is_up_to_date():
    def entries(catalog):
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in catalog
            if m.id and not m.fuzzy
        }

    with open(CATALOGUE / "messages.po", "rb") as fh:
        source = entries(read_po(fh))
    with open(CATALOGUE / "messages.mo", "rb") as fh:
        compiled = entries(read_mo(io.BytesIO(fh.read())))
    assert compiled == source, "messages.mo is stale: run `make translations`"


def test_tokens_never_reach_a_log_line():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /s/AbC123-secret_token/questions HTTP/1.1", "200"),
        None,
    )
    RedactTokens().filter(record)
    assert "AbC123-secret_token" not in record.getMessage()
    assert "/s/…/questions" in record.getMessage()


def test_ambassador_lists_every_command(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "x")
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("score", "db", "demo", "serve", "org", "user", "campaign", "invite"):
        assert f"  {command} " in result.output, command
