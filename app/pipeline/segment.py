"""The first step of the write pipeline: the school segment.

A new school-scoped row joins the user's school; no row may leave the segment; a
read-only (municipal) account writes nothing; and no school-scoped row may point
at a row of another school. The references are read off the tables' foreign keys
(every column that points at a table with a `school_id`), so a new table is
covered without being listed here.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any, Iterable, Optional

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.util import identity_key

from app.models import School
from app.models.base import Model, SchoolScoped
from app.pipeline.position import UNSCOPED, set_on_new_row
from app.rules.errors import N_, RuleViolation
from app.security.scoping import UNSCOPED as ALL_SCHOOLS
from app.security.scoping import current_scope

_MISSING = object()


def stamp_school(session: Session, obj: Any) -> None:
    """A new row joins the current user's school; no row may leave the segment."""
    if not isinstance(obj, SchoolScoped):
        return
    scope = current_scope(session)
    if scope.read_only:
        raise RuleViolation(N_("Your account may only read data."))
    if obj.school_id is None:
        if not scope.schools:
            raise RuleViolation(N_("Choose the school this record belongs to."))
        obj.school_id = scope.schools[0]
    if scope.schools is not ALL_SCHOOLS and obj.school_id not in scope.schools:
        raise RuleViolation(N_("This record belongs to another school."))


def check_new_school(session: Session, obj: Any) -> None:
    """Schools are created by the municipal segment's operator or the system
    administrator, not by the administrator of one school (who would not see it)."""
    if isinstance(obj, School) and not instance_state(obj).has_identity:
        scope = current_scope(session)
        if scope.schools is not ALL_SCHOOLS and not scope.read_only and scope.user_id is not None:
            raise RuleViolation(N_("A new school is created by the operator of the municipal segment."))


def check_delete(session: Session, obj: Any) -> None:
    if isinstance(obj, SchoolScoped) and current_scope(session).read_only:
        raise RuleViolation(N_("Your account may only read data."))


@lru_cache(maxsize=None)
def school_references(model: type) -> tuple:
    """(column key, relationship key or None, target model or table) for every foreign
    key of the model's table that points at a table carrying a `school_id`."""
    table = model.__table__
    mapper = inspect(model)
    by_column = {}
    for rel in mapper.relationships:
        if rel.direction.name == "MANYTOONE" and len(rel.local_columns) == 1:
            by_column[next(iter(rel.local_columns)).key] = rel
    models = {m.class_.__table__: m.class_ for m in Model.registry.mappers if hasattr(m.class_, "__table__")}
    found = []
    for column in table.columns:
        if column.key == "school_id":
            continue
        for fk in column.foreign_keys:
            target = fk.column.table
            if "school_id" in target.c and fk.column.key == "id":
                rel = by_column.get(column.key)
                found.append((column.key, rel.key if rel is not None else None, models.get(target, target)))
    return tuple(found)


def _changed_columns(obj: Any) -> Optional[set]:
    """The columns and relationships a stored row changes (None: a new row, all count)."""
    state = instance_state(obj)
    if not state.has_identity:
        return None
    return {key for key in state.attrs.keys() if state.attrs[key].history.has_changes()}


def check_references(session: Session, objects: Iterable[Any]) -> None:
    """Refuses a school-scoped row that points at a row of another school (422 on the
    REST API): a lesson in another school's subject group, a mark of another
    school's assignment, an attendance code of another school… Rows without a school
    (the system administrator's login) may be pointed at from any school."""
    pending = set()  # (model, id, the pointing row's school): a column of cells points at few rows
    wanted = defaultdict(set)
    stored_targets: dict = {}  # id(row pointed at) → (row, its id): a column's cells point at one assignment
    with session.no_autoflush:
        for obj in objects:
            if not isinstance(obj, SchoolScoped):
                continue
            state = instance_state(obj)
            changed = _changed_columns(obj)
            own_school = obj.school_id
            for key, rel, model in school_references(type(obj)):
                if changed is not None and key not in changed and (rel is None or rel not in changed):
                    continue
                target_obj = None
                if rel is not None:
                    if changed is None:  # a new row
                        target_obj = set_on_new_row(state, rel)
                    else:
                        history = state.attrs[rel].history
                        if history.added:
                            target_obj = history.added[0]
                if target_obj is None:
                    fk = getattr(obj, key)
                else:
                    known = stored_targets.get(id(target_obj))
                    if known is not None and known[0] is target_obj:
                        fk = known[1]
                    else:
                        target_state = instance_state(target_obj)
                        if not target_state.has_identity:
                            target_school = getattr(target_obj, "school_id", None)
                            if target_school is not None and own_school is not None and target_school != own_school:
                                _refuse()
                            continue
                        fk = target_state.identity[0]
                        stored_targets[id(target_obj)] = (target_obj, fk)
                if fk is None or not isinstance(model, type):
                    continue
                pending.add((model, fk, own_school))
                wanted[model].add(fk)
        schools = _schools_of(session, wanted)
    for model, fk, own_school in pending:
        school = schools.get((model, fk), _MISSING)
        if school is _MISSING:
            continue  # no such row: the database's foreign key refuses it, with the generic message
        if school is not None and own_school is not None and school != own_school:
            _refuse()


def _refuse() -> None:
    raise RuleViolation(N_("The record refers to data of another school."))


def know_schools(session: Session, model: type, schools: dict) -> None:
    """Tells the reference check the schools of some rows (id → school_id) read by a
    caller of many checks, for the checks until the next flush, which forgets them with the
    pipeline's other memories of a flush."""
    session.info.setdefault("parta_pipeline_schools", {}).setdefault(model, {}).update(schools)


def _schools_of(session: Session, wanted: dict) -> dict:
    """(model, id) → school_id, from what a caller told (know_schools) or the identity map
    where possible, else one query per table."""
    found = {}
    told = session.info.get("parta_pipeline_schools", {})
    for model, ids in wanted.items():
        missing = []
        known = told.get(model, {})
        for ident in ids:
            if ident in known:
                found[(model, ident)] = known[ident]
                continue
            obj = session.identity_map.get(identity_key(model, ident))
            if obj is not None and "school_id" in inspect(obj).dict:
                found[(model, ident)] = obj.school_id
            else:
                missing.append(ident)
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            table = model.__table__
            for ident, school in session.execute(select(table.c.id, table.c.school_id).where(table.c.id.in_(chunk)),
                                                 execution_options=UNSCOPED):
                found[(model, ident)] = school
    return found
