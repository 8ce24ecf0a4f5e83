"""Closing the school year on a copy of the demo school: the next year is prepared,
students move up, graduates leave by an order, a failing student repeats by the
school's choice, every mark stays, and the old year becomes read-only."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Enrolment, FinalMark, FinalMarkColumn, FinalMarkKind, GradeScaleValue, Mark, MovementOrder, OrderKind, SchoolClass,
    SchoolYear, Student, SubjectGroup,
)
from app.security.scoping import as_school
from tests.conftest import flashes, login


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _class_of(student_id: int, year_id: int):
    return db.session.scalar(select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
                             .where(Enrolment.student_id == student_id, SchoolClass.year_id == year_id))


def test_the_admin_prepares_the_next_year_then_transfers_and_closes_the_old_one(copy_app):
    client = copy_app.test_client()
    with copy_app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)))
        old_year_id, school_id = year.id, year.school_id
        fifth = db.session.scalar(select(SchoolClass).where(SchoolClass.year_id == year.id, SchoolClass.grade == 5,
                                                            SchoolClass.letter == "А"))
        pupils = db.session.scalars(select(Enrolment.student_id).where(Enrolment.class_id == fifth.id,
                                                                       Enrolment.end_date.is_(None))).all()
        promoted, failing = pupils[0], pupils[1]
        eleventh = db.session.scalar(select(SchoolClass).where(SchoolClass.year_id == year.id, SchoolClass.grade == 11))
        graduate = db.session.scalar(select(Enrolment.student_id).where(Enrolment.class_id == eleventh.id,
                                                                       Enrolment.end_date.is_(None)))
        # a «2» for the year in one subject
        column = db.session.scalar(select(FinalMarkColumn).where(FinalMarkColumn.year_id == year.id,
                                                                 FinalMarkColumn.kind == FinalMarkKind.year))
        group = db.session.scalar(select(SubjectGroup).where(SubjectGroup.class_id == fifth.id))
        two = db.session.scalar(select(GradeScaleValue).where(GradeScaleValue.scale_id == group.grade_scale_id,
                                                              GradeScaleValue.is_passing.is_(False)))
        db.session.add(FinalMark(school_id=school_id, subject_group_id=group.id, student_id=failing, column_id=column.id,
                                 value_id=two.id))
        db.session.commit()
        marks_before, final_before, groups_before = _count(Mark), _count(FinalMark), _count(SubjectGroup)
        fifth_id = fifth.id
        db.session.remove()

    login(client, "admin")
    page = client.get("/yearclosing/").get_data(as_text=True)
    assert "2027/2028" in page

    flashed = flashes(client.post("/yearclosing/prepare", follow_redirects=True).get_data(as_text=True))
    assert any("2027/2028" in f and "подготовлен" in f for f in flashed), flashed
    again = flashes(client.post("/yearclosing/prepare", follow_redirects=True).get_data(as_text=True))
    assert any("ничего не добавлено" in f for f in again), again

    preview = client.get("/yearclosing/").get_data(as_text=True)
    assert f'name="choice-{failing}"' in preview, "the failing student waits for a decision"
    refused = flashes(client.post("/yearclosing/apply", data={f"choice-{failing}": "repeat"},
                                  follow_redirects=True).get_data(as_text=True))
    assert any("только для чтения" in f for f in refused), "closing needs the confirmation"

    done = flashes(client.post("/yearclosing/apply", data={f"choice-{failing}": "repeat", "confirm": "yes"},
                               follow_redirects=True).get_data(as_text=True))
    assert any("закрыт" in f for f in done), done

    with copy_app.app_context():
        old = db.session.get(SchoolYear, old_year_id)
        new = db.session.scalar(select(SchoolYear).where(SchoolYear.name == "2027/2028"))
        assert old.is_closed and not old.is_current and new.is_current
        assert (_count(Mark), _count(FinalMark)) == (marks_before, final_before), "every mark is kept"
        old_groups = db.session.scalar(select(func.count(SubjectGroup.id)).where(SubjectGroup.year_id == old.id))
        assert old_groups == groups_before, "the old year's journals stay as they were"
        new_classes = db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == new.id)).all()
        assert {(c.grade, c.letter) for c in new_classes} >= {(10, "Б"), (6, "А"), (1, "А")}, "promoted classes and new first grades"
        assert all(db.session.scalar(select(func.count(SubjectGroup.id)).where(SubjectGroup.class_id == c.id)) > 0
                   for c in new_classes), "every new class has its subject groups"
        moved = _class_of(promoted, new.id)
        assert (moved.grade, moved.letter) == (6, "А")
        repeating = _class_of(failing, new.id)
        assert (repeating.grade, repeating.letter) == (5, "А")
        assert _class_of(graduate, new.id) is None
        assert db.session.get(Student, graduate).leave_date == old.end_date
        order = db.session.scalar(select(MovementOrder).where(MovementOrder.kind == OrderKind.withdrawal,
                                                             MovementOrder.year_id == old.id,
                                                             MovementOrder.reason == "Окончание обучения"))
        assert graduate in [item.student_id for item in order.items]

        # the old year is read-only: its marks (under a user's scope) and its classes
        from app.rules.errors import RuleViolation

        with as_school(school_id):
            mark = db.session.scalar(select(Mark).order_by(Mark.id).limit(1))
            mark.comment = "исправлено"
            with pytest.raises(RuleViolation):
                db.session.flush()
            db.session.rollback()
        klass = db.session.get(SchoolClass, fifth_id)
        klass.profile = "новый профиль"
        with pytest.raises(RuleViolation):
            db.session.flush()
        db.session.rollback()
        db.session.remove()

    # the closed year stays viewable; a second closing is refused with a message
    assert client.get(f"/schoolclassview/show/{fifth_id}").status_code == 200
    page = client.get("/yearclosing/").get_data(as_text=True)
    assert "2028/2029" in page
