"""In a real browser the administrator builds a week for a class in the timetable editor
— with the mouse (click, drag) and the keyboard —, has a clash refused with both lessons
named, and gives a teacher's lesson to a substitute; at 1366 × 900 and at 390 × 844."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Employee, SchoolClass, Subject, SubjectGroup, SubjectGroupTeacher
from tests.browser.conftest import new_context, screenshot
from tests.browser.test_admin_pages import log_in


@pytest.fixture()
def new_class(app):
    """Class 5Я of the demo year with «Шахматы 5Я» and «Математика 5Я», each with a teacher
    who teaches nothing else; removed afterwards with its timetable and lessons."""
    with app.app_context():
        session = db.session
        c5 = session.scalar(select(SchoolClass).where(SchoolClass.grade == 5, SchoolClass.letter == "А")
                            .order_by(SchoolClass.year_id.desc()))
        school_class = SchoolClass(school_id=c5.school_id, year_id=c5.year_id, grade=5, letter="Я",
                                   holiday_set_id=c5.holiday_set_id)
        session.add(school_class)
        session.flush()
        teaching = select(SubjectGroupTeacher.employee_id)
        free = session.scalars(select(Employee).where(Employee.id.not_in(teaching))
                               .order_by(Employee.id)).all()[:3]
        groups = {}
        for name, subject_name, teacher in (("Шахматы 5Я", None, free[0]), ("Математика 5Я", "Математика", free[1])):
            subject = session.scalar(select(Subject).where(Subject.name == subject_name)) if subject_name else \
                session.scalar(select(Subject).order_by(Subject.id.desc()))
            group = SubjectGroup(school_id=c5.school_id, year_id=c5.year_id, class_id=school_class.id,
                                 subject_id=subject.id, name=name, is_whole_class=True, hours_per_week=2)
            session.add(group)
            session.flush()
            session.add(SubjectGroupTeacher(school_id=c5.school_id, subject_group_id=group.id, employee_id=teacher.id))
            groups[name] = group.id
        session.commit()
        year = c5.year
        day = year.end_date - dt.timedelta(days=40)
        monday = day - dt.timedelta(days=day.weekday())
        data = {"id": school_class.id, "groups": groups, "monday": monday, "absent": free[0].short_name,
                "absent_id": free[0].id, "substitute": free[2].short_name}
        db.session.remove()
    yield data
    with app.app_context():
        db.session.execute(delete(SubjectGroup).where(SubjectGroup.class_id == data["id"]))
        db.session.execute(delete(SchoolClass).where(SchoolClass.id == data["id"]))
        db.session.commit()
        db.session.remove()


def _cell(day: int, number: int) -> str:
    return f'td[data-day="{day}"][data-number="{number}"]'


def test_admin_builds_a_week_has_a_clash_refused_and_makes_a_substitution(browser, page, live_server, new_class):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server)
    day = new_class["monday"].strftime("%d.%m.%Y")
    page.goto(f"{live_server}/timetable/?kind=class&id={new_class['id']}&date={day}")
    assert "Редактор расписания" in page.inner_text("body")

    # with the mouse: choose «Шахматы 5Я», click Monday lesson 1; drag «Математика 5Я» onto Tuesday lesson 1
    page.click("#tt-palette button:has-text('Шахматы 5Я')")
    page.click(_cell(1, 1))
    page.wait_for_selector(f"{_cell(1, 1)} .tt-card")
    page.drag_and_drop("#tt-palette button:has-text('Математика 5Я')", _cell(2, 1))
    page.wait_for_selector(f"{_cell(2, 1)} .tt-card")
    # with the keyboard: Tab to the group, Enter; to Wednesday lesson 3, Enter
    page.focus("#tt-palette button:has-text('Математика 5Я')")
    page.keyboard.press("Enter")
    page.focus(_cell(3, 1))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{_cell(3, 3)} .tt-card")
    # and a lesson moved with the keyboard: pick Wednesday 3 up, down one, put it down
    page.focus(_cell(3, 3))
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{_cell(3, 4)} .tt-card")
    assert page.locator(f"{_cell(3, 3)} .tt-card").count() == 0

    # the clash: «Шахматы 5Я» on Monday lesson 2 in room 101, which «Русский язык 1А» holds
    page.select_option("#tt-room", label="101")
    page.click("#tt-palette button:has-text('Шахматы 5Я')")
    page.click(_cell(1, 2))
    message = page.wait_for_selector(".tt-msg").inner_text()
    assert "Кабинет 101" in message and "Русский язык 1А" in message and "Шахматы 5Я" in message
    assert page.locator(f"{_cell(1, 2)} .tt-card:has-text('Шахматы 5Я')").count() == 0
    assert "поставлено 1 из 2" in page.inner_text("#tt-palette button:has-text('Шахматы 5Я')")
    screenshot(page, "timetable-editor-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "timetable-editor-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a phone (the grid scrolls inside its box)"
    page.set_viewport_size({"width": 1366, "height": 900})

    # the substitution: Шахматы 5Я's teacher is away on Monday; the lessons come from the timetable
    page.goto(f"{live_server}/substitutions/")
    page.select_option("select[name=teacher]", label=new_class["absent"])
    page.fill("input[name=date_from]", day)
    page.fill("input[name=date_to]", day)
    page.select_option("select[name=substitute]", label=new_class["substitute"])
    page.click("#substitution-choose button[type=submit]")
    page.click("#substitution-generate button")
    page.wait_for_selector("#substitution-lessons")
    row = page.inner_text("#substitution-lessons tbody")
    assert "Шахматы 5Я" in row and "свободно" in row
    page.click("#substitution-apply button.btn-primary")
    page.wait_for_load_state("networkidle")
    assert "Передано заменяющему уроков: 1" in page.inner_text("body")
    after = page.inner_text("#substitution-lessons tbody")
    assert new_class["substitute"] in after and "занят" not in after, "the lesson they took is not their clash"
    screenshot(page, "substitutions-1366")
    phone = new_context(browser)
    other = phone.new_page()
    other.set_viewport_size({"width": 390, "height": 844})
    log_in(other, live_server)
    other.goto(page.url)
    screenshot(other, "substitutions-390")
    phone.close()
