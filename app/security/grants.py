"""The roles' permissions, read from the database once per change, not once per request.

Every page asks dozens of times what the user's roles may do (FAB's checks of the page
and its buttons, the menu, Parta's named rights). The answers live in FAB's tables and
change rarely (the rights matrix, a role's form, `flask sync-roles`), so each process
keeps every role's permissions in memory together with the *rights version* they were
read at, and reads them again when the version moves.

The version is a number in the database, so that a change made by one gunicorn worker
(or server, or the CLI) reaches the others on their next request:

- PostgreSQL: the last value of the grants' id sequence (`ab_permission_view_role_id_seq`);
- SQLite: the database header's `user_version` (nothing else in Parta uses it).

The same version also moves when a link that opens rows to a login changes — who
teaches which group, who leads which class, a class's groups and enrolments, a parent's
children, a person card's login, a municipality's schools (`SCOPE_MODELS`) — so that
app/security/scoping.py keeps each login's scope under it instead of reading it on every
request. Such writes are rare (staff and movement orders, not marks).

Neither needs a table of its own. A commit that changed a role, a grant or a permission
raises it *after* the commit (so another process that sees the new number also sees the
new grants); the sign-in lookup (app/security/sessions.py) reads it in the same statement
as the login, so checking it costs no statement of its own. A change written behind the
application's back (SQL by hand) is picked up within MAX_AGE.
"""
from __future__ import annotations

import threading
import time

from flask import g, has_request_context
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_permissionview_role,
)
from sqlalchemy import event, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from app.models import (
    Employee, Enrolment, Guardian, School, SchoolClass, Student, StudentGuardian, SubjectGroup, SubjectGroupTeacher,
)

Pair = tuple[str, str]  # (view, permission)
SEQUENCE = "ab_permission_view_role_id_seq"
MAX_AGE = 60.0  # seconds: the longest a process trusts an unchanged version
UNSCOPED = {"parta_unscoped": True}
_RIGHTS_MODELS = (Role, PermissionView, Permission, ViewMenu)
SCOPE_MODELS = (Employee, Guardian, Student, StudentGuardian, SubjectGroupTeacher, SubjectGroup, SchoolClass, Enrolment,
                 School)
_VERSIONED = _RIGHTS_MODELS + SCOPE_MODELS
_VERSIONED_TABLES = frozenset(model.__table__.name for model in _VERSIONED) | {assoc_permissionview_role.name}
_PENDING = "parta_rights_changed"  # Session.info flag: a flush wrote rights, not committed yet


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: tuple | None = None  # (the database, its rights version)
        self.loaded_at = 0.0
        self.by_role: dict[int, frozenset[Pair]] = {}
        self.by_roles: dict[tuple[int, ...], frozenset[Pair]] = {}
        self.role_ids: dict[str, int] = {}
        self.generation = 0  # raised on every reload: keys of caches built on top (the menu)

    def clear(self) -> None:
        with self.lock:
            self.version = None


_cache = _Cache()


def version_column(dialect_name: str):
    """The rights version as a column to add to a SELECT (a scalar subquery)."""
    if dialect_name == "postgresql":
        return literal_column(f"(SELECT last_value FROM {SEQUENCE})")
    if dialect_name == "sqlite":
        return literal_column("(SELECT user_version FROM pragma_user_version)")
    return literal_column("0")


def read_version(session: Session) -> int:
    """The rights version on its own (requests without a sign-in row: anonymous, REST)."""
    dialect = session.get_bind().dialect.name
    return int(session.scalar(select(version_column(dialect)), execution_options=UNSCOPED) or 0)


def note_version(version) -> None:
    """The version read with this request's login (sessions.signed_in_user)."""
    if has_request_context():
        g.parta_rights_version = int(version or 0)


def version(session: Session) -> int:
    """The version this request works with (read with its login, else now)."""
    return _request_version(session)


def _request_version(session: Session) -> int:
    if has_request_context():
        if "parta_rights_version" not in g:
            g.parta_rights_version = read_version(session)
        return g.parta_rights_version
    return read_version(session)


def _fresh(version: tuple) -> bool:
    return _cache.version == version and time.monotonic() - _cache.loaded_at < MAX_AGE


def _load(session: Session, version: tuple) -> None:
    query = (
        select(Role.id, Role.name, ViewMenu.name, Permission.name)
        .select_from(Role)
        .outerjoin(assoc_permissionview_role, assoc_permissionview_role.c.role_id == Role.id)
        .outerjoin(PermissionView, PermissionView.id == assoc_permissionview_role.c.permission_view_id)
        .outerjoin(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
        .outerjoin(Permission, Permission.id == PermissionView.permission_id)
    )
    by_role: dict[int, set] = {}
    role_ids: dict[str, int] = {}
    for role_id, role_name, view, permission in session.execute(query, execution_options=UNSCOPED):
        role_ids[role_name] = role_id
        pairs = by_role.setdefault(role_id, set())
        if view is not None and permission is not None:
            pairs.add((view, permission))
    with _cache.lock:
        _cache.by_role = {role_id: frozenset(pairs) for role_id, pairs in by_role.items()}
        _cache.by_roles = {}
        _cache.role_ids = role_ids
        _cache.version = version
        _cache.loaded_at = time.monotonic()
        _cache.generation += 1


def _ensure(session: Session) -> None:
    # the database's too: two apps in one process (the tests) may stand at the same version
    version = (session.get_bind().url, _request_version(session))
    if not _fresh(version):
        _load(session, version)


def by_role(session: Session) -> dict[int, frozenset[Pair]]:
    """{role id: {(view, permission), …}} of every role."""
    _ensure(session)
    return _cache.by_role


def of_roles(session: Session, role_ids) -> frozenset[Pair]:
    """The (view, permission) pairs the roles hold together."""
    _ensure(session)
    key = tuple(sorted(set(role_ids)))
    found = _cache.by_roles.get(key)
    if found is None:
        found = frozenset().union(*(_cache.by_role.get(role_id, frozenset()) for role_id in key))
        _cache.by_roles[key] = found
    return found


def role_id(session: Session, name: str) -> int | None:
    _ensure(session)
    return _cache.role_ids.get(name)


def generation(session: Session) -> int:
    """Changes whenever the permissions are read again: part of the keys of what is built from them."""
    _ensure(session)
    return _cache.generation


def forget() -> None:
    """This process reads the permissions again on its next question (tests, after a change)."""
    _cache.clear()


# --- raising the version -------------------------------------------------------------

def bump(connection: Connection) -> None:
    """Raises the rights version (on a connection outside the writing transaction)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql(f"SELECT nextval('{SEQUENCE}')")
    elif dialect == "sqlite":
        current = connection.exec_driver_sql("PRAGMA user_version").scalar() or 0
        connection.exec_driver_sql(f"PRAGMA user_version = {int(current) + 1}")


def _note_rights_written(session: Session, _flush_context, _instances) -> None:
    """before_flush: a flush that writes a role, a grant, a permission or a link of a
    login's scope raises the version at commit."""
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, _VERSIONED):
            session.info[_PENDING] = True
            return
    for obj in session.dirty:
        # a role's permissions are a collection (FAB's secondary table); a scope's links are rows
        # of their own (Parta has no secondary tables), so a person merely appended to a
        # collection (a mark's student) changes nothing
        if isinstance(obj, _RIGHTS_MODELS) or (isinstance(obj, SCOPE_MODELS)
                                               and session.is_modified(obj, include_collections=False)):
            session.info[_PENDING] = True
            return


def _note_bulk_written(state: ORMExecuteState) -> None:
    """do_orm_execute: an INSERT, UPDATE or DELETE statement sent through the session
    (a bulk delete of groups, an import) on those tables raises it too."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _VERSIONED_TABLES:
            state.session.info[_PENDING] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_PENDING, False):
        return
    forget()
    engine = session.get_bind()
    if isinstance(engine, Connection):
        engine = engine.engine
    with engine.begin() as connection:
        bump(connection)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _note_rights_written)
        event.listen(Session, "do_orm_execute", _note_bulk_written)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _installed = True
