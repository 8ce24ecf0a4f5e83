"""The school itself: its classes, calendar, dictionaries (scales, kinds of work,
attendance codes, subjects, positions, bells) and rooms.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from app.extensions import db
from app.models import (
    AssignmentType,
    AttendanceCode,
    Bell,
    BellSchedule,
    CurriculumType,
    FinalMarkColumn,
    GradeScale,
    GradeScaleValue,
    Holiday,
    HolidaySet,
    Municipality,
    PeriodType,
    Position,
    Room,
    School,
    SchoolClass,
    SchoolKind,
    SchoolYear,
    StudyPeriod,
    Subject,
)
from demo.catalog import (
    ASSIGNMENT_TYPES,
    ATTENDANCE_CODES,
    BELL_SCHEDULES,
    CITY,
    CITY_OF,
    CLASS_SIZE,
    EXTRA_FIRST_GRADE_HOLIDAYS,
    FINAL_MARK_COLUMNS,
    FIRST_GRADE_HOLIDAYS,
    GRADE_SCALES,
    GYMS,
    HOLIDAYS,
    LETTERS,
    MAIN_HOLIDAYS,
    MUNICIPALITY,
    PERIOD_TYPES,
    POSITIONS,
    REGION,
    ROOMS_A_FLOOR,
    SENIOR_PROFILE,
    SPECIALTIES,
    STUDY_PERIODS,
    SUBJECTS,
    YEAR_END,
    YEAR_NAME,
    YEAR_START,
)
from demo.names import STREETS
from demo.people import full_name, teachers_of
from demo.plans import ClassPlan, References, StaffPlan
from demo.rows import insert_ids, insert_rows


def _inn(rng: random.Random) -> str:
    """A random ten-digit organisation INN with a valid check digit."""
    digits = [3, 8] + [rng.randint(0, 9) for _ in range(7)]
    check = sum(d * c for d, c in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8))) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def school_days(holidays: set, last_day: dt.date) -> list[dt.date]:
    """Weekdays from the start of the year up to `last_day` that are not holidays."""
    days, day = [], YEAR_START
    while day <= min(last_day, YEAR_END):
        if day.isoweekday() <= 5 and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _letter(index: int) -> str:
    """А, Б, … Я, then А2, Б2, … for very big benchmark schools."""
    letter = LETTERS[index % len(LETTERS)]
    return letter if index < len(LETTERS) else f"{letter}{index // len(LETTERS) + 1}"


def _room_numbers(first_floor: int):
    """Room numbers floor by floor: 101, 102, … 112, 201, …"""
    floor = first_floor
    while True:
        for k in range(1, ROOMS_A_FLOOR + 1):
            yield floor, f"{floor}{k:02d}"
        floor += 1


def short_name(number: int) -> str:
    return f"МБОУ СОШ № {number}"


def _class_layout(n_students: int) -> list[tuple[int, int]]:
    """(grade, number of parallel classes) for a school of that size, ~25 students a class.

    Eleven or more classes give every grade one, and the rest go to grades 1–9 in
    turn (20 classes: А and Б for 1–9, А for 10 and 11). Fewer are spread over the grades.
    """
    n_classes = max(1, round(n_students / CLASS_SIZE))
    if n_classes < 11:
        if n_classes == 1:
            return [(5, 1)]
        grades = sorted({round(1 + i * 10 / (n_classes - 1)) for i in range(n_classes)})
        return [(g, 1) for g in grades]
    counts = {g: 1 for g in range(1, 12)}
    for i in range(n_classes - 11):
        counts[1 + i % 9] += 1
    return sorted(counts.items())


def plan_classes(rng: random.Random, n_students: int) -> list[ClassPlan]:
    layout = _class_layout(n_students)
    classes = [ClassPlan(grade, _letter(i), 0) for grade, count in layout for i in range(count)]
    base, extra = divmod(n_students, len(classes))
    sizes = [base + (1 if i < extra else 0) for i in range(len(classes))]
    if base > 10:  # vary the sizes a little, keeping the total
        for i in range(len(sizes)):
            shift = rng.randint(-3, 3)
            sizes[i] += shift
            sizes[(i + 1) % len(sizes)] -= shift
    for school_class, size in zip(classes, sizes):
        school_class.size = size
    return classes


def _municipality_id() -> int:
    existing = db.session.scalar(select(Municipality.id).where(Municipality.name == MUNICIPALITY))
    if existing is not None:
        return existing
    return insert_ids(Municipality, [{"name": MUNICIPALITY, "region": REGION}])[0]


def write_school(rng: random.Random, number: int, staff: list[StaffPlan]) -> int:
    by_position = {s.position: full_name(s.row) for s in staff if s.specialty is None}
    row = {
        "municipality_id": _municipality_id(),
        "kind": SchoolKind.general,
        "full_name": "Муниципальное бюджетное общеобразовательное учреждение "
                     f"«Средняя общеобразовательная школа № {number}»",
        "short_name": short_name(number),
        "inn": _inn(rng),
        "juridical_address": f"{rng.randint(100, 999)}{rng.randint(100, 999)}, {REGION}, {CITY}, "
                             f"{rng.choice(STREETS)}, д. {rng.randint(1, 60)}",
        "postal_address": None,
        "email": f"school{number}@edu-ensk.ru",
        "website": f"https://sh{number}-ensk.gosuslugi.ru",
        "phones": f"+7 (4852) {rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)} (приёмная), "
                  f"+7 (4852) {rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)} (секретарь)",
        "director": by_position["Директор"],
        "deputy_uvr": by_position["Заместитель директора по УВР"],
        "deputy_ahc": by_position["Заместитель директора по АХЧ"],
        "deputy_it": by_position["Заместитель директора по информатизации"],
        "about": f"Школа № {number} {CITY_OF} открыта в {rng.randint(1955, 1990)} году. Обучение с 1 по 11 класс "
                 "в одну смену, пятидневная учебная неделя. Работают спортивные секции, школьный театр и "
                 "музей боевой славы.",
    }
    row["postal_address"] = row["juridical_address"]
    return insert_ids(School, [row])[0]


def _write_calendar(sid: int) -> tuple[int, dict, dict, dict]:
    """The year, its periods and holiday sets; returns the year id, period ids, holiday set ids and days."""
    year_id = insert_ids(SchoolYear, [{"school_id": sid, "name": YEAR_NAME, "start_date": YEAR_START,
                                     "end_date": YEAR_END, "is_current": True, "is_closed": False}])[0]
    type_ids = dict(zip(
        [name for name, _, _ in PERIOD_TYPES],
        insert_ids(PeriodType, [{"school_id": sid, "name": name, "periods_per_year": count, "is_year": is_year}
                             for name, count, is_year in PERIOD_TYPES]),
    ))
    period_ids = dict(zip([name for _, _, name, _, _, _, _ in STUDY_PERIODS], insert_ids(StudyPeriod, [
        {"school_id": sid, "year_id": year_id, "period_type_id": type_ids[kind], "name": name, "number": number,
         "start_date": start, "end_date": end, "grade_from": grade_from, "grade_to": grade_to}
        for kind, number, name, start, end, grade_from, grade_to in STUDY_PERIODS
    ])))
    sets = {MAIN_HOLIDAYS: HOLIDAYS, FIRST_GRADE_HOLIDAYS: HOLIDAYS + EXTRA_FIRST_GRADE_HOLIDAYS}
    set_ids = dict(zip(sets, insert_ids(HolidaySet, [{"school_id": sid, "year_id": year_id, "name": name}
                                                  for name in sets])))
    rows, days = [], {}
    for name, holidays in sets.items():
        days[name] = set()
        for title, start, end in holidays:
            rows.append({"school_id": sid, "holiday_set_id": set_ids[name], "name": title,
                         "start_date": start, "end_date": end})
            days[name].update(start + dt.timedelta(days=i) for i in range((end - start).days + 1))
    insert_rows(Holiday, rows)
    return year_id, period_ids, set_ids, days


def write_references(sid: int) -> References:
    year_id, period_ids, holiday_set_ids, holiday_days = _write_calendar(sid)

    bell_schedule_ids = {}
    for name, is_default, bells in BELL_SCHEDULES:
        schedule_id = insert_ids(BellSchedule, [{"school_id": sid, "name": name, "is_default": is_default}])[0]
        bell_schedule_ids[name] = schedule_id
        insert_rows(Bell, [
            {"school_id": sid, "bell_schedule_id": schedule_id, "lesson_number": i,
             "start_time": dt.time.fromisoformat(start), "end_time": dt.time.fromisoformat(end)}
            for i, (start, end) in enumerate(bells, start=1)
        ])

    position_ids = dict(zip(
        [name for name, _ in POSITIONS],
        insert_ids(Position, [{"school_id": sid, "name": name, "is_teaching": teaching} for name, teaching in POSITIONS]),
    ))

    scale_ids, scale_values, value_scores = {}, {}, {}
    for name, is_default, values in GRADE_SCALES:
        scale_id = insert_ids(GradeScale, [{"school_id": sid, "name": name, "is_default": is_default}])[0]
        ids = insert_ids(GradeScaleValue, [
            {"school_id": sid, "scale_id": scale_id, "code": code, "name": title, "score": score,
             "is_passing": passing, "order": i}
            for i, (code, title, score, passing) in enumerate(values, start=1)
        ])
        scale_ids[name] = scale_id
        scale_values[name] = {code: value_id for (code, _, _, _), value_id in zip(values, ids)}
        value_scores.update({value_id: score for (_, _, score, _), value_id in zip(values, ids)})

    type_ids = insert_ids(AssignmentType, [
        {"school_id": sid, "name": name, "abbr": abbr, "weight": weight, "is_control": control, "order": i}
        for i, (name, abbr, weight, control) in enumerate(ASSIGNMENT_TYPES, start=1)
    ])
    types = {abbr: (type_id, float(weight), name)
             for (name, abbr, weight, _), type_id in zip(ASSIGNMENT_TYPES, type_ids)}

    code_ids = dict(zip(
        [code for code, *_ in ATTENDANCE_CODES],
        insert_ids(AttendanceCode, [{"school_id": sid, "code": code, "name": name, "is_excused": excused,
                                  "is_absence": absence, "order": i}
                                 for i, (code, name, excused, absence) in enumerate(ATTENDANCE_CODES, start=1)]),
    ))
    insert_rows(FinalMarkColumn, [
        {"school_id": sid, "year_id": year_id, "name": name, "kind": kind, "grade_from": grade_from,
         "grade_to": grade_to, "order": i}
        for i, (name, kind, grade_from, grade_to) in enumerate(FINAL_MARK_COLUMNS, start=1)
    ])
    subject_ids = dict(zip(
        [name for name, _, _, _ in SUBJECTS],
        insert_ids(Subject, [{"school_id": sid, "name": name, "short_name": short, "subject_area": area, "order": i}
                          for i, (name, short, area, _) in enumerate(SUBJECTS, start=1)]),
    ))
    return References(year_id, subject_ids, position_ids, scale_ids, scale_values, value_scores, types, code_ids,
                      period_ids, holiday_set_ids, holiday_days, bell_schedule_ids)


def write_rooms(sid: int, classes: list[ClassPlan], staff: list[StaffPlan]) -> None:
    """A room for each primary class (its teacher's too), each subject teacher, the gyms and halls."""
    rows, owners = [], []
    primary = [c for c in classes if c.grade <= 4]
    for (floor, name), school_class in zip(_room_numbers(1), primary):
        rows.append({"name": name, "floor": floor, "capacity": 30, "note": SPECIALTIES["primary"][1]})
        owners.append([school_class, school_class.teacher])
    subject_teachers = [s for s in staff if s.specialty and s.specialty not in ("primary", "pe")]
    upper_floor = 2 + max(len(primary) - 1, 0) // ROOMS_A_FLOOR
    for (floor, name), teacher in zip(_room_numbers(upper_floor), subject_teachers):
        rows.append({"name": name, "floor": floor, "capacity": 30, "note": SPECIALTIES[teacher.specialty][1]})
        owners.append([teacher])
    for i, teacher in enumerate(teachers_of(staff, "pe")):
        name = GYMS[i] if i < len(GYMS) else f"Спортзал {i + 1}"
        rows.append({"name": name, "floor": 1, "capacity": 60, "note": SPECIALTIES["pe"][1]})
        owners.append([teacher])
    rows += [{"name": "Актовый зал", "floor": 2, "capacity": 200, "note": None},
             {"name": "Библиотека", "floor": 1, "capacity": 25, "note": "Читальный зал"}]
    ids = insert_ids(Room, [{**row, "school_id": sid} for row in rows])
    for room_owners, room_id in zip(owners, ids):
        for owner in room_owners:
            owner.room_id = room_id
    for school_class in classes:
        if school_class.room_id is None:
            school_class.room_id = school_class.teacher.room_id if school_class.teacher else None


def write_classes(sid: int, classes: list[ClassPlan], refs: References) -> None:
    default_bells, first_grade_bells = (refs.bell_schedule_ids[name] for name, _, _ in BELL_SCHEDULES)
    ids = insert_ids(SchoolClass, [
        {"school_id": sid, "year_id": refs.year_id, "grade": c.grade, "letter": c.letter,
         "profile": SENIOR_PROFILE if c.grade >= 10 else None, "curriculum_type": CurriculumType.classic,
         "class_teacher_id": c.teacher.id if c.teacher else None, "room_id": c.room_id,
         "holiday_set_id": refs.holiday_set_ids[c.holiday_set],
         "bell_schedule_id": first_grade_bells if c.grade == 1 else default_bells}
        for c in classes
    ])
    for school_class, class_id in zip(classes, ids):
        school_class.id = class_id
