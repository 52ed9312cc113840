"""The Jinja templates, installed as the package data of ``reports.templates``."""
