"""Reports about one class: «Итоги успеваемости класса за учебный период», the
«Сводная ведомость учёта успеваемости» (act 001 §4.15, §4.18) and the «Отчёт о
посещаемости класса». The figures are app.rules.performance over the period
marks and the attendance of the journal."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from flask_babel import gettext
from sqlalchemy.orm import Session

from app.clock import school_today
from app.journal import data
from app.rules import performance as perf
from app.rules.errors import N_
from app.rules.performance import AbsenceStats, MarkStats
from reports.formatting import rounded, single_stops
from reports.class_documents import attendance_document, results_document, sheet_document, sheet_words
from reports.pdf import format_date
from reports.xlsx import finish, new_workbook, title_rows


def _subject_marks(groups, members: dict, marks: dict, key: int, students) -> dict:
    """(student id, subject id) → the mark of the subject's group the student learns in,
    from marks keyed (group id, period or column id, student id)."""
    found = {}
    for g in groups:
        for sid in students:
            if sid in members.get(g.id, ()):
                mark = marks.get((g.id, key, sid))
                if mark is not None and (sid, g.subject_id) not in found:
                    found[(sid, g.subject_id)] = mark
    return found


def _absences_by_student(session: Session, school_class: data.ClassRow, groups, members, students, start, end) -> dict:
    """student id → AbsenceStats over [start, end], whole days counted from their lessons."""
    absences = data.absences_of(session, start, end, group_ids=[g.id for g in groups],
                                student_ids=[s.id for s in students])
    by_student: dict = {s.id: [] for s in students}
    for a in absences:
        by_student.setdefault(a.student_id, []).append(a.absence)
    group_sets = {s.id: {gid for gid, who in members.items() if s.id in who} for s in students}
    days = data.lesson_days(session, group_sets, start, end)
    return {sid: perf.absence_stats(items, days.get(sid, {})) for sid, items in by_student.items()}


def _absences_by_period(session: Session, groups, members, students, periods) -> dict:
    """(student id, "p<period id>") → AbsenceStats of each period, whole days counted from
    their lessons: the absences and the lessons of all the periods read once, not per period."""
    if not periods:
        return {}
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    absences = data.absences_of(session, start, end, group_ids=[g.id for g in groups],
                                student_ids=[s.id for s in students])
    group_sets = {s.id: {gid for gid, who in members.items() if s.id in who} for s in students}
    days = data.lesson_days(session, group_sets, start, end)
    by_student: dict = {}
    for a in absences:
        by_student.setdefault(a.student_id, []).append(a)
    found = {}
    for period in periods:
        inside = lambda day, period=period: period.start <= day <= period.end  # noqa: E731
        for student in students:
            missed = [a.absence for a in by_student.get(student.id, []) if inside(a.day)]
            held = {day: count for day, count in days.get(student.id, {}).items() if inside(day)}
            found[(student.id, f"p{period.id}")] = perf.absence_stats(missed, held)
    return found


# ---------------------------------------------------------------------------
# «Итоги успеваемости класса за учебный период»
# ---------------------------------------------------------------------------

@dataclass
class SubjectResult:
    subject_id: int
    subject: str
    teachers: str
    stats: MarkStats
    students: int        # students who learn the subject
    missing: int         # of them without a period mark

    @property
    def attested(self) -> int:
        return self.stats.total


@dataclass
class StudentResult:
    student: data.StudentRow
    category: Optional[str]
    threes: list = field(default_factory=list)    # subjects with «3»
    failing: list = field(default_factory=list)   # (subject, code) of failing marks
    absence: AbsenceStats = field(default_factory=AbsenceStats)


@dataclass
class ClassResults:
    school_class: data.ClassRow
    period: data.PeriodRow
    subjects: list
    students: list          # StudentResult, by name
    total: MarkStats        # every period mark of the class
    absence: AbsenceStats   # the class's total

    def of(self, category: str) -> list:
        return [s for s in self.students if s.category == category]

    @property
    def rates(self) -> tuple:
        """(успеваемость, качество) of the class by students."""
        return perf.category_rates(s.category for s in self.students)

    @property
    def attested(self) -> int:
        return sum(1 for s in self.students if s.category is not None)


def class_results(session: Session, school_class: data.ClassRow, period: data.PeriodRow) -> ClassResults:
    """Per subject the counts of «5», «4», «3», «2», успеваемость, качество, СОУ and the
    average of the period marks; the students by category; the absences of the period."""
    students = data.class_students(session, school_class.id, period.end, period.end) or \
        data.class_students(session, school_class.id, period.start, period.end)
    ids = [s.id for s in students]
    groups = data.groups_of_classes(session, [school_class.id])
    members = data.members_of(session, groups, students, period.start, period.end)
    marks = _subject_marks(groups, members, data.period_marks_of(session, [g.id for g in groups], [period.id], ids),
                           period.id, ids)
    teachers = data.teachers_of(session, [g.id for g in groups])

    subjects, total = [], MarkStats()
    for subject_id, name, _short, subject_groups in data.by_subject(groups):
        learners = set().union(*(members.get(g.id, set()) for g in subject_groups))
        got = [marks[(sid, subject_id)] for sid in ids if (sid, subject_id) in marks]
        stats = perf.tally(got)
        total.merge(stats)
        names = list(dict.fromkeys(n for g in subject_groups for _e, n in teachers.get(g.id, [])))
        subjects.append(SubjectResult(subject_id, name, ", ".join(names), stats, len(learners),
                                      len(learners) - len(got)))

    absences = _absences_by_student(session, school_class, groups, members, students, period.start, period.end)
    results, absence_total = [], AbsenceStats()
    subject_names = {s.subject_id: s.subject for s in subjects}
    for student in students:
        own = [(subject_names[subj], mark) for (sid, subj), mark in marks.items() if sid == student.id]
        result = StudentResult(student, perf.student_category([m for _, m in own]),
                               sorted(n for n, m in own if perf.bucket(m.score) == 3),
                               sorted((n, m.code) for n, m in own if perf.is_failing(m)),
                               absences.get(student.id, AbsenceStats()))
        absence_total.merge(result.absence)
        results.append(result)
    return ClassResults(school_class, period, subjects, results, total, absence_total)


# ---------------------------------------------------------------------------
# «Сводная ведомость учёта успеваемости»
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetColumn:
    key: str                  # "p<period id>" or "f<final column id>"
    name: str
    kind: str                 # period, year, exam, final
    period: Optional[data.PeriodRow] = None


@dataclass
class SummarySheet:
    school_class: data.ClassRow
    year_name: str
    columns: list             # SheetColumn
    subjects: list            # (subject id, name, short name)
    students: list            # data.StudentRow
    marks: dict               # (student id, subject id, column key) → ScaleMark
    absences: dict            # (student id, column key) → AbsenceStats, for period columns
    _stats: Optional[dict] = field(default=None, repr=False)

    def code(self, student_id: int, subject_id: int, key: str) -> str:
        mark = self.marks.get((student_id, subject_id, key))
        return mark.code if mark else ""

    def failing(self, student_id: int, subject_id: int, key: str) -> bool:
        """A «2» or a failing mark without a score (app/rules/performance.is_failing)."""
        mark = self.marks.get((student_id, subject_id, key))
        return mark is not None and perf.is_failing(mark)

    def filled(self, key: str) -> bool:
        return any(k == key for _s, _subj, k in self.marks)

    def stats(self, subject_id: int, key: str) -> MarkStats:
        """The counts of a subject's marks in a column (counted once for all subjects and columns)."""
        if self._stats is None:
            self._stats = {}
            for (_s, subj, k), mark in self.marks.items():
                self._stats.setdefault((subj, k), MarkStats()).add(mark)
        return self._stats.get((subject_id, key), MarkStats())

    def column_stats(self, key: str) -> MarkStats:
        return perf.tally(m for (_s, _subj, k), m in self.marks.items() if k == key)

    def category(self, student_id: int, key: str) -> Optional[str]:
        return perf.student_category([m for (s, _subj, k), m in self.marks.items() if s == student_id and k == key])

    def column(self, key: str) -> Optional[SheetColumn]:
        return next((c for c in self.columns if c.key == key), None)


def summary_sheet(session: Session, school_class: data.ClassRow, year_name: str,
                  keys: Optional[list] = None) -> SummarySheet:
    """Students × subjects with the marks of every study period of the class's grade and
    of the final-mark columns (year, exams, final); `keys` keeps some columns only."""
    every_period = data.periods_of_grade(session, school_class.year_id, school_class.grade)
    periods = [p for p in every_period if not p.is_year]
    finals = data.final_columns(session, school_class.year_id, school_class.grade)
    columns = [SheetColumn(f"p{p.id}", p.name, "period", p) for p in periods] + \
              [SheetColumn(f"f{c.id}", c.name, c.kind) for c in finals]
    if keys:
        columns = [c for c in columns if c.key in keys]
    year = next(iter(every_period), None)
    start = min((p.start for p in periods), default=year.start if year else dt.date.min)
    end = max((p.end for p in periods), default=year.end if year else dt.date.max)
    students = data.class_students(session, school_class.id, start, end)
    ids = [s.id for s in students]
    groups = data.groups_of_classes(session, [school_class.id])
    members = data.members_of(session, groups, students, start, end)
    group_ids = [g.id for g in groups]
    chosen_periods = [c.period for c in columns if c.period is not None]
    period_marks = data.period_marks_of(session, group_ids, [p.id for p in chosen_periods], ids)
    final = data.final_marks_of(session, group_ids, [int(c.key[1:]) for c in columns if c.key.startswith("f")], ids)
    marks = {}
    for column in columns:
        source, key = (period_marks, column.period.id) if column.period else (final, int(column.key[1:]))
        for (sid, subject_id), mark in _subject_marks(groups, members, source, key, ids).items():
            marks[(sid, subject_id, column.key)] = mark
    absences = _absences_by_period(session, groups, members, students, chosen_periods)
    subjects = [(sid, name, short) for sid, name, short, _g in data.by_subject(groups)]
    return SummarySheet(school_class, year_name, columns, subjects, students, marks, absences)


# ---------------------------------------------------------------------------
# «Отчёт о посещаемости класса»
# ---------------------------------------------------------------------------

@dataclass
class AttendanceLine:
    student: data.StudentRow
    by_key: dict            # day or subject id → (missed, excused)
    stats: AbsenceStats


@dataclass
class ClassAttendance:
    school_class: data.ClassRow
    start: dt.date
    end: dt.date
    mode: str               # "days" or "subjects"
    keys: list              # the columns: days with lessons, or (subject id, short name)
    lines: list
    total: AbsenceStats
    whole_days: dict        # (student id, day) → True when the whole day was missed

    def cell(self, line: AttendanceLine, key) -> str:
        missed, excused = line.by_key.get(key, (0, 0))
        if not missed:
            return ""
        return f"{missed}" if not excused else f"{missed} ({excused})"


def class_attendance(session: Session, school_class: data.ClassRow, start: dt.date, end: dt.date,
                     mode: str = "days") -> ClassAttendance:
    """Lessons missed per student by days or by subjects, excused in brackets, with the
    whole days missed (every lesson of the day)."""
    students = data.class_students(session, school_class.id, start, end)
    groups = data.groups_of_classes(session, [school_class.id])
    members = data.members_of(session, groups, students, start, end)
    subject_of = {g.id: g.subject_id for g in groups}
    absences = data.absences_of(session, start, end, group_ids=list(subject_of), student_ids=[s.id for s in students])
    group_sets = {s.id: {gid for gid, who in members.items() if s.id in who} for s in students}
    days = data.lesson_days(session, group_sets, start, end)

    if mode == "subjects":
        keys = [(sid, short) for sid, _name, short, _g in data.by_subject(groups)]
    else:
        mode = "days"
        keys = sorted({day for per in days.values() for day in per})
    lines, total, whole = [], AbsenceStats(), {}
    for student in students:
        own = [a for a in absences if a.student_id == student.id]
        by_key: dict = {}
        for a in own:
            key = subject_of[a.group_id] if mode == "subjects" else a.day
            missed, excused = by_key.get(key, (0, 0))
            by_key[key] = (missed + 1, excused + a.excused)
        stats = perf.absence_stats((a.absence for a in own), days.get(student.id, {}))
        for day in perf.whole_days_missed((a.absence for a in own), days.get(student.id, {})):
            whole[(student.id, day)] = True
        total.merge(stats)
        lines.append(AttendanceLine(student, by_key, stats))
    return ClassAttendance(school_class, start, end, mode, keys, lines, total, whole)


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

def results_subtitle(r: ClassResults) -> str:
    return single_stops(gettext("Class %(name)s, %(period)s (%(start)s–%(end)s). Class teacher: %(teacher)s.",
                                name=r.school_class.name, period=r.period.name, start=format_date(r.period.start),
                                end=format_date(r.period.end), teacher=r.school_class.teacher or "—"))


def results_pdf(r: ClassResults, school_name: str) -> bytes:
    return results_document(r, school_name, results_subtitle(r), format_date(school_today()))


CATEGORY_LABELS = {
    perf.EXCELLENT: N_("Excellent students (only «5»)"),
    perf.GOOD: N_("Good students («4» and «5»)"),
    perf.ONE_THREE: N_("With one «3»"),
    perf.SATISFACTORY: N_("With «3»"),
    perf.FAILING: N_("Failing students"),
}


def results_xlsx(r: ClassResults, school_name: str) -> bytes:
    """Sheet 1 the subjects, sheet 2 the students with their category and absences."""
    workbook, sheet = new_workbook(gettext("Subjects"))
    title_rows(sheet, gettext("Results of the class for the study period"), f"{school_name}. {results_subtitle(r)}")
    sheet.append([gettext("Subject"), gettext("Teacher"), gettext("Students"), "«5»", "«4»", "«3»", "«2»",
                  gettext("Other"), gettext("No mark"), gettext("Success") + ", %", gettext("Quality") + ", %", gettext("SOU") + ", %",
                  gettext("Average")])
    for s in r.subjects + [None]:
        stats = s.stats if s else r.total
        sheet.append([s.subject if s else gettext("All subjects"), s.teachers if s else "", s.students if s else None,
                      stats.fives, stats.fours, stats.threes, stats.twos, stats.passed_other + stats.failed_other,
                      s.missing if s else None, rounded(stats.success), rounded(stats.quality), rounded(stats.sou),
                      rounded(stats.average, 2)])
    success, quality = r.rates
    sheet.append([])
    sheet.append([gettext("By students"), gettext("Success") + ", %", rounded(success), gettext("Quality") + ", %", rounded(quality)])
    students = workbook.create_sheet(gettext("Students")[:31])
    students.append(["№", gettext("Student"), gettext("Category"), gettext("Subjects with «3»"),
                     gettext("Failing marks"), gettext("Lessons missed"), gettext("excused"), gettext("unexcused"),
                     gettext("Whole days missed")])
    for number, s in enumerate(r.students, start=1):
        students.append([number, s.student.full_name, gettext(CATEGORY_LABELS[s.category]) if s.category else "",
                         ", ".join(s.threes), ", ".join(f"{n}: {c}" for n, c in s.failing), s.absence.lessons,
                         s.absence.excused, s.absence.unexcused, s.absence.whole_days])
    return finish(workbook, {sheet.title: {"header_row": 4, "widths": {"A": 30, "B": 26}},
                             students.title: {"widths": {"A": 5, "B": 34, "C": 26, "D": 30, "E": 30}}})


def sheet_columns(sheet: SummarySheet, key: Optional[str] = None) -> list:
    """The columns to print: the one asked for, else those holding any mark (at least one)."""
    if key:
        column = sheet.column(key)
        return [column] if column else []
    filled = [c for c in sheet.columns if sheet.filled(c.key)]
    return filled or sheet.columns[:1]


def sheet_pdf(sheet: SummarySheet, school_name: str, key: Optional[str] = None, stamp: str = "") -> bytes:
    """A page per column (a study period, the year, an exam, the final marks)."""
    columns = sheet_columns(sheet, key)
    return sheet_document(sheet, columns, sheet_words(sheet, columns, school_name, format_date(school_today()),
                                                      stamp))[0]


def sheet_xlsx(sheet: SummarySheet, school_name: str, key: Optional[str] = None) -> bytes:
    """A sheet per column: students × subjects, the counts under them."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    widths: dict = {}
    for column in sheet_columns(sheet, key):
        ws = workbook.create_sheet(column.name[:31])
        title_rows(ws, gettext("Summary sheet of progress"),
                   gettext("%(school)s. Class %(name)s, %(year)s school year. Marks: %(column)s.", school=school_name,
                           name=sheet.school_class.name, year=sheet.year_name, column=column.name))
        extra = [gettext("Missed"), gettext("excused")] if column.period else []
        ws.append(["№", gettext("Student")] + [name for _sid, name, _short in sheet.subjects] + extra)
        for number, s in enumerate(sheet.students, start=1):
            absence = sheet.absences.get((s.id, column.key))
            ws.append([number, s.full_name] + [sheet.code(s.id, sid, column.key) for sid, _n, _s in sheet.subjects]
                      + ([absence.lessons if absence else None, absence.excused if absence else None] if column.period else []))
        for label, attr in (("«5»", "fives"), ("«4»", "fours"), ("«3»", "threes"), ("«2»", "twos")):
            ws.append(["", label] + [getattr(sheet.stats(sid, column.key), attr) for sid, _n, _s in sheet.subjects])
        for label, attr in ((gettext("Quality") + ", %", "quality"), (gettext("Success") + ", %", "success")):
            ws.append(["", label] + [rounded(getattr(sheet.stats(sid, column.key), attr)) for sid, _n, _s in sheet.subjects])
        ws.append(["", gettext("Average")] + [rounded(sheet.stats(sid, column.key).average, 2)
                                                for sid, _n, _s in sheet.subjects])
        widths[ws.title] = {"header_row": 4, "widths": {"A": 5, "B": 34}}
    return finish(workbook, widths)


ATTENDANCE_DAYS_PER_PAGE = 22


def attendance_chunks(att: ClassAttendance) -> list:
    if att.mode != "days":
        return [att.keys]
    size = ATTENDANCE_DAYS_PER_PAGE
    return [att.keys[i:i + size] for i in range(0, len(att.keys), size)] or [[]]


def attendance_subtitle(att: ClassAttendance) -> str:
    mode = gettext("by days") if att.mode == "days" else gettext("by subjects")
    return gettext("Class %(name)s, from %(start)s to %(end)s, %(mode)s.", name=att.school_class.name,
                   start=format_date(att.start), end=format_date(att.end), mode=mode)


def attendance_pdf(att: ClassAttendance, school_name: str) -> bytes:
    return attendance_document(att, attendance_chunks(att), school_name, attendance_subtitle(att),
                               format_date(school_today()))


def attendance_xlsx(att: ClassAttendance, school_name: str) -> bytes:
    workbook, sheet = new_workbook(gettext("Attendance"))
    title_rows(sheet, gettext("Attendance of the class"), f"{school_name}. {attendance_subtitle(att)}")
    heads = [k for k in att.keys] if att.mode == "days" else [short for _sid, short in att.keys]
    sheet.append(["№", gettext("Student")] + heads + [gettext("Missed"), gettext("excused"), gettext("unexcused"),
                                                       gettext("Whole days")])
    for number, line in enumerate(att.lines, start=1):
        cells = [att.cell(line, k if att.mode == "days" else k[0]) for k in att.keys]
        sheet.append([number, line.student.full_name] + cells + [line.stats.lessons, line.stats.excused,
                                                                  line.stats.unexcused, line.stats.whole_days])
    sheet.append(["", gettext("Total")] + [""] * len(att.keys) + [att.total.lessons, att.total.excused,
                                                                   att.total.unexcused, att.total.whole_days])
    if att.mode == "days":
        for cell in sheet[4][2:2 + len(att.keys)]:
            cell.number_format = "DD.MM"
    return finish(workbook, {sheet.title: {"header_row": 4, "widths": {"A": 5, "B": 34}}})
