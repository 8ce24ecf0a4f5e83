"""The calendar-thematic plan (КТП) of a subject group: import from XLSX/CSV
(all-or-nothing), the downloadable template, laying the plan over the lessons,
and the plan set against the lessons held.

Decisions (what a row means, which lesson gets which topic) are
app.rules.thematic's; this module reads and writes the database. Writes go
through the ORM, so the flush hooks refuse a group the user may not edit and
audit every topic and homework written into a lesson. The caller commits.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app import tables
from app.models import Lesson, SubjectGroup, ThematicPlan, ThematicPlanTopic
from app.rules import thematic as rules
from app.rules.errors import N_, RuleViolation

MAX_FILE_BYTES = tables.MAX_FILE_BYTES
MAX_UNPACKED_BYTES = tables.MAX_UNPACKED_BYTES  # an XLSX is a zip: refuse one that unpacks into a flood
MAX_READ_ROWS = rules.ROWS_MAX + 200  # blank rows included
FORMATS = tables.FORMATS
OLD_FORMAT = N_("Save the plan as an XLSX spreadsheet or a CSV file and upload it again.")


# --- Reading a file -------------------------------------------------------------

def file_format(filename: str) -> str:
    """«.xlsx» or «.csv» by the file's name; anything else is refused."""
    return tables.file_format(filename, OLD_FORMAT)


def read_plan(filename: str, data: bytes) -> rules.ParsedPlan:
    """The file's rows as a parsed plan, with each row's problems; raises
    RuleViolation when the file itself cannot be read."""
    rows = tables.read_table(filename, data, max_rows=MAX_READ_ROWS, max_columns=10, max_bytes=MAX_FILE_BYTES,
                             max_unpacked=MAX_UNPACKED_BYTES, old_format=OLD_FORMAT,
                             too_large=N_("The spreadsheet is too large; keep only the plan in it."))
    parsed = rules.parse_table(rows)
    if len(rows) >= MAX_READ_ROWS and not parsed.problems:
        parsed.problems.append(RuleViolation(N_("The plan has more than %(max)s rows."), max=rules.ROWS_MAX))
    return parsed


def template_xlsx() -> bytes:
    """The import template: the four Russian column headers, ready to fill."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "КТП"
    sheet.append(list(rules.TEMPLATE_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for column, width in zip("ABCD", (6, 60, 8, 50)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Import ---------------------------------------------------------------------

def find_group(session: Session, group_id: Optional[int]) -> SubjectGroup:
    """The subject group, if the user may see it (the query is scoped)."""
    group = session.scalar(
        select(SubjectGroup).where(SubjectGroup.id == (group_id or 0))
        .options(joinedload(SubjectGroup.school_class), joinedload(SubjectGroup.year))
    ) if group_id else None
    if group is None:
        raise RuleViolation(N_("The subject group is not found."))
    return group


def may_edit(session: Session, group: SubjectGroup) -> bool:
    """Whether the user may change the group's journal and plan (the flush hooks decide again)."""
    from app.security.scoping import journal_editable

    if group.year is not None and group.year.is_closed:
        return False
    return journal_editable(session, group.id, substitute=False)


def plan_of(session: Session, group_id: int) -> Optional[ThematicPlan]:
    return session.scalar(
        select(ThematicPlan).where(ThematicPlan.subject_group_id == group_id).options(selectinload(ThematicPlan.topics))
    )


@dataclass
class ImportPreview:
    group: SubjectGroup
    parsed: rules.ParsedPlan
    plan: Optional[ThematicPlan]  # the plan the import replaces, if any

    @property
    def replaces(self) -> int:
        return len(self.plan.topics) if self.plan is not None else 0


def preview_import(session: Session, group_id: int, filename: str, data: bytes) -> ImportPreview:
    """What importing the file would write; nothing is written."""
    group = find_group(session, group_id)
    return ImportPreview(group, read_plan(filename, data), plan_of(session, group.id))


def import_plan(session: Session, group_id: int, filename: str, data: bytes) -> ImportPreview:
    """Replaces the group's plan by the file's topics (the plan is created if missing).

    All or nothing: a file with any bad row raises RuleViolation before anything is
    written. The caller commits (or rolls back on a RuleViolation from the flush).
    """
    preview = preview_import(session, group_id, filename, data)
    if not preview.parsed.ok:
        raise RuleViolation(N_("The file has %(count)s errors; nothing was imported."), count=preview.parsed.error_count)
    group, plan = preview.group, preview.plan
    if not may_edit(session, group):
        raise RuleViolation(N_("You may not change the journal of this subject group."))
    if plan is None:
        plan = ThematicPlan(subject_group=group, school_id=group.school_id,
                            name=f"КТП: {group.name}, {group.year.name}" if group.year else f"КТП: {group.name}")
        session.add(plan)
    else:
        plan.topics.clear()
        session.flush()  # the old positions go before the new ones take them
    for topic in preview.parsed.topics:
        plan.topics.append(ThematicPlanTopic(school_id=group.school_id, position=topic.position, title=topic.title,
                                             hours=topic.hours, homework=topic.homework))
    session.flush()
    preview.plan = plan
    return preview


# --- The plan and the lessons -----------------------------------------------------

def _topics(plan: Optional[ThematicPlan]) -> list:
    if plan is None:
        return []
    return [rules.PlanTopic(t.position, t.title, Decimal(str(t.hours if t.hours is not None else 1)), t.homework)
            for t in sorted(plan.topics, key=lambda t: t.position)]


def _lessons(session: Session, group_id: int) -> list:
    return session.scalars(
        select(Lesson).where(Lesson.subject_group_id == group_id).order_by(Lesson.date, Lesson.number, Lesson.id)
    ).all()


def _planned(lesson: Lesson) -> rules.PlannedLesson:
    return rules.PlannedLesson(lesson.id, bool((lesson.topic or "").strip()), bool(lesson.is_cancelled))


@dataclass
class Applied:
    topics: int = 0
    homework: int = 0


def apply_plan(session: Session, group_id: int) -> Applied:
    """Writes the plan's topics into the group's lessons in order (and the topic's
    homework where the lesson has none); topics already written stay. The caller commits."""
    group = find_group(session, group_id)
    plan = plan_of(session, group.id)
    topics = _topics(plan)
    if not topics:
        raise RuleViolation(N_("The subject group has no thematic plan yet."))
    if not may_edit(session, group):
        raise RuleViolation(N_("You may not change the journal of this subject group."))
    lessons = _lessons(session, group.id)
    by_id = {lesson.id: lesson for lesson in lessons}
    done = Applied()
    for lesson_id, index in rules.assign_topics(topics, [_planned(lesson) for lesson in lessons]).items():
        lesson, topic = by_id[lesson_id], topics[index]
        lesson.topic = topic.title
        done.topics += 1
        if topic.homework and not (lesson.homework or "").strip():
            lesson.homework = topic.homework
            done.homework += 1
    session.flush()
    return done


@dataclass
class HeldLesson:
    id: int
    date: dt.date
    number: int
    topic: Optional[str]  # as written in the journal
    held: bool            # the lesson's day has come

    def matches(self, title: str) -> bool:
        return (self.topic or "").strip() == title.strip()


@dataclass
class ProgressRow:
    topic: rules.PlanTopic
    lessons: list = field(default_factory=list)  # HeldLesson

    @property
    def held(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.held)

    @property
    def done(self) -> bool:
        return self.held >= self.topic.lessons


@dataclass
class Progress:
    group: SubjectGroup
    plan: Optional[ThematicPlan]
    rows: list = field(default_factory=list)    # ProgressRow
    extra: list = field(default_factory=list)   # HeldLesson beyond the plan's last hour
    lessons: int = 0                            # lessons of the group, not cancelled
    cancelled: int = 0
    held: int = 0                               # of them, on or before today
    without_topic: int = 0                      # lessons the plan would fill

    @property
    def hours(self) -> Decimal:
        return sum((row.topic.hours for row in self.rows), Decimal(0))


def plan_progress(session: Session, group_id: int, today: Optional[dt.date] = None) -> Progress:
    """The plan against the lessons: which lessons each topic falls on, and which were held."""
    from app.clock import school_today

    today = today or school_today()
    group = find_group(session, group_id)
    plan = plan_of(session, group.id)
    topics = _topics(plan)
    lessons = _lessons(session, group.id)
    progress = Progress(group, plan, [ProgressRow(topic) for topic in topics])
    by_id = {lesson.id: lesson for lesson in lessons}
    paired = set()
    for planned, index in rules.pair_lessons([t.lessons for t in topics], [_planned(lesson) for lesson in lessons]):
        lesson = by_id[planned.id]
        progress.rows[index].lessons.append(HeldLesson(lesson.id, lesson.date, lesson.number, lesson.topic, lesson.date <= today))
        paired.add(lesson.id)
    progress.without_topic = len(rules.assign_topics(topics, [_planned(lesson) for lesson in lessons])) if topics else 0
    for lesson in lessons:
        if lesson.is_cancelled:
            progress.cancelled += 1
            continue
        progress.lessons += 1
        progress.held += lesson.date <= today
        if lesson.id not in paired:
            progress.extra.append(HeldLesson(lesson.id, lesson.date, lesson.number, lesson.topic, lesson.date <= today))
    return progress


def group_overview(session: Session, group_ids: list) -> dict:
    """Group id → (topics in its plan, planned hours, lessons not cancelled) for a list of groups."""
    if not group_ids:
        return {}
    plans = dict(session.execute(
        select(ThematicPlan.subject_group_id, ThematicPlan.id).where(ThematicPlan.subject_group_id.in_(group_ids))
    ).all())
    topics = {plan_id: (count, hours) for plan_id, count, hours in session.execute(
        select(ThematicPlanTopic.plan_id, func.count(ThematicPlanTopic.id), func.sum(ThematicPlanTopic.hours))
        .where(ThematicPlanTopic.plan_id.in_(list(plans.values()) or [0])).group_by(ThematicPlanTopic.plan_id)
    )}
    lessons = dict(session.execute(
        select(Lesson.subject_group_id, func.count(Lesson.id))
        .where(Lesson.subject_group_id.in_(group_ids), Lesson.is_cancelled.is_not(True)).group_by(Lesson.subject_group_id)
    ).all())
    overview = {}
    for group_id in group_ids:
        count, hours = topics.get(plans.get(group_id), (0, 0))
        overview[group_id] = (plans.get(group_id) is not None, count, Decimal(str(hours or 0)), lessons.get(group_id, 0))
    return overview


def group_states(session: Session, groups: list, overview: dict) -> dict:
    """Group id → the rule's GroupState (app.rules.thematic.plan_gaps says why a group
    shows no plan or no lessons): teachers, timetable, lessons, plan, and whether the
    user may import its plan. `overview` is group_overview's answer for the same groups."""
    from app.models import ScheduleEntry, SubjectGroupTeacher

    ids = [group.id for group in groups]
    if not ids:
        return {}
    taught = set(session.scalars(select(SubjectGroupTeacher.subject_group_id)
                                 .where(SubjectGroupTeacher.subject_group_id.in_(ids)).distinct()))
    timetabled = set(session.scalars(select(ScheduleEntry.subject_group_id)
                                     .where(ScheduleEntry.subject_group_id.in_(ids)).distinct()))
    states = {}
    for group in groups:
        has_plan, _, _, lessons = overview.get(group.id, (False, 0, 0, 0))
        closed = bool(group.year is not None and group.year.is_closed)
        states[group.id] = rules.GroupState(
            has_teacher=group.id in taught, has_timetable=group.id in timetabled, lessons=lessons, has_plan=has_plan,
            year_closed=closed, may_edit=not closed and may_edit(session, group))
    return states
