"""The journal's hot reads use indexes (led by school_id) on PostgreSQL: the statements the
journal grid, the diary, the student report and the CRUD lists of the journal really run are
EXPLAINed with sequential scans (and hash and merge joins) switched off, and none reads mark, attendance, lesson,
assignment, period_mark, the timetable, enrolments or group memberships and teachers by a sequential scan, by
walking a whole index (a condition that does not bound the index's first column: without the school, an
index led by school_id is read for every school of a municipality), or by an index bounded by the school alone."""
from __future__ import annotations

import json
import re

from sqlalchemy import event, select

from app.extensions import db
from app.models import Employee, PartaUser, SubjectGroupTeacher
from tests.conftest import login

HOT_TABLES = ("mark", "attendance", "lesson", "assignment", "period_mark", "schedule_entry", "enrolment",
              "subject_group_member", "subject_group_teacher")
TOUCHES = re.compile(r"\b(FROM|JOIN)\s+(" + "|".join(HOT_TABLES) + r")\b", re.I)


def _captured(app, client, urls) -> list:
    """(statement, parameters) of every SQL statement the requests ran."""
    with app.app_context():
        engine = db.engine
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        for url in urls:
            assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return statements


def _scans(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def _columns(condition: str) -> set:
    return set(re.findall(r"(\w+)\)?\s*(?:=|<>|<=|>=|<|>)", condition))


def _narrowed(condition: str, leading: str) -> bool:
    """Whether an index condition bounds the index's first column and more than the school
    (school_id alone reads a whole school's rows: the index that fits the query is missing)."""
    columns = _columns(condition)
    return leading in columns and bool(columns - {"school_id"})


def _leading_columns(cursor) -> dict:
    """Index name → its first column, for the hot tables' indexes."""
    cursor.execute("SELECT i.indexrelid::regclass::text, a.attname FROM pg_index i "
                   "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                   "WHERE i.indrelid::regclass::text = ANY(%s)", (list(HOT_TABLES),))
    return dict(cursor.fetchall())


def _bad_scans(app, statements, strict: bool = True) -> list:
    """The plan nodes that read a hot table sequentially or (`strict`) through a whole index
    or one bounded by the school alone. A list of every row, sorted and cut to a page, may
    walk an index in its order (not strict)."""
    bad = []
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            # the demo is seeded just before: the planner needs its statistics, not an empty table's
            cursor.execute("ANALYZE " + ", ".join(HOT_TABLES + ("subject_group", "student", "enrolment")))
            # no sequential scans, and joins as nested loops: each row found through an index, as
            # on a school's real data (on the demo's small tables a hash join over a whole index is cheaper)
            for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                cursor.execute(f"SET {setting} = off")
            leading = _leading_columns(cursor)
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT") or not TOUCHES.search(statement):
                    continue
                cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                for node in _scans(plan[0]["Plan"]):
                    table = node.get("Relation Name")
                    if table not in HOT_TABLES:
                        continue
                    kind = node["Node Type"]
                    conditions = [(n.get("Index Cond", ""), leading.get(n.get("Index Name"), "")) for n in _scans(node)
                                  if n is node or n["Node Type"] == "Bitmap Index Scan"]
                    if kind == "Seq Scan" or strict and not any(_narrowed(c, first) for c, first in conditions):
                        bad.append(f"{kind} on {table} ({node.get('Index Name', '')} {conditions}): {' '.join(statement.split())[:400]}")
        finally:
            connection.rollback()
            connection.close()
    return bad


def _teacher_group(app) -> int:
    with app.app_context():
        group = db.session.scalar(select(SubjectGroupTeacher.subject_group_id).join(Employee)
                                  .join(PartaUser, Employee.user_id == PartaUser.id)
                                  .where(PartaUser.username == "teacher").order_by(SubjectGroupTeacher.subject_group_id))
        db.session.remove()
    return group


def test_the_journal_grid_reads_marks_attendance_and_lessons_by_index(app, client, postgresql):
    login(client, "teacher")
    group = _teacher_group(app)
    statements = _captured(app, client, [f"/journal/?group={group}", f"/journal/final?group={group}"])
    assert any(TOUCHES.search(s) for s, _ in statements)
    bad = _bad_scans(app, statements)
    assert bad == [], bad


def test_the_diary_and_the_student_report_read_a_childs_marks_by_index(app, client, postgresql):
    login(client, "parent")
    statements = _captured(app, client, ["/diary/", "/reports/student/"])
    assert any(TOUCHES.search(s) for s, _ in statements)
    bad = _bad_scans(app, statements)
    assert bad == [], bad


def test_the_journal_lists_and_their_searched_selects_read_by_index(app, client, postgresql):
    login(client, "teacher")
    statements = _captured(app, client, [
        "/markview/list/", "/attendanceview/list/", "/lessonview/list/", "/assignmentview/list/",
        "/markview/options?field=assignment&q=", "/attendanceview/options?field=lesson&q=",
    ])
    assert _bad_scans(app, statements, strict=False) == []


def test_the_journals_access_patterns_read_by_index(app, postgresql):
    """Queries shaped like the hot reads, whoever writes them: a group's or a student's marks and
    attendance between two dates, a period's marks, a teacher's lessons, a room's timetable. Every
    table of a read carries its school (the indexes lead with school_id), as the scoping adds it."""
    import datetime as dt

    from sqlalchemy import func
    from sqlalchemy.dialects import postgresql as dialect

    from app.models import Assignment, Attendance, Lesson, Mark, PeriodMark, ScheduleEntry

    with app.app_context():
        school, group, teacher, room = db.session.execute(
            select(Lesson.school_id, Lesson.subject_group_id, func.max(Lesson.teacher_id), func.max(Lesson.room_id))
            .group_by(Lesson.school_id, Lesson.subject_group_id).limit(1)).one()
        student = db.session.scalar(select(Mark.student_id).limit(1))
        period, = db.session.execute(select(PeriodMark.period_id).limit(1)).one_or_none() or (1,)
        db.session.remove()
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    lessons = (Lesson.school_id == school) & Lesson.date.between(start, end)
    queries = [
        select(Lesson.id, Lesson.date).where(lessons, Lesson.subject_group_id == group),
        select(Mark.value_id).join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Lesson, Assignment.lesson_id == Lesson.id)
        .where(lessons, Lesson.subject_group_id == group, Assignment.school_id == school, Mark.school_id == school),
        select(Attendance.code_id).join(Lesson, Attendance.lesson_id == Lesson.id)
        .where(lessons, Lesson.subject_group_id == group, Attendance.school_id == school),
        select(Mark.value_id).join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Lesson, Assignment.lesson_id == Lesson.id)
        .where(lessons, Assignment.school_id == school, Mark.school_id == school, Mark.student_id == student),
        select(Attendance.code_id).join(Lesson, Attendance.lesson_id == Lesson.id)
        .where(lessons, Attendance.school_id == school, Attendance.student_id == student),
        select(PeriodMark.value_id).where(PeriodMark.school_id == school, PeriodMark.period_id == period,
                                          PeriodMark.subject_group_id.in_([group, group + 1])),
        select(PeriodMark.value_id).where(PeriodMark.school_id == school, PeriodMark.subject_group_id == group,
                                          PeriodMark.period_id == period),
        select(Lesson.id).where(lessons, Lesson.teacher_id == teacher),
        select(ScheduleEntry.id).where(ScheduleEntry.school_id == school, ScheduleEntry.room_id == room),
    ]
    statements = [(str(q.compile(dialect=dialect.dialect(), compile_kwargs={"literal_binds": True})), {}) for q in queries]
    bad = _bad_scans(app, statements)
    assert bad == [], bad
