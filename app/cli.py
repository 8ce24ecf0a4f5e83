"""Command-line tasks: `flask --app run seed-demo`, `sync-roles`, `generate-data`."""
from __future__ import annotations

import click
from flask import Flask, current_app


def sync_permissions_and_roles() -> None:
    """Writes the views' permissions and the default role grants (idempotent)."""
    from app.security.roles import ADMIN, sync_roles
    from app.views import menu_places

    appbuilder = current_app.appbuilder
    session = appbuilder.sm.session()
    # FAB commits after every permission (hundreds of commits, each expiring the
    # session): let its commits flush, and commit once at the end.
    session.commit = session.flush
    try:
        appbuilder.sm.add_role(ADMIN)
        appbuilder.add_permissions(update_perms=True)
        sync_roles(appbuilder.sm, menu_places())
    except Exception:
        session.rollback()
        raise
    finally:
        del session.commit
    session.commit()


def register_commands(app: Flask) -> None:
    @app.cli.command("sync-roles")
    def sync_roles_command() -> None:
        """Create permissions and Parta's roles with their default rights."""
        sync_permissions_and_roles()
        click.echo("roles synced")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Seed only when the database holds no school.")
    def seed_demo_command(if_empty: bool) -> None:
        """Create the demo school (idempotent) and print the demo logins."""
        from demo import DEMO_ACCOUNTS, seed_demo

        sync_permissions_and_roles()
        created = seed_demo(only_if_empty=if_empty)
        click.echo("demo school created" if created else "demo school already present")
        password = current_app.config["PARTA_DEMO_PASSWORD"]
        click.echo("Demo logins (password: %s):" % password)
        for username, role, _ in DEMO_ACCOUNTS:
            click.echo(f"  {username:<14} {role}")

    @app.cli.command("generate-data")
    @click.option("--schools", default=2, show_default=True)
    @click.option("--students", default=300, show_default=True, help="Students per school.")
    def generate_data_command(schools: int, students: int) -> None:
        """Generate bigger data (N schools × M students) for benchmarks."""
        from demo import generate_schools

        ids = generate_schools(schools, students)
        click.echo(f"generated schools: {ids}")

    @app.cli.command("worker")
    @click.option("--threads", default=2, show_default=True, help="Jobs run at once.")
    def worker_command(threads: int) -> None:
        """Run the task queue's worker: the background jobs and the schedules (summary sheets,
        purges). Production runs it beside the web server under systemd (README)."""
        import logging

        from app import jobs, queue

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app_ = current_app._get_current_object()
        huey = queue.huey(app_)
        jobs.mark_worker_seen(huey)
        again = jobs.recover(app_, starting=True)  # the jobs a worker that died left
        click.echo(f"worker {jobs.worker_name()}: {again} interrupted jobs started again")
        huey.create_consumer(workers=threads, worker_type="thread", periodic=True, flush_locks=True).run()

    @app.cli.command("backup")
    def backup_command() -> None:
        """Back up the whole database into PARTA_BACKUP_DIR with its manifest, then delete the
        backups the retention does not keep (the worker does it nightly)."""
        from app.backup import BackupError
        from app.jobs import back_up

        try:
            manifest = back_up()
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"{current_app.config['PARTA_BACKUP_DIR']}/{manifest.file}: {len(manifest.tables)} tables, "
                   f"{manifest.rows} rows, {manifest.size} bytes, schema {manifest.revision}")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--into", "target", default=None, help="The database to restore into (default: the app's).")
    @click.option("--force", is_flag=True, help="Restore into a database that is not empty.")
    @click.option("--yes", is_flag=True, help="Do not ask before overwriting the app's own database.")
    def restore_command(file: str, target, force: bool, yes: bool) -> None:
        """Restore a backup into an empty database, then compare every table with the manifest."""
        from pathlib import Path

        from app.backup import BackupError, restore
        from app.extensions import db

        live = db.engine.url.render_as_string(hide_password=False)  # as the app resolved it (a SQLite path)
        target = target or live
        if force and target == live and not yes:
            click.confirm("This replaces the app's own database with the backup; stop the web server and the "
                          "worker first and make a backup of it. Go on?", abort=True)
        try:
            done = restore(Path(file), target, current_app.config.get("PARTA_BACKUP_KEY"), force=force)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"restored {done.tables} tables, {done.rows} rows (schema {done.manifest.revision})")
        for table, expected, found in done.differences:
            click.echo(f"  DIFFERS {table}: manifest {expected}, database {found}")
        if not done.ok:
            raise click.ClickException("the restored database differs from the manifest")

    @app.cli.command("verify-backup")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def verify_backup_command(file: str) -> None:
        """Restore a backup into a scratch database and compare it with its manifest."""
        from pathlib import Path

        from app.backup import BackupError, verify
        from app.extensions import db

        try:
            done = verify(Path(file), db.engine, current_app.config.get("PARTA_BACKUP_KEY"))
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"{'verified' if done.ok else 'DIFFERS'}: {done.tables} tables, {done.rows} rows")
        if not done.ok:
            raise click.ClickException(f"differences: {done.differences}")

    @app.cli.command("form-summary-sheets")
    def form_summary_sheets_command() -> None:
        """Form and store the summary sheets of the periods that have ended (act 001 §4.15),
        here and now; the worker does it every morning (PARTA_SCHEDULE_SUMMARY_SHEETS)."""
        from app.extensions import db
        from app.jobs import form_due_summary_sheets_everywhere

        current_app.config["PARTA_JOBS_INLINE"] = True
        for job in form_due_summary_sheets_everywhere():
            db.session.refresh(job)
            click.echo(f"school {job.school_id}: {job.done} summary sheets, {job.status.name}")

    @app.cli.command("purge-sessions")
    def purge_sessions_command() -> None:
        """Forget expired NetSchool API sessions (the worker does it nightly)."""
        from app.jobs import purge_expired_sessions

        click.echo(f"sessions forgotten: {purge_expired_sessions()}")

    @app.cli.command("print-archive")
    @click.option("--school", "school_id", type=int, default=None, help="The school (default: the first).")
    @click.option("--year", "year_id", type=int, default=None, help="The school year (default: the current one).")
    def print_archive_command(school_id, year_id) -> None:
        """Print the year-end archive of a school (the same job as the «Архив учебного года» page)."""
        from app.clock import school_today
        from app.extensions import db
        from app.jobs import new_job, run
        from app.models import JobKind, ReportJob
        from app.security.scoping import as_school
        from app.journal.data import school_of, year_on

        school = school_of(db.session, school_id)
        with as_school(school.id):
            year = year_on(db.session, school_today(), school.id) if year_id is None else None
            job = new_job(db.session, JobKind.year_archive, school.id, year_id or year.id)
            job_id = job.id
        run(current_app._get_current_object(), job_id)
        db.session.expire_all()
        with as_school(school.id):
            job = db.session.get(ReportJob, job_id)
            click.echo(f"{job.status.name}: {job.done} documents, {job.pages} pages")
