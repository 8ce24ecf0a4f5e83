"""The class journal: lessons from the timetable up to the school's date, who missed
them, one assignment a lesson with its marks, and the period marks of the periods
already over — suggested from the weighted average by app/rules/grading.py, as the
journal suggests them to a teacher.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from app.clock import utcnow
from app.models import Assignment, Attendance, Lesson, Mark, PeriodMark
from app.rules import grading
from app.rules.grading import FIRST_MARKED_GRADE
from demo.catalog import (
    CONTROL_EVERY,
    CONTROL_WORK,
    EXCUSED_DAY,
    FIVE_POINT,
    ILLNESS_A_DAY,
    LESSON_ABSENCES,
    MARK_LEVELS,
    MARKED_SHARE,
    ORDINARY_WORK,
    PASS_FAIL,
    STUDY_PERIODS,
    SUBJECT_WORK,
)
from demo.people import teachers_of
from demo.plans import ClassPlan, GroupPlan, References, StaffPlan, StudentPlan
from demo.rows import insert_keyed, insert_rows
from demo.school import school_days
from demo.topics import homework_text, topic_title


@dataclass
class LessonPlan:
    group: GroupPlan
    date: dt.date
    index: int  # the lesson's place in its group's sequence
    absent: dict  # student -> attendance code


def _day_absences(rng: random.Random, students: list[StudentPlan], days: list[dt.date]) -> dict:
    """Whole days missed: illness for several days in a row, or a day for a good reason."""
    absences = {}
    for student in students:
        missed, ill_for = {}, 0
        for day in days:
            if ill_for:
                missed[day], ill_for = "Б", ill_for - 1
            elif rng.random() < ILLNESS_A_DAY:
                missed[day], ill_for = "Б", rng.randint(1, 5)
            elif rng.random() < EXCUSED_DAY:
                missed[day] = "УП"
        absences[student] = missed
    return absences


def _lesson_absences(rng: random.Random, students: list, day: dt.date, day_absences: dict) -> dict:
    absent = {}
    for student in students:
        code = day_absences[student].get(day)
        if code is None:
            r = rng.random()
            for lesson_code, chance in LESSON_ABSENCES:
                if r < chance:
                    code = lesson_code
                    break
                r -= chance
        if code:
            absent[student] = code
    return absent


def _plan_lessons(rng: random.Random, sid: int, classes: list[ClassPlan], groups: list[GroupPlan],
                  staff: list[StaffPlan], refs: References, today: dt.date) -> tuple[list[dict], list[LessonPlan]]:
    """Lesson rows from the timetable on each school day up to today, and who missed each lesson.
    One lesson in a hundred has a substitute: a colleague of the same speciality free at that hour
    (no lesson of their own in the timetable, no other substitution then)."""
    rows, plans = [], []
    busy = {(g.teacher, iso, number) for g in groups for iso, number, _ in g.slots}  # as in the timetable
    substituting: set = set()  # (teacher, date, lesson number)
    for school_class in classes:
        days = school_days(refs.holiday_days[school_class.holiday_set], today)
        day_absences = _day_absences(rng, school_class.students, days)
        for group in (g for g in groups if g.school_class is school_class):
            colleagues = [t for t in teachers_of(staff, group.teacher.specialty) if t is not group.teacher]
            slots_by_day = defaultdict(list)
            for iso, number, room_id in sorted(group.slots):
                slots_by_day[iso].append((number, room_id))
            index = 0
            for day in days:
                for number, room_id in slots_by_day.get(day.isoweekday(), ()):
                    enrolled = [s for s in group.students if s.enrolled_on(day)]
                    topic = topic_title(group.subject, school_class.grade, index)
                    recent = (today - day).days < 7
                    if rng.random() < (0.15 if recent else 0.02):
                        topic = None
                    homework = homework_text(group.subject, index, rng) if topic and rng.random() < 0.85 else None
                    substitute = None
                    if colleagues and rng.random() < 0.01:
                        free = [t for t in colleagues
                                if (t, day.isoweekday(), number) not in busy and (t, day, number) not in substituting]
                        if free:
                            teacher = rng.choice(free)
                            substituting.add((teacher, day, number))
                            substitute = teacher.id
                    rows.append({
                        "school_id": sid, "subject_group_id": group.id, "date": day, "number": number,
                        "teacher_id": group.teacher.id, "substitute_id": substitute, "room_id": room_id,
                        "topic": topic, "homework": homework, "is_cancelled": False,
                    })
                    plans.append(LessonPlan(group, day, index, _lesson_absences(rng, enrolled, day, day_absences)))
                    index += 1
    return rows, plans


def _work_type(rng: random.Random, subject: str, index: int) -> tuple[str, bool]:
    """The abbreviation of the lesson's kind of work, and whether it is a control work."""
    controls = CONTROL_WORK.get(subject, ["К"])
    if controls and index % CONTROL_EVERY == CONTROL_EVERY - 1:
        return controls[(index // CONTROL_EVERY) % len(controls)], True
    work = SUBJECT_WORK.get(subject, ORDINARY_WORK)
    return rng.choices([abbr for abbr, _ in work], weights=[w for _, w in work])[0], False


def _mark_code(rng: random.Random, student: StudentPlan, pass_fail: bool) -> str:
    if pass_fail:
        return "зач" if rng.random() < (0.85 if student.level == 2 else 0.97) else "незач"
    return rng.choices(("5", "4", "3", "2"), weights=MARK_LEVELS[student.level][1])[0]


# When teachers enter a lesson's marks and attendance (school time): a quarter during
# the lessons, most in the evening of the lesson's day, one in LATE_SHARE days later.
LATE_SHARE = 0.08


LATE_DAYS = (1, 1, 1, 2, 2, 3, 4, 7)


class _EntryTimes:
    """Plausible first-entry times of a lesson's entries, as naive UTC like the
    pipeline's stamps: one time per lesson (a teacher fills a lesson at once), from a
    random stream of its own, so that the rest of the demo stays as it was."""

    def __init__(self, number: int, today: dt.date) -> None:
        from app.clock import school_zone

        self.rng = random.Random(f"entries-{number}")
        self.zone = school_zone()
        self.today = today
        self.now = utcnow()

    def __call__(self, day: dt.date) -> dt.datetime:
        rng = self.rng
        roll = rng.random()
        if roll < LATE_SHARE:
            day = min(day + dt.timedelta(days=rng.choice(LATE_DAYS)), self.today)
            minutes = rng.randint(16 * 60, 22 * 60 + 30)
        elif roll < 0.3:
            minutes = rng.randint(8 * 60 + 30, 14 * 60 + 30)
        else:
            minutes = rng.randint(15 * 60, 22 * 60 + 30)
        local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60, rng.randint(0, 59)), tzinfo=self.zone)
        return min(local.astimezone(dt.timezone.utc).replace(tzinfo=None), self.now)


def write_journal(rng: random.Random, sid: int, classes: list[ClassPlan], groups: list[GroupPlan],
                   staff: list[StaffPlan], refs: References, today: dt.date, number: int = 0) -> None:
    """Lessons with attendance, one assignment a lesson with its marks, and the period marks;
    the marks and the attendance carry when they were entered."""
    rows, lessons = _plan_lessons(rng, sid, classes, groups, staff, refs, today)
    lesson_ids = insert_keyed(Lesson, rows, "subject_group_id", "date", "number")
    entry_times = _EntryTimes(number, today)
    entered = {id(lesson): entry_times(lesson.date) for lesson in lessons}

    insert_rows(Attendance, [
        {"school_id": sid, "lesson_id": lesson_id, "student_id": student.id, "code_id": refs.code_ids[code],
         "comment": None, "entered_at": entered[id(lesson)], "entered_by_id": None}
        for lesson, lesson_id in zip(lessons, lesson_ids) for student, code in lesson.absent.items()
    ])

    marked = [(lesson, lesson_id) for lesson, lesson_id in zip(lessons, lesson_ids)
              if lesson.group.school_class.grade >= FIRST_MARKED_GRADE]
    assignment_rows, works = [], []
    for lesson, lesson_id in marked:
        abbr, is_control = _work_type(rng, lesson.group.subject, lesson.index)
        type_id, weight, type_name = refs.types[abbr]
        title = f"{type_name} № {lesson.index // CONTROL_EVERY + 1}" if is_control else None
        assignment_rows.append({"school_id": sid, "lesson_id": lesson_id, "type_id": type_id, "title": title,
                                "weight": None, "due_date": lesson.date})
        works.append((lesson, weight, is_control))
    assignment_ids = insert_keyed(Assignment, assignment_rows, "lesson_id")  # one per lesson

    marks, scores = [], defaultdict(list)  # scores: (group, student) -> [(date, value id, weight)]
    for (lesson, weight, is_control), assignment_id in zip(works, assignment_ids):
        group = lesson.group
        scale = PASS_FAIL if group.is_pass_fail else FIVE_POINT
        enrolled = [s for s in group.students if s.enrolled_on(lesson.date)]
        present = [s for s in enrolled if lesson.absent.get(s) in (None, "ОП")]  # the late are present
        if is_control:
            chosen = [s for s in present if rng.random() < 0.97]
            duty = [s for s in enrolled if s not in present and rng.random() < 0.6]
        else:
            chosen = rng.sample(present, min(len(present), round(len(enrolled) * rng.uniform(*MARKED_SHARE))))
            duty = [s for s in present if s not in chosen and rng.random() < 0.003]
        for student in chosen:
            value_id = refs.scale_values[scale][_mark_code(rng, student, group.is_pass_fail)]
            marks.append({"school_id": sid, "assignment_id": assignment_id, "student_id": student.id,
                          "value_id": value_id, "is_duty": False, "comment": None,
                          "entered_at": entered[id(lesson)], "entered_by_id": None})
            scores[(group, student)].append((lesson.date, value_id, weight))
        comment = "Отсутствовал(а) на контрольной работе" if is_control else "Работа не сдана"
        marks += [{"school_id": sid, "assignment_id": assignment_id, "student_id": s.id, "value_id": None,
                   "is_duty": True, "comment": comment, "entered_at": entered[id(lesson)], "entered_by_id": None}
                  for s in duty]
    insert_rows(Mark, marks)
    _write_period_marks(sid, groups, scores, refs, today)


def _write_period_marks(sid: int, groups: list[GroupPlan], scores: dict, refs: References,
                        today: dt.date) -> None:
    """Marks for the quarters and half-years already over, from the weighted average of the period."""
    rows = []
    for kind, _, name, start, end, grade_from, grade_to in STUDY_PERIODS:
        if kind == "Год" or end >= today:
            continue
        period_id = refs.period_ids[name]
        for group in groups:
            grade = group.school_class.grade
            if not (grade_from <= grade <= grade_to) or grade < FIRST_MARKED_GRADE:
                continue
            for student in group.students:
                entries = [(v, w) for day, v, w in scores.get((group, student), ()) if start <= day <= end]
                if entries:
                    rows.append({"school_id": sid, "subject_group_id": group.id, "student_id": student.id,
                                 "period_id": period_id, "value_id": _period_value(entries, group, refs),
                                 "comment": None})
    insert_rows(PeriodMark, rows)


def _period_value(entries: list[tuple], group: GroupPlan, refs: References) -> int:
    """The period mark a teacher would set: «зач» with any «зач» on a pass/fail scale, else
    the mark the rules suggest for the weighted average (app/rules/grading.py, the default thresholds)."""
    if group.is_pass_fail:
        values = refs.scale_values[PASS_FAIL]
        return values["зач"] if values["зач"] in {v for v, _ in entries} else values["незач"]
    average = grading.weighted_average((refs.value_scores[v], w) for v, w in entries)
    return refs.scale_values[FIVE_POINT][str(grading.suggest_period_mark(average))]
