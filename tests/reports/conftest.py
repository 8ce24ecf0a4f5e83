"""A bare Flask app with Flask-Babel for rendering reports: no database needed."""
from __future__ import annotations

from pathlib import Path

import flask
import flask_babel
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pdf_app() -> flask.Flask:
    # The project's catalog (when compiled) translates the labels; the tests compare
    # against gettext() so they hold whether or not it is compiled yet.
    app = flask.Flask("parta_reports_test", root_path=str(ROOT))
    app.config.update(
        BABEL_DEFAULT_LOCALE="ru",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
    )
    flask_babel.Babel(app)
    return app


@pytest.fixture()
def pdf_ctx(pdf_app):
    with pdf_app.app_context():
        yield pdf_app
