"""«Статистика посещений»: sign-ins per day (an SVG bar chart drawn on the server),
per role and per class for a chosen period, on top of the raw log; only for who
holds the right to see visits."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, select

from app.clock import day_start_utc
from app.extensions import db
from app.models import (
    Enrolment, Guardian, PartaUser, SchoolClass, SchoolYear, Student, StudentGuardian, VisitEvent, VisitLog,
)
from reports.charts import bar_chart
from tests.conftest import DEMO_PASSWORD, login, unique


@pytest.fixture(scope="module")
def family(app):
    """A student of the demo student's class and their parent, with logins named alike
    (the page filters by that name), and their sign-ins on two days of the school year:
    the student once on the first day, the parent twice on the first and once on the
    second, one failed attempt; all removed afterwards."""
    with app.app_context():
        sm = app.appbuilder.sm
        demo = db.session.scalar(select(Student).join(PartaUser, PartaUser.id == Student.user_id)
                                 .where(PartaUser.username == "student"))
        school_class = db.session.scalar(select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
                                         .where(Enrolment.student_id == demo.id, Enrolment.end_date.is_(None)))
        year = db.session.get(SchoolYear, school_class.year_id)
        stem = unique("vs").replace(" ", "")
        student_login = sm.add_user(f"{stem}s", "Вита", "Статистикова", f"{stem}s@v.test", sm.find_role("Ученик"),
                                    password=DEMO_PASSWORD)
        parent_login = sm.add_user(f"{stem}p", "Вера", "Статистикова", f"{stem}p@v.test", sm.find_role("Родитель"),
                                   password=DEMO_PASSWORD)
        for user in (student_login, parent_login):
            user.school_id = school_class.school_id
        student = Student(school_id=school_class.school_id, last_name="Статистикова", first_name="Вита",
                          personal_file_no=stem[-8:], user_id=student_login.id)
        guardian = Guardian(school_id=school_class.school_id, last_name="Статистикова", first_name="Вера",
                            user_id=parent_login.id)
        db.session.add_all([student, guardian])
        db.session.flush()
        db.session.add_all([Enrolment(school_id=school_class.school_id, student_id=student.id, class_id=school_class.id,
                                      start_date=year.start_date),
                            StudentGuardian(school_id=school_class.school_id, student_id=student.id,
                                            guardian_id=guardian.id, relation="mother")])
        first = year.start_date + dt.timedelta(days=1)
        at = lambda day, hour: day_start_utc(day) + dt.timedelta(hours=hour)  # noqa: E731
        for user, day, hour in ((student_login, first, 9), (parent_login, first, 8), (parent_login, first, 20),
                                (parent_login, first + dt.timedelta(days=1), 19)):
            db.session.add(VisitLog(school_id=school_class.school_id, user_id=user.id, username=user.username,
                                    event=VisitEvent.login, at=at(day, hour)))
        db.session.add(VisitLog(school_id=school_class.school_id, username=f"{stem}p", event=VisitEvent.failed,
                                at=at(first, 7)))
        db.session.commit()
        info = {"stem": stem, "first": first, "class": school_class.name, "student": student.id, "guardian": guardian.id,
                "users": [student_login.id, parent_login.id]}
        db.session.remove()
    yield info
    with app.app_context():
        db.session.execute(delete(VisitLog).where(VisitLog.username.like(f"{info['stem']}%")))
        db.session.delete(db.session.get(Student, info["student"]))
        db.session.delete(db.session.get(Guardian, info["guardian"]))
        for uid in info["users"]:
            db.session.delete(db.session.get(PartaUser, uid))
        db.session.commit()
        db.session.remove()


def _page(client, family, days: int = 3) -> str:
    first = family["first"]
    last = first + dt.timedelta(days=days - 1)
    return client.get(f"/visits/?from={first:%d.%m.%Y}&to={last:%d.%m.%Y}&user={family['stem']}").get_data(as_text=True)


def _row(html: str, table: str, name: str) -> list[str]:
    section = html[html.index(f'id="{table}"'):]
    section = section[:section.index("</table>")]
    found = re.search(rf"<tr><td>{re.escape(name)}</td>(.*?)</tr>", section, re.S)
    return re.findall(r">\s*(\d+)\s*<", found.group(1)) if found else []


def test_visits_are_counted_per_day_per_role_and_per_class_with_a_chart(app, family):
    html = _page(login(app.test_client(), "coordinator"), family)
    assert "4 входа" in html and "с 2 учётных записей" in html and "1 неудачная попытка входа" in html
    first, second = family["first"], family["first"] + dt.timedelta(days=1)
    chart = html[html.index("<svg"):html.index("</svg>")]
    assert f"<title>{first:%d.%m}: 3</title>" in chart and f"<title>{second:%d.%m}: 1</title>" in chart
    assert f"<title>{second + dt.timedelta(days=1):%d.%m}: 0</title>" in chart
    assert "<script" not in html[html.index('id="visit-statistics"'):html.index("</svg>")]
    assert _row(html, "visits-per-role", "Родитель") == ["3", "1"]
    assert _row(html, "visits-per-role", "Ученик") == ["1", "1"]
    assert _row(html, "visits-per-class", family["class"]) == ["1", "3"]


def test_a_period_without_visits_says_so(app, family):
    client = login(app.test_client(), "coordinator")
    before = family["first"] - dt.timedelta(days=40)
    html = client.get(f"/visits/?from={before:%d.%m.%Y}&to={before:%d.%m.%Y}&user={family['stem']}").get_data(as_text=True)
    assert "0 входов" in html and "В эти дни не входил ни один ученик или родитель." in html


@pytest.mark.parametrize("username", ["teacher", "secretary", "parent"])
def test_visit_statistics_stay_closed_to_who_may_not_see_visits(app, family, username):
    response = login(app.test_client(), username).get("/visits/")
    assert response.status_code in (302, 403)


def test_the_bar_chart_is_plain_svg_with_a_round_axis():
    svg = bar_chart(["01.09", "02.09"], [7, 0], title="Входы по дням")
    assert svg.startswith("<svg") and "<script" not in svg and "http://www.w3.org/2000/svg" in svg
    assert ">8</text>" in svg and "<title>01.09: 7</title>" in svg  # 7 → an axis to 8 by 2
