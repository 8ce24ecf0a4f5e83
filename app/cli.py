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
        from app.demo import DEMO_ACCOUNTS, seed_demo

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
        from app.demo import generate_schools

        ids = generate_schools(schools, students)
        click.echo(f"generated schools: {ids}")
