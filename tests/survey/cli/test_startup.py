"""The everyday commands start without loading the statistics, chart or data-frame libraries.

Each command runs in a fresh interpreter on a database of its own; at exit the interpreter reports
which of the heavy modules it had imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("scipy", "pandas", "matplotlib", "weasyprint")
PROBE = f"""
import atexit, json, sys
atexit.register(lambda: print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]),
                              file=sys.stderr))
from survey.cli import main
main()
"""
PASSWORD = "a long enough password\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("startup")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{folder / 'startup.sqlite3'}",
        SECRET_KEY="startup-test",
    )

    def run(*args: str, stdin: str = "") -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, *args],
            env=env,
            cwd=folder,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stderr.strip().splitlines()[-1])

    return run


COMMANDS = [
    (("--help",), ""),
    (("db", "upgrade"), ""),
    (("org", "add", "acme", "--name", "Acme"), ""),
    (("user", "add", "hr@acme.example", "--org", "acme", "--password-stdin"), PASSWORD),
    (("user", "passwd", "hr@acme.example", "--password-stdin"), PASSWORD),
    (("campaign", "add", "acme", "--name", "Spring", "--segment", "department=A,B", "--open"), ""),
    (("campaign", "list", "--json"), ""),
    (("invite", "1", "--count", "3"), ""),
    (("benchmark", "export", "pool.json"), ""),
    (("score", "--help"), ""),
]


def test_everyday_commands_import_no_statistics(run):
    loaded = {" ".join(args): run(*args, stdin=stdin) for args, stdin in COMMANDS}
    assert loaded == {" ".join(args): [] for args, _ in COMMANDS}
