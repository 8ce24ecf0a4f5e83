"""The staff's personal files: hire orders, diplomas, qualification categories,
training courses and the personal card's data (form T-2).
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from app.models import (
    Attestation,
    EducationLevel,
    EducationRecord,
    EmployeePersonalData,
    Gender,
    MaritalStatus,
    QualificationCategory,
    StaffOrder,
    StaffOrderKind,
    TrainingCourse,
)
from app.rules.staff import add_months, default_valid_until
from demo.people import random_date, snils
from demo.plans import References, StaffPlan
from demo.rows import insert_rows

DEMO_CATEGORIES = {"Высшая": QualificationCategory.highest, "Первая": QualificationCategory.first,
                   "Соответствие занимаемой должности": QualificationCategory.compliance}


DEMO_COURSES = [
    ("Реализация требований обновлённых ФГОС НОО, ФГОС ООО в работе учителя", 36),
    ("Цифровые образовательные ресурсы и сервисы в работе педагога", 72),
    ("Обучение детей с ОВЗ в условиях инклюзивного образования", 72),
    ("Оказание первой помощи", 16),
    ("Школа Минпросвещения России: новые возможности для повышения качества образования", 48),
]


DEMO_COURSE_PROVIDER = "ГАУ ДПО «Энский институт развития образования»"


def write_staff_files(sid: int, staff: list[StaffPlan], refs: References, today: dt.date) -> None:
    """The personal files: each employee's hire order, diploma, category and courses.
    Some categories end within half a year, a few have ended: the attestation list has work."""
    rng = random.Random(sid * 7919 + 17)
    orders, diplomas, categories, courses = [], [], [], []
    numbers: dict[int, int] = defaultdict(int)
    for member in sorted(staff, key=lambda s: (s.row["hire_date"], s.id)):
        row = member.row
        hired = row["hire_date"]
        numbers[hired.year] += 1
        orders.append({"school_id": sid, "employee_id": member.id, "kind": StaffOrderKind.hire,
                       "calendar_year": hired.year, "number": f"К-{numbers[hired.year]}", "date": hired,
                       "position_id": refs.position_ids[member.position], "rate": 1, "from_position_id": None,
                       "opened_position_id": None, "reason": None, "article": None})
        level, institution, year, diploma = (part.strip() for part in row["education"].split(",", 3))
        diplomas.append({"school_id": sid, "employee_id": member.id,
                         "level": EducationLevel.higher_specialist if level == "Высшее" else EducationLevel.secondary_vocational,
                         "institution": institution, "graduation_year": int(year), "specialty": None,
                         "qualification": diploma, "diploma_number": f"{rng.choice(['ВСГ', 'ДВС', 'АВБ'])} {rng.randint(1000000, 9999999)}"})
        category = DEMO_CATEGORIES.get(row["qualification_category"])
        if category is not None:
            assigned = max(add_months(today, -rng.choice([2, 8, 14, 26, 38, 50, 55, 57, 59, 61])), hired)
            categories.append({"school_id": sid, "employee_id": member.id, "category": category,
                               "position_id": refs.position_ids[member.position], "assigned_on": assigned,
                               "order_number": f"№ {rng.randint(100, 1999)} от {assigned:%d.%m.%Y}",
                               "valid_until": default_valid_until(assigned)})
        if member.specialty:
            for program, hours in rng.sample(DEMO_COURSES, rng.choice([1, 1, 2])):
                end = max(add_months(today, -rng.randint(1, 40)), hired + dt.timedelta(days=30))
                courses.append({"school_id": sid, "employee_id": member.id, "program": program,
                                "organisation": DEMO_COURSE_PROVIDER, "hours": hours,
                                "start_date": end - dt.timedelta(days=hours // 4 + 3), "end_date": end,
                                "certificate_number": f"{rng.randint(100000, 999999)}"})
    insert_rows(StaffOrder, orders)
    insert_rows(EducationRecord, diplomas)
    insert_rows(Attestation, categories)
    insert_rows(TrainingCourse, courses)
    insert_rows(EmployeePersonalData, _personal_data(sid, staff))


DEMO_PASSPORT_ISSUERS = ("ГУ МВД России по Энской области", "ОУФМС России по Энской области в Центральном районе г. Энска",
                         "ТП УФМС России по Энской области в Заречном районе")


def _person_inn(rng: random.Random) -> str:
    """A random twelve-digit INN of a person with valid check digits."""
    digits = [3, 8] + [rng.randint(0, 9) for _ in range(8)]
    digits.append(sum(d * w for d, w in zip(digits, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))) % 11 % 10)
    digits.append(sum(d * w for d, w in zip(digits, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))) % 11 % 10)
    return "".join(map(str, digits))


def _personal_data(sid: int, staff: list[StaffPlan]) -> list[dict]:
    """The personal card's data (form T-2) of every employee, from a random source of its
    own (the rest of the staff files stay as they were)."""
    rng = random.Random(sid * 104729 + 3)
    rows = []
    for member in sorted(staff, key=lambda s: s.id):
        row = member.row
        issued = random_date(rng, row["birth_date"] + dt.timedelta(days=365 * 20 + 5), row["birth_date"] + dt.timedelta(days=365 * 21))
        status = rng.choice([MaritalStatus.married, MaritalStatus.married, MaritalStatus.never_married,
                             MaritalStatus.divorced])
        family = None
        if status is MaritalStatus.married:
            spouse = "муж" if row["gender"] is Gender.female else "жена"
            family = f"{spouse}, {row['birth_date'].year + rng.randint(-3, 3)} г. р."
        rows.append({"school_id": sid, "employee_id": member.id, "snils": snils(rng), "inn": _person_inn(rng),
                     "citizenship": "Российская Федерация", "birth_place": "г. Энск",
                     "passport_series": f"{rng.randint(10, 99)} {rng.randint(0, 99):02d}",
                     "passport_number": f"{rng.randint(0, 999999):06d}", "passport_issued_by": rng.choice(DEMO_PASSPORT_ISSUERS),
                     "passport_issued_on": issued, "passport_division_code": f"{rng.randint(100, 999)}-{rng.randint(1, 99):03d}",
                     "registration_address": row["address"], "actual_address": None, "marital_status": status,
                     "family": family})
    return rows
