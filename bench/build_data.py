"""The benchmarks' own rows, added to a seeded demo school by the code under test.

Run by bench/harness.py with the checkout being measured first on sys.path (its
`run.app`, its models), so that it works on older commits too; it uses only the
models and FAB's security manager, which stay put. Prints one JSON line of ids.

  --grid          the class 7Я: 30 students, one subject with 60 lessons × 2 assignments
                  in the current period, a third of the cells marked (as bench/journal_grid.py);
                  its first student holds exactly 60 marks and has a parent login
                  `benchparent` (the student report's «one subject, 60 marks»).
  --teachers N    N teacher logins `bt0001`…, each a co-teacher of one whole-class journal
                  (5th grade and up) with a lesson in the last days, with an assignment of its own to mark.
  --parents N     N parent logins `bp0001`… for the guardians of current students.
Every new login has the demo password (its hash copied from the demo teacher's).
"""
from __future__ import annotations

import datetime as dt
import json
import random
import os
import sys

# the code under test (the working directory) first; not bench/, whose reports.py would hide its reports package
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [os.getcwd()] + [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

from run import app  # noqa: E402

STUDENTS, LESSONS, PER_LESSON, REPORT_MARKS = 30, 60, 2, 60


def today() -> dt.date:
    try:
        from app.clock import school_today

        return school_today()
    except ImportError:
        return dt.date.today()


def current_period(s, year, day):
    from sqlalchemy import select

    from app.models import StudyPeriod

    return s.scalar(select(StudyPeriod).where(StudyPeriod.year_id == year.id, StudyPeriod.start_date <= day,
                                              StudyPeriod.end_date >= day)
                    .order_by(StudyPeriod.end_date, StudyPeriod.start_date.desc()))  # a quarter before its half-year


def new_login(s, username: str, role_name: str, school_id: int, first: str, last: str) -> int:
    """A login with the demo password, inserted directly (bench rows, valid by construction,
    as the demo's own bulk inserts): the account checks of a flush would cost seconds a login."""
    from sqlalchemy import insert, select

    from app.models import PartaUser

    global _hash, _roles
    if _hash is None:
        _hash = s.scalar(select(PartaUser.password).where(PartaUser.username == "teacher"))
        _roles = {}
    if role_name not in _roles:
        _roles[role_name] = app.appbuilder.sm.find_role(role_name).id
    now = dt.datetime.utcnow()
    user_id = s.execute(insert(PartaUser.__table__).values(
        username=username, first_name=first, last_name=last, email=f"{username}@bench.invalid", password=_hash,
        active=True, school_id=school_id, created_on=now, changed_on=now)).inserted_primary_key[0]
    s.execute(insert(PartaUser.roles.property.secondary).values(user_id=user_id, role_id=_roles[role_name]))
    return user_id


_hash = _roles = None


def build_grid(s, day) -> dict:
    """The 30 × 60 journal of bench/journal_grid.py, and the report's student with 60 marks."""
    from sqlalchemy import select, update

    from app.models import (
        Assignment, AssignmentType, Attendance, AttendanceCode, Employee, Enrolment, GradeScale, GradeScaleValue,
        Guardian, Lesson, Mark, PartaUser, SchoolClass, SchoolYear, Student, StudentGuardian, Subject, SubjectGroup,
        SubjectGroupTeacher,
    )

    rng = random.Random(4)
    year = s.scalar(select(SchoolYear).where(SchoolYear.is_current.is_(True)).order_by(SchoolYear.school_id))
    period = current_period(s, year, day)
    sid = year.school_id
    teacher = s.scalar(select(Employee).join(PartaUser, Employee.user_id == PartaUser.id)
                       .where(PartaUser.username == "teacher"))
    klass = SchoolClass(school_id=sid, year_id=year.id, grade=7, letter="Я")
    s.add(klass)
    s.flush()
    subject = s.scalar(select(Subject).where(Subject.school_id == sid).order_by(Subject.id))
    scale = s.scalar(select(GradeScale).where(GradeScale.school_id == sid, GradeScale.is_default.is_(True)))
    group = SubjectGroup(school_id=sid, year_id=year.id, class_id=klass.id, subject_id=subject.id,
                         name=f"{subject.name} 7Я", is_whole_class=True, grade_scale_id=scale.id)
    s.add(group)
    s.flush()
    s.add(SubjectGroupTeacher(school_id=sid, subject_group_id=group.id, employee_id=teacher.id))
    students = [Student(school_id=sid, last_name=f"Ученик{i:02d}", first_name="Бенч", personal_file_no=f"Б-{i}")
                for i in range(STUDENTS)]
    s.add_all(students)
    s.flush()
    s.add_all(Enrolment(school_id=sid, student_id=st.id, class_id=klass.id, start_date=year.start_date)
              for st in students)
    days = [period.start_date + dt.timedelta(days=i) for i in range((period.end_date - period.start_date).days + 1)]
    days = [d for d in days if d.isoweekday() <= 5][: LESSONS // 2]
    lessons = [Lesson(school_id=sid, subject_group_id=group.id, date=d, number=n, teacher_id=teacher.id,
                      topic=f"Тема {i * 2 + n}") for i, d in enumerate(days) for n in (1, 2)]
    s.add_all(lessons)
    s.flush()
    types = s.scalars(select(AssignmentType).where(AssignmentType.school_id == sid).order_by(AssignmentType.id)).all()
    assignments = [Assignment(school_id=sid, lesson_id=lesson.id, type_id=types[(i + k) % len(types)].id)
                   for i, lesson in enumerate(lessons) for k in range(PER_LESSON)]
    s.add_all(assignments)
    s.flush()
    values = s.scalars(select(GradeScaleValue).where(GradeScaleValue.scale_id == scale.id,
                                                     GradeScaleValue.score.is_not(None))).all()
    codes = s.scalars(select(AttendanceCode).where(AttendanceCode.school_id == sid)).all()
    # the column saved: an assignment of a lesson still open, left without marks
    target = next(a for a, lesson in zip(assignments[::PER_LESSON], lessons) if lesson.date >= day - dt.timedelta(days=5))
    marks, absences = [], []
    for a in assignments:
        if a.id == target.id:
            continue
        for st in students[1:]:
            if rng.random() < 0.35:  # about a third of the cells hold a mark
                marks.append({"school_id": sid, "assignment_id": a.id, "student_id": st.id,
                              "value_id": rng.choice(values).id, "is_duty": False})
    reported = [a for a in assignments if a.id != target.id][:REPORT_MARKS]
    marks += [{"school_id": sid, "assignment_id": a.id, "student_id": students[0].id, "value_id": rng.choice(values).id,
               "is_duty": False} for a in reported]
    for lesson in lessons:
        for st in students:
            if rng.random() < 0.06:
                absences.append({"school_id": sid, "lesson_id": lesson.id, "student_id": st.id,
                                 "code_id": rng.choice(codes).id})
    s.execute(Mark.__table__.insert(), marks)
    s.execute(Attendance.__table__.insert(), absences)
    guardian = Guardian(school_id=sid, last_name="Родитель", first_name="Бенч")
    s.add(guardian)
    s.flush()
    s.add(StudentGuardian(school_id=sid, student_id=students[0].id, guardian_id=guardian.id))
    s.execute(update(Guardian).where(Guardian.id == guardian.id).values(
        user_id=new_login(s, "benchparent", "Родитель", sid, "Бенч", "Родитель")))
    return {"group": group.id, "assignment": target.id, "students": [st.id for st in students], "period": period.id,
            "report_student": students[0].id, "lessons": len(lessons), "assignments": len(assignments),
            "marks": len(marks), "absences": len(absences)}


def build_teachers(s, day, count: int) -> list:
    """Teacher logins, each co-teaching one whole-class journal with an open lesson and an assignment to mark."""
    from sqlalchemy import func, select, update

    from app.models import (
        Assignment, AssignmentType, Employee, Enrolment, Lesson, SchoolClass, SchoolYear, SubjectGroup,
        SubjectGroupTeacher,
    )

    recent = (select(Lesson.subject_group_id, func.max(Lesson.id).label("lesson_id"))
              .where(Lesson.date <= day, Lesson.date >= day - dt.timedelta(days=4))
              .group_by(Lesson.subject_group_id).subquery())
    rows = s.execute(select(SubjectGroup.id, SubjectGroup.school_id, SubjectGroup.class_id, recent.c.lesson_id)
                     .join(recent, recent.c.subject_group_id == SubjectGroup.id)
                     .join(SchoolYear, SchoolYear.id == SubjectGroup.year_id)
                     .join(SchoolClass, SchoolClass.id == SubjectGroup.class_id)
                     # from the 5th grade: the first grades learn without marks
                     .where(SubjectGroup.is_whole_class.is_(True), SchoolYear.is_current.is_(True), SchoolClass.grade >= 5,
                            SubjectGroup.name.not_like("%7Я%"))
                     .order_by(SubjectGroup.school_id, SubjectGroup.id)).all()
    if not rows:
        raise RuntimeError("no journal has a lesson in the last days")
    types = {}
    out = []
    for i in range(count):
        group_id, school_id, class_id, lesson_id = rows[i % len(rows)]
        student_id = s.scalar(select(Enrolment.student_id).where(
            Enrolment.class_id == class_id, Enrolment.start_date <= day,
            (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= day)).order_by(Enrolment.student_id))
        if student_id is None:
            continue
        if school_id not in types:
            types[school_id] = s.scalar(select(AssignmentType.id).where(AssignmentType.school_id == school_id)
                                        .order_by(AssignmentType.id))
        username = f"bt{i + 1:04d}"
        employee = Employee(school_id=school_id, last_name=f"Учитель{i + 1:04d}", first_name="Бенч")
        s.add(employee)
        s.flush()
        s.add(SubjectGroupTeacher(school_id=school_id, subject_group_id=group_id, employee_id=employee.id))
        assignment = Assignment(school_id=school_id, lesson_id=lesson_id, type_id=types[school_id])
        s.add(assignment)
        s.flush()
        s.execute(update(Employee).where(Employee.id == employee.id).values(
            user_id=new_login(s, username, "Учитель", school_id, "Бенч", f"Учитель{i + 1:04d}")))
        out.append({"login": username, "group": group_id, "assignment": assignment.id, "student": student_id})
    s.flush()
    return out


def build_parents(s, day, count: int) -> list:
    """Parent logins for guardians (without one) of students enrolled today, in id order."""
    from sqlalchemy import select, update

    from app.models import Enrolment, Guardian, StudentGuardian

    current = select(Enrolment.student_id).where(Enrolment.start_date <= day,
                                                 (Enrolment.end_date.is_(None)) | (Enrolment.end_date >= day))
    guardians = s.scalars(select(Guardian).where(Guardian.user_id.is_(None), Guardian.id.in_(
        select(StudentGuardian.guardian_id).where(StudentGuardian.student_id.in_(current))))
        .order_by(Guardian.id).limit(count)).all()
    out = []
    for i, guardian in enumerate(guardians):
        username = f"bp{i + 1:04d}"
        user_id = new_login(s, username, "Родитель", guardian.school_id, guardian.first_name or "Бенч",
                            guardian.last_name or "Родитель")
        s.execute(update(Guardian).where(Guardian.id == guardian.id).values(user_id=user_id))
        out.append({"login": username})
    s.flush()
    return out


def main(argv: list) -> None:
    from app.extensions import db

    options = {"--teachers": 0, "--parents": 0}
    grid = "--grid" in argv
    for i, arg in enumerate(argv):
        if arg in options:
            options[arg] = int(argv[i + 1])
    with app.app_context():
        s = db.session
        day = today()
        result = {"today": day.isoformat()}
        if grid:
            result["grid"] = build_grid(s, day)
        if options["--teachers"]:
            result["teachers"] = build_teachers(s, day, options["--teachers"])
        if options["--parents"]:
            result["parents"] = build_parents(s, day, options["--parents"])
        s.commit()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
