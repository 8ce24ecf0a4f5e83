"""People: the staff with their teaching load and class teachers, the students with
their families, guardians, consents and health groups.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Optional

from app.models import (
    Employee,
    EmployeePosition,
    Enrolment,
    Gender,
    Guardian,
    PersonalDataConsent,
    Relation,
    Student,
    StudentGuardian,
    StudentHealth,
)
from demo.catalog import (
    ADMIN_STAFF,
    CITY,
    CLASS_TEACHER_SPECIALTIES,
    CURRICULUM,
    ENGLISH,
    MARK_LEVELS,
    PRIMARY_SPECIALISTS,
    SIBLING_SHARE,
    SPECIALTIES,
    SPLIT_SUBJECTS,
    SUBJECT_SPECIALTY,
    TEACHER_LOAD,
    WOMEN_SHARE,
    YEAR_START,
    D,
)
from demo.movement import write_movement_orders
from demo.names import (
    BOY_NAMES,
    ELDER_NAMES,
    FATHER_NAMES,
    GIRL_NAMES,
    HEALTH_GROUPS,
    PATRONYMICS,
    PEDAGOGICAL_COLLEGE,
    STREETS,
    SURNAMES,
    UNIVERSITIES,
    WOMEN_NAMES,
    WORKPLACES,
    surname_of,
    translit,
)
from demo.plans import ClassPlan, Family, References, StaffPlan, StudentPlan
from demo.rows import insert_ids, insert_rows


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _phone(rng: random.Random) -> str:
    return f"+7 (9{rng.randint(0, 99):02d}) {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def _address(rng: random.Random) -> str:
    return f"{CITY}, {rng.choice(STREETS)}, д. {rng.randint(1, 85)}, кв. {rng.randint(1, 120)}"


def snils(rng: random.Random) -> str:
    """A random SNILS with a valid check number."""
    digits = [rng.randint(0, 9) for _ in range(9)]
    total = sum(d * (9 - i) for i, d in enumerate(digits))
    check = total if total < 100 else (0 if total in (100, 101) else total % 101)
    check = 0 if check == 100 else check
    d = "".join(map(str, digits))
    return f"{d[:3]}-{d[3:6]}-{d[6:]} {check:02d}"


def full_name(row: dict) -> str:
    return " ".join(p for p in (row["last_name"], row["first_name"], row["middle_name"]) if p)


def specialty_of(subject: str, grade: int) -> str:
    specialty = SUBJECT_SPECIALTY[subject]
    if grade <= 4 and specialty not in PRIMARY_SPECIALISTS:
        return "primary"
    return specialty


def is_split(subject: str, grade: int) -> bool:
    return subject in SPLIT_SUBJECTS and grade >= 2


def _person(rng: random.Random, gender: Gender, born_from: int, born_to: int) -> dict:
    """Name, gender and birth date of an adult."""
    if gender is Gender.male:
        first_name = rng.choice(FATHER_NAMES)
    else:
        first_name = rng.choice(WOMEN_NAMES)
    son, daughter = PATRONYMICS[rng.choice(ELDER_NAMES)]
    return {
        "last_name": surname_of(rng.choice(SURNAMES), gender),
        "first_name": first_name,
        "middle_name": son if gender is Gender.male else daughter,
        "gender": gender,
        "birth_date": random_date(rng, D(born_from, 1, 1), D(born_to, 12, 31)),
    }


def _employee_row(rng: random.Random, women_share: float, diploma: str, college: bool, number: int) -> dict:
    gender = Gender.female if rng.random() < women_share else Gender.male
    row = _person(rng, gender, 1962, 2001)
    graduated = row["birth_date"].year + 22
    hired_year = rng.randint(max(graduated, 1992), 2025)
    experience = 2026 - hired_year
    if college:
        education = f"Среднее профессиональное, {PEDAGOGICAL_COLLEGE}, {graduated - 2}, {diploma}"
    else:
        education = f"Высшее, {rng.choice(UNIVERSITIES)}, {graduated}, {diploma}"
    if experience >= 15:
        category = rng.choice(["Высшая", "Высшая", "Первая"])
    elif experience >= 5:
        category = rng.choice(["Первая", "Первая", "Высшая", "Соответствие занимаемой должности"])
    else:
        category = rng.choice(["Соответствие занимаемой должности", None])
    initials = translit(row["first_name"][0] + row["middle_name"][0])
    row.update({
        "phone": _phone(rng),
        "email": f"{translit(row['last_name'])}.{initials}@sch{number}.edu-ensk.ru",
        "address": _address(rng),
        "education": education,
        "qualification_category": category,
        "hire_date": D(hired_year, 8, rng.choice([25, 27, 28, 30, 31])),
        "leave_date": None,
        "user_id": None,
    })
    return row


def _teacher_counts(classes: list[ClassPlan]) -> dict[str, int]:
    """Teachers a speciality needs for the weekly hours of these classes."""
    hours: dict[str, float] = defaultdict(float)
    for school_class in classes:
        for subject, h in CURRICULUM[school_class.grade]:
            specialty = specialty_of(subject, school_class.grade)
            hours[specialty] += h * (2 if is_split(subject, school_class.grade) else 1)
    counts = {}
    for specialty in SPECIALTIES:
        if specialty == "primary":
            counts[specialty] = sum(1 for c in classes if c.grade <= 4)
        elif hours.get(specialty):
            counts[specialty] = max(1, round(hours[specialty] / TEACHER_LOAD))
    if "english" in counts and any(is_split(ENGLISH, c.grade) for c in classes):
        counts["english"] = max(2, counts["english"])  # two subgroups meet at the same time
    return counts


def plan_staff(rng: random.Random, classes: list[ClassPlan], number: int) -> list[StaffPlan]:
    staff = [StaffPlan(_employee_row(rng, women, diploma, False, number), position)
             for position, women, diploma in ADMIN_STAFF]
    for specialty, count in _teacher_counts(classes).items():
        diploma = SPECIALTIES[specialty][0]
        position = "Преподаватель-организатор ОБЗР" if specialty == "obzr" else "Учитель"
        for _ in range(count):
            college = specialty == "primary" and rng.random() < 0.25
            row = _employee_row(rng, WOMEN_SHARE.get(specialty, 0.8), diploma, college, number)
            staff.append(StaffPlan(row, position, specialty))
    return staff


def teachers_of(staff: list[StaffPlan], specialty: str) -> list[StaffPlan]:
    return [s for s in staff if s.specialty == specialty]


def plan_class_teachers(classes: list[ClassPlan], staff: list[StaffPlan]) -> None:
    """Primary classes get their own teacher; grades 5–11 get subject teachers, core subjects first.

    The first mathematics teacher (the demo `teacher`) is the last to be asked.
    """
    for school_class, teacher in zip([c for c in classes if c.grade <= 4], teachers_of(staff, "primary")):
        school_class.teacher = teacher
    first_math = teachers_of(staff, "math")[:1]
    ranked = []
    for index in range(len(staff)):
        for specialty in CLASS_TEACHER_SPECIALTIES:
            teachers = teachers_of(staff, specialty)
            if index < len(teachers) and teachers[index] not in first_math:
                ranked.append(teachers[index])
    others = [s for s in staff if s.specialty and s.specialty != "primary" and s not in ranked + first_math]
    ranked += others + first_math
    senior = [c for c in classes if c.grade >= 5]
    for i, school_class in enumerate(senior if ranked else []):
        school_class.teacher = ranked[i % len(ranked)]


def plan_students(rng: random.Random, classes: list[ClassPlan]) -> None:
    for school_class in classes:
        born_from = D(2019 - school_class.grade, 10, 1)
        born_to = D(2020 - school_class.grade, 12, 31)
        for _ in range(school_class.size):
            gender = Gender.male if rng.random() < 0.5 else Gender.female
            family = Family(rng.choice(SURNAMES), rng.choice(FATHER_NAMES), _address(rng), _phone(rng))
            first_name = rng.choice(BOY_NAMES if gender is Gender.male else GIRL_NAMES)
            level = _pick_level(rng)
            student = StudentPlan(family, gender, first_name, random_date(rng, born_from, born_to), level,
                                  school_class)
            school_class.students.append(student)
        school_class.students.sort(key=lambda s: (s.last_name, s.first_name))


def _pick_level(rng: random.Random) -> int:
    r, acc = rng.random(), 0.0
    for i, (share, _) in enumerate(MARK_LEVELS):
        acc += share
        if r < acc:
            return i
    return len(MARK_LEVELS) - 1


def _showcase_pair(classes: list[ClassPlan]) -> Optional[tuple[StudentPlan, StudentPlan]]:
    """The demo student (a boy of the first 5th class) and a sibling in the last 2nd class."""
    fifth = next((c for c in classes if c.grade == 5), None)
    second = [c for c in classes if c.grade == 2]
    if fifth is None or not second or not fifth.students or not second[-1].students:
        return None
    student = next((s for s in fifth.students if s.gender is Gender.male), fifth.students[0])
    return student, second[-1].students[0]


def plan_siblings(rng: random.Random, classes: list[ClassPlan]) -> Optional[StudentPlan]:
    """Joins some students of different grades into one family; returns the demo student."""
    students = [s for c in classes for s in c.students]
    joined: set = set()

    def join(elder: StudentPlan, younger: StudentPlan) -> None:
        younger.family = elder.family
        joined.update((elder, younger))

    pair = _showcase_pair(classes)
    if pair:
        join(*pair)
        pair[0].family.force_mother = True
    for _ in range(int(len(students) * SIBLING_SHARE / 2)):
        a, b = rng.sample(students, 2)
        if a.school_class.grade != b.school_class.grade and not {a, b} & joined:
            join(a, b)
    for school_class in classes:
        school_class.students.sort(key=lambda s: (s.last_name, s.first_name))
    return pair[0] if pair else None


def write_staff(rng: random.Random, sid: int, staff: list[StaffPlan], refs: References) -> None:
    ids = insert_ids(Employee, [{**s.row, "school_id": sid} for s in staff])
    for member, employee_id in zip(staff, ids):
        member.id = employee_id
    insert_rows(EmployeePosition, [
        {"school_id": sid, "employee_id": s.id, "position_id": refs.position_ids[s.position],
         "rate": rng.choice([1, 1, 1, 1.25, 1.5]) if s.specialty else 1, "start_date": s.row["hire_date"],
         "end_date": None}
        for s in staff
    ])


def write_students(rng: random.Random, sid: int, classes: list[ClassPlan], refs: References,
                    movements: list[tuple]) -> None:
    students = [s for c in classes for s in c.students]
    rows = []
    for number, s in enumerate(students, start=1):
        rows.append({
            "school_id": sid, "user_id": None, "personal_file_no": f"{s.last_name[0]}-{number:04d}",
            "last_name": s.last_name, "first_name": s.first_name, "middle_name": s.middle_name,
            "gender": s.gender, "birth_date": s.birth_date, "snils": snils(rng), "address": s.family.address,
            "phone": _phone(rng) if s.school_class.grade >= 5 and rng.random() < 0.7 else None, "email": None,
            "arrival_date": s.start if s.start > YEAR_START else D(2027 - s.school_class.grade, 9, 1),
            "leave_date": s.end,
        })
    for student, student_id in zip(students, insert_ids(Student, rows)):
        student.id = student_id

    health = []
    for s in students:
        group, pe_group, _ = rng.choices(HEALTH_GROUPS, weights=[w for _, _, w in HEALTH_GROUPS])[0]
        health.append({"school_id": sid, "student_id": s.id, "health_group": group, "pe_group": pe_group,
                       "disability": None, "notes": None})
    insert_rows(StudentHealth, health)

    order_of = write_movement_orders(sid, refs, movements)
    insert_rows(Enrolment, [
        {"school_id": sid, "student_id": s.id, "class_id": s.school_class.id, "start_date": s.start,
         "end_date": s.end - dt.timedelta(days=1) if s.end else None, "order_id": order_of.get(s) if s.start > YEAR_START else None}
        for s in students
    ])
    _write_guardians(rng, sid, students)


def _guardian_row(rng: random.Random, sid: int, family: Family, gender: Gender) -> dict:
    row = _person(rng, gender, 1972, 1996)
    row["last_name"] = surname_of(family.surname, gender)
    if gender is Gender.male:
        row["first_name"] = family.father_name
    email = f"{translit(row['last_name'])}.{translit(row['first_name'])}{rng.randint(1, 99)}@mail.ru"
    return {
        "school_id": sid, "user_id": None, "last_name": row["last_name"], "first_name": row["first_name"],
        "middle_name": row["middle_name"], "phone": family.phone if gender is Gender.female else _phone(rng),
        "email": email if rng.random() < 0.5 else None, "address": family.address,
        "workplace": rng.choice(WORKPLACES),
    }


def _write_guardians(rng: random.Random, sid: int, students: list[StudentPlan]) -> None:
    """Mother and/or father of each family, their links to the children, and the consents."""
    children: dict[Family, list[StudentPlan]] = {}
    for s in students:
        children.setdefault(s.family, []).append(s)
    rows, parents = [], []  # parents: (family, relation)
    for family in children:
        has_mother = family.force_mother or rng.random() < 0.97
        has_father = not has_mother or rng.random() < 0.7
        for present, gender, relation in ((has_mother, Gender.female, Relation.mother),
                                          (has_father, Gender.male, Relation.father)):
            if present:
                rows.append(_guardian_row(rng, sid, family, gender))
                parents.append((family, relation))
    links, consents = [], []
    first_guardian: dict[Family, tuple] = {}
    for (family, relation), row, guardian_id in zip(parents, rows, insert_ids(Guardian, rows)):
        if relation is Relation.mother:
            family.mother = (guardian_id, row["last_name"], row["first_name"])
        first_guardian.setdefault(family, (guardian_id, full_name(row)))
        links += [{"school_id": sid, "student_id": s.id, "guardian_id": guardian_id, "relation": relation}
                  for s in children[family]]
    for family, kids in children.items():
        guardian_id, name = first_guardian[family]
        for s in kids:
            if rng.random() < 0.92:
                consents.append({"school_id": sid, "student_id": s.id, "guardian_id": guardian_id,
                                 "signed_by": name, "form_version": "1", "withdrawn_on": None,
                                 "signed_on": random_date(rng, D(2026, 8, 20), D(2026, 9, 5))})
    insert_rows(StudentGuardian, links)
    insert_rows(PersonalDataConsent, consents)
