"""HTTP-level protections: idle session timeout and security headers."""
from __future__ import annotations

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user

# FAB's pages carry inline scripts and styles; everything else comes from this server only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; frame-ancestors 'self'; form-action 'self'; base-uri 'self'"
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


# What a user who must change the issued password may still open.
PASSWORD_CHANGE_ENDPOINTS = {"ResetMyPasswordView.this_form_get", "ResetMyPasswordView.this_form_post",
                             "PartaAuthDBView.logout", "AuthDBView.logout", "static", "appbuilder.static"}


def install(app: Flask) -> None:
    @app.before_request
    def _idle_timeout() -> None:
        # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request
        # (the NetSchool API keeps its own session and token).
        if not request.path.startswith("/webapi/"):
            session.permanent = True

    @app.before_request
    def _first_login_password_change():
        """An issued password is changed at the first login before anything else."""
        if not current_user.is_authenticated or not getattr(current_user, "must_change_password", False):
            return None
        if request.endpoint in PASSWORD_CHANGE_ENDPOINTS or request.path.startswith("/api/"):
            return None
        flash(gettext("Please choose your own password: the issued one must be changed at the first login."), "warning")
        return redirect(url_for("ResetMyPasswordView.this_form_get"))

    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
