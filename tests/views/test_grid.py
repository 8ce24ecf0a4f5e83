"""The journal grid: what the teacher sees, and saving cells in batches with
per-cell refusals, locks, unlocks, conflicts, averages and audit.

The tests that only read open the demo teacher's journal; the tests that write work on a
fresh subject group of the demo teacher's (lessons on every school day of the last four
weeks, tests/views/journal_fixtures.py), removed at the end of the module, so that no
other test meets their marks, topics or unlocks."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import (
    Assignment, AssignmentType, Attendance, AuditLog, Employee, JournalUnlock, Lesson, Mark, PartaUser, PeriodMark,
    StudyPeriod, SubjectGroup, SubjectGroupTeacher,
)
from app.rules.grading import format_average, suggest_period_mark, weighted_average
from tests.conftest import is_session_touch, login, school_today
from tests.views.journal_fixtures import delete_group, timetabled_group


def _grid_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="grid-data">(.*?)</script>', html, re.S)
    assert found, "the page carries no grid data"
    return json.loads(found.group(1))


def _teacher_group(app, username="teacher", subject_like="Математика"):
    """A group the demo teacher teaches, with a lesson today or the latest before it."""
    with app.app_context():
        employee = db.session.scalar(select(Employee.id).join(PartaUser, Employee.user_id == PartaUser.id)
                                     .where(PartaUser.username == username))
        group = db.session.scalar(select(SubjectGroupTeacher.subject_group_id)
                                  .where(SubjectGroupTeacher.employee_id == employee).order_by(SubjectGroupTeacher.id))
        db.session.remove()
    return group


def _lesson_with_assignment(app, group_id: int, days_ago: int):
    """(lesson id, assignment id, lesson date) of the group's latest lesson at least `days_ago` old."""
    limit = school_today() - dt.timedelta(days=days_ago)
    with app.app_context():
        row = db.session.execute(
            select(Lesson.id, Assignment.id, Lesson.date).join(Assignment, Assignment.lesson_id == Lesson.id)
            .join(AssignmentType, Assignment.type_id == AssignmentType.id)
            .where(Lesson.subject_group_id == group_id, Lesson.date <= limit, AssignmentType.is_control.is_(False),
                   Lesson.is_cancelled.is_(False))
            .order_by(Lesson.date.desc(), Assignment.id)).first()
        db.session.remove()
    return row


def _periods_of(app, group_id: int) -> list:
    """The group's study periods other than the whole year (quarters or half-years), detached."""
    from app.models import PeriodType, SchoolClass

    with app.app_context():
        group = db.session.get(SubjectGroup, group_id)
        grade = db.session.get(SchoolClass, group.class_id).grade
        periods = db.session.scalars(
            select(StudyPeriod).join(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
            .where(StudyPeriod.year_id == group.year_id, PeriodType.is_year.is_(False), StudyPeriod.grade_from <= grade,
                   StudyPeriod.grade_to >= grade).order_by(StudyPeriod.start_date)).all()
        db.session.expunge_all()
        db.session.remove()
    return periods


def _open(client, group_id: int) -> dict:
    response = client.get(f"/journal/?group={group_id}")
    assert response.status_code == 200
    return _grid_data(response.get_data(as_text=True))


def _save(client, group_id: int, period_id, changes: list):
    response = client.post("/journal/save", json={"group": group_id, "period": period_id, "changes": changes})
    return response.status_code, response.get_json()


def _free_student(data: dict, assignment_id: int) -> int:
    """A student of the grid without a mark for the assignment."""
    for student in data["students"]:
        if f"{assignment_id}:{student['id']}" not in data["marks"] and not student["left"]:
            return student["id"]
    pytest.skip("every student has a mark for this assignment")


@pytest.fixture()
def teacher(client):
    return login(client, "teacher")


@pytest.fixture(scope="module")
def own_group(app):
    """A fresh group of the demo teacher's, for the tests that write (removed at the end)."""
    data = timetabled_group(app, "Журнал для проверки сетки")
    yield data["group"]
    delete_group(app, data["group"])


def test_teacher_sees_the_students_lessons_and_marks_of_their_group(app, teacher):
    group = _teacher_group(app)
    data = _open(teacher, group)
    with app.app_context():
        period = db.session.get(StudyPeriod, data["period"]["id"])
        stored = db.session.scalar(
            select(func.count(Mark.id)).join(Assignment, Mark.assignment_id == Assignment.id)
            .join(Lesson, Assignment.lesson_id == Lesson.id)
            .where(Lesson.subject_group_id == group, Lesson.date >= period.start_date, Lesson.date <= period.end_date))
        lessons = db.session.scalar(select(func.count(Lesson.id)).where(
            Lesson.subject_group_id == group, Lesson.date >= period.start_date, Lesson.date <= period.end_date))
        db.session.remove()
    today = school_today()
    quarters = _periods_of(app, group)
    if any(p.start_date <= today <= p.end_date for p in quarters):
        assert period.start_date <= today <= period.end_date, "the current period opens by default"
    else:  # the holidays between two periods
        just_ended = max((p for p in quarters if p.start_date <= today), key=lambda p: p.start_date)
        assert period.id == just_ended.id, "in the holidays the period just ended opens by default"
    assert len(data["marks"]) == stored > 0
    assert len(data["lessons"]) == lessons
    assert len(data["students"]) >= 20
    assert data["editable"] is True
    assert all(a["abbr"] and a["weight"] > 0 for lesson in data["lessons"] for a in lesson["assignments"])


def test_averages_on_the_page_are_the_weighted_average_of_the_rules(app, teacher):
    group = _teacher_group(app)
    data = _open(teacher, group)
    scores = {v["code"]: v["score"] for v in data["scale"]}
    weights = {a["id"]: a["weight"] for lesson in data["lessons"] if not lesson["cancelled"] for a in lesson["assignments"]}

    def pairs_of(student):
        return [(scores[v[0]], weights[int(key.split(":")[0])]) for key, v in data["marks"].items()
                if key.endswith(f":{student}") and v[0] and int(key.split(":")[0]) in weights]

    # the first student with a mark (early in the year not everyone has one)
    student = next(s["id"] for s in data["students"] if pairs_of(s["id"]))
    pairs = pairs_of(student)
    expected = weighted_average(pairs)
    shown = data["averages"][str(student)]
    assert shown["weighted"] == format_average(expected)
    assert shown["suggested"] == suggest_period_mark(expected)
    assert shown["formula"].endswith("= " + format_average(expected))


def test_the_averages_asked_after_a_save_are_the_ones_the_page_shows_for_every_student(app, teacher):
    group = _teacher_group(app)
    data = _open(teacher, group)
    period = data["period"]["id"]
    asked = teacher.get(f"/journal/averages?group={group}&period={period}").get_json()
    assert asked == data["averages"] and any(a["count"] for a in asked.values())
    other = next(p["id"] for p in data["periods"] if p["id"] != period)
    page = _grid_data(teacher.get(f"/journal/?group={group}&period={other}").get_data(as_text=True))
    assert page["period"]["id"] == other
    assert teacher.get(f"/journal/averages?group={group}&period={other}").get_json() == page["averages"]
    assert teacher.get(f"/journal/averages?group={group}&period=999999").get_json() == {}


def test_a_batch_saves_good_cells_and_refuses_a_bad_one_with_a_russian_message(app, teacher, own_group):
    group = own_group
    lesson_id, assignment_id, _ = _lesson_with_assignment(app, group, 0)
    data = _open(teacher, group)
    students = [s["id"] for s in data["students"] if f"{assignment_id}:{s['id']}" not in data["marks"]][:2]
    if len(students) < 2:
        students = [s["id"] for s in data["students"]][:2]
    changes = [
        {"kind": "mark", "assignment": assignment_id, "student": students[0], "value": "5", "duty": False,
         "comment": "Устный ответ", "old": data["marks"].get(f"{assignment_id}:{students[0]}", ["", False, ""])},
        {"kind": "mark", "assignment": assignment_id, "student": students[1], "value": "7", "duty": False, "comment": "",
         "old": data["marks"].get(f"{assignment_id}:{students[1]}", ["", False, ""])},
        {"kind": "attendance", "lesson": lesson_id, "student": students[1], "value": "н",
         "old": data["attendance"].get(f"{lesson_id}:{students[1]}", "")},
    ]
    status, answer = _save(teacher, group, data["period"]["id"], changes)
    assert status == 200
    assert answer["saved"] == [0, 2]
    assert "«7»" in answer["errors"]["1"] and "шкал" in answer["errors"]["1"]
    assert str(students[0]) in answer["averages"]
    with app.app_context():
        mark = db.session.scalar(select(Mark).where(Mark.assignment_id == assignment_id, Mark.student_id == students[0]))
        assert (mark.value.code, mark.comment) == ("5", "Устный ответ")
        absence = db.session.scalar(select(Attendance).where(Attendance.lesson_id == lesson_id,
                                                             Attendance.student_id == students[1]))
        assert absence.code.code == "Н"
        audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "mark", AuditLog.row_id == mark.id)
                                   .order_by(AuditLog.id.desc())).all()
        teacher_id = db.session.scalar(select(PartaUser.id).where(PartaUser.username == "teacher"))
        assert any(a.field == "value_id" and a.new_value == "5" and a.user_id == teacher_id for a in audit)
        assert audit[0].subject_group_id == group and audit[0].student_id == students[0]
        db.session.remove()


def test_a_point_duty_mark_and_clearing_a_cell(app, teacher, own_group):
    group = own_group
    _, assignment_id, _ = _lesson_with_assignment(app, group, 0)
    data = _open(teacher, group)
    student = _free_student(data, assignment_id)
    status, answer = _save(teacher, group, None, [
        {"kind": "mark", "assignment": assignment_id, "student": student, "value": "", "duty": True, "comment": "", "old": ["", False, ""]}])
    assert answer["saved"] == [0]
    with app.app_context():
        mark = db.session.scalar(select(Mark).where(Mark.assignment_id == assignment_id, Mark.student_id == student))
        assert mark.is_duty and mark.value_id is None
        db.session.remove()
    status, answer = _save(teacher, group, None, [
        {"kind": "mark", "assignment": assignment_id, "student": student, "value": "", "duty": False, "comment": "", "old": ["", True, ""]}])
    assert answer["saved"] == [0]
    with app.app_context():
        assert db.session.scalar(select(Mark).where(Mark.assignment_id == assignment_id, Mark.student_id == student)) is None
        db.session.remove()


def test_a_cell_changed_by_someone_else_meanwhile_is_not_overwritten(app, teacher, own_group):
    group = own_group
    _, assignment_id, _ = _lesson_with_assignment(app, group, 0)
    data = _open(teacher, group)
    student = _free_student(data, assignment_id)
    # the coordinator puts a «4» after the teacher opened the page
    coordinator = app.test_client()
    login(coordinator, "coordinator")
    _, first = _save(coordinator, group, None, [
        {"kind": "mark", "assignment": assignment_id, "student": student, "value": "4", "duty": False, "comment": "", "old": ["", False, ""]}])
    assert first["saved"] == [0]
    _, answer = _save(teacher, group, None, [
        {"kind": "mark", "assignment": assignment_id, "student": student, "value": "3", "duty": False, "comment": "", "old": ["", False, ""]}])
    assert answer["saved"] == [] and answer["conflicts"]["0"] == ["4", False, ""]
    with app.app_context():
        mark = db.session.scalar(select(Mark).where(Mark.assignment_id == assignment_id, Mark.student_id == student))
        assert mark.value.code == "4"
        db.session.remove()


def _history_mark(app, group_id: int, assignment_id: int, code: str = "4") -> None:
    """A mark of the class's first student, written as history (outside a request, where locks do not bind)."""
    from app.models import Enrolment, GradeScale, GradeScaleValue

    with app.app_context():
        group = db.session.get(SubjectGroup, group_id)
        student = db.session.scalar(select(Enrolment.student_id).where(
            Enrolment.class_id == group.class_id, Enrolment.end_date.is_(None)).order_by(Enrolment.student_id))
        scale = db.session.scalar(select(GradeScale.id).where(GradeScale.is_default.is_(True)))
        value = db.session.scalar(select(GradeScaleValue.id).where(GradeScaleValue.scale_id == scale,
                                                                   GradeScaleValue.code == code))
        db.session.add(Mark(school_id=group.school_id, assignment_id=assignment_id, student_id=student, value_id=value))
        db.session.commit()
        db.session.remove()


def test_marks_of_a_lesson_11_days_old_are_refused_until_the_coordinator_unlocks(app, teacher, own_group):
    group = own_group
    found = _lesson_with_assignment(app, group, 11)
    if found is None:
        pytest.skip(f"on {school_today():%d.%m.%Y} no lesson of the school year is 11 days old yet")
    lesson_id, assignment_id, day = found
    _history_mark(app, group, assignment_id)
    data = _open(teacher, group)
    lesson = next((l for l in data["lessons"] if l["id"] == lesson_id), None)
    if lesson is not None:
        assert lesson["lock"] and day.strftime("%d.%m.%Y") in lesson["lock"]
    with app.app_context():
        student = db.session.scalar(select(Mark.student_id).where(Mark.assignment_id == assignment_id).limit(1))
        mark = db.session.scalar(select(Mark).where(Mark.assignment_id == assignment_id, Mark.student_id == student))
        old = [mark.value.code if mark.value else "", mark.is_duty, mark.comment or ""]
        db.session.remove()
    new = "3" if old[0] != "3" else "4"
    change = {"kind": "mark", "assignment": assignment_id, "student": student, "value": new, "duty": False,
              "comment": old[2], "old": old}
    _, answer = _save(teacher, group, None, [change])
    assert answer["saved"] == []
    assert day.strftime("%d.%m.%Y") in answer["errors"]["0"] and "координатор" in answer["errors"]["0"]

    with app.app_context():
        unlock = JournalUnlock(school_id=db.session.get(SubjectGroup, group).school_id, subject_group_id=group,
                               date_from=day, date_to=day, until=school_today(), reason="Болезнь учителя")
        db.session.add(unlock)
        db.session.commit()
        unlock_id = unlock.id
        db.session.remove()
    try:
        _, answer = _save(teacher, group, None, [change])
        assert answer["saved"] == [0], answer
    finally:
        with app.app_context():
            db.session.delete(db.session.get(JournalUnlock, unlock_id))
            db.session.commit()
            db.session.remove()


def test_teacher_reads_but_cannot_change_a_journal_of_another_teachers_group(app, client):
    login(client, "coordinator")
    with app.app_context():
        others = select(SubjectGroupTeacher.subject_group_id).join(Employee).join(PartaUser, Employee.user_id == PartaUser.id) \
            .where(PartaUser.username == "teacher")
        foreign = db.session.scalar(select(SubjectGroup.id).where(
            SubjectGroup.id.not_in(others), SubjectGroup.id.in_(select(Lesson.subject_group_id).join(Assignment)))
            .order_by(SubjectGroup.id))
        db.session.remove()
    teacher = app.test_client()
    login(teacher, "teacher")
    assert teacher.get(f"/journal/?group={foreign}").status_code == 404  # not even visible
    _, assignment_id, _ = _lesson_with_assignment(app, foreign, 0)
    status, answer = _save(teacher, foreign, None, [
        {"kind": "mark", "assignment": assignment_id, "student": 1, "value": "5", "duty": False, "comment": ""}])
    assert status == 404 or answer["saved"] == []


def test_lesson_topic_and_homework_are_saved_from_the_header(app, teacher, own_group):
    group = own_group
    lesson_id, _, _ = _lesson_with_assignment(app, group, 0)
    data = _open(teacher, group)
    lesson = next(l for l in data["lessons"] if l["id"] == lesson_id)
    _, answer = _save(teacher, group, None, [{"kind": "lesson", "lesson": lesson_id, "topic": "Сложение дробей",
                                              "homework": "№ 245, 246", "old": {"topic": lesson["topic"], "homework": lesson["homework"]}}])
    assert answer["saved"] == [0]
    with app.app_context():
        stored = db.session.get(Lesson, lesson_id)
        assert (stored.topic, stored.homework) == ("Сложение дробей", "№ 245, 246")
        assert db.session.scalar(select(AuditLog.new_value).where(AuditLog.entity == "lesson", AuditLog.row_id == lesson_id,
                                                                 AuditLog.field == "topic").order_by(AuditLog.id.desc())) == "Сложение дробей"
        db.session.remove()


def test_teacher_sets_a_period_mark_from_the_menu(app, teacher, own_group):
    group = own_group
    data = _open(teacher, group)
    student = data["students"][-1]["id"]
    old = data["periodMarks"].get(str(student), "")
    new = "4" if old != "4" else "5"
    _, answer = _save(teacher, group, data["period"]["id"], [
        {"kind": "period", "period": data["period"]["id"], "student": student, "value": new, "old": old}])
    assert answer["saved"] == [0], answer
    with app.app_context():
        mark = db.session.scalar(select(PeriodMark).where(PeriodMark.subject_group_id == group, PeriodMark.student_id == student,
                                                          PeriodMark.period_id == data["period"]["id"]))
        assert mark.value.code == new
        db.session.remove()
    final = teacher.get(f"/journal/final?group={group}")
    assert final.status_code == 200


def test_grid_page_reads_a_fixed_number_of_statements_whatever_the_group(app, teacher):
    with app.app_context():
        groups = db.session.execute(select(SubjectGroupTeacher.subject_group_id).join(Employee)
                                    .join(PartaUser, Employee.user_id == PartaUser.id)
                                    .where(PartaUser.username == "teacher")).scalars().all()[:2]
        engine = db.engine
    counts = []
    for group in groups:
        statements = []
        listener = lambda *args: is_session_touch(args[2]) or statements.append(args[2])  # noqa: E731
        teacher.get(f"/journal/?group={group}")  # warm: the first request of a login loads more
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert teacher.get(f"/journal/?group={group}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 15, counts


def test_the_lesson_dialog_offers_the_thematic_plans_topics_for_lessons_without_one(app, teacher):
    from app.models import ThematicPlan, ThematicPlanTopic

    group = _teacher_group(app)
    with app.app_context():
        school = db.session.get(SubjectGroup, group).school_id
        plan = db.session.scalar(select(ThematicPlan).where(ThematicPlan.subject_group_id == group))
        created = plan is None
        if created:
            plan = ThematicPlan(school_id=school, subject_group_id=group, name="КТП")
            db.session.add(plan)
            db.session.flush()
        saved = [(t.position, t.title, t.hours, t.homework) for t in plan.topics]
        for topic in list(plan.topics):
            db.session.delete(topic)
        db.session.flush()
        db.session.add_all([ThematicPlanTopic(school_id=school, plan_id=plan.id, position=i + 1, title=f"Тема плана {i + 1}",
                                              hours=1, homework=f"§ {i + 1}") for i in range(400)])
        lessons = db.session.execute(select(Lesson.id, Lesson.topic, Lesson.is_cancelled).where(Lesson.subject_group_id == group)
                                     .order_by(Lesson.date, Lesson.number, Lesson.id)).all()
        db.session.commit()
        plan_id = plan.id
        db.session.remove()
    try:
        suggestions = teacher.get(f"/journal/plan?group={group}").get_json()
        held = [l for l in lessons if not l.is_cancelled]
        for index, lesson in enumerate(held[:400]):
            if (lesson.topic or "").strip():
                assert str(lesson.id) not in suggestions  # a written topic is never replaced
            else:
                assert suggestions[str(lesson.id)] == {"topic": f"Тема плана {index + 1}", "homework": f"§ {index + 1}"}
    finally:
        with app.app_context():
            plan = db.session.get(ThematicPlan, plan_id)
            for topic in list(plan.topics):
                db.session.delete(topic)
            db.session.flush()
            if created:
                db.session.delete(plan)
            else:
                db.session.add_all([ThematicPlanTopic(school_id=plan.school_id, plan_id=plan_id, position=p, title=t,
                                                      hours=h, homework=hw) for p, t, h, hw in saved])
            db.session.commit()
            db.session.remove()


def test_final_marks_tab_saves_a_year_mark_and_refuses_it_without_the_right(app, teacher, own_group, client):
    from app.models import FinalMark, FinalMarkColumn

    group = own_group
    page = teacher.get(f"/journal/final?group={group}")
    assert page.status_code == 200 and "Итоговые отметки" in page.get_data(as_text=True)
    with app.app_context():
        year = db.session.get(SubjectGroup, group).year_id
        column = db.session.scalar(select(FinalMarkColumn.id).where(FinalMarkColumn.year_id == year).order_by(FinalMarkColumn.order))
        db.session.remove()
    data = _open(teacher, group)
    student = data["students"][0]["id"]
    _, answer = _save(teacher, group, None, [{"kind": "final", "column": column, "student": student, "value": "4", "old": ""}])
    assert answer["saved"] == [0], answer
    with app.app_context():
        mark = db.session.scalar(select(FinalMark).where(FinalMark.column_id == column, FinalMark.student_id == student,
                                                         FinalMark.subject_group_id == group))
        assert mark.value.code == "4"
        db.session.delete(mark)
        db.session.commit()
        db.session.remove()


def test_a_substitute_teacher_keeps_the_journal_of_the_substituted_lesson_only(app, client):
    from app.models import SchoolClass

    with app.app_context():
        substitute = db.session.scalar(select(Employee.id).join(PartaUser, Employee.user_id == PartaUser.id)
                                       .where(PartaUser.username == "classteacher"))
        led = select(SchoolClass.id).where(SchoolClass.class_teacher_id == substitute)
        taught = select(SubjectGroupTeacher.subject_group_id).where(SubjectGroupTeacher.employee_id == substitute)
        class_id = db.session.scalar(
            select(SubjectGroup.class_id).join(SubjectGroupTeacher, SubjectGroupTeacher.subject_group_id == SubjectGroup.id)
            .join(Employee, SubjectGroupTeacher.employee_id == Employee.id).join(PartaUser, Employee.user_id == PartaUser.id)
            .where(PartaUser.username == "teacher", SubjectGroup.class_id.not_in(led), SubjectGroup.id.not_in(taught))
            .order_by(SubjectGroup.id))
        db.session.remove()
    # a group of the demo teacher's in a class the substitute neither leads nor teaches, with
    # a second lesson on the day of the latest one (lesson 9), which the substitute does not take
    own = timetabled_group(app, "Журнал для замены", class_id=class_id, number=10)
    group = own["group"]
    try:
        lesson_id, assignment_id, day = _lesson_with_assignment(app, group, 0)
        with app.app_context():
            other = Lesson(school_id=own["school"], subject_group_id=group, date=day, number=9, is_manual=True)
            other_type = db.session.scalar(select(AssignmentType.id).where(AssignmentType.is_control.is_(False))
                                           .order_by(AssignmentType.id))
            db.session.add(Assignment(school_id=own["school"], lesson=other, type_id=other_type))
            db.session.flush()
            other_assignment = db.session.scalar(
                select(Assignment.id).join(Lesson, Assignment.lesson_id == Lesson.id)
                .where(Lesson.subject_group_id == group, Lesson.id != lesson_id, Lesson.date <= school_today())
                .order_by(Lesson.date.desc()).limit(1))
            lesson = db.session.get(Lesson, lesson_id)
            lesson.substitute_id = substitute
            db.session.commit()
            db.session.remove()
        login(client, "classteacher")
        data = _open(client, group)
        assert [l["id"] for l in data["lessons"]] == [lesson_id], "only the substituted lesson is shown"
        assert data["editable"] is True
        student = _free_student(data, assignment_id)
        _, answer = _save(client, group, None, [
            {"kind": "mark", "assignment": assignment_id, "student": student, "value": "4", "duty": False, "comment": "",
             "old": ["", False, ""]}])
        assert answer["saved"] == [0], answer
        status, answer = _save(client, group, None, [
            {"kind": "mark", "assignment": other_assignment, "student": student, "value": "4", "duty": False, "comment": ""}])
        assert status != 200 or answer["saved"] == []
    finally:
        delete_group(app, group)


def test_the_new_column_dialog_names_each_kind_of_work_with_its_weight(app, teacher, own_group):
    """«Контрольная работа (К, вес 2)»: the teacher sees what a new column will weigh."""
    import re

    page = teacher.get(f"/journal/?group={own_group}").get_data(as_text=True)
    data = _grid_data(page)
    options = dict(re.findall(r'<option value="(\d+)">([^<]*)</option>', page.split('id="assignment-form"', 1)[1]))
    assert data["types"] and len(options) >= len(data["types"])
    for kind in data["types"]:
        weight = f"{kind['weight']:g}".replace(".", ",")
        assert options[str(kind["id"])] == f"{kind['name']} ({kind['abbr']}, вес {weight})", options
