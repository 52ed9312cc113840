"""Friendly error pages with the right status, and the mapping of domain errors to statuses."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from survey.services import errors, responses

MESSAGES = {
    400: (
        _l("Something went wrong"),
        _l(
            "The form you sent could not be read. Nothing has been "
            "stored. Please open your survey link again."
        ),
    ),
    404: (
        _l("Page not found"),
        _l(
            "This link is not valid (any more). Check that you copied the "
            "whole link from your invitation."
        ),
    ),
    409: (
        _l("Already answered"),
        _l(
            "This survey link has already been used. Every link can be "
            "used once, so that every voice counts once. If you did not answer yourself, tell "
            "whoever sent you the link: they can give you a new one."
        ),
    ),
    403: (
        _l("Not for your role"),
        _l(
            "Your role in this organisation does not allow this. Opening and closing rounds, "
            "personal links, participant lists and the action plan are for its HR team."
        ),
    ),
    410: (
        _l("This survey has closed"),
        _l("Thank you for your interest. This survey round is closed and no longer takes answers."),
    ),
    413: (
        _l("Too much to send"),
        _l("What you sent is larger than this page accepts. Nothing has been stored."),
    ),
    429: (_l("Too many attempts"), _l("Please wait a while before you try again.")),
    503: (
        _l("Back in a moment"),
        _l(
            "The service is briefly unavailable. Nothing you sent has "
            "been stored; please try again in a few minutes."
        ),
    ),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. Please try again later.")),
}

DOMAIN_STATUS = {
    errors.NotFound: 404,
    errors.InvalidInput: 400,
    errors.Forbidden: 403,
    responses.UnknownLink: 404,
    responses.CampaignNotOpen: 404,
    responses.TokenAlreadyUsed: 409,
    responses.CampaignClosed: 410,
    responses.InvalidSubmission: 400,
}


def error_page(status: int, detail: str | None = None, contact: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    return render_template(
        "errors/error.html",
        status=status,
        title=title,
        message=message,
        detail=detail,
        contact=contact,
    ), status


def register(app: Flask) -> None:
    for exc_class, status in DOMAIN_STATUS.items():
        app.register_error_handler(exc_class, lambda exc, status=status: error_page(status))

    @app.errorhandler(responses.TokenAlreadyUsed)
    def link_used(exc):
        return error_page(409, contact=exc.contact)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, _l("The form had expired or was not sent by this site."))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return error_page(exc.code or 500)
