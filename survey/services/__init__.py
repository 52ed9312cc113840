"""The domain services, one module per noun.

Each function takes a SQLAlchemy session and plain values, returns models or dataclasses, and raises
the domain errors of :mod:`survey.services.errors` (or the survey's own, in
:mod:`survey.services.responses`). Views and CLI commands map those to HTTP statuses and messages.
"""
