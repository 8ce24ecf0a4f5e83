"""Reports about one student: «Отчёт об успеваемости и посещаемости ученика», the
«Информационное письмо для родителей» (act 001 §4.16: weekly, on paper, for parents
who do not use the system) and the «Динамика среднего балла».

The averages are the journal's: app.rules.grading over the marks' weights."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from flask_babel import gettext
from sqlalchemy.orm import Session

from app.clock import school_today
from app.journal import data
from app.rules import grading
from app.rules.performance import AbsenceStats, DatedMark, absence_stats, cumulative_averages, week_ends
from reports.charts import Series, data_uri, line_chart, pdf_font
from reports.formatting import rounded
from reports.pdf import format_date, render_pdf
from reports.xlsx import finish, new_workbook, title_rows


@dataclass
class SubjectLine:
    """A subject in a student's report: the marks by date, the averages, the absences."""

    subject: str
    subject_short: str
    marks: list = field(default_factory=list)        # data.MarkRow, by date
    arithmetic: Optional[float] = None
    weighted: Optional[float] = None
    formula: str = ""
    absences: int = 0
    excused: int = 0
    period_marks: list = field(default_factory=list)  # [(period name, code)]
    period_average: Optional[float] = None             # the weighted average of the period to date

    @property
    def count(self) -> int:
        return sum(1 for m in self.marks if m.mark is not None)

    @property
    def duties(self) -> int:
        return sum(1 for m in self.marks if m.duty)


@dataclass
class StudentProgress:
    student: data.StudentRow
    class_name: str
    start: dt.date
    end: dt.date
    subjects: list
    absence: AbsenceStats
    period: Optional[data.PeriodRow] = None   # the letter: the period the averages are counted for
    weighted: Optional[float] = None           # over every mark of the dates

    @property
    def mark_count(self) -> int:
        return sum(s.count for s in self.subjects)


def _pairs(marks) -> list:
    return [(m.mark.score, m.weight) for m in marks if m.mark is not None]


def student_progress(session: Session, student_id: int, start: dt.date, end: dt.date,
                     with_period: bool = False,
                     places: Optional[data.StudentPlaces] = None) -> Optional[StudentProgress]:
    """The student's marks per subject by date with their types, both averages and the
    absences in [start, end]. `with_period` adds what the parents' letter prints: the
    period marks of the periods the dates fall in and each subject's weighted average
    for the period to date. None when the student is not visible to the user. `places`:
    where the student learns, when the caller has read it over dates holding [start, end]."""
    places = places or data.student_places(session, student_id, start, end)
    student = places.student
    if student is None:
        return None
    classes = places.classes(start, end)
    groups = places.groups_during(start, end)
    marks, absences, days = data.student_record(session, places, [g.id for g in groups], start, end)

    lines: dict = {}
    subject_of_group = {g.id: g.subject_id for g in groups}
    for _sid, name, short, _groups in data.by_subject(groups):
        lines[_sid] = SubjectLine(name, short)
    # marks of a group the student has left since (a transfer) keep their subject
    extra = {m.group_id for m in marks + absences} - set(subject_of_group)
    for g in data.groups_by_id(session, sorted(extra)):
        if g is not None:
            subject_of_group[g.id] = g.subject_id
            lines.setdefault(g.subject_id, SubjectLine(g.subject, g.subject_short))
    for m in marks:
        if m.group_id in subject_of_group:
            lines[subject_of_group[m.group_id]].marks.append(m)
    for a in absences:
        if a.group_id in subject_of_group:
            line = lines[subject_of_group[a.group_id]]
            line.absences += 1
            line.excused += a.excused
    for line in lines.values():
        summary = grading.summarize(_pairs(line.marks))
        line.arithmetic, line.weighted, line.formula = summary.arithmetic, summary.weighted, summary.formula

    progress = StudentProgress(
        student, ", ".join(c.name for c in classes), start, end, list(lines.values()),
        absence_stats((a.absence for a in absences), days), weighted=grading.weighted_average(_pairs(marks)),
    )
    if with_period and classes:
        _add_period(session, progress, classes[-1], groups, subject_of_group, lines)
    return progress


def _add_period(session: Session, progress: StudentProgress, school_class: data.ClassRow, groups, subject_of_group,
                lines) -> None:
    periods = [p for p in data.periods_of_grade(session, school_class.year_id, school_class.grade) if not p.is_year]
    progress.period = data.period_at(periods, progress.end) or data.period_at(periods, progress.start)
    touched = [p for p in periods if p.start <= progress.end and p.end >= progress.start]
    marks = data.period_marks_of(session, [g.id for g in groups], [p.id for p in touched], [progress.student.id])
    names = {p.id: p.name for p in touched}
    for (gid, pid, _sid), mark in sorted(marks.items(), key=lambda item: item[0][1]):
        if gid in subject_of_group:
            lines[subject_of_group[gid]].period_marks.append((names[pid], mark.code))
    if progress.period is not None:
        start, end = progress.period.start, min(progress.period.end, progress.end)
        pairs: dict = {}
        for m in data.marks_of(session, start, end, student_ids=[progress.student.id]):
            if m.mark is not None and m.group_id in subject_of_group:
                pairs.setdefault(subject_of_group[m.group_id], []).append((m.mark.score, m.weight))
        for subject_id, line in lines.items():
            line.period_average = grading.weighted_average(pairs.get(subject_id, []))


def week_of(day: dt.date) -> tuple:
    """Monday to Sunday of the day's week: the parents' letter is weekly (act §4.16)."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


# ---------------------------------------------------------------------------
# The average over time
# ---------------------------------------------------------------------------

@dataclass
class Dynamics:
    student: data.StudentRow
    class_name: str
    subject: str                 # the subject chosen, or "" for all subjects
    points: list                 # the checkpoints (week ends)
    student_series: list         # the student's cumulative weighted average at each checkpoint
    class_series: list           # the class's
    start: dt.date
    end: dt.date


def average_dynamics(session: Session, student_id: int, start: dt.date, end: dt.date,
                     subject_id: Optional[int] = None) -> Optional[Dynamics]:
    """The student's and their class's weighted average, accumulated week by week from
    `start`: over all subjects, or over one."""
    student = data.student_row(session, student_id)
    if student is None:
        return None
    classes = data.student_classes(session, student_id, start, end)
    if not classes:
        return Dynamics(student, "", "", [], [], [], start, end)
    school_class = classes[-1]
    groups = data.groups_of_classes(session, [school_class.id])
    if subject_id is not None:
        groups = [g for g in groups if g.subject_id == subject_id]
    group_ids = [g.id for g in groups]
    classmates = [s.id for s in data.class_students(session, school_class.id, start, end)]
    marks = data.marks_of(session, start, end, group_ids=group_ids, student_ids=classmates) if group_ids else []
    mine = [DatedMark(m.day, m.mark.score, m.weight) for m in marks if m.mark is not None and m.student_id == student_id]
    everyone = [DatedMark(m.day, m.mark.score, m.weight) for m in marks if m.mark is not None]
    points = week_ends(start, end)
    subject = groups[0].subject if subject_id is not None and groups else ""
    return Dynamics(student, school_class.name, subject, points, cumulative_averages(mine, points),
                    cumulative_averages(everyone, points), start, end)


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

def progress_title(report: StudentProgress) -> str:
    return gettext("Progress and attendance of %(name)s, class %(class)s, from %(start)s to %(end)s",
                   name=report.student.full_name, **{"class": report.class_name}, start=format_date(report.start),
                   end=format_date(report.end))


def progress_pdf(report: StudentProgress, school_name: str) -> bytes:
    return render_pdf("student_progress.html", report=report, school_name=school_name,
                      title=gettext("Student progress and attendance report"), subtitle=progress_title(report),
                      printed_on=format_date(school_today()))


def _marks_text(line: SubjectLine) -> str:
    return "; ".join(f"{m.day:%d.%m} {m.mark.code if m.mark else ''}{'•' if m.duty else ''}"
                     f"{f' ({m.type_abbr})' if m.type_abbr else ''}" for m in line.marks)


def progress_xlsx(report: StudentProgress, school_name: str) -> bytes:
    """Sheet 1 a row per subject with the averages, sheet 2 every mark with its date and type."""
    workbook, sheet = new_workbook(gettext("Progress"))
    title_rows(sheet, gettext("Student progress and attendance report"), f"{school_name}. {progress_title(report)}")
    sheet.append([gettext("Subject"), gettext("Marks by date (work type)"), gettext("Marks"), gettext("Average"),
                  gettext("Weighted average"), gettext("Lessons missed"), gettext("of them excused")])
    for line in report.subjects:
        sheet.append([line.subject, _marks_text(line), line.count, rounded(line.arithmetic, 2),
                      rounded(line.weighted, 2), line.absences, line.excused])
    sheet.append([gettext("Total"), "", report.mark_count, None, rounded(report.weighted, 2), report.absence.lessons,
                  report.absence.excused])
    sheet.append([])
    sheet.append([gettext("Whole days missed"), report.absence.whole_days])
    marks = workbook.create_sheet(gettext("Marks")[:31])
    marks.append([gettext("Date"), gettext("Subject"), gettext("Mark"), gettext("Work type"), gettext("Weight"),
                  gettext("«Точка»"), gettext("Comment")])
    for line in report.subjects:
        for m in line.marks:
            marks.append([m.day, line.subject, m.mark.code if m.mark else "", m.type_name, m.weight,
                          gettext("Yes") if m.duty else "", m.comment])
    for row in marks.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "DD.MM.YYYY"
    return finish(workbook, {sheet.title: {"header_row": 4, "widths": {"A": 28, "B": 70, "C": 8, "D": 10, "E": 14,
                                                                       "F": 12, "G": 12}},
                             marks.title: {"widths": {"A": 12, "B": 28, "C": 8, "D": 26, "E": 8, "F": 8, "G": 30}}})


def letters_pdf(letters: list, school_name: str, teacher: str) -> bytes:
    """The parents' letters, a page each (a class's batch, or one child's)."""
    return render_pdf("parent_letters.html", letters=letters, school_name=school_name, teacher=teacher,
                      title=gettext("Information letter to the parents"), subtitle="",
                      printed_on=format_date(school_today()))


def letters_xlsx(letters: list, school_name: str) -> bytes:
    """A row per student and subject: the marks, the period's average and marks, absences."""
    workbook, sheet = new_workbook(gettext("Letters"))
    first = letters[0] if letters else None
    title_rows(sheet, gettext("Information letter to the parents"),
               f"{school_name}; {format_date(first.start)}–{format_date(first.end)}" if first else school_name)
    sheet.append([gettext("Student"), gettext("Class"), gettext("Subject"), gettext("Marks"),
                  gettext("Weighted average for the period"), gettext("Period marks"), gettext("Lessons missed"),
                  gettext("of them excused")])
    for report in letters:
        for line in report.subjects:
            sheet.append([report.student.full_name, report.class_name, line.subject, _marks_text(line),
                          rounded(line.period_average, 2), ", ".join(f"{n}: {c}" for n, c in line.period_marks),
                          line.absences, line.excused])
    return finish(workbook, {sheet.title: {"header_row": 4, "widths": {"A": 32, "B": 8, "C": 28, "D": 60, "E": 14,
                                                                       "F": 24, "G": 10, "H": 10}}})


def dynamics_chart(report: Dynamics, font: str = "") -> str:
    return line_chart(report.points, [
        Series(gettext("Student: %(name)s", name=report.student.short_name), report.student_series),
        Series(gettext("Class %(name)s", name=report.class_name), report.class_series, dashed=True),
    ], font=font)


def dynamics_title(report: Dynamics) -> str:
    subject = report.subject or gettext("all subjects")
    return gettext("%(name)s, class %(class)s, %(subject)s, from %(start)s to %(end)s", name=report.student.full_name,
                   **{"class": report.class_name}, subject=subject, start=format_date(report.start),
                   end=format_date(report.end))


def dynamics_pdf(report: Dynamics, school_name: str) -> bytes:
    return render_pdf("average_dynamics.html", report=report, school_name=school_name,
                      title=gettext("Dynamics of the average mark"), subtitle=dynamics_title(report),
                      chart_uri=data_uri(dynamics_chart(report, pdf_font())), printed_on=format_date(school_today()))


def dynamics_xlsx(report: Dynamics, school_name: str) -> bytes:
    workbook, sheet = new_workbook(gettext("Dynamics"))
    title_rows(sheet, gettext("Dynamics of the average mark"), f"{school_name}. {dynamics_title(report)}")
    sheet.append([gettext("Up to"), gettext("Student"), gettext("Class %(name)s", name=report.class_name)])
    for day, mine, everyone in zip(report.points, report.student_series, report.class_series):
        sheet.append([day, rounded(mine, 2), rounded(everyone, 2)])
    for row in sheet.iter_rows(min_row=5, max_col=1):
        row[0].number_format = "DD.MM.YYYY"
    return finish(workbook, {sheet.title: {"header_row": 4, "widths": {"A": 14, "B": 12, "C": 12}}})
