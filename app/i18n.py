"""The translations a request uses, looked up once per request.

Flask-Babel finds the request's translations anew at every gettext call (three context
look-ups each, ~10 µs): a diary page translating 200 strings spent 2 ms on finding the
same catalogue. The templates' `_`/`gettext`/`ngettext` and `gettext()` here take it from
the request once; outside a request they fall back to Flask-Babel."""
from __future__ import annotations

from flask import Flask, g, has_request_context
from flask_babel import get_translations


def translations():
    """The current request's translations (Flask-Babel's lookup, once per request)."""
    if not has_request_context():
        return get_translations()
    found = g.get("_parta_translations")
    if found is None:
        found = g._parta_translations = get_translations()
    return found


def gettext(msgid: str, **variables) -> str:
    text = translations().ugettext(msgid)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """The plural form for n; `variables` fill the text (none given: as it is)."""
    text = translations().ungettext(singular, plural, n)
    return text % variables if variables else text


def install(app: Flask) -> None:
    """The templates' gettext callables (Flask-Babel installs its own at start)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
