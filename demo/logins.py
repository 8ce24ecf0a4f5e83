"""The demo logins (one per role) and what they find on their first visit:
announcements, a letter, the forum, the NetSchool-compatible API.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import or_, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Assignment, Attendance, Employee, Guardian, Lesson, Mark, School, Student
from demo.catalog import EMAIL_DOMAIN
from demo.people import teachers_of
from demo.plans import BuiltSchool, StaffPlan

DEMO_ACCOUNTS = [
    ("admin", "Администратор",
     "Заместитель директора по информатизации: справочники, учебный год, пользователи и права"),
    ("coordinator", "Координатор",
     "Заместитель директора по УВР: контроль ведения журналов, отчёты, движение учащихся"),
    ("director", "Директор", "Директор школы: просмотр журналов и отчётов"),
    ("teacher", "Учитель", "Учитель математики: математика в 5-х классах, алгебра и геометрия в 8-х"),
    ("classteacher", "Учитель", "Учитель русского языка и литературы, классный руководитель 5А"),
    ("secretary", "Секретарь", "Секретарь: личные дела учащихся, приказы о движении"),
    ("hr", "Специалист по кадрам", "Специалист по кадрам: личные дела сотрудников"),
    ("moderator", "Модератор форума", "Педагог-организатор, модератор школьного форума"),
    ("parent", "Родитель", "Мама двоих учеников школы: 5А и 2Б"),
    ("student", "Ученик", "Ученик 5А, сын демо-родителя"),
]


def _demo_people(built: BuiltSchool) -> dict:
    """username -> (table, row id, last name, first name) of the person behind each demo login."""
    def staff(member: StaffPlan) -> tuple:
        return Employee, member.id, member.row["last_name"], member.row["first_name"]

    by_position = {s.position: s for s in built.staff if s.specialty is None}
    fifth = next(c for c in built.classes if c.grade == 5)
    student = built.showcase_student
    return {
        "admin": staff(by_position["Заместитель директора по информатизации"]),
        "coordinator": staff(by_position["Заместитель директора по УВР"]),
        "director": staff(by_position["Директор"]),
        "teacher": staff(teachers_of(built.staff, "math")[0]),
        "classteacher": staff(fifth.teacher),
        "secretary": staff(by_position["Секретарь"]),
        "hr": staff(by_position["Специалист по кадрам"]),
        "moderator": staff(by_position["Педагог-организатор"]),
        "parent": (Guardian, *student.family.mother),
        "student": (Student, student.id, student.last_name, student.first_name),
    }


def create_demo_users(built: BuiltSchool) -> None:
    """One login per DEMO_ACCOUNTS line, bound to the demo school and linked to its person.

    An existing login with the same name (e.g. an installer's `admin`) is left alone.
    """
    sm = current_app.appbuilder.sm
    password = current_app.config["PARTA_DEMO_PASSWORD"]
    people = _demo_people(built)
    for username, role_name, _ in DEMO_ACCOUNTS:
        if sm.find_user(username=username) is not None:
            current_app.logger.warning("demo login %s already exists; left unchanged", username)
            continue
        model, row_id, last_name, first_name = people[username]
        role = sm.find_role(role_name)
        if role is None:
            raise RuntimeError(f"role {role_name!r} is missing; run `flask sync-roles` first")
        user = sm.add_user(username, first_name, last_name, f"{username}@{EMAIL_DOMAIN}", role,
                           password=password, commit=False)
        if not user:
            raise RuntimeError(f"could not create the demo login {username!r}")
        user.school_id = built.school_id
        db.session.execute(update(model).where(model.id == row_id).values(user_id=user.id))
        if model is Employee:
            _sign_entries(built.school_id, row_id, user.id)


def _sign_entries(sid: int, employee_id: int, user_id: int) -> None:
    """The entries of the lessons a teacher gave (their own, not substituted, and those
    they substituted in) were made by their login; teachers without a login leave
    theirs unsigned."""
    lessons = select(Lesson.id).where(Lesson.school_id == sid, or_(
        Lesson.substitute_id == employee_id, (Lesson.teacher_id == employee_id) & Lesson.substitute_id.is_(None)))
    unscoped = {"parta_unscoped": True}
    db.session.execute(update(Attendance).where(Attendance.lesson_id.in_(lessons)).values(entered_by_id=user_id),
                       execution_options=unscoped)
    db.session.execute(update(Mark).where(Mark.assignment_id.in_(
        select(Assignment.id).where(Assignment.lesson_id.in_(lessons)))).values(entered_by_id=user_id),
        execution_options=unscoped)


FORUM_STOP_WORDS = ["дурак", "идиот", "тупой", "придур", "заткнись"]


def seed_communication(built: BuiltSchool) -> None:
    """The demo school's announcements (one for the parents of the demo student's class,
    with a file), a letter from the class teacher to the demo parent, forum topics with a
    post waiting for the moderator, the stop words; the NetSchool-compatible API switched
    on for the school and for the demo student and parent (demo password)."""
    from app.models import Announcement, Attachment, Audience, ForumPost, ForumStopWord, ForumTopic, MailMessage, MailRecipient
    from app.security import webapi

    sm = current_app.appbuilder.sm
    users = {name: sm.find_user(username=name) for name, *_ in DEMO_ACCOUNTS}
    sid = built.school_id
    now = utcnow().replace(microsecond=0)
    student_class = built.showcase_student.school_class
    db.session.execute(update(School).where(School.id == sid).values(webapi_enabled=True))

    director, classteacher = users["director"], users["classteacher"]
    timetable = ("Расписание консультаций перед полугодовыми контрольными работами\n"
                 "Математика — вторник, 14:20, каб. 205\nРусский язык — четверг, 14:20, каб. 201\n").encode("utf-8")
    announcements = [
        Announcement(school_id=sid, title="Зимние каникулы", audience=Audience.school, author_id=director.id,
                     posted_at=now - dt.timedelta(days=3),
                     text="Зимние каникулы продлятся с 29 декабря по 11 января. Первый учебный день — 12 января."),
        Announcement(school_id=sid, title=f"Родительское собрание {student_class.name} класса",
                     audience=Audience.class_parents, class_id=student_class.id, author_id=classteacher.id,
                     posted_at=now - dt.timedelta(days=1),
                     text="Уважаемые родители! Собрание состоится в четверг в 18:00 в кабинете 201. Повестка: итоги "
                          "первой четверти, подготовка к контрольным работам. Расписание консультаций — во вложении.",
                     attachments=[Attachment(school_id=sid, filename="Консультации.txt", content_type="text/plain",
                                             size=len(timetable), content=timetable, uploaded_by_id=classteacher.id,
                                             uploaded_at=now - dt.timedelta(days=1))]),
        Announcement(school_id=sid, title="Педагогический совет", audience=Audience.staff, author_id=director.id,
                     posted_at=now - dt.timedelta(days=2),
                     text="Педагогический совет по итогам первой четверти — в понедельник в 15:00 в актовом зале."),
    ]
    db.session.add_all(announcements)
    letter = MailMessage(school_id=sid, sender_id=classteacher.id, subject="Дневник и домашние задания",
                         body="Здравствуйте! Напоминаю, что домашние задания и отметки видны в электронном дневнике, "
                              "а объяснение среднего балла — на вкладке «Отметки за период».",
                         sent_at=now - dt.timedelta(hours=20))
    letter.recipients = [MailRecipient(school_id=sid, user_id=users["parent"].id)]
    db.session.add(letter)
    db.session.add_all([ForumStopWord(school_id=sid, word=word) for word in FORUM_STOP_WORDS])
    topic = ForumTopic(school_id=sid, title="Секции и кружки во втором полугодии", author_id=users["moderator"].id,
                       created_at=now - dt.timedelta(days=4))
    topic.posts = [
        ForumPost(school_id=sid, author_id=users["moderator"].id, created_at=now - dt.timedelta(days=4),
                  text="Какие секции вы хотели бы видеть в школе во втором полугодии? Пишите предложения."),
        ForumPost(school_id=sid, author_id=users["parent"].id, created_at=now - dt.timedelta(days=3),
                  text="Было бы здорово открыть шахматный кружок для младших классов."),
        ForumPost(school_id=sid, author_id=users["student"].id, created_at=now - dt.timedelta(days=2),
                  text="Шахматы — это для тупой малышни, лучше робототехнику!", flagged="тупой"),
    ]
    db.session.add(topic)
    db.session.flush()
    password = current_app.config["PARTA_DEMO_PASSWORD"]
    for name in ("student", "parent"):
        webapi.enable(db.session, users[name], password).school_id = sid
