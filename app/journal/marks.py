"""The one read path for marks: the journal grid, the diary, the student's reports,
the summary sheet and the NetSchool-compatible /webapi read marks, their weights and
the study periods that frame them here.

Every function is a select of the columns needed (rows come back as plain tuples or
small frozen dataclasses, never ORM objects), one statement per kind of data for the
whole range asked — a week, a period, a class — never one per lesson, subject or
student. The decisions stay in app/rules: a mark's weight is
`grading.effective_weight`, "the current period" `periods.current_period`.

The selects name mapped columns, so the central scoping (app/security/scoping.py)
applies to each of them as to any other query: a parent reads their children's
marks only.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from sqlalchemy import Date, Float, Integer, and_, bindparam, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from app.models import (
    Assignment, AssignmentType, FinalMark, GradeScaleValue, Lesson, Mark, PeriodMark, PeriodType, StudyPeriod,
)
from app.rules import grading
from app.rules import journal as journal_rules
from app.rules import periods as period_rules
from app.rules.performance import ScaleMark
from app.security.scoping import bounded_rows

# --- study periods -------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    id: int
    name: str
    start: dt.date
    end: dt.date
    is_year: bool


def periods_of_grade(session: Session, year_id: int, grade: int) -> list[PeriodRow]:
    """The study periods of a grade: the shorter ones by start date, year-long ones last."""
    rows = session.execute(
        select(StudyPeriod.id, StudyPeriod.name, StudyPeriod.start_date, StudyPeriod.end_date, PeriodType.is_year)
        .join(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
        .where(StudyPeriod.year_id == year_id, StudyPeriod.grade_from <= grade, StudyPeriod.grade_to >= grade)
    ).all()
    return sort_periods(PeriodRow(pid, name, start, end, bool(is_year)) for pid, name, start, end, is_year in rows)


def sort_periods(periods: Iterable[PeriodRow]) -> list[PeriodRow]:
    return sorted(periods, key=lambda p: (p.is_year, p.start, p.end, p.id))


def period_at(periods: Sequence[PeriodRow], day: dt.date) -> Optional[PeriodRow]:
    """The shortest period holding the day (a quarter rather than the year)."""
    return period_rules.period_at(periods, day)


def current_period(periods: Sequence[PeriodRow], day: dt.date, upcoming: bool = False) -> Optional[PeriodRow]:
    """The period holding the day, else the last ended (app/rules/periods.current_period)."""
    return period_rules.current_period(periods, day, upcoming)


# --- marks of one journal (the grid) ----------------------------------------------------

def lessons_of_group(school_id: int, group_id: int, start: dt.date, end: dt.date):
    """The ids of the group's lessons in the dates, as a subquery; `school_id`, which
    leads every index, is named so that each lookup can use one."""
    return select(Lesson.id).where(Lesson.school_id == school_id, Lesson.subject_group_id == group_id,
                                   Lesson.date >= start, Lesson.date <= end)


def group_marks(session: Session, school_id: int, group_id: int, start: dt.date, end: dt.date,
                students: Optional[list] = None, reads: Optional[dict] = None) -> list:
    """(assignment id, student id, value id, is duty, comment, mark id) of the group's
    marks in the dates (of some students): one statement."""
    params = {"school_id": school_id, "group_id": group_id, "start": start, "end": end}
    if students is not None:
        params["students"] = list(students)
    return bounded_rows(session, _group_marks_statement(students is not None), params, reads)


@lru_cache(maxsize=2)
def _group_marks_statement(of_students: bool):
    """group_marks' statement, built once per process (parameters school_id, group_id,
    start, end and students): the grid reads it on every opening and every save."""
    school_id = bindparam("school_id")
    assignments = select(Assignment.id).where(
        Assignment.school_id == school_id,
        Assignment.lesson_id.in_(lessons_of_group(school_id, bindparam("group_id"), bindparam("start"),
                                                  bindparam("end"))))
    query = (
        select(Mark.assignment_id, Mark.student_id, Mark.value_id, Mark.is_duty, Mark.comment, Mark.id)
        .where(Mark.school_id == school_id, Mark.assignment_id.in_(assignments))
        .order_by(Mark.assignment_id, Mark.student_id)  # the averages' formulas list the marks in this order
    )
    if of_students:
        query = query.where(Mark.student_id.in_(bindparam("students", expanding=True)))
    return query


def period_scored_marks(session: Session, school_id: int, group_id: int, year_id: int, period_id: int,
                        students: list, scores: dict, reads: Optional[dict] = None) -> Optional[dict]:
    """Student id → [(score, effective weight)] of their marks in a study period of the
    group's journal, in the grid's order (assignment, student) — what the averages are made
    of; the lessons of the period held (not cancelled). `scores`: the journal's scale, value
    id → score (as the grid page counts them). One statement (period_mark_rows); None when
    the period is not one of the journal's year."""
    rows = period_mark_rows(session, school_id, group_id, year_id, period_id, students, reads)
    return scored_pairs(rows, students, scores)


def period_mark_rows(session: Session, school_id: int, group_id: int, year_id: int, period_id: int, students: list,
                     reads: Optional[dict] = None) -> list:
    """The rows the averages of a period are made of, in the grid's order (assignment,
    student): (period id, student id, value id, own weight, type's weight, assignment id)
    for each mark with a value of the students asked, and a row without a student for each
    assignment of the period (a held lesson's) that has none; no rows when the period is not
    one of the journal's year. `session` may be a connection of its own (`reads` bounded)."""
    return bounded_rows(session, _period_scored_marks_statement(), {
        "school_id": school_id, "group_id": group_id, "year_id": year_id, "period_id": period_id,
        "students": list(students)}, reads)


def scored_pairs(rows: list, students: list, scores: dict) -> Optional[dict]:
    """period_mark_rows' rows as student id → [(score, effective weight)]; None without rows."""
    if not rows:
        return None
    pairs: dict = {sid: [] for sid in students}
    # a period holds a thousand marks of a few scale values and a few weights: each (score,
    # effective weight) pair is worked out once
    floats = {value_id: float(score) if score is not None else None for value_id, score in scores.items()}
    known: dict = {}
    for _period, sid, value_id, own, by_type, *_ in rows:
        if sid is not None:
            pair = known.get((value_id, own, by_type))
            if pair is None:
                pair = known[(value_id, own, by_type)] = (floats.get(value_id), grading.effective_weight(own, by_type))
            pairs[sid].append(pair)
    return pairs


@dataclass(frozen=True)
class CutTallies:
    """period_mark_rows' rows tallied per student (grading.Tally) around some assignments whose
    cells the caller adds later (a journal save's own, as it leaves them): `tallies[student]`
    holds len(around) + 1 tallies, the marks before the first of `around`, between each two and
    after the last, in the grid's order; `weights`: the effective weight of each of `around`
    the period holds (a cell of any other does not count)."""

    around: tuple
    weights: dict
    tallies: dict


def cut_tallies(rows: list, students: list, scores: dict, around: Iterable[int]) -> Optional[CutTallies]:
    """CutTallies of period_mark_rows' rows; None without rows (scored_pairs' None)."""
    if not rows:
        return None
    cuts = tuple(sorted(set(around)))
    cut = set(cuts)
    runs: dict = {sid: [[] for _ in range(len(cuts) + 1)] for sid in students}
    weights: dict = {}
    floats = {value_id: float(score) if score is not None else None for value_id, score in scores.items()}
    # the rows come assignment by assignment, and an assignment's weight is its own: its run, its
    # weight and the scored value of each mark (grading.scored) are worked out when it starts
    current, cutting, run, entries = object(), False, 0, {}
    by_weight: dict = {}  # weight → value id → grading.scored
    for _period, sid, value_id, own, by_type, aid in rows:
        if aid is None:
            continue  # a held lesson without assignments (attendance only): nothing to count
        if aid != current:
            current, cutting = aid, aid in cut
            weight = grading.effective_weight(own, by_type)
            if cutting:
                weights.setdefault(aid, weight)
            else:
                run = bisect.bisect_left(cuts, aid)
                entries = by_weight.setdefault(weight, {})
        if cutting or sid is None:
            continue
        if value_id in entries:
            entry = entries[value_id]
        else:
            entry = entries[value_id] = grading.scored(floats.get(value_id), weight)
        if entry is not None:
            runs[sid][run].append(entry)
    return CutTallies(cuts, weights, {sid: [grading.tally_scored(run) for run in parts] for sid, parts in runs.items()})


@lru_cache(maxsize=1)
def _period_scored_marks_statement():
    """period_mark_rows' statement, built once per process: the period, then (joined to
    it, so that a period without marks still answers) its lessons' assignments with the
    marks of the students asked. A bare «точка» has no value and does not count."""
    school_id = bindparam("school_id", type_=Integer)
    return (
        select(StudyPeriod.id, Mark.student_id, Mark.value_id, cast(Assignment.weight, Float),
               cast(AssignmentType.weight, Float), Assignment.id)  # floats, not decimals: a thousand rows are converted faster
        .select_from(StudyPeriod)
        .outerjoin(Lesson, and_(Lesson.school_id == school_id, Lesson.subject_group_id == bindparam("group_id", type_=Integer),
                                Lesson.date >= StudyPeriod.start_date, Lesson.date <= StudyPeriod.end_date,
                                Lesson.is_cancelled.is_(False)))
        .outerjoin(Assignment, and_(Assignment.school_id == school_id, Assignment.lesson_id == Lesson.id))
        .outerjoin(AssignmentType, Assignment.type_id == AssignmentType.id)
        .outerjoin(Mark, and_(Mark.school_id == school_id, Mark.assignment_id == Assignment.id,
                              Mark.value_id.is_not(None),
                              Mark.student_id.in_(bindparam("students", expanding=True, type_=Integer))))
        .where(StudyPeriod.id == bindparam("period_id", type_=Integer),
               StudyPeriod.year_id == bindparam("year_id", type_=Integer))
        .order_by(Mark.assignment_id, Mark.student_id)
    )


# --- marks with their work (the diary, the reports) -------------------------------------

@dataclass(frozen=True)
class MarkRow:
    group_id: int
    lesson_id: int
    day: dt.date
    assignment_id: int
    type_abbr: str
    type_name: str
    weight: float
    is_control: bool
    student_id: int
    mark: Optional[ScaleMark]   # None for a bare «точка»
    duty: bool
    comment: str


def scale_mark(code, score, passing) -> Optional[ScaleMark]:
    if code is None:
        return None
    return ScaleMark(code, float(score) if score is not None else None, bool(passing))


def marks_of(session: Session, start: dt.date, end: dt.date, group_ids: Optional[Iterable[int]] = None,
             student_ids: Optional[Iterable[int]] = None) -> list[MarkRow]:
    """The marks of lessons held (not cancelled) in [start, end], by date, of some groups
    and/or some students, each with its work type and weight: one statement."""
    conditions = [Lesson.date >= start, Lesson.date <= end, Lesson.is_cancelled.is_(False)]
    if group_ids is not None:
        conditions.append(Lesson.subject_group_id.in_(list(group_ids)))
    if student_ids is not None:
        conditions.append(Mark.student_id.in_(list(student_ids)))
    rows = session.execute(
        select(Lesson.subject_group_id, Lesson.id, Lesson.date, Assignment.id, AssignmentType.abbr, AssignmentType.name,
               Assignment.weight, AssignmentType.weight, AssignmentType.is_control, Mark.student_id,
               GradeScaleValue.code, GradeScaleValue.score, GradeScaleValue.is_passing, Mark.is_duty, Mark.comment)
        .select_from(Mark)
        .join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Lesson, Assignment.lesson_id == Lesson.id)
        .join(AssignmentType, Assignment.type_id == AssignmentType.id)
        .outerjoin(GradeScaleValue, Mark.value_id == GradeScaleValue.id)
        .where(and_(*conditions))
        .order_by(Lesson.date, Lesson.number, Assignment.id)
    ).all()
    return [MarkRow(gid, lid, day, aid, abbr or "", tname or "", grading.effective_weight(own, by_type),
                    bool(control), sid, scale_mark(code, score, passing), bool(duty), comment or "")
            for gid, lid, day, aid, abbr, tname, own, by_type, control, sid, code, score, passing, duty, comment
            in rows]


def tagged_marks(tag: str, *conditions):
    """The select behind marks_of() with a tag first and the lesson's number, for a
    UNION ALL with other kinds of rows: tag, group id, lesson id, date, number, then
    mark_row()'s columns."""
    return (
        select(literal(tag), Lesson.subject_group_id, Lesson.id, Lesson.date, Lesson.number, Assignment.id,
               AssignmentType.abbr, AssignmentType.name, Assignment.weight, AssignmentType.weight,
               AssignmentType.is_control, Mark.student_id, GradeScaleValue.code, GradeScaleValue.score,
               GradeScaleValue.is_passing, Mark.is_duty, Mark.comment)
        .select_from(Mark)
        .join(Assignment, Mark.assignment_id == Assignment.id)
        .join(Lesson, Assignment.lesson_id == Lesson.id)
        .join(AssignmentType, Assignment.type_id == AssignmentType.id)
        .outerjoin(GradeScaleValue, Mark.value_id == GradeScaleValue.id)
        .where(*conditions))


def mark_row(gid, lid, day, aid, abbr, tname, own, by_type, control, sid, code, score, passing, duty,
             comment) -> MarkRow:
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])  # SQLite: text in a UNION
    return MarkRow(gid, lid, day, aid, abbr or "", tname or "", grading.effective_weight(own, by_type), bool(control),
                   sid, scale_mark(code, score, passing), bool(duty), comment or "")


@lru_cache(maxsize=1)
def _student_period_marks_statement():
    """student_period_marks' statement, built once per process (parameters school,
    student_id, groups, start, end, period_id)."""
    school, student_id = bindparam("school", type_=Integer), bindparam("student_id", type_=Integer)
    groups = bindparam("groups", expanding=True, type_=Integer)
    marked = tagged_marks("m", Mark.school_id == school, Lesson.school_id == school,
                          Lesson.date >= bindparam("start", type_=Date), Lesson.date <= bindparam("end", type_=Date),
                          Lesson.is_cancelled.is_(False), Lesson.subject_group_id.in_(groups),
                          Mark.student_id == student_id)
    set_ = (
        select(literal("p"), PeriodMark.subject_group_id, null(), null(), null(), null(), null(), null(), null(),
               null(), null(), PeriodMark.student_id, GradeScaleValue.code, GradeScaleValue.score,
               GradeScaleValue.is_passing, null(), null())
        .join(GradeScaleValue, PeriodMark.value_id == GradeScaleValue.id)
        .where(PeriodMark.school_id == school, PeriodMark.subject_group_id.in_(groups),
               PeriodMark.period_id == bindparam("period_id", type_=Integer), PeriodMark.student_id == student_id))
    return union_all(marked, set_)


def student_period_marks(session: Session, student_id: int, start: dt.date, end: dt.date, group_ids: Sequence[int],
                         period_id: int, school_id: int, reads: Optional[dict] = None) -> tuple[list[MarkRow], dict]:
    """marks_of() the student's marks in the groups' lessons of [start, end] and
    period_marks_of() their marks of the period in the groups, in one statement (UNION
    ALL): ([MarkRow] by date, {(group id, period id, student id): ScaleMark}). `reads`:
    the execution options of the reads about the student (data.StudentPlaces.reads)."""
    groups = list(group_ids)
    if not groups:
        return [], {}
    params = {"school": school_id, "student_id": student_id, "groups": groups, "start": start, "end": end,
              "period_id": period_id}
    found, period_marks = [], {}
    for tag, gid, lid, day, number, aid, *rest in bounded_rows(session, _student_period_marks_statement(), params,
                                                                reads):
        if tag == "p":
            code, score, passing = rest[6:9]
            period_marks[(gid, period_id, student_id)] = scale_mark(code, score, passing)
        else:
            row = mark_row(gid, lid, day, aid, *rest)
            found.append(((row.day, number, aid), row))
    found.sort(key=lambda item: item[0])
    return [row for _key, row in found], period_marks


@dataclass(frozen=True)
class WorkRow:
    """An assignment of a lesson with one student's mark on it (the diary's week)."""

    id: int
    type_id: int
    type_abbr: str
    type_name: str
    title: str
    weight: float
    due_date: Optional[dt.date]
    is_control: bool
    mark: Optional[str]          # the code, «5», «зач»
    score: Optional[float]
    duty: bool
    comment: str

    @property
    def label(self) -> str:
        return journal_rules.assignment_label(self.type_name, self.title)


@lru_cache(maxsize=1)
def _work_of_lessons_statement():
    """work_of_lessons' statement, built once per process (parameters school, lessons,
    student_id)."""
    school, student_id = bindparam("school", type_=Integer), bindparam("student_id", type_=Integer)
    return (
        select(Assignment.lesson_id, Assignment.id, AssignmentType.id, AssignmentType.abbr, AssignmentType.name,
               Assignment.title, Assignment.weight, AssignmentType.weight, AssignmentType.is_control,
               Assignment.due_date, GradeScaleValue.code, GradeScaleValue.score, Mark.is_duty, Mark.comment)
        .join(AssignmentType, Assignment.type_id == AssignmentType.id)
        .outerjoin(Mark, and_(Mark.assignment_id == Assignment.id, Mark.school_id == school,
                              Mark.student_id == student_id))
        .outerjoin(GradeScaleValue, Mark.value_id == GradeScaleValue.id)
        .where(Assignment.school_id == school,
               Assignment.lesson_id.in_(bindparam("lessons", expanding=True, type_=Integer)))
        .order_by(Assignment.id))


def work_of_lessons(session: Session, lesson_ids: Sequence[int], student_id: int, school_id: int,
                    reads: Optional[dict] = None) -> dict:
    """lesson id → [WorkRow] of the lessons' assignments with the student's marks on
    them (none yet: mark None), by assignment id: one statement for the whole week.
    `reads`: the execution options of the reads about the student (data.StudentPlaces.reads)."""
    if not lesson_ids:
        return {}
    found: dict = {}
    rows = bounded_rows(session, _work_of_lessons_statement(),
                        {"school": school_id, "lessons": list(lesson_ids), "student_id": student_id}, reads)
    for lid, aid, type_id, abbr, tname, title, own, by_type, control, due, code, score, duty, comment in rows:
        found.setdefault(lid, []).append(WorkRow(
            aid, type_id, abbr or "", tname or "", title or "", grading.effective_weight(own, by_type), due,
            bool(control), code, float(score) if score is not None else None, bool(duty), comment or ""))
    return found


# --- period and final marks -------------------------------------------------------------

def _marks_by(session: Session, model, key, group_ids, keys, student_ids) -> dict:
    """(group id, key, student id) → ScaleMark of PeriodMark (key: period) or FinalMark (key: column);
    `group_ids` None: of every group the caller may read (a report of the whole school)."""
    groups, wanted = None if group_ids is None else list(group_ids), list(keys)
    if groups == [] or not wanted:
        return {}
    query = (select(model.subject_group_id, key, model.student_id, GradeScaleValue.code, GradeScaleValue.score,
                    GradeScaleValue.is_passing)
             .join(GradeScaleValue, model.value_id == GradeScaleValue.id)
             .where(key.in_(wanted)))
    if groups is not None:
        query = query.where(model.subject_group_id.in_(groups))
    if student_ids is not None:
        query = query.where(model.student_id.in_(list(student_ids)))
    return {(gid, k, sid): scale_mark(code, score, passing)
            for gid, k, sid, code, score, passing in session.execute(query)}


def period_marks_of(session: Session, group_ids: Optional[Iterable[int]], period_ids: Iterable[int],
                    student_ids: Optional[Iterable[int]] = None) -> dict:
    """(group id, period id, student id) → ScaleMark; group_ids None: every group's."""
    return _marks_by(session, PeriodMark, PeriodMark.period_id, group_ids, period_ids, student_ids)


def final_marks_of(session: Session, group_ids: Iterable[int], column_ids: Iterable[int],
                   student_ids: Optional[Iterable[int]] = None) -> dict:
    """(group id, final-mark column id, student id) → ScaleMark."""
    return _marks_by(session, FinalMark, FinalMark.column_id, group_ids, column_ids, student_ids)
