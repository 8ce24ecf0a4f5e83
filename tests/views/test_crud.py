"""Every generated CRUD view works for the administrator, in Russian."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.views import MENU
from tests.conftest import flashes, unique
from tests.forms import read_form

VIEWS = [view for view, *_ in MENU]


def endpoint(view) -> str:
    return "/" + view.__name__.lower()


def first_pk(app, view):
    model = view.datamodel.obj
    with app.app_context():
        pk = db.session.scalar(select(model.id).order_by(model.id).limit(1))
        db.session.remove()
    return pk


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
def test_admin_lists_every_view_with_a_russian_title(app, admin_client, view):
    response = admin_client.get(endpoint(view) + "/list/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with app.test_request_context():
        assert str(view.list_title) in html
        assert re.search("[А-Яа-яЁё]", str(view.list_title)), "the title is not translated"


# Final marks are given in May, and the logs fill as people use Parta: in a fresh
# demo of November these are empty.
EMPTY_IN_A_FRESH_DEMO = {"FinalMarkView", "AuditLogView", "VisitLogView"}


@pytest.mark.parametrize("view", [v for v in VIEWS if v.__name__ not in EMPTY_IN_A_FRESH_DEMO], ids=lambda v: v.__name__)
def test_demo_school_has_rows_for_every_view_and_admin_can_show_them(app, admin_client, view):
    pk = first_pk(app, view)
    assert pk is not None, f"the demo school has no rows for {view.__name__}"
    response = admin_client.get(f"{endpoint(view)}/show/{pk}")
    assert response.status_code == 200




@pytest.mark.parametrize(
    "view", [v for v in VIEWS if not v.base_permissions and v.__name__ not in EMPTY_IN_A_FRESH_DEMO], ids=lambda v: v.__name__
)
def test_edit_form_posted_back_unchanged_saves_without_error(app, admin_client, view):
    pk = first_pk(app, view)
    page = admin_client.get(f"{endpoint(view)}/edit/{pk}")
    assert page.status_code == 200
    form = read_form(page.get_data(as_text=True))
    assert form.data, "the edit form has no fields"
    response = admin_client.post(f"{endpoint(view)}/edit/{pk}", data=form.data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    messages = flashes(html)
    assert "Изменения сохранены" in messages, messages


def test_admin_adds_edits_and_deletes_a_subject(app, admin_client):
    from app.models import Subject

    name = unique("Астрономия")
    response = admin_client.post(
        "/subjectview/add", data={"name": name, "short_name": "Астр", "subject_area": "Естественные науки", "order": "40"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    with app.app_context():
        subject = db.session.scalar(select(Subject).where(Subject.name == name))
        assert subject is not None and subject.school_id is not None
        pk = subject.id
        db.session.remove()
    admin_client.post(f"/subjectview/edit/{pk}", data={"name": name + " (углуб.)", "short_name": "Астр", "order": "41"})
    show = admin_client.get(f"/subjectview/show/{pk}").get_data(as_text=True)
    assert name + " (углуб.)" in show
    admin_client.post(f"/subjectview/delete/{pk}")
    with app.app_context():
        assert db.session.get(Subject, pk) is None
        db.session.remove()


def test_dates_are_shown_and_entered_as_dd_mm_yyyy(app, admin_client):
    from app.models import Holiday, HolidaySet

    with app.app_context():
        holiday_set = db.session.scalars(select(HolidaySet).order_by(HolidaySet.id)).first()
        set_id = holiday_set.id
        year_start = holiday_set.year.start_date
        db.session.remove()
    name = unique("День учителя")
    day = year_start.replace(month=10, day=5)
    admin_client.post("/holidayview/add", data={
        "holiday_set": str(set_id), "name": name, "start_date": day.strftime("%d.%m.%Y"), "end_date": day.strftime("%d.%m.%Y"),
    })
    with app.app_context():
        holiday = db.session.scalar(select(Holiday).where(Holiday.name == name))
        assert holiday is not None and holiday.start_date == day
        pk = holiday.id
        db.session.remove()
    listing = admin_client.get(f"/holidayview/show/{pk}").get_data(as_text=True)
    assert day.strftime("%d.%m.%Y") in listing
    assert day.isoformat() not in listing
    edit = read_form(admin_client.get(f"/holidayview/edit/{pk}").get_data(as_text=True))
    assert edit.data["start_date"] == day.strftime("%d.%m.%Y")


def test_bell_times_are_entered_as_hours_and_minutes(app, admin_client):
    from app.models import Bell, BellSchedule

    schedule_name = unique("Вторая смена")
    admin_client.post("/bellscheduleview/add", data={"name": schedule_name})
    with app.app_context():
        schedule_id = db.session.scalar(select(BellSchedule.id).where(BellSchedule.name == schedule_name))
        db.session.remove()
    admin_client.post("/bellview/add", data={
        "bell_schedule": str(schedule_id), "lesson_number": "1", "start_time": "13:30", "end_time": "14:15",
    })
    with app.app_context():
        bell = db.session.scalar(select(Bell).where(Bell.bell_schedule_id == schedule_id))
        assert bell is not None and bell.start_time.strftime("%H:%M") == "13:30"
        db.session.remove()
