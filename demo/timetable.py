"""Subject groups (subgroups where a subject is split), their teachers, the weekly
timetable, and the calendar-thematic plans of the demo teacher.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Optional

from app.models import (
    CurriculumItem,
    ScheduleEntry,
    SubjectGroup,
    SubjectGroupMember,
    SubjectGroupTeacher,
    ThematicPlan,
    ThematicPlanTopic,
)
from demo.catalog import CURRICULUM, FIVE_POINT, MAX_LESSONS_A_DAY, PASS_FAIL, SEED, YEAR_NAME, YEAR_START, D
from demo.people import is_split, specialty_of, teachers_of
from demo.plans import ClassPlan, GroupPlan, References, StaffPlan
from demo.rows import insert_ids, insert_rows
from demo.topics import homework_text, topic_title


def plan_groups(classes: list[ClassPlan]) -> list[GroupPlan]:
    groups = []
    for school_class in classes:
        for subject, hours in CURRICULUM[school_class.grade]:
            name = f"{subject} {school_class.name}"
            if not is_split(subject, school_class.grade):
                groups.append(GroupPlan(school_class, subject, name, hours))
                continue
            ordered = sorted(school_class.students, key=lambda s: (s.last_name, s.first_name))
            half = (len(ordered) + 1) // 2
            for part, members in ((1, ordered[:half]), (2, ordered[half:])):
                groups.append(GroupPlan(school_class, subject, f"{name} ({part} гр.)", hours, part, members))
    return groups


def assign_teachers(groups: list[GroupPlan], staff: list[StaffPlan]) -> None:
    """Gives every group a teacher of its speciality.

    A class's groups of one speciality go to one teacher: the class teacher if they
    have it, else one already teaching the parallel classes if the load allows,
    else the least loaded. The two subgroups of a class get different teachers.
    """
    blocks: dict[tuple, list[GroupPlan]] = {}
    for group in groups:
        key = (group.school_class, specialty_of(group.subject, group.school_class.grade), group.part)
        blocks.setdefault(key, []).append(group)
    total: dict[str, float] = defaultdict(float)
    for (_, specialty, _), block in blocks.items():
        total[specialty] += sum(g.hours for g in block)
    taken: dict[ClassPlan, set] = defaultdict(set)  # teachers of a class's subgroups
    for (school_class, specialty, part), block in blocks.items():
        hours = sum(g.hours for g in block)
        if specialty == "primary":
            teacher = school_class.teacher
        else:
            candidates = teachers_of(staff, specialty)
            pool = [t for t in candidates if t not in taken[school_class]] or candidates
            cap = total[specialty] / len(candidates) * 1.15
            parallel = [t for t in pool if school_class.grade in t.grades and t.hours + hours <= cap]
            if school_class.teacher in pool:
                teacher = school_class.teacher
            elif parallel:
                teacher = parallel[0]
            else:
                teacher = min(pool, key=lambda t: t.hours)
        if part:
            taken[school_class].add(teacher)
        teacher.hours += hours
        teacher.grades.add(school_class.grade)
        for group in block:
            group.teacher = teacher


def plan_timetable(rng: random.Random, classes: list[ClassPlan], groups: list[GroupPlan]) -> int:
    """Places every group's weekly hours on (weekday, lesson number) slots.

    A class's days are filled from lesson 1 without gaps; the subgroups of a subject
    meet at the same time. Returns the number of teacher clashes that could not be avoided.
    """
    busy: set = set()  # (teacher, weekday, lesson number)
    clashes = 0
    for school_class in classes:
        units: dict[str, list[GroupPlan]] = defaultdict(list)
        for group in groups:
            if group.school_class is school_class:
                units[group.subject].append(group)
        placed, class_clashes = _place_class(rng, units, busy)
        clashes += class_clashes
        for (iso, number), subject in sorted(placed.items()):
            for group in units[subject]:
                group.slots.append((iso, number, group.teacher.room_id))
    return clashes


def _place_class(rng: random.Random, units: dict, busy: set) -> tuple[dict, int]:
    """Slots of one class: slot -> subject, and the count of teacher clashes left.

    Each hour takes the free slot where its teachers are free and its subject has
    had the fewest lessons that day. When no slot has its teachers free, a lesson
    already placed is moved to a free slot that suits it, to vacate one that suits.
    """
    teachers = {subject: {g.teacher for g in unit} for subject, unit in units.items()}
    total = int(sum(unit[0].hours for unit in units.values()))
    per_day = [min(MAX_LESSONS_A_DAY, total // 5 + (1 if d < total % 5 else 0)) for d in range(5)]
    free = [(day + 1, n) for day in range(5) for n in range(1, per_day[day] + 1)]
    placed: dict[tuple, str] = {}
    per_subject_day: dict[tuple, int] = defaultdict(int)
    clashes = 0

    def is_free(subject: str, slot: tuple) -> bool:
        return not any((t, *slot) in busy for t in teachers[subject])

    def put(subject: str, slot: tuple) -> None:
        free.remove(slot)
        placed[slot] = subject
        per_subject_day[(subject, slot[0])] += 1
        busy.update((t, *slot) for t in teachers[subject])

    def take(slot: tuple) -> str:
        subject = placed.pop(slot)
        free.append(slot)
        per_subject_day[(subject, slot[0])] -= 1
        busy.difference_update((t, *slot) for t in teachers[subject])
        return subject

    def vacate_for(subject: str) -> Optional[tuple]:
        for slot, other in list(placed.items()):
            if other == subject or not is_free(subject, slot):
                continue
            take(slot)
            spare = next((s for s in free if s != slot and is_free(other, s)), None)
            put(other, spare or slot)
            if spare:
                return slot
        return None

    for subject in sorted(units, key=lambda s: (-units[s][0].hours, rng.random())):
        for _ in range(int(units[subject][0].hours)):
            if not free:
                break
            slot = min(free, key=lambda s: (not is_free(subject, s), per_subject_day[(subject, s[0])], rng.random()))
            if not is_free(subject, slot):
                slot = vacate_for(subject) or slot
                clashes += not is_free(subject, slot)
            put(subject, slot)
    return placed, clashes


def write_groups(sid: int, classes: list[ClassPlan], groups: list[GroupPlan], refs: References) -> None:
    insert_rows(CurriculumItem, [
        {"school_id": sid, "year_id": refs.year_id, "class_id": c.id, "subject_id": refs.subject_ids[subject],
         "hours_per_week": hours}
        for c in classes for subject, hours in CURRICULUM[c.grade]
    ])
    ids = insert_ids(SubjectGroup, [
        {"school_id": sid, "year_id": refs.year_id, "class_id": g.school_class.id,
         "subject_id": refs.subject_ids[g.subject], "name": g.name, "is_whole_class": g.members is None,
         "grade_scale_id": refs.scale_ids[PASS_FAIL if g.is_pass_fail else FIVE_POINT], "hours_per_week": g.hours}
        for g in groups
    ])
    for group, group_id in zip(groups, ids):
        group.id = group_id
    insert_rows(SubjectGroupTeacher, [
        {"school_id": sid, "subject_group_id": g.id, "employee_id": g.teacher.id, "is_main": True} for g in groups
    ])
    insert_rows(SubjectGroupMember, [
        {"school_id": sid, "subject_group_id": g.id, "student_id": s.id}
        for g in groups if g.members is not None for s in g.members
    ])
    insert_rows(ScheduleEntry, [
        {"school_id": sid, "subject_group_id": g.id, "weekday": iso, "lesson_number": number,
         "room_id": room_id, "valid_from": YEAR_START, "valid_to": None}
        for g in groups for iso, number, room_id in sorted(g.slots)
    ])


def write_thematic_plans(sid: int, groups: list[GroupPlan], teacher: Optional[StaffPlan],
                          today: dt.date) -> None:
    """A calendar-thematic plan (КТП) of 30 topics for each group of the given teacher."""
    if teacher is None:
        return
    plan_groups = [g for g in groups if g.teacher is teacher]
    approved = D(2026, 9, 10)
    ids = insert_ids(ThematicPlan, [
        {"school_id": sid, "subject_group_id": g.id, "name": f"КТП: {g.name}, {YEAR_NAME}",
         "approved_on": approved if approved <= today else None}
        for g in plan_groups
    ])
    rng = random.Random(SEED)
    rows = []
    for group, plan_id in zip(plan_groups, ids):
        for index in range(30):
            rows.append({"school_id": sid, "plan_id": plan_id, "position": index + 1,
                         "title": topic_title(group.subject, group.school_class.grade, index), "hours": 1,
                         "homework": homework_text(group.subject, index, rng)})
    insert_rows(ThematicPlanTopic, rows)
