"""«Фоновые задания»: the school's jobs on the task queue (the year-end archive, the summary
sheets) — what each does, who started it, its progress, its attempts and why it failed — and
cancelling one. The rows are the school's only (the central scoping); the work is app/jobs.py."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.jobs import cancel
from app.models import JobStatus, ReportJob

SHOWN = 50


class BackgroundJobsView(BaseView):
    route_base = "/jobs"
    default_view = "list"
    base_permissions = ["can_list", "can_cancel"]

    @expose("/")
    @has_access
    def list(self):
        jobs = db.session.scalars(select(ReportJob).options(selectinload(ReportJob.created_by), selectinload(ReportJob.year))
                                  .order_by(ReportJob.id.desc()).limit(SHOWN)).all()
        running = any(job.status in (JobStatus.queued, JobStatus.running) for job in jobs)
        return self.render_template("parta/background_jobs.html", title=_l("Background jobs"), jobs=jobs,
                                    running=running, shown=SHOWN)

    @expose("/cancel/<int:job_id>", methods=["POST"])
    @has_access
    def cancel(self, job_id: int):
        job = db.session.get(ReportJob, job_id)  # scoped: the school's own jobs only
        if job is None:
            abort(404)
        if job.status in (JobStatus.queued, JobStatus.running):
            cancel(db.session, job)
            flash(gettext("The job is being cancelled."), "info")
        else:
            flash(gettext("The job has already ended."), "warning")
        return redirect(url_for("BackgroundJobsView.list"))
