"""Timetable clashes are refused on every write path — the CRUD page, a plain flush
(the editor, the import, REST and jobs write through it) — with a Russian message
naming both lessons; a subgroup pair shares a slot in different rooms; a line whose
validity ended frees its slot; a substitute busy at the lesson is refused."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import (
    Employee, Lesson, Room, ScheduleEntry, SchoolClass, Subject, SubjectGroup, SubjectGroupTeacher,
)
from app.rules.errors import RuleViolation
from tests.conftest import flashes, login, unique

MONDAY = 1
FREE = 11  # a lesson number the demo never uses: the module's own lines


def _class(session, name: str) -> SchoolClass:
    grade, letter = int(name[:-1]), name[-1]
    return session.scalar(select(SchoolClass).where(SchoolClass.grade == grade, SchoolClass.letter == letter)
                          .order_by(SchoolClass.year_id.desc()).limit(1))


def _group_at(session, class_name: str, weekday: int, number: int) -> SubjectGroup:
    school_class = _class(session, class_name)
    return session.scalar(select(SubjectGroup).join(ScheduleEntry, ScheduleEntry.subject_group_id == SubjectGroup.id)
                          .where(SubjectGroup.class_id == school_class.id, ScheduleEntry.weekday == weekday,
                                 ScheduleEntry.lesson_number == number).limit(1))


@pytest.fixture(scope="module")
def built(app):
    """«Шахматы 5А» (a new whole-class group with a teacher of its own), two English halves
    of 5А and «Шахматы 1А»; removed afterwards with their lines and lessons."""
    with app.app_context():
        session = db.session
        c5, c1 = _class(session, "5А"), _class(session, "1А")
        subject = session.scalar(select(Subject).order_by(Subject.id).limit(1))
        russian = _group_at(session, "1А", MONDAY, 2)
        busy_teacher = session.scalar(select(SubjectGroupTeacher.employee_id)
                                      .where(SubjectGroupTeacher.subject_group_id == russian.id))
        teaching = select(SubjectGroupTeacher.employee_id)
        free = session.scalars(select(Employee.id).where(Employee.id.not_in(teaching)).order_by(Employee.id).limit(3)).all()
        if len(free) < 3:  # every employee teaches: any three but the 1А teacher
            free = session.scalars(select(Employee.id).where(Employee.id != busy_teacher).order_by(Employee.id.desc()).limit(3)).all()
        rooms = session.scalars(select(Room.id).order_by(Room.id)).all()
        made = {}
        for key, school_class, name, whole, teacher in (
            ("chess5", c5, unique("Шахматы 5А"), True, free[0]),
            ("chess1", c1, unique("Шахматы 1А"), True, free[0]),
            ("half1", c5, unique("Английский язык 5А (1 гр.)"), False, free[1]),
            ("half2", c5, unique("Английский язык 5А (2 гр.)"), False, free[2]),
        ):
            group = SubjectGroup(school_id=school_class.school_id, year_id=school_class.year_id, class_id=school_class.id,
                                 subject_id=subject.id, name=name, is_whole_class=whole)
            session.add(group)
            session.flush()
            session.add(SubjectGroupTeacher(school_id=group.school_id, subject_group_id=group.id, employee_id=teacher))
            made[key] = group.id
        session.commit()
        room_101 = session.scalar(select(Room.id).where(Room.name == "101"))
        data = dict(made, school=c5.school_id, year_start=c5.year.start_date, russian=russian.id, room_101=room_101,
                    rooms=[r for r in rooms if r != room_101][:3], russian_teacher=busy_teacher, chess_teacher=free[0])
        db.session.remove()
    yield data
    with app.app_context():
        db.session.execute(delete(SubjectGroup).where(SubjectGroup.id.in_([made[k] for k in made])))
        db.session.commit()
        db.session.remove()


def _line(built, group: str, number: int, room, weekday: int = MONDAY, valid_from=None, valid_to=None) -> ScheduleEntry:
    return ScheduleEntry(school_id=built["school"], subject_group_id=built[group], weekday=weekday, lesson_number=number,
                         room_id=room, valid_from=valid_from or built["year_start"], valid_to=valid_to)


def _refused(*rows) -> str:
    """Adds the rows and flushes: the pipeline's refusal, nothing kept."""
    db.session.add_all(rows)
    try:
        with pytest.raises(RuleViolation) as caught:
            db.session.flush()
    finally:
        db.session.rollback()
    return str(caught.value)


def _lines_of(*groups) -> int:
    return db.session.scalar(select(func.count(ScheduleEntry.id)).where(ScheduleEntry.subject_group_id.in_(groups)))


def test_chess_5a_in_room_101_held_by_russian_1a_is_refused_on_the_crud_page(app, built):
    client = login(app.test_client(), "admin")
    page = client.post("/scheduleentryview/add", data={
        "subject_group": str(built["chess5"]), "weekday": "1", "lesson_number": "2", "room": str(built["room_101"]),
        "valid_from": built["year_start"].strftime("%d.%m.%Y"), "valid_to": "",
    }, follow_redirects=True).get_data(as_text=True)
    message = " ".join(flashes(page))
    assert "Кабинет 101" in message and "Русский язык 1А" in message and "Шахматы 5А" in message
    with app.app_context():
        assert _lines_of(built["chess5"]) == 0


def test_a_teacher_in_two_classes_at_once_is_refused_naming_both(app_ctx, built):
    db.session.add(_line(built, "chess5", FREE, built["rooms"][0]))
    db.session.commit()
    try:
        text = _refused(_line(built, "chess1", FREE, built["rooms"][1]))
        assert "Шахматы 5А" in text and "Шахматы 1А" in text and text.startswith("Teacher")
    finally:
        db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.subject_group_id == built["chess5"]))
        db.session.commit()


def test_a_class_in_two_lessons_at_once_is_refused(app_ctx, built):
    other = _group_at(db.session, "5А", MONDAY, 2)
    taken = select(ScheduleEntry.room_id).where(ScheduleEntry.weekday == MONDAY, ScheduleEntry.lesson_number == 2,
                                                ScheduleEntry.room_id.is_not(None))
    free_room = db.session.scalar(select(Room.id).where(Room.id.not_in(taken)).limit(1))
    text = _refused(_line(built, "chess5", 2, free_room))
    assert other.name in text and "5А" in text


def test_a_subgroup_pair_shares_the_slot_in_different_rooms_but_not_one_room(app_ctx, built):
    try:
        db.session.add_all([_line(built, "half1", FREE, built["rooms"][0]), _line(built, "half2", FREE, built["rooms"][1])])
        db.session.commit()
        assert _lines_of(built["half1"], built["half2"]) == 2
        db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.subject_group_id == built["half2"]))
        db.session.commit()
        text = _refused(_line(built, "half2", FREE, built["rooms"][0]))
        assert "Английский язык 5А (1 гр.)" in text
        # and the whole class beside a half is refused
        assert "5А" in _refused(_line(built, "chess5", FREE, built["rooms"][2]))
    finally:
        db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.subject_group_id.in_([built["half1"], built["half2"]])))
        db.session.commit()


def test_a_slot_freed_by_an_ended_line_may_be_taken_from_the_next_day(app_ctx, built):
    ended = dt.date(2026, 12, 31)
    try:
        db.session.add(_line(built, "chess5", FREE, built["rooms"][0], valid_to=ended))
        db.session.commit()
        db.session.add(_line(built, "chess1", FREE, built["rooms"][0], valid_from=ended + dt.timedelta(days=1)))
        db.session.commit()
        assert _lines_of(built["chess5"], built["chess1"]) == 2
        assert "Шахматы 5А" in _refused(_line(built, "half1", FREE, built["rooms"][0], valid_from=ended))
    finally:
        db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.subject_group_id.in_([built["chess5"], built["chess1"]])))
        db.session.commit()


def test_editing_a_line_into_a_clash_is_refused_and_the_line_stays(app, built):
    with app.app_context():
        line = _line(built, "chess5", FREE, built["rooms"][0])
        db.session.add(line)
        db.session.commit()
        line_id = line.id
        db.session.remove()
    try:
        client = login(app.test_client(), "admin")
        page = client.post(f"/scheduleentryview/edit/{line_id}", data={
            "subject_group": str(built["chess5"]), "weekday": "1", "lesson_number": "2", "room": str(built["room_101"]),
            "valid_from": built["year_start"].strftime("%d.%m.%Y"), "valid_to": "",
        }, follow_redirects=True).get_data(as_text=True)
        assert "Русский язык 1А" in " ".join(flashes(page))
        with app.app_context():
            kept = db.session.get(ScheduleEntry, line_id)
            assert (kept.weekday, kept.lesson_number) == (MONDAY, FREE)
            db.session.remove()
    finally:
        with app.app_context():
            db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.id == line_id))
            db.session.commit()
            db.session.remove()


def test_two_new_lines_of_one_flush_are_checked_against_each_other(app_ctx, built):
    text = _refused(_line(built, "chess5", FREE, built["rooms"][0]), _line(built, "chess1", FREE, built["rooms"][0]))
    assert "Шахматы" in text


def test_a_substitute_who_gives_a_lesson_then_is_refused(app_ctx, built):
    """The 1А Russian teacher cannot substitute a lesson at the hour of their own lesson."""
    russian = db.session.get(SubjectGroup, built["russian"])
    own = db.session.scalar(select(Lesson).where(Lesson.subject_group_id == russian.id, Lesson.substitute_id.is_(None),
                                                 Lesson.is_cancelled.is_not(True)).order_by(Lesson.date).limit(1))
    lesson = Lesson(school_id=built["school"], subject_group_id=built["chess5"], date=own.date, number=own.number,
                    substitute_id=built["russian_teacher"])
    assert russian.name in _refused(lesson)
    free = Lesson(school_id=built["school"], subject_group_id=built["chess5"], date=own.date, number=FREE,
                  substitute_id=built["russian_teacher"])
    db.session.add(free)
    db.session.flush()
    db.session.rollback()


def test_two_admins_placing_clashing_lessons_at_the_same_second_save_one(app, built):
    """Two threads place «Шахматы 5А» and «Шахматы 1А» (one teacher) into the same free slot,
    released together: one is saved, the other is refused with the clash message."""
    import threading

    answers = []
    barrier = threading.Barrier(2)

    def place(group: str, room) -> None:
        client = login(app.test_client(), "admin")
        barrier.wait()
        response = client.post("/timetable/change", json={
            "action": "place", "group_id": built[group], "weekday": 6, "number": FREE, "room_id": room,
            "date": built["year_start"].strftime("%d.%m.%Y")})
        answers.append((response.status_code, (response.get_json() or {}).get("error", "")))

    try:
        for trial in range(3):
            threads = [threading.Thread(target=place, args=("chess5", built["rooms"][0])),
                       threading.Thread(target=place, args=("chess1", built["rooms"][1]))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with app.app_context():
                assert _lines_of(built["chess5"], built["chess1"]) == 1, answers
                db.session.execute(delete(ScheduleEntry).where(
                    ScheduleEntry.subject_group_id.in_([built["chess5"], built["chess1"]])))
                db.session.commit()
                db.session.remove()
        assert sorted(code for code, _ in answers) == [200] * 3 + [422] * 3, answers
        assert all("Шахматы" in error for code, error in answers if code == 422)
    finally:
        with app.app_context():
            db.session.execute(delete(ScheduleEntry).where(
                ScheduleEntry.subject_group_id.in_([built["chess5"], built["chess1"]])))
            db.session.commit()
            db.session.remove()
