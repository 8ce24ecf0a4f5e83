"""The timetable editor, substitutions, the timetable import and the calendar's warnings,
as the admin uses them: every change goes through the clash rule and answers in
Russian; a change from a date keeps the past; a teacher reads his own week only;
a substitute is checked for clashes, then sees the lesson, and the diary names him.
Lives on a date of its own (20.11.2026) and on its own subject groups (lesson 11,
which the demo never uses), removed at the end."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import delete, insert, select

from app.extensions import db
from app.models import (
    Employee, Enrolment, Lesson, PartaUser, Room, ScheduleEntry, SchoolClass, Subject, SubjectGroup, SubjectGroupTeacher,
)
from tests.conftest import DEMO_PASSWORD, flashes, login, unique

TODAY = dt.date(2026, 11, 20)
SATURDAY, FREE = 6, 11
SAT = dt.date(2026, 11, 28)


@pytest.fixture(scope="module", autouse=True)
def fixed_today(app):
    before = app.config.get("PARTA_TODAY")
    app.config["PARTA_TODAY"] = TODAY.isoformat()
    yield TODAY
    app.config["PARTA_TODAY"] = before


def _employee(username: str) -> int:
    return db.session.scalar(select(Employee.id).join(PartaUser, Employee.user_id == PartaUser.id)
                             .where(PartaUser.username == username))


@pytest.fixture(scope="module")
def own(app):
    """«Шахматы 5А» (teacher A) and «Шахматы 1А» (teacher B), two employees who teach nothing
    else; removed afterwards with their lines and lessons."""
    with app.app_context():
        session = db.session
        c5 = session.scalar(select(SchoolClass).where(SchoolClass.grade == 5, SchoolClass.letter == "А")
                            .order_by(SchoolClass.year_id.desc()))
        c1 = session.scalar(select(SchoolClass).where(SchoolClass.grade == 1, SchoolClass.letter == "А",
                                                      SchoolClass.year_id == c5.year_id))
        subject = session.scalar(select(Subject).order_by(Subject.id))
        busy = {_employee("teacher"), _employee("classteacher")}
        teaching = select(SubjectGroupTeacher.employee_id)
        free = [e for e in session.scalars(select(Employee.id).where(Employee.id.not_in(teaching)).order_by(Employee.id))
                if e not in busy][:2]
        made = {}
        for key, school_class, teacher in (("chess5", c5, free[0]), ("chess1", c1, free[1])):
            group = SubjectGroup(school_id=c5.school_id, year_id=c5.year_id, class_id=school_class.id, subject_id=subject.id,
                                 name=unique(f"Шахматы {school_class.name}"), is_whole_class=True, hours_per_week=1)
            session.add(group)
            session.flush()
            session.add(SubjectGroupTeacher(school_id=c5.school_id, subject_group_id=group.id, employee_id=teacher))
            made[key] = group.id
        session.commit()
        data = dict(made, teacher_a=free[0], teacher_b=free[1], class5=c5.id, class1=c1.id, school=c5.school_id,
                    year_start=c5.year.start_date, room_101=session.scalar(select(Room.id).where(Room.name == "101")),
                    substitute=_employee("classteacher"))
        db.session.remove()
    yield data
    with app.app_context():
        db.session.execute(delete(SubjectGroup).where(SubjectGroup.id.in_([made["chess5"], made["chess1"]])))
        db.session.commit()
        db.session.remove()


def _lines(group_id: int) -> list:
    with db.session.no_autoflush:
        rows = db.session.execute(select(ScheduleEntry.weekday, ScheduleEntry.lesson_number, ScheduleEntry.valid_from,
                                         ScheduleEntry.valid_to).where(ScheduleEntry.subject_group_id == group_id)
                                  .order_by(ScheduleEntry.valid_from)).all()
    db.session.remove()
    return [tuple(r) for r in rows]


def _clear(app, *groups) -> None:
    with app.app_context():
        db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.subject_group_id.in_(groups)))
        db.session.execute(delete(Lesson).where(Lesson.subject_group_id.in_(groups)))
        db.session.commit()
        db.session.remove()


def _change(client, **change):
    change.setdefault("date", "20.11.2026")
    response = client.post("/timetable/change", json=change)
    return response.status_code, response.get_json()


def test_the_admin_places_moves_and_removes_a_lesson_and_clashes_are_refused_with_both_lessons_named(app, own):
    admin = login(app.test_client(), "admin")
    try:
        page = admin.get(f"/timetable/?kind=class&id={own['class5']}&date=20.11.2026").get_data(as_text=True)
        assert "Редактор расписания" in page and "parta-timetable.js" in page
        status, answer = _change(admin, action="place", group_id=own["chess5"], weekday=SATURDAY, number=FREE,
                                 kind="class", id=own["class5"])
        assert status == 200
        placed = [line for line in answer["lines"] if line["group_id"] == own["chess5"]]
        assert [(line["weekday"], line["number"]) for line in placed] == [(SATURDAY, FREE)]
        # the case: «Шахматы 5А», Monday lesson 2, room 101 — held by «Русский язык 1А»
        status, answer = _change(admin, action="place", group_id=own["chess5"], weekday=1, number=2, room_id=own["room_101"])
        assert status == 422 and "Кабинет 101" in answer["error"] and "Русский язык 1А" in answer["error"]
        # one teacher in two classes at once (teacher A in 1А too is the class's own clash first)
        status, answer = _change(admin, action="place", group_id=own["chess1"], weekday=SATURDAY, number=FREE)
        assert status == 200  # another class, another teacher, no room: free
        status, answer = _change(admin, action="move", entry_id=placed[0]["id"], weekday=SATURDAY, number=FREE - 1,
                                 kind="class", id=own["class5"])
        assert status == 200 and (SATURDAY, FREE - 1) in [(l["weekday"], l["number"]) for l in answer["lines"]
                                                           if l["group_id"] == own["chess5"]]
        status, answer = _change(admin, action="remove", entry_id=placed[0]["id"], kind="class", id=own["class5"])
        assert status == 200 and not [l for l in answer["lines"] if l["group_id"] == own["chess5"]]
        with app.app_context():
            assert _lines(own["chess5"]) == []
    finally:
        _clear(app, own["chess5"], own["chess1"])


def test_a_change_from_a_date_closes_the_old_line_the_day_before_and_keeps_the_past(app, own):
    with app.app_context():
        line = ScheduleEntry(school_id=own["school"], subject_group_id=own["chess5"], weekday=SATURDAY, lesson_number=FREE,
                             valid_from=own["year_start"])
        db.session.add(line)
        db.session.commit()
        line_id = line.id
        db.session.remove()
    admin = login(app.test_client(), "admin")
    try:
        status, _ = _change(admin, action="move", entry_id=line_id, weekday=5, number=FREE, date="23.11.2026")
        assert status == 200
        with app.app_context():
            moved = db.session.scalar(select(ScheduleEntry.id).where(ScheduleEntry.subject_group_id == own["chess5"],
                                                                     ScheduleEntry.weekday == 5))
            db.session.remove()
        status, _ = _change(admin, action="remove", entry_id=moved, date="30.11.2026")
        assert status == 200
        with app.app_context():
            assert _lines(own["chess5"]) == [(SATURDAY, FREE, own["year_start"], dt.date(2026, 11, 22)),
                                             (5, FREE, dt.date(2026, 11, 23), dt.date(2026, 11, 29))]
    finally:
        _clear(app, own["chess5"])


def test_copying_a_week_to_a_new_date_keeps_the_old_one_until_the_day_before(app, own):
    with app.app_context():
        db.session.add(ScheduleEntry(school_id=own["school"], subject_group_id=own["chess1"], weekday=SATURDAY,
                                     lesson_number=FREE, valid_from=own["year_start"]))
        db.session.commit()
        db.session.remove()
    admin = login(app.test_client(), "admin")
    try:
        page = admin.post("/timetable/copy", data={"source_class": own["class1"], "target_class": own["class1"],
                                                    "source_date": "20.11.2026", "valid_from": "11.01.2027"},
                          follow_redirects=True).get_data(as_text=True)
        assert any("Расписание скопировано" in f for f in flashes(page)), flashes(page)
        with app.app_context():
            mine = [line for line in _lines(own["chess1"])]
            assert (SATURDAY, FREE, own["year_start"], dt.date(2027, 1, 10)) in mine
            assert (SATURDAY, FREE, dt.date(2027, 1, 11), None) in mine
            whole = db.session.scalars(select(ScheduleEntry).join(SubjectGroup).where(
                SubjectGroup.class_id == own["class1"], ScheduleEntry.valid_from == dt.date(2027, 1, 11))).all()
            assert len(whole) > 10, "the whole week of 1А is copied"
    finally:
        with app.app_context():  # the demo class's own timetable back as it was
            groups = select(SubjectGroup.id).where(SubjectGroup.class_id == own["class1"])
            db.session.execute(delete(ScheduleEntry).where(ScheduleEntry.subject_group_id.in_(groups),
                                                           ScheduleEntry.valid_from == dt.date(2027, 1, 11)))
            for entry in db.session.scalars(select(ScheduleEntry).where(ScheduleEntry.subject_group_id.in_(groups),
                                                                        ScheduleEntry.valid_to == dt.date(2027, 1, 10))):
                entry.valid_to = None
            db.session.commit()
            db.session.remove()
        _clear(app, own["chess1"])


def test_a_teacher_reads_his_own_week_and_may_not_change_it(app, own):
    teacher = login(app.test_client(), "teacher")
    page = teacher.get("/timetable/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    with app.app_context():
        mine = db.session.scalar(select(SubjectGroup.name).join(SubjectGroupTeacher).join(ScheduleEntry)
                                 .where(SubjectGroupTeacher.employee_id == _employee("teacher")).limit(1))
        db.session.remove()
    data = json.loads(text.split('<script type="application/json" id="tt-data">')[1].split("</script>")[0])
    assert data["kind"] == "teacher" and mine in [line["group"] for line in data["lines"]]
    assert data["mayChange"] is False and "Копирование недели" not in text
    status, _ = _change(teacher, action="place", group_id=own["chess5"], weekday=SATURDAY, number=FREE)
    assert status in (302, 403)
    with app.app_context():
        assert _lines(own["chess5"]) == []


def test_a_substitution_is_checked_for_clashes_and_the_substitute_sees_the_lesson_and_the_diary_names_him(app, own):
    with app.app_context():
        db.session.add_all([ScheduleEntry(school_id=own["school"], subject_group_id=own[g], weekday=SATURDAY,
                                          lesson_number=FREE, valid_from=own["year_start"]) for g in ("chess5", "chess1")])
        db.session.commit()
        db.session.remove()
    admin = login(app.test_client(), "admin")
    try:
        dates = {"date_from": "28.11.2026", "date_to": "28.11.2026"}
        page = admin.get("/substitutions/", query_string={"teacher": own["teacher_a"], **dates}).get_data(as_text=True)
        assert "Создать уроки этих дат по расписанию" in page
        admin.post("/substitutions/generate", data={"teacher": own["teacher_a"], **dates})
        admin.post("/substitutions/generate", data={"teacher": own["teacher_b"], **dates})
        with app.app_context():
            lesson_a = db.session.scalar(select(Lesson.id).where(Lesson.subject_group_id == own["chess5"], Lesson.date == SAT))
            lesson_b = db.session.scalar(select(Lesson.id).where(Lesson.subject_group_id == own["chess1"], Lesson.date == SAT))
            db.session.remove()
        assert lesson_a and lesson_b
        page = admin.get("/substitutions/", query_string={"teacher": own["teacher_a"], "substitute": own["substitute"],
                                                          **dates}).get_data(as_text=True)
        assert f'value="{lesson_a}"' in page and "свободно" in page
        page = admin.post("/substitutions/", data={"teacher": own["teacher_a"], "substitute": own["substitute"],
                                                   "lesson": lesson_a, **dates}, follow_redirects=True).get_data(as_text=True)
        assert any("Передано заменяющему уроков: 1" in f for f in flashes(page)), flashes(page)
        # the same substitute for the 1А lesson at the same hour: refused, naming the lesson they give
        page = admin.post("/substitutions/", data={"teacher": own["teacher_b"], "substitute": own["substitute"],
                                                   "lesson": lesson_b, **dates}, follow_redirects=True).get_data(as_text=True)
        assert any("Шахматы 5А" in f and "заменить" in f for f in flashes(page)), flashes(page)
        with app.app_context():
            assert db.session.get(Lesson, lesson_a).substitute_id == own["substitute"]
            assert db.session.get(Lesson, lesson_b).substitute_id is None
            student = db.session.scalar(select(Enrolment.student_id).where(Enrolment.class_id == own["class5"],
                                                                           Enrolment.end_date.is_(None)).limit(1))
            db.session.remove()
        client = app.test_client()
        bearer = {"Authorization": "Bearer " + client.post("/api/v1/security/login", json={
            "username": "classteacher", "password": DEMO_PASSWORD, "provider": "db"}).json["access_token"]}
        assert client.get(f"/api/v1/lesson/{lesson_a}", headers=bearer).status_code == 200
        assert client.get(f"/api/v1/lesson/{lesson_b}", headers=bearer).status_code == 404
        # the substitute fills the lesson: its topic
        assert client.put(f"/api/v1/lesson/{lesson_a}", headers=bearer, json={"topic": "Дебют"}).status_code == 200
        with app.app_context():
            from app.journal.diary import diary_week

            week = diary_week(db.session, student, dt.date(2026, 11, 23))
            chess = [l for _, lessons in week.days for l in lessons if l.id == lesson_a]
            name = db.session.get(Employee, own["substitute"]).short_name
            db.session.remove()
        assert chess and chess[0].teacher == name and chess[0].substitute == name
    finally:
        _clear(app, own["chess5"], own["chess1"])


def _csv(*rows) -> io.BytesIO:
    return io.BytesIO("\n".join(";".join(r) for r in rows).encode("utf-8"))


def test_the_timetable_import_previews_each_row_with_its_clash_and_writes_all_or_nothing(app, own):
    with app.app_context():
        chess5 = db.session.get(SubjectGroup, own["chess5"])
        subject, teacher = chess5.subject.name, db.session.get(Employee, own["teacher_a"]).short_name
        db.session.remove()
    admin = login(app.test_client(), "admin")
    header = ("Класс", "День", "Урок", "Предмет", "Учитель", "Кабинет")
    # two rows of «Шахматы 5А» at the same hour: the second clashes with the first; a wrong day
    bad = _csv(header, ("5А", "Сб", str(FREE), subject, teacher, ""), ("5А", "суббота", str(FREE), subject, teacher, ""),
               ("5А", "восьмидневка", "3", subject, teacher, ""))
    page = admin.post("/import/timetable/upload", data={"valid_from": "11.01.2027", "file": (bad, "t.csv")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert "не учебный день" in page and "Шахматы 5А" in page and "timetable-import-confirm" not in page
    with app.app_context():
        assert _lines(own["chess5"]) == []
    good = _csv(header, ("5А", "Сб", str(FREE), subject, teacher, ""))
    page = admin.post("/import/timetable/upload", data={"valid_from": "11.01.2027", "file": (good, "t.csv")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert "timetable-import-confirm" in page, flashes(page)
    token = page.split('name="token" value="')[1].split('"')[0]
    try:
        page = admin.post("/import/timetable/confirm", data={"token": token, "valid_from": "11.01.2027"},
                          follow_redirects=True).get_data(as_text=True)
        assert any("Расписание импортировано" in f for f in flashes(page)), flashes(page)
        with app.app_context():
            assert _lines(own["chess5"]) == [(SATURDAY, FREE, dt.date(2027, 1, 11), None)]
            still = db.session.scalar(select(ScheduleEntry.valid_to).join(SubjectGroup).where(
                SubjectGroup.class_id == own["class5"], SubjectGroup.id != own["chess5"]).limit(1))
            db.session.remove()
        assert still == dt.date(2027, 1, 10), "the class's old timetable ends the day before"
    finally:
        with app.app_context():
            groups = select(SubjectGroup.id).where(SubjectGroup.class_id == own["class5"])
            for entry in db.session.scalars(select(ScheduleEntry).where(ScheduleEntry.subject_group_id.in_(groups),
                                                                        ScheduleEntry.valid_to == dt.date(2027, 1, 10))):
                entry.valid_to = None
            db.session.commit()
            db.session.remove()
        _clear(app, own["chess5"])


def test_the_lesson_calendar_warns_about_a_group_without_a_teacher_and_a_timetable_clash(app, own):
    with app.app_context():
        group = SubjectGroup(school_id=own["school"], year_id=db.session.get(SchoolClass, own["class5"]).year_id,
                             class_id=own["class5"], subject_id=db.session.scalar(select(Subject.id).order_by(Subject.id)),
                             name=unique("Без учителя 5А"), is_whole_class=True)
        db.session.add(group)
        db.session.commit()
        group_id = group.id
        # a line written around the pipeline (as before the clash rule): 5А already learns on Monday, lesson 2
        db.session.execute(insert(ScheduleEntry.__table__).values(
            school_id=own["school"], subject_group_id=group_id, weekday=1, lesson_number=2, valid_from=own["year_start"]))
        db.session.commit()
        db.session.remove()
    try:
        admin = login(app.test_client(), "admin")
        page = admin.get("/calendar/", query_string={"class_id": own["class5"], "group_id": group_id,
                                                     "date_from": "23.11.2026", "date_to": "28.11.2026",
                                                     "preview": 1}).get_data(as_text=True)
        assert "У предмет-группы нет учителя" in page
        assert "У класса 5А уже стоит" in page, "the clash is named, not generated silently"
        assert 'id="calendar-warned"' in page
    finally:
        with app.app_context():
            db.session.execute(delete(SubjectGroup).where(SubjectGroup.id == group_id))
            db.session.commit()
            db.session.remove()
