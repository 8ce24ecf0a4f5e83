"""The act's locks hold on every path that changes a locked journal entry (act 001
§4.11–4.14): the grid, the CRUD forms, the REST API — including the paths that
reach a locked entry through the rows around it (moving a lesson's date, moving an
assignment to another lesson, moving a mark or a period mark, deleting a lesson or
an assignment, changing an assignment's weight or type).

Each path is tried by the demo teacher on their own journal in three states: locked
(refused, nothing changes, nothing is audited), unlocked by the coordinator for the
locked dates (saved, and the audit has the change, the move or every removed
entry), and in a closed school year (refused).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Assignment, Attendance, AuditLog, FinalMark, FinalMarkColumn, JournalUnlock, Lesson, Mark, PeriodMark, SchoolYear,
    SubjectGroup,
)
from tests.conftest import DEMO_PASSWORD, flashes, login
from tests.forms import read_form

SAVED, ADDED, DELETED = "Изменения сохранены", "Запись добавлена", "Запись удалена"
LOCKED_DAYS, OPEN_DAYS = 20, 2


@dataclass
class Scene:
    """A locked lesson (20 days old) with an ordinary and a control assignment, their
    marks and an absence; an open lesson (2 days old) with an assignment and a mark; a
    period mark of the ended first quarter and one of the current quarter."""

    locked_day: dt.date
    open_day: dt.date
    locked_lesson: int
    open_lesson: int
    assignment: int
    control_assignment: int
    open_assignment: int
    mark: int
    control_mark: int
    open_mark: int
    attendance: int
    past_period_mark: int
    current_period_mark: int
    free_student: int  # a classmate with no mark in these lessons
    final_mark: int = 0
    extra: dict = field(default_factory=dict)


def build_scene(app, journal) -> Scene:
    child, other, first, second, third = (journal.child_id, journal.other_student_id, *journal.classmates[:3])
    with app.app_context():
        def lesson(days_ago):
            row = Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.day(days_ago), number=2)
            db.session.add(row)
            return row

        def assignment(of, type_id):
            row = Assignment(school_id=journal.school_id, lesson=of, type_id=type_id)
            db.session.add(row)
            return row

        def mark(of, student, value="4"):
            row = Mark(school_id=journal.school_id, assignment=of, student_id=student, value_id=journal.values[value])
            db.session.add(row)
            return row

        locked, opened = lesson(LOCKED_DAYS), lesson(OPEN_DAYS)
        ordinary, control = assignment(locked, journal.ordinary_type_id), assignment(locked, journal.control_type_id)
        open_assignment = assignment(opened, journal.ordinary_type_id)
        marks = mark(ordinary, child), mark(control, first), mark(open_assignment, child)
        absence = Attendance(school_id=journal.school_id, lesson=locked, student_id=other, code_id=journal.codes["Н"])
        db.session.add(absence)
        past = PeriodMark(school_id=journal.school_id, subject_group_id=journal.group_id, period_id=journal.past_period_id,
                          student_id=second, value_id=journal.values["4"])
        current = PeriodMark(school_id=journal.school_id, subject_group_id=journal.group_id,
                             period_id=journal.current_period_id, student_id=third, value_id=journal.values["4"])
        db.session.add_all([past, current])
        db.session.commit()
        scene = Scene(locked.date, opened.date, locked.id, opened.id, ordinary.id, control.id, open_assignment.id,
                      marks[0].id, marks[1].id, marks[2].id, absence.id, past.id, current.id, free_student=journal.classmates[3])
        db.session.remove()
    return scene


def remove_scene(app, journal) -> None:
    """Everything the case left in the module's journal (history: no locks outside a request)."""
    with app.app_context():
        for model in (PeriodMark, FinalMark, JournalUnlock):
            for row in db.session.scalars(select(model).where(model.subject_group_id == journal.group_id)):
                db.session.delete(row)
        for row in db.session.scalars(select(Lesson).where(Lesson.subject_group_id == journal.group_id)):
            db.session.delete(row)
        db.session.commit()
        db.session.remove()


def snapshot(app, journal) -> dict:
    """The module journal's rows as stored: the test compares them before and after."""
    with app.app_context():
        lessons = select(Lesson.id).where(Lesson.subject_group_id == journal.group_id)
        assignments = select(Assignment.id).where(Assignment.lesson_id.in_(lessons))
        found = {
            "lessons": set(db.session.execute(select(Lesson.id, Lesson.date, Lesson.subject_group_id, Lesson.is_cancelled)
                                              .where(Lesson.subject_group_id == journal.group_id)).all()),
            "assignments": set(db.session.execute(select(Assignment.id, Assignment.lesson_id, Assignment.type_id,
                                                         Assignment.weight).where(Assignment.id.in_(assignments))).all()),
            "marks": set(db.session.execute(select(Mark.id, Mark.assignment_id, Mark.student_id, Mark.value_id)
                                            .where(Mark.assignment_id.in_(assignments))).all()),
            "attendance": set(db.session.execute(select(Attendance.id, Attendance.lesson_id, Attendance.code_id)
                                                 .where(Attendance.lesson_id.in_(lessons))).all()),
            "period_marks": set(db.session.execute(select(PeriodMark.id, PeriodMark.period_id, PeriodMark.value_id)
                                                   .where(PeriodMark.subject_group_id == journal.group_id)).all()),
            "final_marks": set(db.session.execute(select(FinalMark.id, FinalMark.value_id)
                                                  .where(FinalMark.subject_group_id == journal.group_id)).all()),
        }
        db.session.remove()
    return found


def audit_since(app, last_id: int) -> set:
    with app.app_context():
        rows = set(db.session.execute(select(AuditLog.entity, AuditLog.field, AuditLog.action).where(AuditLog.id > last_id)).all())
        db.session.remove()
    return rows


def last_audit_id(app) -> int:
    with app.app_context():
        value = db.session.scalar(select(func.max(AuditLog.id))) or 0
        db.session.remove()
    return value


# --- how each path is taken ----------------------------------------------------------

@dataclass
class Env:
    app: object
    journal: object
    scene: Scene
    browser: object
    api: dict


def grid(env: Env, change: dict) -> bool:
    response = env.browser.post("/journal/save", json={"group": env.journal.group_id, "period": None, "changes": [change]})
    answer = response.get_json()
    assert response.status_code == 200, answer
    return answer["saved"] == [0]


def crud_edit(env: Env, view: str, pk: int, **changes) -> bool:
    form = read_form(env.browser.get(f"/{view}/edit/{pk}").get_data(as_text=True)).data
    assert form, f"the teacher cannot open /{view}/edit/{pk}"
    form.update({k: str(v) for k, v in changes.items()})
    return SAVED in flashes(env.browser.post(f"/{view}/edit/{pk}", data=form, follow_redirects=True).get_data(as_text=True))


def crud_delete(env: Env, view: str, pk: int) -> bool:
    return DELETED in flashes(env.browser.post(f"/{view}/delete/{pk}", follow_redirects=True).get_data(as_text=True))


def rest(env: Env, method: str, url: str, body: dict | None = None) -> bool:
    response = env.browser.open(url, method=method, json=body, headers=env.api)
    assert response.status_code in (200, 201, 422), (response.status_code, response.get_data(as_text=True))
    return response.status_code in (200, 201)


def mark_cell(env: Env, assignment: int, student: int, value: str, old: str) -> dict:
    return {"kind": "mark", "assignment": assignment, "student": student, "value": value, "duty": False, "comment": "",
            "old": [old, False, ""]}


s = lambda env: env.scene  # noqa: E731
j = lambda env: env.journal  # noqa: E731
day = lambda d: d.isoformat()  # noqa: E731

# (name, the path taken, the audit rows an accepted change writes: (entity, field, action))
PATHS: list[tuple[str, Callable[[Env], bool], set]] = [
    # the grid
    ("grid: a locked mark changed", lambda e: grid(e, mark_cell(e, s(e).assignment, j(e).child_id, "5", "4")),
     {("mark", "value_id", "update")}),
    ("grid: a locked mark cleared", lambda e: grid(e, mark_cell(e, s(e).assignment, j(e).child_id, "", "4")),
     {("mark", "value_id", "delete")}),
    ("grid: a locked control-work mark changed", lambda e: grid(e, mark_cell(e, s(e).control_assignment,
                                                                            j(e).classmates[0], "3", "4")),
     {("mark", "value_id", "update")}),
    ("grid: a mark added to a locked lesson", lambda e: grid(e, mark_cell(e, s(e).assignment, s(e).free_student, "5", "")),
     {("mark", "value_id", "create")}),
    ("grid: locked attendance changed", lambda e: grid(e, {"kind": "attendance", "lesson": s(e).locked_lesson,
                                                          "student": j(e).other_student_id, "value": "Б", "old": "Н"}),
     {("attendance", "code_id", "update")}),
    ("grid: a period mark of an ended period changed", lambda e: grid(e, {
        "kind": "period", "period": j(e).past_period_id, "student": j(e).classmates[1], "value": "5", "old": "4"}),
     {("period_mark", "value_id", "update")}),
    ("grid: a column added to a locked lesson", lambda e: "добавлен" in " ".join(flashes(e.browser.post(
        "/journal/assignment", data={"lesson": s(e).locked_lesson, "type": j(e).ordinary_type_id, "group": j(e).group_id},
        follow_redirects=True).get_data(as_text=True))), {("assignment", "type_id", "create")}),
    # the CRUD forms
    ("form: a locked mark changed", lambda e: crud_edit(e, "markview", s(e).mark, value=j(e).values["5"]),
     {("mark", "value_id", "update")}),
    ("form: a locked mark deleted", lambda e: crud_delete(e, "markview", s(e).mark), {("mark", "value_id", "delete")}),
    ("form: a locked mark moved to an open assignment", lambda e: crud_edit(e, "markview", s(e).mark,
                                                                           assignment=s(e).open_assignment,
                                                                           student=s(e).free_student),
     {("mark", "assignment_id", "update")}),
    ("form: an open mark moved to a locked assignment", lambda e: crud_edit(e, "markview", s(e).open_mark,
                                                                           assignment=s(e).control_assignment),
     {("mark", "assignment_id", "update")}),
    ("form: locked attendance changed", lambda e: crud_edit(e, "attendanceview", s(e).attendance, code=j(e).codes["Б"]),
     {("attendance", "code_id", "update")}),
    ("form: locked attendance deleted", lambda e: crud_delete(e, "attendanceview", s(e).attendance),
     {("attendance", "code_id", "delete")}),
    ("form: a period mark of an ended period changed", lambda e: crud_edit(e, "periodmarkview", s(e).past_period_mark,
                                                                          value=j(e).values["5"]),
     {("period_mark", "value_id", "update")}),
    ("form: a period mark moved out of an ended period", lambda e: crud_edit(e, "periodmarkview", s(e).past_period_mark,
                                                                            period=j(e).current_period_id),
     {("period_mark", "period_id", "update")}),
    ("form: a locked lesson moved to an open date", lambda e: crud_edit(e, "lessonview", s(e).locked_lesson,
                                                                       date=f"{s(e).open_day:%d.%m.%Y}"),
     {("lesson", "date", "update")}),
    ("form: an open lesson with marks moved to a locked date", lambda e: crud_edit(e, "lessonview", s(e).open_lesson,
                                                                                  date=f"{s(e).locked_day:%d.%m.%Y}"),
     {("lesson", "date", "update")}),
    ("form: a locked lesson cancelled", lambda e: crud_edit(e, "lessonview", s(e).locked_lesson, is_cancelled="y"),
     {("lesson", "is_cancelled", "update")}),
    ("form: a locked lesson deleted", lambda e: crud_delete(e, "lessonview", s(e).locked_lesson),
     {("lesson", "date", "delete"), ("mark", "value_id", "delete"), ("attendance", "code_id", "delete"),
      ("assignment", "type_id", "delete")}),
    ("form: a locked assignment moved to an open lesson", lambda e: crud_edit(e, "assignmentview", s(e).assignment,
                                                                             lesson=s(e).open_lesson),
     {("assignment", "lesson_id", "update")}),
    ("form: a locked assignment's weight changed", lambda e: crud_edit(e, "assignmentview", s(e).assignment, weight="3"),
     {("assignment", "weight", "update")}),
    ("form: a locked assignment's type changed", lambda e: crud_edit(e, "assignmentview", s(e).assignment,
                                                                    type=j(e).control_type_id),
     {("assignment", "type_id", "update")}),
    ("form: a locked assignment deleted", lambda e: crud_delete(e, "assignmentview", s(e).assignment),
     {("assignment", "type_id", "delete"), ("mark", "value_id", "delete")}),
    # the REST API
    ("REST: a locked lesson's date moved to an open day", lambda e: rest(e, "PUT", f"/api/v1/lesson/{s(e).locked_lesson}",
                                                                        {"date": day(s(e).open_day)}),
     {("lesson", "date", "update")}),
    ("REST: an open lesson's date moved to a locked day", lambda e: rest(e, "PUT", f"/api/v1/lesson/{s(e).open_lesson}",
                                                                        {"date": day(s(e).locked_day)}),
     {("lesson", "date", "update")}),
    ("REST: a locked lesson deleted", lambda e: rest(e, "DELETE", f"/api/v1/lesson/{s(e).locked_lesson}"),
     {("lesson", "date", "delete"), ("mark", "value_id", "delete"), ("attendance", "code_id", "delete")}),
    ("REST: a locked assignment moved to an open lesson", lambda e: rest(e, "PUT", f"/api/v1/assignment/{s(e).assignment}",
                                                                        {"lesson_id": s(e).open_lesson}),
     {("assignment", "lesson_id", "update")}),
    ("REST: an open assignment moved to a locked lesson", lambda e: rest(
        e, "PUT", f"/api/v1/assignment/{s(e).open_assignment}", {"lesson_id": s(e).locked_lesson}),
     {("assignment", "lesson_id", "update")}),
    ("REST: a locked assignment's weight changed", lambda e: rest(e, "PUT", f"/api/v1/assignment/{s(e).assignment}",
                                                                 {"weight": 2}), {("assignment", "weight", "update")}),
    ("REST: a locked assignment's type changed", lambda e: rest(e, "PUT", f"/api/v1/assignment/{s(e).assignment}",
                                                               {"type_id": j(e).control_type_id}),
     {("assignment", "type_id", "update")}),
    ("REST: a locked assignment deleted", lambda e: rest(e, "DELETE", f"/api/v1/assignment/{s(e).assignment}"),
     {("assignment", "type_id", "delete"), ("mark", "value_id", "delete")}),
    ("REST: an assignment added to a locked lesson", lambda e: rest(e, "POST", "/api/v1/assignment/", {
        "lesson_id": s(e).locked_lesson, "type_id": j(e).ordinary_type_id}), {("assignment", "type_id", "create")}),
    ("REST: a locked mark changed", lambda e: rest(e, "PUT", f"/api/v1/mark/{s(e).mark}", {"value_id": j(e).values["5"]}),
     {("mark", "value_id", "update")}),
    ("REST: a locked mark moved to an open assignment", lambda e: rest(e, "PUT", f"/api/v1/mark/{s(e).mark}", {
        "assignment_id": s(e).open_assignment, "student_id": s(e).free_student}), {("mark", "assignment_id", "update")}),
    ("REST: an open mark moved to a locked assignment", lambda e: rest(e, "PUT", f"/api/v1/mark/{s(e).open_mark}", {
        "assignment_id": s(e).assignment, "student_id": s(e).free_student}), {("mark", "assignment_id", "update")}),
    ("REST: a locked mark deleted", lambda e: rest(e, "DELETE", f"/api/v1/mark/{s(e).mark}"), {("mark", "value_id", "delete")}),
    ("REST: a mark added to a locked assignment", lambda e: rest(e, "POST", "/api/v1/mark/", {
        "assignment_id": s(e).assignment, "student_id": s(e).free_student, "value_id": j(e).values["5"]}),
     {("mark", "value_id", "create")}),
    ("REST: locked attendance changed", lambda e: rest(e, "PUT", f"/api/v1/attendance/{s(e).attendance}",
                                                      {"code_id": j(e).codes["Б"]}), {("attendance", "code_id", "update")}),
    ("REST: locked attendance deleted", lambda e: rest(e, "DELETE", f"/api/v1/attendance/{s(e).attendance}"),
     {("attendance", "code_id", "delete")}),
    ("REST: attendance added to a locked lesson", lambda e: rest(e, "POST", "/api/v1/attendance/", {
        "lesson_id": s(e).locked_lesson, "student_id": s(e).free_student, "code_id": j(e).codes["Н"]}),
     {("attendance", "code_id", "create")}),
    ("REST: a period mark moved out of an ended period", lambda e: rest(
        e, "PUT", f"/api/v1/periodmark/{s(e).past_period_mark}", {"period_id": j(e).current_period_id}),
     {("period_mark", "period_id", "update")}),
    ("REST: a period mark moved into an ended period", lambda e: rest(
        e, "PUT", f"/api/v1/periodmark/{s(e).current_period_mark}", {"period_id": j(e).past_period_id}),
     {("period_mark", "period_id", "update")}),
    ("REST: a period mark of an ended period changed", lambda e: rest(
        e, "PUT", f"/api/v1/periodmark/{s(e).past_period_mark}", {"value_id": j(e).values["5"]}),
     {("period_mark", "value_id", "update")}),
    ("REST: a period mark of an ended period deleted", lambda e: rest(
        e, "DELETE", f"/api/v1/periodmark/{s(e).past_period_mark}"), {("period_mark", "value_id", "delete")}),
]

STATES = ("locked", "unlocked", "closed year")


@pytest.fixture(scope="module")
def teacher(app):
    """The demo teacher signed in once for the module: in the browser and with a REST token."""
    browser = login(app.test_client(), "teacher")
    token = browser.post("/api/v1/security/login", json={"username": "teacher", "password": DEMO_PASSWORD, "provider": "db"})
    assert token.status_code == 200, token.get_data(as_text=True)
    return browser, {"Authorization": f"Bearer {token.json['access_token']}"}


@pytest.fixture()
def env(app, journal, teacher):
    scene = build_scene(app, journal)
    yield Env(app, journal, scene, *teacher)
    remove_scene(app, journal)


def _set_state(app, journal, scene: Scene, state: str) -> Callable[[], None]:
    """Puts the journal into the state; returns how to undo it."""
    with app.app_context():
        if state == "unlocked":
            period_end = journal.past_period_end
            unlock = JournalUnlock(school_id=journal.school_id, subject_group_id=journal.group_id,
                                   date_from=min(scene.locked_day, period_end), date_to=scene.locked_day,
                                   until=journal.today + dt.timedelta(days=5), reason="Проверка путей записи")
            db.session.add(unlock)
        if state == "closed year":
            year = db.session.get(SchoolYear, db.session.get(SubjectGroup, journal.group_id).year_id)
            year.is_closed = True
        db.session.commit()
        db.session.remove()

    def undo() -> None:
        if state == "closed year":
            with app.app_context():
                year = db.session.get(SchoolYear, db.session.get(SubjectGroup, journal.group_id).year_id)
                year.is_closed = False
                db.session.commit()
                db.session.remove()
    return undo


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name,path,audited", PATHS, ids=[p[0] for p in PATHS])
def test_a_locked_entry_changes_only_when_unlocked_and_then_is_audited(app, journal, env, name, path, audited, state):
    undo = _set_state(app, journal, env.scene, state)
    try:
        before, last = snapshot(app, journal), last_audit_id(app)
        accepted = path(env)
        after, audit = snapshot(app, journal), audit_since(app, last)
    finally:
        undo()
    if state == "unlocked":
        assert accepted, f"{name}: refused although the coordinator unlocked the dates"
        assert after != before, f"{name}: reported saved but nothing changed"
        assert audited <= audit, f"{name}: audit rows missing: {audited - audit}"
    else:
        assert not accepted, f"{name}: accepted in the {state} journal"
        assert after == before, f"{name}: the {state} journal changed: {before} → {after}"
        assert audit == set(), f"{name}: audit rows written for a refused change: {audit}"


def test_the_table_covers_at_least_the_26_paths_of_the_review():
    assert len(PATHS) >= 26


# --- final marks lock 10 days after the year's end ------------------------------------

@pytest.fixture()
def after_the_year(app, journal):
    """The clock 15 days after the year's end, with a final mark set on the year's last day."""
    with app.app_context():
        year = db.session.get(SchoolYear, db.session.get(SubjectGroup, journal.group_id).year_id)
        column = db.session.scalar(select(FinalMarkColumn).where(FinalMarkColumn.year_id == year.id).order_by(FinalMarkColumn.id))
        mark = FinalMark(school_id=journal.school_id, subject_group_id=journal.group_id, column_id=column.id,
                         student_id=journal.child_id, value_id=journal.values["4"])
        db.session.add(mark)
        db.session.commit()
        found = {"mark": mark.id, "column": column.id, "end": year.end_date}
        db.session.remove()
    before = app.config["PARTA_TODAY"]
    app.config["PARTA_TODAY"] = (found["end"] + dt.timedelta(days=15)).isoformat()
    yield found
    app.config["PARTA_TODAY"] = before
    remove_scene(app, journal)


def test_final_marks_are_refused_through_the_grid_form_and_api_after_the_tenth_day_after_the_year(app, journal,
                                                                                                  after_the_year):
    coordinator = login(app.test_client(), "coordinator")  # final marks need the final-marks right
    before, last = snapshot(app, journal), last_audit_id(app)
    answer = coordinator.post("/journal/save", json={"group": journal.group_id, "changes": [
        {"kind": "final", "column": after_the_year["column"], "student": journal.child_id, "value": "5", "old": "4"}]}).get_json()
    assert answer["saved"] == [] and f"{after_the_year['end']:%d.%m.%Y}" in answer["errors"]["0"]
    form = read_form(coordinator.get(f"/finalmarkview/edit/{after_the_year['mark']}").get_data(as_text=True)).data
    form["value"] = str(journal.values["5"])
    assert SAVED not in flashes(coordinator.post(f"/finalmarkview/edit/{after_the_year['mark']}", data=form,
                                                 follow_redirects=True).get_data(as_text=True))
    assert DELETED not in flashes(coordinator.post(f"/finalmarkview/delete/{after_the_year['mark']}",
                                                   follow_redirects=True).get_data(as_text=True))
    assert snapshot(app, journal) == before and audit_since(app, last) == set()
