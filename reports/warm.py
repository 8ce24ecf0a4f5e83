"""What the app's start loads so that the first printout after it is not slower than the
next ones (app.create_app calls warm_up() once per process, outside the tests)."""
from __future__ import annotations

from flask import has_app_context
from flask_babel import gettext

from reports import layout, pdf


def warm_up() -> None:
    """Loads at the app's start what the first printout would otherwise load on a user's
    click: the Roboto faces (for ReportLab and for xhtml2pdf), the report templates
    compiled, xhtml2pdf's and platypus' code. About half a second, once per process."""
    if has_app_context():  # the catalog of translations, read on the first word translated
        gettext("Page %(number)s of %(count)s")
    env = pdf.environment()
    for template in sorted(pdf.TEMPLATE_DIR.rglob("*.html")):
        env.get_template(template.relative_to(pdf.TEMPLATE_DIR).as_posix())
    pdf.html_to_pdf(env.from_string('{% extends "base.html" %}{% block content %}<p>Парта</p>{% endblock %}')
                .render(_=lambda s, **kw: s % kw if kw else s), "warm-up")
    layout.warm_up()
