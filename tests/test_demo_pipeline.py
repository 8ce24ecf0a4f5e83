"""The demo writes its rows with bulk INSERTs that skip the write pipeline's flush; every
row it writes must still be one the pipeline would accept (app/pipeline: the school
segment, references, value rules, a student of the group, a mark of the group's scale,
a period of the year, a free substitute, timetable clashes, …)."""
from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import GradeScaleValue, Mark
from app.pipeline import validate
from app.rules.errors import RuleViolation
from demo import rows
from demo.generate import build_school

# A school of the demo's shape small enough to check row by row: 110 students make four
# classes (grades 1, 4, 8 and 11: a first grade without marks, pass/fail ОРКСЭ, English in
# subgroups, quarters and half-years), on a date after the first quarter's period marks and
# the autumn's arrival and departure orders.
STUDENTS = 110
ON = dt.date(2026, 11, 6)
# The rows that come by the thousand or by the hundred from one function each are sampled — every
# twentieth mark (some 350: each kind of mark, scale and group still comes by the dozen), every tenth
# attendance entry, every fourth lesson, assignment and period mark (each check costs 2–5 ms); every
# other row is checked.
SAMPLED = {"Mark": 20, "Attendance": 10, "Lesson": 4, "Assignment": 4, "PeriodMark": 4}


@pytest.fixture(scope="module")
def checked_school(app):
    """Builds the school with the pipeline's checks run on each row just before it is
    written: (refused rows, rows checked by table, the school's id, a mark row); rolled back."""
    refused, checked, seen, first_mark = [], Counter(), Counter(), {}

    def check(model, row):
        name = model.__name__
        seen[name] += 1
        if name == "Mark" and not first_mark and row["value_id"] is not None:
            first_mark.update(row)
        if (seen[name] - 1) % SAMPLED.get(name, 1):
            return
        checked[name] += 1
        try:
            validate(db.session, model(**row))
        except RuleViolation as error:
            refused.append((name, error.msgid % error.params if error.params else error.msgid, row))

    with app.app_context():
        with rows.checking(check):
            built = build_school(random.Random(14), 901, STUDENTS, ON)
        try:
            yield refused, checked, built.school_id, first_mark
        finally:
            db.session.rollback()
            db.session.remove()


def test_every_row_the_demo_writes_passes_the_write_pipelines_checks(checked_school):
    refused, checked, _, _ = checked_school
    assert refused == []
    for table in ("School", "SchoolYear", "StudyPeriod", "Holiday", "Employee", "EmployeePosition", "Student",
                  "Enrolment", "Guardian", "SubjectGroup", "SubjectGroupMember", "ScheduleEntry", "Lesson",
                  "Assignment", "Mark", "Attendance", "PeriodMark", "MovementOrder", "MovementOrderItem",
                  "StaffOrder", "Attestation", "EmployeePersonalData", "ThematicPlanTopic"):
        assert checked[table] > 0, f"no {table} row was checked"
    assert checked["Mark"] > 200 and checked["Lesson"] > 150 and checked["PeriodMark"] > 100


def test_the_check_refuses_a_row_the_pipeline_would_refuse(checked_school):
    """The same check on a mark given a value of another scale (a «зач» in a five-point journal, say)."""
    _, _, school_id, mark = checked_school
    scale_id = db.session.scalar(select(GradeScaleValue.scale_id).where(GradeScaleValue.id == mark["value_id"]))
    other = db.session.scalar(select(GradeScaleValue.id).where(
        GradeScaleValue.school_id == school_id, GradeScaleValue.scale_id != scale_id).limit(1))
    with pytest.raises(RuleViolation):
        validate(db.session, Mark(**{**mark, "value_id": other}))
