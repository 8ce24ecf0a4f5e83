"""The write paths beside the grid, the forms and REST: the КТП's «fill the topics»
(an import of the plan into the lessons), the lesson calendar's bulk generation, and
the NetSchool API — refused in a closed school year like every other write, and the
NetSchool API has no way to write the journal at all."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Lesson, SchoolYear, SubjectGroup, ThematicPlan, ThematicPlanTopic
from tests.conftest import flashes, login


@pytest.fixture()
def planned_lesson(app, journal):
    """A lesson without a topic and a one-topic КТП for the module's journal."""
    with app.app_context():
        lesson = Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.day(1), number=4)
        plan = ThematicPlan(school_id=journal.school_id, subject_group_id=journal.group_id, name="КТП для проверки")
        db.session.add_all([lesson, plan])
        db.session.flush()
        db.session.add(ThematicPlanTopic(school_id=journal.school_id, plan_id=plan.id, position=1, title="Дроби", hours=1))
        db.session.commit()
        found = {"lesson": lesson.id, "plan": plan.id}
        db.session.remove()
    yield found
    with app.app_context():
        db.session.delete(db.session.get(Lesson, found["lesson"]))
        db.session.delete(db.session.get(ThematicPlan, found["plan"]))
        db.session.commit()
        db.session.remove()


def _close_year(app, journal, closed: bool) -> None:
    with app.app_context():
        year = db.session.get(SchoolYear, db.session.get(SubjectGroup, journal.group_id).year_id)
        year.is_closed = closed
        db.session.commit()
        db.session.remove()


def _topic(app, lesson_id: int):
    with app.app_context():
        topic = db.session.get(Lesson, lesson_id).topic
        db.session.remove()
    return topic


@pytest.mark.parametrize("closed", [False, True], ids=["open year", "closed year"])
def test_filling_lesson_topics_from_the_ktp_is_refused_in_a_closed_year(app, journal, planned_lesson, closed):
    teacher = login(app.test_client(), "teacher")
    _close_year(app, journal, closed)
    try:
        teacher.post(f"/thematic/group/{journal.group_id}/apply", follow_redirects=True)
    finally:
        _close_year(app, journal, False)
    assert _topic(app, planned_lesson["lesson"]) == (None if closed else "Дроби")


@pytest.mark.parametrize("closed", [False, True], ids=["open year", "closed year"])
def test_the_lesson_calendar_leaves_a_closed_years_journal_unchanged(app, journal, closed):
    coordinator = login(app.test_client(), "coordinator")
    with app.app_context():
        class_id = db.session.get(SubjectGroup, journal.group_id).class_id
        before = db.session.scalars(select(Lesson.id).where(Lesson.subject_group_id == journal.group_id)).all()
        db.session.remove()
    _close_year(app, journal, closed)
    try:
        response = coordinator.post("/calendar/", data={"class_id": class_id, "group_id": journal.group_id},
                                    follow_redirects=True)
    finally:
        _close_year(app, journal, False)
    shown = " ".join(flashes(response.get_data(as_text=True)))
    assert ("оставлено без изменений" in shown) == closed, shown
    with app.app_context():
        assert db.session.scalars(select(Lesson.id).where(Lesson.subject_group_id == journal.group_id)).all() == before
        db.session.remove()


def test_the_netschool_api_only_reads_the_journal(app):
    """Its only routes that take a POST are the handshake's, the logout and the listing of
    an assignment's files: nothing of the journal can be written through it."""
    writing = {rule.rule for rule in app.url_map.iter_rules()
               if rule.rule.startswith("/webapi/") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    assert writing <= {"/webapi/auth/getdata", "/webapi/login", "/webapi/auth/logout",
                       "/webapi/student/diary/get-attachments"}, writing
