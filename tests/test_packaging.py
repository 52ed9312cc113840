"""The installable package: every folder the app reads at run time is in the wheel's package list,
and the top-level data folders are mapped where the code looks for them."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
SKIPPED = {"__pycache__"}


def folders_as_packages() -> set[str]:
    """Every folder below the packages and the mapped data folders, named as a package."""
    roots = {"scoring": "scoring", "reports": "reports", "survey": "survey"}
    roots.update(SETUPTOOLS["package-dir"])
    names = set()
    for package, folder in roots.items():
        base = ROOT / folder
        names.add(package)
        for path in base.rglob("*"):
            if path.is_dir() and not SKIPPED & set(path.relative_to(base).parts):
                names.add(".".join([package, *path.relative_to(base).parts]))
    return names


def test_every_folder_is_listed_as_a_package():
    listed = set(SETUPTOOLS["packages"])
    assert folders_as_packages() == listed


def test_data_folders_are_found_where_the_code_looks():
    assert (Path(str(files("reports.templates"))) / "report" / "body.html").is_file()
    catalogue = Path(str(files("reports.translations"))) / "nl" / "LC_MESSAGES"
    assert (catalogue / "messages.mo").is_file()
    assert (Path(str(files("survey.examples"))) / "benchmark-sample.json").is_file()


def test_license_is_a_spdx_string():
    """A table here makes setuptools warn of a deprecation on every install."""
    assert isinstance(PYPROJECT["project"]["license"], str)
