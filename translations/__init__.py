"""The gettext catalogues, installed as the package data of ``reports.translations``."""
