"""A small hand-built school whose report figures are worked out by hand in the tests.

«Школа отчётов», 2025/2026, first quarter 01.09–26.10.2025. Class 5А (class teacher
Тихонова, who teaches Russian) has four students — Антонов (A), Борисова (B),
Васильев (V), Григорьева (G) — and three subject groups: Математика and Музыка
(зачёт/незачёт) taught by Морозов, Русский язык by Тихонова. Class 5Б has one student
and a mathematics group of Орлов.

Lessons and entries (weights: «О» 1, «К» 2):

    Математика  L1 01.09 №1 «Натуральные числа»  О: A 5, B 4, V 3;  G absent «Н»
                L2 03.09 №1 (no topic)            К: A 5, B 5, V 4, G 2;  V late «ОП»
                L3 08.09 №1 «Сложение»            no marks;  G «Б», V «Б»
    Русский     L4 01.09 №2 «Звуки и буквы»       О: A 4, B 5;  G absent «Н»
                L5 02.09 №1 «Слог»                О: A 5, V 3;  G «точка»
    Музыка      L6 03.09 №2 «Песня»               О: A зач, B зач, V незач

First-quarter marks — Математика: A 5, B 5, V 4, G 2; Русский: A 5, B 4, V 3, G 3;
Музыка: A зач, B зач, V зач (G none). Year marks in mathematics: A 5, B 4.
The marks carry when they were first entered: those of L1, L4 and L5 on the lesson's
day, of L6 at 20:30 of its day (Moscow; 17:30 UTC), of L2 two days late (05.09); the
audit holds the entries of L1, L2 and L4 too. A neighbouring school shares the database, with a
coordinator of its own.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import insert

from app.extensions import db
from app.models import (
    Assignment, AssignmentType, Attendance, AttendanceCode, AuditLog, Employee, Enrolment, FinalMark, FinalMarkColumn,
    FinalMarkKind, GradeScale, GradeScaleValue, Guardian, Lesson, Mark, PeriodMark, PeriodType, School, SchoolClass,
    SchoolYear, Student, StudentGuardian, StudyPeriod, Subject, SubjectGroup, SubjectGroupTeacher,
)

D = dt.date
PASSWORD = "Отчёты-2025"
QUARTER = (D(2025, 9, 1), D(2025, 10, 26))


@dataclass
class ReportSchool:
    school: int = 0
    year: int = 0
    quarter: int = 0
    quarter2: int = 0
    class_a: int = 0
    class_b: int = 0
    students: dict = field(default_factory=dict)   # "A", "B", "V", "G", "O" (5Б) → id
    groups: dict = field(default_factory=dict)     # "math", "russian", "music", "math_b" → id
    lessons: dict = field(default_factory=dict)    # "L1".."L6" → id
    columns: dict = field(default_factory=dict)    # "year", "final" → id
    logins: dict = field(default_factory=dict)     # role name → username


def _add(model, **values) -> int:
    return db.session.scalar(insert(model).values(**values).returning(model.id))


def build(sm) -> ReportSchool:
    """Writes the school with bulk INSERTs (past dates: the edit locks do not apply to a seed)."""
    rs = ReportSchool()
    s = rs.school = _add(School, full_name="МБОУ «Школа отчётов»", short_name="Школа отчётов")
    rs.year = _add(SchoolYear, school_id=s, name="2025/2026", start_date=D(2025, 9, 1), end_date=D(2026, 5, 31),
                   is_current=False, is_closed=False)
    quarter = _add(PeriodType, school_id=s, name="Четверть", periods_per_year=4, is_year=False)
    whole_year = _add(PeriodType, school_id=s, name="Год", periods_per_year=1, is_year=True)
    rs.quarter = _add(StudyPeriod, school_id=s, year_id=rs.year, period_type_id=quarter, name="1 четверть", number=1,
                      start_date=QUARTER[0], end_date=QUARTER[1], grade_from=1, grade_to=11)
    rs.quarter2 = _add(StudyPeriod, school_id=s, year_id=rs.year, period_type_id=quarter, name="2 четверть", number=2,
                       start_date=D(2025, 11, 5), end_date=D(2025, 12, 28), grade_from=1, grade_to=11)
    _add(StudyPeriod, school_id=s, year_id=rs.year, period_type_id=whole_year, name="Год", number=1,
         start_date=D(2025, 9, 1), end_date=D(2026, 5, 31), grade_from=1, grade_to=11)
    rs.columns["year"] = _add(FinalMarkColumn, school_id=s, year_id=rs.year, name="Годовая", kind=FinalMarkKind.year.name,
                              grade_from=1, grade_to=11, order=1)
    rs.columns["final"] = _add(FinalMarkColumn, school_id=s, year_id=rs.year, name="Итоговая",
                               kind=FinalMarkKind.final.name, grade_from=1, grade_to=11, order=2)

    five_point = _add(GradeScale, school_id=s, name="Пятибалльная", is_default=True)
    values = {code: _add(GradeScaleValue, school_id=s, scale_id=five_point, code=code, name=code, score=int(code),
                         is_passing=code != "2", order=i) for i, code in enumerate("5432")}
    pass_fail = _add(GradeScale, school_id=s, name="Зачёт/незачёт", is_default=False)
    values["зач"] = _add(GradeScaleValue, school_id=s, scale_id=pass_fail, code="зач", name="зачтено", score=None,
                         is_passing=True, order=1)
    values["незач"] = _add(GradeScaleValue, school_id=s, scale_id=pass_fail, code="незач", name="не зачтено", score=None,
                           is_passing=False, order=2)
    oral = _add(AssignmentType, school_id=s, name="Ответ на уроке", abbr="О", weight=1, is_control=False, order=1)
    test = _add(AssignmentType, school_id=s, name="Контрольная работа", abbr="К", weight=2, is_control=True, order=2)
    codes = {code: _add(AttendanceCode, school_id=s, code=code, name=name, is_excused=excused, is_absence=absence, order=i)
             for i, (code, name, excused, absence) in enumerate([("Н", "Отсутствовал", False, True),
                                                                ("Б", "Болел", True, True),
                                                                ("ОП", "Опоздал", False, False)])}

    def employee(last, first, middle):
        return _add(Employee, school_id=s, last_name=last, first_name=first, middle_name=middle)

    lead, math_teacher, other = employee("Тихонова", "Анна", "Петровна"), employee("Морозов", "Борис", "Ильич"), \
        employee("Орлов", "Олег", "Олегович")
    rs.class_a = _add(SchoolClass, school_id=s, year_id=rs.year, grade=5, letter="А", class_teacher_id=lead,
                      curriculum_type="classic")
    rs.class_b = _add(SchoolClass, school_id=s, year_id=rs.year, grade=5, letter="Б", class_teacher_id=other,
                      curriculum_type="classic")
    names = {"A": ("Антонов", "Антон", "Андреевич"), "B": ("Борисова", "Белла", "Борисовна"),
             "V": ("Васильев", "Виктор", "Викторович"), "G": ("Григорьева", "Галина", "Геннадьевна"),
             "O": ("Осипов", "Олег", "Олегович")}
    for key, (last, first, middle) in names.items():
        rs.students[key] = _add(Student, school_id=s, last_name=last, first_name=first, middle_name=middle,
                                personal_file_no=f"О-{key}")
        _add(Enrolment, school_id=s, student_id=rs.students[key], class_id=rs.class_b if key == "O" else rs.class_a,
             start_date=D(2025, 9, 1))

    subjects = {name: _add(Subject, school_id=s, name=name, short_name=short, order=i)
                for i, (name, short) in enumerate([("Математика", "Матем."), ("Русский язык", "Рус. яз."),
                                                   ("Музыка", "Музыка")])}
    for key, name, class_id, subject, teacher, scale in [
        ("math", "Математика 5А", rs.class_a, "Математика", math_teacher, None),
        ("russian", "Русский язык 5А", rs.class_a, "Русский язык", lead, None),
        ("music", "Музыка 5А", rs.class_a, "Музыка", math_teacher, pass_fail),
        ("math_b", "Математика 5Б", rs.class_b, "Математика", other, None),
    ]:
        rs.groups[key] = _add(SubjectGroup, school_id=s, year_id=rs.year, class_id=class_id, subject_id=subjects[subject],
                              name=name, is_whole_class=True, grade_scale_id=scale)
        _add(SubjectGroupTeacher, school_id=s, subject_group_id=rs.groups[key], employee_id=teacher, is_main=True)

    lessons = [("L1", "math", D(2025, 9, 1), 1, "Натуральные числа"), ("L2", "math", D(2025, 9, 3), 1, None),
               ("L3", "math", D(2025, 9, 8), 1, "Сложение"), ("L4", "russian", D(2025, 9, 1), 2, "Звуки и буквы"),
               ("L5", "russian", D(2025, 9, 2), 1, "Слог"), ("L6", "music", D(2025, 9, 3), 2, "Песня")]
    assignments = {}
    for key, group, day, number, topic in lessons:
        rs.lessons[key] = _add(Lesson, school_id=s, subject_group_id=rs.groups[group], date=day, number=number,
                               topic=topic, homework="№ 5" if key == "L1" else None, is_cancelled=False, is_manual=False)
        if key != "L3":
            assignments[key] = _add(Assignment, school_id=s, lesson_id=rs.lessons[key], type_id=test if key == "L2" else oral)
    st = rs.students
    marks = {"L1": {"A": "5", "B": "4", "V": "3"}, "L2": {"A": "5", "B": "5", "V": "4", "G": "2"},
             "L4": {"A": "4", "B": "5"}, "L5": {"A": "5", "V": "3"}, "L6": {"A": "зач", "B": "зач", "V": "незач"}}
    mark_ids = {}
    # when the marks were entered (UTC): 10:00 Moscow time of the day given, L6 at 20:30
    entered = {"L1": D(2025, 9, 1), "L2": D(2025, 9, 5), "L4": D(2025, 9, 1)}
    entered_at = {lesson: dt.datetime.combine(day, dt.time(7, 0)) for lesson, day in entered.items()}
    entered_at.update(L5=dt.datetime(2025, 9, 2, 7, 0), L6=dt.datetime(2025, 9, 3, 17, 30))
    for lesson, by_student in marks.items():
        for who, code in by_student.items():
            mark_ids[(lesson, who)] = _add(Mark, school_id=s, assignment_id=assignments[lesson], student_id=st[who],
                                           value_id=values[code], is_duty=False, entered_at=entered_at[lesson])
    _add(Mark, school_id=s, assignment_id=assignments["L5"], student_id=st["G"], value_id=None, is_duty=True,
         entered_at=entered_at["L5"])
    for lesson, who, code in [("L1", "G", "Н"), ("L4", "G", "Н"), ("L3", "G", "Б"), ("L3", "V", "Б"), ("L2", "V", "ОП")]:
        _add(Attendance, school_id=s, lesson_id=rs.lessons[lesson], student_id=st[who], code_id=codes[code])
    period = {"math": {"A": "5", "B": "5", "V": "4", "G": "2"}, "russian": {"A": "5", "B": "4", "V": "3", "G": "3"},
              "music": {"A": "зач", "B": "зач", "V": "зач"}}
    for group, by_student in period.items():
        for who, code in by_student.items():
            _add(PeriodMark, school_id=s, subject_group_id=rs.groups[group], student_id=st[who], period_id=rs.quarter,
                 value_id=values[code])
    for who, code in {"A": "5", "B": "4"}.items():
        _add(FinalMark, school_id=s, subject_group_id=rs.groups["math"], student_id=st[who],
             column_id=rs.columns["year"], value_id=values[code])

    lesson_day = {key: day for key, _g, day, _n, _t in lessons}
    group_of = {key: group for key, group, *_ in lessons}
    for (lesson, who), mark_id in mark_ids.items():
        if lesson in entered:
            _add(AuditLog, school_id=s, entity="mark", row_id=mark_id, action="create", field="value_id",
                 new_value=marks[lesson][who], at=dt.datetime.combine(entered[lesson], dt.time(7, 0)),
                 subject_group_id=rs.groups[group_of[lesson]], student_id=st[who], entry_date=lesson_day[lesson])

    # logins
    def login(username, role, employee_id=None, student_id=None, guardian_of=None):
        user = sm.add_user(username, username, "Отчётов", f"{username}@reports.test", sm.find_role(role),
                           password=PASSWORD, commit=False)
        user.school_id = s
        db.session.flush()
        if employee_id:
            db.session.execute(Employee.__table__.update().where(Employee.id == employee_id).values(user_id=user.id))
        if student_id:
            db.session.execute(Student.__table__.update().where(Student.id == student_id).values(user_id=user.id))
        if guardian_of:
            guardian = _add(Guardian, school_id=s, last_name="Антонова", first_name="Алла", middle_name="Ивановна",
                            user_id=user.id)
            _add(StudentGuardian, school_id=s, student_id=guardian_of, guardian_id=guardian, relation="mother")
        return username

    rs.logins = {
        "coordinator": login("rep_coord", "Координатор", employee_id=employee("Козлова", "Кира", "Кирилловна")),
        "lead": login("rep_lead", "Учитель", employee_id=lead),
        "math": login("rep_math", "Учитель", employee_id=math_teacher),
        "other": login("rep_other", "Учитель", employee_id=other),
        "parent": login("rep_parent", "Родитель", guardian_of=st["A"]),
        "student": login("rep_student", "Ученик", student_id=st["V"]),
    }
    # a neighbouring school in the same database, with a coordinator of its own
    s = neighbour = _add(School, full_name="МБОУ «Соседняя школа»", short_name="Соседняя школа")
    year = _add(SchoolYear, school_id=neighbour, name="2025/2026", start_date=D(2025, 9, 1), end_date=D(2026, 5, 31),
                is_current=False, is_closed=False)
    _add(SchoolClass, school_id=neighbour, year_id=year, grade=5, letter="А", curriculum_type="classic")
    rs.logins["neighbour"] = login("rep_neighbour", "Координатор", employee_id=employee("Соседова", "Софья", "Сергеевна"))
    db.session.commit()
    return rs
