"""Example files (answers CSV, benchmark exchange file), installed as ``survey.examples``."""
