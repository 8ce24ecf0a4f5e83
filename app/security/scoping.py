"""The school segment, enforced once for every query (DESIGN.md, tenancy).

A `do_orm_execute` hook adds a loader criterion on every school-scoped table:
the current user sees only the rows of their school (a municipal user: the
schools of their municipality). A new school-scoped row is stamped with the
user's school in `before_flush`. Code without a logged-in user (CLI, seeds,
tests) runs unscoped unless it enters `as_school()`.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Iterator, Optional, Tuple

from flask import g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from app.models import School
from app.models.base import SchoolScoped
from app.rules.errors import N_, RuleViolation

UNSCOPED = None  # sentinel: no restriction
_override: contextvars.ContextVar = contextvars.ContextVar("parta_school_scope", default=False)


@contextmanager
def as_school(*school_ids: int) -> Iterator[None]:
    """Runs a block as if the user belonged to these schools (CLI jobs, tests)."""
    token = _override.set(tuple(school_ids))
    try:
        yield
    finally:
        _override.reset(token)


def _user_scope(session: Session) -> Optional[Tuple[int, ...]]:
    from flask_login import current_user

    user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    if user.school_id is not None:
        return (user.school_id,)
    if user.municipality_id is not None:
        ids = session.scalars(
            select(School.id).where(School.municipality_id == user.municipality_id),
            execution_options={"parta_unscoped": True},
        ).all()
        return tuple(ids)
    # A login bound to no school and no municipality is the system administrator
    # of a self-hosted installation; everyone else without a school sees nothing.
    from app.security.roles import SYSTEM_ROLES

    if any(role.name in SYSTEM_ROLES for role in user.roles):
        return UNSCOPED
    return ()


def current_scope(session: Session) -> Optional[Tuple[int, ...]]:
    """The school ids the current code may see; None means all."""
    override = _override.get()
    if override is not False:
        return override
    if not has_request_context():
        return UNSCOPED
    if "parta_scope" not in g:
        # Loading the user runs a query too: while it runs, nothing is visible.
        g.parta_scope = ()
        g.parta_scope = _user_scope(session)
    return g.parta_scope


def _scope_queries(state: ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get("parta_unscoped"):
        return
    scope = current_scope(state.session)
    if scope is UNSCOPED:
        return
    ids = scope
    state.statement = state.statement.options(
        with_loader_criteria(SchoolScoped, lambda cls: cls.school_id.in_(ids), include_aliases=True),
        with_loader_criteria(School, lambda cls: cls.id.in_(ids), include_aliases=True),
    )


def stamp_school(session: Session, obj: object) -> None:
    """A new row joins the current user's school; no row may leave the segment."""
    if not isinstance(obj, SchoolScoped):
        return
    scope = current_scope(session)
    if obj.school_id is None:
        if not scope:
            raise RuleViolation(N_("Choose the school this record belongs to."))
        obj.school_id = scope[0]
    if scope is not UNSCOPED and obj.school_id not in scope:
        raise RuleViolation(N_("This record belongs to another school."))


def _stamp_school(session: Session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        stamp_school(session, obj)


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "do_orm_execute", _scope_queries)
        event.listen(Session, "before_flush", _stamp_school)
        _installed = True
