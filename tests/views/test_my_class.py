"""«Мой класс» (issue 13 §3): the class teacher sees her class only — not the pupils of
the other classes she teaches — with parents, consents and the class's reports; the
administration chooses any class; a teacher who leads no class is told so; an
announcement goes to the class's parents."""
from __future__ import annotations

import re

from sqlalchemy import delete, or_, select

from app.clock import school_today
from app.extensions import db
from app.models import Announcement, Audience, Employee, Enrolment, PartaUser, SchoolClass
from tests.conftest import flashes, login


def _led_class(app):
    with app.app_context():
        today = school_today()
        row = db.session.execute(
            select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
            .join(Employee, Employee.id == SchoolClass.class_teacher_id)
            .join(PartaUser, PartaUser.id == Employee.user_id).where(PartaUser.username == "classteacher")
            .order_by(SchoolClass.id.desc())).first()
        pupils = set(db.session.scalars(select(Enrolment.student_id).where(
            Enrolment.class_id == row[0], Enrolment.start_date <= today,
            or_(Enrolment.end_date.is_(None), Enrolment.end_date >= today))))
        other = db.session.scalar(select(SchoolClass.id).where(SchoolClass.id != row[0]).limit(1))
        db.session.remove()
    return row[0], f"{row[1]}{row[2]}", pupils, other


def test_the_class_teacher_sees_her_class_only_with_parents_consents_and_reports(client, app):
    class_id, name, pupils, other = _led_class(app)
    page = login(client, "classteacher").get("/myclass/").get_data(as_text=True)
    assert f"Мой класс · {name}" in page
    shown = {int(s) for s in re.findall(r'<tr data-student="(\d+)"', page)}
    assert shown == pupils
    for text in ("Родители", "Согласие", "Итоги успеваемости класса", "Сводная ведомость", "Посещаемость класса",
                 "Информационное письмо для родителей", "Журналы класса", "Деление класса на группы"):
        assert text in page, text
    assert "Здоровье" not in page  # health data: only with the right «health_view»
    assert client.get(f"/myclass/?class_id={other}").status_code == 404


def test_the_coordinator_chooses_any_class_and_sees_health_data(client, app):
    class_id, name, pupils, other = _led_class(app)
    page = login(client, "coordinator").get(f"/myclass/?class_id={other}").get_data(as_text=True)
    assert 'id="my-class-class"' in page and "Здоровье" in page


def test_a_teacher_who_leads_no_class_is_told_so_in_russian(client):
    page = login(client, "teacher").get("/myclass/")
    assert page.status_code == 200
    assert "Вы не классный руководитель ни одного класса" in page.get_data(as_text=True)


def test_an_announcement_from_my_class_goes_to_the_class_parents(client, app):
    class_id, name, pupils, other = _led_class(app)
    login(client, "classteacher")
    empty = client.post("/myclass/announce", data={"class_id": class_id, "title": " ", "text": "x"},
                        follow_redirects=True)
    assert "Введите заголовок и текст объявления." in flashes(empty.get_data(as_text=True))
    title = "Собрание родителей (тест «Мой класс»)"
    done = client.post("/myclass/announce", data={"class_id": class_id, "title": title, "text": "В четверг."},
                       follow_redirects=True)
    assert f"Объявление опубликовано для родителей класса {name}." in flashes(done.get_data(as_text=True))
    with app.app_context():
        posted = db.session.scalars(select(Announcement).where(Announcement.title == title)).all()
        assert [(a.audience, a.class_id) for a in posted] == [(Audience.class_parents, class_id)]
        db.session.execute(delete(Announcement).where(Announcement.title == title))
        db.session.commit()
        db.session.remove()
    assert client.post("/myclass/announce", data={"class_id": other, "title": title, "text": "x"}).status_code == 404
