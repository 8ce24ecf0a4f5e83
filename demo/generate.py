"""One school end to end, the demo school (`seed_demo`) and more schools of its shape
for benchmarks (`generate_schools`, the `generate-data` command).
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from app.clock import school_today
from app.extensions import db
from app.models import School
from demo.catalog import DEMO_SCHOOL_NUMBER, DEMO_STUDENTS, FIRST_GENERATED_NUMBER, SEED
from demo.journal import write_journal
from demo.logins import create_demo_users, seed_communication
from demo.movement import plan_movements
from demo.people import plan_class_teachers, plan_siblings, plan_staff, plan_students, teachers_of, write_staff, write_students
from demo.plans import BuiltSchool
from demo.school import plan_classes, short_name, write_classes, write_references, write_rooms, write_school
from demo.staff_files import write_staff_files
from demo.timetable import assign_teachers, plan_groups, plan_timetable, write_groups, write_thematic_plans


def _today() -> dt.date:
    """The school's date (PARTA_TODAY fixes it, app/clock.py); the journal is filled up to it."""
    return school_today()


def build_school(rng: random.Random, number: int, n_students: int, today: dt.date) -> BuiltSchool:
    """Plans and writes a whole school; the caller commits."""
    classes = plan_classes(rng, n_students)
    staff = plan_staff(rng, classes, number)
    plan_class_teachers(classes, staff)
    plan_students(rng, classes)
    showcase_student = plan_siblings(rng, classes)
    movements = plan_movements(rng, classes, today)
    groups = plan_groups(classes)
    assign_teachers(groups, staff)

    sid = write_school(rng, number, staff)
    refs = write_references(sid)
    write_staff(rng, sid, staff, refs)
    write_rooms(sid, classes, staff)
    plan_timetable(rng, classes, groups)
    write_classes(sid, classes, refs)
    write_students(rng, sid, classes, refs, movements)
    write_groups(sid, classes, groups, refs)
    write_journal(rng, sid, classes, groups, staff, refs, today, number)
    write_thematic_plans(sid, groups, (teachers_of(staff, "math") or [None])[0], today)
    write_staff_files(sid, staff, refs, today)
    return BuiltSchool(sid, staff, classes, showcase_student)


def seed_demo(only_if_empty: bool = False) -> bool:
    """Creates the demo school with its logins; False when it (or, with only_if_empty, any school) exists."""
    if only_if_empty and db.session.scalar(select(School.id).limit(1)) is not None:
        return False
    demo_name = short_name(DEMO_SCHOOL_NUMBER)
    if db.session.scalar(select(School.id).where(School.short_name == demo_name)) is not None:
        return False
    try:
        built = build_school(random.Random(SEED), DEMO_SCHOOL_NUMBER, DEMO_STUDENTS, _today())
        create_demo_users(built)
        seed_communication(built)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


def generate_schools(n_schools: int, students_per_school: int) -> list[int]:
    """Creates n more schools of the demo's shape (no logins), each committed on its own; returns their ids."""
    taken = set(db.session.scalars(select(School.short_name)))
    today = _today()
    ids, number = [], FIRST_GENERATED_NUMBER
    for _ in range(n_schools):
        while short_name(number) in taken:
            number += 1
        try:
            built = build_school(random.Random(SEED + number), number, students_per_school, today)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        taken.add(short_name(number))
        ids.append(built.school_id)
    return ids
