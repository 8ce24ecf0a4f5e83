"""«Резервные копии»: the system administrator lists the backups of the whole database, makes
one now, downloads one, and verifies one by a restore into a scratch database compared with its
manifest — the last two on the task queue's worker, with their progress. Only the installation's
administrator (no school, no municipality): a backup holds every school's data."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api, permission_name
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app import backup
from app.extensions import db
from app.jobs import start_backup_run
from app.models import BackupRun, BackupRunKind, JobStatus
from app.security.accounts import is_system_administrator


def _system_only() -> None:
    if not is_system_administrator(current_user):
        abort(403)


def _directory() -> Path:
    return Path(current_app.config["PARTA_BACKUP_DIR"])


def _known(name: str) -> backup.Manifest:
    """A backup of the directory by its file name (nothing outside it)."""
    found = next((m for m in backup.backups(_directory()) if m.file == name), None)
    if found is None:
        abort(404)
    return found


def _busy() -> bool:
    """Whether a backup or a verification is waiting or running (one at a time)."""
    return db.session.scalar(select(BackupRun.id).where(BackupRun.status.in_([JobStatus.queued, JobStatus.running]))
                             .limit(1)) is not None


class BackupView(BaseView):
    route_base = "/backups"
    default_view = "list"
    base_permissions = ["can_list", "can_create", "can_download", "can_verify"]

    @expose("/")
    @has_access
    def list(self):
        _system_only()
        runs = db.session.scalars(select(BackupRun).order_by(BackupRun.id.desc()).limit(10)).all()
        running = [r for r in runs if r.status in (JobStatus.queued, JobStatus.running)]
        return self.render_template("parta/backups.html", title=_l("Backups"), backups=backup.backups(_directory()),
                                    runs=runs, running=running, directory=_directory(),
                                    encrypted=bool(current_app.config.get("PARTA_BACKUP_KEY")))

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        _system_only()
        if _busy():
            flash(gettext("A backup or a verification is already running; wait for it to finish."), "warning")
        else:
            start_backup_run(db.session, BackupRunKind.create, user_id=current_user.id)
            flash(gettext("The backup has started; the page shows its progress."), "info")
        return redirect(url_for("BackupView.list"))

    @expose("/verify/<path:name>", methods=["POST"])
    @has_access
    def verify(self, name: str):
        _system_only()
        manifest = _known(name)
        if _busy():
            flash(gettext("A backup or a verification is already running; wait for it to finish."), "warning")
        else:
            start_backup_run(db.session, BackupRunKind.verify, manifest.file, current_user.id)
            flash(gettext("The verification has started: the backup is restored into a scratch database and compared "
                          "with its manifest."), "info")
        return redirect(url_for("BackupView.list"))

    @expose("/download/<path:name>")
    @has_access
    def download(self, name: str):
        _system_only()
        manifest = _known(name)
        return send_file(_directory() / manifest.file, as_attachment=True, download_name=manifest.file,
                         mimetype="application/octet-stream", max_age=0)

    @expose("/status/<int:run_id>")
    @has_access_api
    @permission_name("list")
    def status(self, run_id: int):
        _system_only()
        row = db.session.get(BackupRun, run_id)
        if row is None:
            abort(404)
        return jsonify(status=row.status.name, label=str(row.status), done=row.done, total=row.total,
                       progress=row.progress, step=row.step or "", message=row.message or "")
