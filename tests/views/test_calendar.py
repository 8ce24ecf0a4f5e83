"""The lesson calendar: lessons generated from the timetable × the study periods −
the class's holidays; generating again changes nothing; filled lessons off the
timetable are kept as conflicts; lessons are added, moved and cancelled by hand."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import gettext
from sqlalchemy import delete, func, select

from app.extensions import db
from app.journal.calendar import generate_lessons
from app.models import (
    Assignment, AuditLog, AssignmentType, Attendance, AttendanceCode, Enrolment, Employee, GradeScaleValue, Holiday, Lesson,
    Mark, PartaUser, ScheduleEntry, SchoolClass, SchoolYear, SubjectGroup, SubjectGroupTeacher,
)
from tests.conftest import flashes, login, unique
from tests.forms import read_form

TUESDAY, THURSDAY = 2, 4
NUMBER = 8  # after the demo's last lesson of the day: the fresh group's slots are its own


def message(app, msgid: str, **params) -> str:
    """The text the user reads for a message (Russian once translated)."""
    with app.test_request_context():
        return gettext(msgid, **params)


def demo_group(session) -> SubjectGroup:
    """The demo teacher's maths group of a 5th class."""
    teacher = session.scalar(select(Employee.id).join(PartaUser, Employee.user_id == PartaUser.id)
                             .where(PartaUser.username == "teacher"))
    return session.scalar(
        select(SubjectGroup).join(SubjectGroupTeacher, SubjectGroupTeacher.subject_group_id == SubjectGroup.id)
        .join(SchoolClass, SubjectGroup.class_id == SchoolClass.id)
        .where(SubjectGroupTeacher.employee_id == teacher, SchoolClass.grade == 5)
        .order_by(SchoolClass.letter, SubjectGroup.id).limit(1)
    )


@pytest.fixture()
def fresh_group(app):
    """A new maths group in a demo class with lessons on Tuesdays and Thursdays (number 8); removed afterwards."""
    with app.app_context():
        base = demo_group(db.session)
        teacher = db.session.scalar(select(SubjectGroupTeacher.employee_id).where(SubjectGroupTeacher.subject_group_id == base.id))
        room = db.session.scalar(select(ScheduleEntry.room_id).where(ScheduleEntry.subject_group_id == base.id).limit(1))
        group = SubjectGroup(school_id=base.school_id, year_id=base.year_id, class_id=base.class_id, subject_id=base.subject_id,
                             name=unique("Математика, кружок"), is_whole_class=True, grade_scale_id=base.grade_scale_id,
                             hours_per_week=2)
        db.session.add(group)
        db.session.flush()
        db.session.add(SubjectGroupTeacher(school_id=base.school_id, subject_group_id=group.id, employee_id=teacher, is_main=True))
        for weekday in (TUESDAY, THURSDAY):
            db.session.add(ScheduleEntry(school_id=base.school_id, subject_group_id=group.id, weekday=weekday,
                                         lesson_number=NUMBER, room_id=room, valid_from=base.year.start_date))
        db.session.commit()
        data = {"id": group.id, "teacher": teacher, "room": room, "school": base.school_id, "class": base.class_id,
                "year_start": base.year.start_date, "year_end": base.year.end_date,
                "holiday_set": base.school_class.holiday_set_id, "scale": base.grade_scale_id}
        db.session.remove()
    yield data
    with app.app_context():
        db.session.execute(delete(SubjectGroup).where(SubjectGroup.id == data["id"]))  # lessons and timetable cascade
        db.session.commit()
        db.session.remove()


def lessons_of(group_id: int) -> list:
    return db.session.scalars(select(Lesson).where(Lesson.subject_group_id == group_id).order_by(Lesson.date)).all()


def holidays_of(set_id: int) -> list:
    return db.session.execute(select(Holiday.start_date, Holiday.end_date).where(Holiday.holiday_set_id == set_id)).all()


def a_day(start: dt.date, weekday: int, weeks: int = 0) -> dt.date:
    return start + dt.timedelta(days=(weekday - start.isoweekday()) % 7 + 7 * weeks)


# --- Generation -------------------------------------------------------------------

def test_the_demo_journal_is_what_the_generator_makes_from_the_timetable(app_ctx):
    from demo.catalog import EXTRA_FIRST_GRADE_HOLIDAYS, HOLIDAYS

    # Other tests share the database: leave out the holidays they added (rolled back
    # below) and the lessons they created or moved (those have a «date» audit row).
    demo_holidays = set(HOLIDAYS + EXTRA_FIRST_GRADE_HOLIDAYS)
    for holiday in db.session.scalars(select(Holiday)):
        if (holiday.name, holiday.start_date, holiday.end_date) not in demo_holidays:
            db.session.delete(holiday)
    db.session.flush()
    touched = set(db.session.scalars(select(AuditLog.row_id).where(AuditLog.entity == "lesson", AuditLog.field == "date")))
    groups = db.session.scalars(select(SubjectGroup.id)).all()
    last_lesson = db.session.scalar(select(func.max(Lesson.date)))
    try:
        result = generate_lessons(db.session, groups, None, last_lesson)
    finally:
        db.session.rollback()
    assert len(result.groups) == len(groups) and result.created == 0
    assert [lesson.id for g in result.groups for lesson in g.remove + g.conflicts if lesson.id not in touched] == []


def test_lessons_come_from_the_timetable_over_the_periods_without_holidays(app_ctx, fresh_group):
    result = generate_lessons(db.session, [fresh_group["id"]], apply=True)
    db.session.commit()
    made = lessons_of(fresh_group["id"])
    assert len(made) == result.created > 60  # two a week over the year
    assert {lesson.date.isoweekday() for lesson in made} == {TUESDAY, THURSDAY}
    assert {lesson.number for lesson in made} == {NUMBER}
    holidays = holidays_of(fresh_group["holiday_set"])
    assert holidays and not [l.date for l in made if any(a <= l.date <= b for a, b in holidays)]
    assert dt.date(2027, 2, 23) not in {l.date for l in made}  # a Tuesday, Defender of the Fatherland Day
    assert {(l.teacher_id, l.room_id, l.is_manual, l.school_id) for l in made} == {
        (fresh_group["teacher"], fresh_group["room"], False, fresh_group["school"])}
    assert min(l.date for l in made) >= fresh_group["year_start"] and max(l.date for l in made) <= fresh_group["year_end"]


def test_generating_again_creates_and_removes_nothing(app_ctx, fresh_group):
    first = generate_lessons(db.session, [fresh_group["id"]], apply=True)
    db.session.commit()
    again = generate_lessons(db.session, [fresh_group["id"]], apply=True)
    db.session.commit()
    assert first.created > 0
    assert (again.created, again.removed, again.conflicts) == (0, 0, 0)
    assert len(lessons_of(fresh_group["id"])) == first.created


def test_a_date_range_limits_the_lessons_made(app_ctx, fresh_group):
    start = fresh_group["year_start"] + dt.timedelta(days=7)
    generate_lessons(db.session, [fresh_group["id"]], start, start + dt.timedelta(days=13), apply=True)
    db.session.commit()
    assert len(lessons_of(fresh_group["id"])) == 4  # two weeks, two lessons a week, no holidays in September


def test_a_preview_writes_nothing(app_ctx, fresh_group):
    result = generate_lessons(db.session, [fresh_group["id"]])
    db.session.commit()
    assert result.created > 0 and lessons_of(fresh_group["id"]) == []


def test_lessons_off_the_timetable_are_removed_only_while_empty(app_ctx, fresh_group):
    start = fresh_group["year_start"]
    wednesday, wednesday2, friday = a_day(start, 3, 1), a_day(start, 3, 2), a_day(start, 5, 1)
    group, school = fresh_group["id"], fresh_group["school"]
    student = db.session.scalar(select(Enrolment.student_id).where(Enrolment.class_id == fresh_group["class"]).limit(1))
    work = db.session.scalar(select(AssignmentType).order_by(AssignmentType.id).limit(1))
    five = db.session.scalar(select(GradeScaleValue).where(GradeScaleValue.scale_id == fresh_group["scale"],
                                                           GradeScaleValue.code == "5"))
    code = db.session.scalar(select(AttendanceCode).order_by(AttendanceCode.id).limit(1))

    def lesson(day, **extra):
        item = Lesson(school_id=school, subject_group_id=group, date=day, number=NUMBER, **extra)
        db.session.add(item)
        return item

    marked = lesson(wednesday)
    db.session.add(Mark(school_id=school, assignment=Assignment(school_id=school, lesson=marked, type=work),
                        student_id=student, value=five))
    absent = lesson(wednesday2)
    db.session.add(Attendance(school_id=school, lesson=absent, student_id=student, code=code))
    with_topic = lesson(friday, topic="Решение задач")
    empty = lesson(a_day(start, 5, 2))
    by_hand = lesson(a_day(start, 5, 3), is_manual=True)
    db.session.commit()
    marked, absent, with_topic, empty, by_hand = (l.id for l in (marked, absent, with_topic, empty, by_hand))

    result = generate_lessons(db.session, [group], start, start + dt.timedelta(days=27), apply=True)
    db.session.commit()
    (calendar,) = result.groups
    conflicts = {l.id: l for l in calendar.conflicts}
    assert set(conflicts) == {marked, absent, with_topic}
    assert conflicts[marked].marks == 1 and conflicts[absent].attendance == 1
    assert [l.id for l in calendar.remove] == [empty]
    remaining = {l.id for l in lessons_of(group)}
    assert {marked, absent, with_topic, by_hand} <= remaining and empty not in remaining


def test_a_lesson_moved_by_hand_keeps_its_timetable_slot(app_ctx, fresh_group):
    start = fresh_group["year_start"]
    tuesday = a_day(start, TUESDAY, 1)
    generate_lessons(db.session, [fresh_group["id"]], start, start + dt.timedelta(days=13), apply=True)
    db.session.commit()
    moved = db.session.scalar(select(Lesson).where(Lesson.subject_group_id == fresh_group["id"], Lesson.date == tuesday))
    moved.date, moved.moved_from, moved.topic = tuesday + dt.timedelta(days=1), tuesday, "Перенесённый урок"
    db.session.commit()
    again = generate_lessons(db.session, [fresh_group["id"]], start, start + dt.timedelta(days=13), apply=True)
    db.session.commit()
    assert (again.created, again.removed, again.conflicts) == (0, 0, 0)


# --- The wizard -------------------------------------------------------------------

def test_only_planning_roles_open_the_wizard(client):
    login(client, "teacher")
    assert client.get("/calendar/").status_code == 403
    client.post("/logout/")
    login(client, "coordinator")
    page = client.get("/calendar/")
    assert page.status_code == 200 and 'name="date_from"' in page.get_data(as_text=True)


def test_the_wizard_defaults_to_the_current_year(app, client):
    login(client, "coordinator")
    form = client.get("/calendar/").get_data(as_text=True)
    with app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        start, end = year.start_date, year.end_date
        db.session.remove()
    assert f'value="{start:%d.%m.%Y}"' in form and f'value="{end:%d.%m.%Y}"' in form


def test_coordinator_previews_then_creates_the_lessons_of_a_group(app, client, fresh_group):
    login(client, "coordinator")
    query = {"class_id": fresh_group["class"], "group_id": fresh_group["id"], "preview": "1"}
    preview = client.get("/calendar/", query_string=query).get_data(as_text=True)
    with app.app_context():
        assert lessons_of(fresh_group["id"]) == []  # the preview wrote nothing
        expected = generate_lessons(db.session, [fresh_group["id"]]).created
        db.session.remove()
    assert f'data-group="{fresh_group["id"]}"' in preview and "calendar-create\">" + str(expected) in preview
    assert 'action="/calendar/"' in preview and 'method="post"' in preview

    response = client.post("/calendar/", data={"class_id": fresh_group["class"], "group_id": fresh_group["id"],
                                               "date_from": "", "date_to": ""}, follow_redirects=True)
    shown = flashes(response.get_data(as_text=True))
    summary = message(app, "Lessons created: %(created)s; empty lessons removed: %(removed)s; lessons with marks, "
                           "attendance or a topic kept as conflicts: %(conflicts)s.", created=expected, removed=0, conflicts=0)
    assert summary in shown, shown
    with app.app_context():
        assert len(lessons_of(fresh_group["id"])) == expected
        db.session.remove()


def test_bad_dates_are_refused_with_a_message_and_nothing_is_created(app, client, fresh_group):
    login(client, "coordinator")
    response = client.post("/calendar/", data={"group_id": fresh_group["id"], "date_from": "31.13.2026", "date_to": ""},
                           follow_redirects=True)
    assert message(app, "Enter the dates as DD.MM.YYYY.") in flashes(response.get_data(as_text=True))
    with app.app_context():
        assert lessons_of(fresh_group["id"]) == []
        db.session.remove()


# --- By hand ----------------------------------------------------------------------

def test_a_lesson_added_by_hand_is_marked_so_and_survives_generation(app, admin_client, fresh_group):
    day = a_day(fresh_group["year_start"], 3, 2)  # a Wednesday: not in the timetable
    admin_client.post("/lessonview/add", data={"subject_group": fresh_group["id"], "date": f"{day:%d.%m.%Y}",
                                               "number": "3", "topic": "", "homework": ""})
    with app.app_context():
        (lesson,) = lessons_of(fresh_group["id"])
        assert lesson.is_manual and lesson.date == day
        generate_lessons(db.session, [fresh_group["id"]], day, day, apply=True)
        db.session.commit()
        assert [l.id for l in lessons_of(fresh_group["id"])] == [lesson.id]
        db.session.remove()


def test_moving_a_lesson_by_hand_remembers_its_timetable_date(app, admin_client, fresh_group):
    start = fresh_group["year_start"]
    with app.app_context():
        generate_lessons(db.session, [fresh_group["id"]], start, start + dt.timedelta(days=13), apply=True)
        db.session.commit()
        lesson = lessons_of(fresh_group["id"])[1]
        pk, old_date = lesson.id, lesson.date
        db.session.remove()
    form = read_form(admin_client.get(f"/lessonview/edit/{pk}").get_data(as_text=True)).data
    new_date = old_date + dt.timedelta(days=1)
    form.update(date=f"{new_date:%d.%m.%Y}", is_cancelled="y")
    admin_client.post(f"/lessonview/edit/{pk}", data=form)
    with app.app_context():
        lesson = db.session.get(Lesson, pk)
        assert (lesson.date, lesson.moved_from, lesson.is_cancelled) == (new_date, old_date, True)
        again = generate_lessons(db.session, [fresh_group["id"]], start, start + dt.timedelta(days=13))
        assert again.created == 0  # the moved lesson still holds its slot
        db.session.remove()
    form.update(date=f"{old_date:%d.%m.%Y}")
    admin_client.post(f"/lessonview/edit/{pk}", data=form)
    with app.app_context():
        assert db.session.get(Lesson, pk).moved_from is None  # back on its own date
        db.session.remove()
