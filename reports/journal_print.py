"""The printout of a journal page, as the paper class journal had it: on the left
the students and the lessons' dates with marks and absences, on the right the
dates with the lesson topics and homework.

A journal is the bulk of the year-end archive (act 001 §4.18: hundreds of pages
for a school), so its PDF is drawn by ReportLab's tables directly — about a
twentieth of xhtml2pdf's time for the same dense table — in the same
embedded Roboto as every other document. The screen shows the same JournalPrint.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext
from reportlab.lib.units import cm
from sqlalchemy.orm import Session

from app.clock import school_today
from app.journal import data
from app.journal import marks as journal_marks
from app.models import group_member_spans
from app.rules import grading

from reports import layout
from reports.formatting import single_stops
from reports.pdf import format_date, registered_font

LESSONS_PER_PAGE = 24   # date columns of one page, as on the paper journal's spread
STUDENTS_PER_PAGE = 30  # rows of one page; a larger group continues on the next
MARGINS = (1 * cm, 1 * cm, 1.2 * cm, 1.2 * cm)  # top, right, bottom, left
MONTHS = ("", "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
          "ноябрь", "декабрь")


@dataclass
class JournalPrint:
    group: data.GroupRow
    teachers: str
    period: data.PeriodRow
    students: list                      # data.StudentRow
    lessons: list                       # data.LessonRow, cancelled ones left out
    cells: dict                         # (student id, lesson id) → «н 5/4»
    averages: dict = field(default_factory=dict)       # student id → weighted average
    period_marks: dict = field(default_factory=dict)   # student id → code

    @property
    def chunks(self) -> list:
        """The lessons of each spread."""
        return [self.lessons[i:i + LESSONS_PER_PAGE] for i in range(0, len(self.lessons), LESSONS_PER_PAGE)] or [[]]

    @property
    def student_chunks(self) -> list:
        return [self.students[i:i + STUDENTS_PER_PAGE] for i in range(0, len(self.students), STUDENTS_PER_PAGE)] or [[]]

    @property
    def title(self) -> str:
        return f"{self.group.class_name}, {self.group.subject}"


def month_spans(lessons: list) -> list:
    """[(month name, columns)] for the header over the dates."""
    spans: list = []
    for lesson in lessons:
        name = MONTHS[lesson.day.month]
        if spans and spans[-1][0] == name:
            spans[-1] = (name, spans[-1][1] + 1)
        else:
            spans.append((name, 1))
    return spans


def journal_print(session: Session, group: data.GroupRow, period: data.PeriodRow) -> JournalPrint:
    """The group's journal for a study period: cells of marks (several assignments of a
    lesson as «5/4», a «точка» as «•») with the absence code before them."""
    return journal_prints(session, [group], [period])[(group.id, period.id)]


def journal_prints(session: Session, groups: list, periods: list) -> dict:
    """(group id, period id) → JournalPrint of each of the groups in each of the periods,
    read in a fixed number of statements — one per kind of data for all of them (and the
    students one per class): the year-end archive prints every journal of a class."""
    if not groups or not periods:
        return {}
    group_ids = [group.id for group in groups]
    spans = [(period.start, period.end) for period in periods]
    start, end = min(s for s, _e in spans), max(e for _s, e in spans)
    everyone = {cid: data.class_students_in(session, cid, spans) for cid in {group.class_id for group in groups}}
    subgroups = [group.id for group in groups if not group.is_whole_class]
    member_spans = group_member_spans(session, subgroups, start, end) if subgroups else []
    lessons = [lesson for lesson in data.lessons_of(session, group_ids, start, end) if not lesson.cancelled]
    marks = journal_marks.marks_of(session, start, end, group_ids=group_ids)
    attendance = data.attendance_codes_of(session, group_ids, start, end)
    period_marks = journal_marks.period_marks_of(session, group_ids, [period.id for period in periods])
    teachers = data.teachers_of(session, group_ids)
    by_group: dict = {}
    for lesson in lessons:
        by_group.setdefault(lesson.group_id, ([], []))[0].append(lesson)
    for m in marks:
        by_group.setdefault(m.group_id, ([], []))[1].append(m)
    by_lesson: dict = {}
    for (lesson_id, student_id), code in attendance.items():
        by_lesson.setdefault(lesson_id, {})[(lesson_id, student_id)] = code
    docs = {}
    for group in groups:
        names = ", ".join(name for _e, name in teachers.get(group.id, []))
        its_lessons, its_marks = by_group.get(group.id, ([], []))
        for period in periods:
            students = everyone[group.class_id][(period.start, period.end)]
            if not group.is_whole_class:
                members = {span.student_id for span in member_spans if span.group_id == group.id
                           and span.start <= period.end and (span.end is None or span.end >= period.start)}
                students = [s for s in students if s.id in members]
            held = [lesson for lesson in its_lessons if period.start <= lesson.day <= period.end]
            codes = {key: code for lesson in held for key, code in by_lesson.get(lesson.id, {}).items()}
            docs[(group.id, period.id)] = _journal(
                group, names, period, students, held,
                [m for m in its_marks if period.start <= m.day <= period.end], codes,
                {sid: mark for (gid, pid, sid), mark in period_marks.items() if gid == group.id and pid == period.id})
    return docs


def _journal(group, teachers: str, period, students: list, lessons: list, marks: list, attendance: dict,
             period_marks: dict) -> JournalPrint:
    texts: dict = {}
    for m in marks:
        text = m.mark.code if m.mark is not None else ""
        if m.duty:
            text = f"{text}•" if text else "•"
        if text:
            texts.setdefault((m.student_id, m.lesson_id), []).append(text)
    cells = {key: "/".join(values) for key, values in texts.items()}
    for (lesson_id, student_id), code in attendance.items():
        key = (student_id, lesson_id)
        cells[key] = f"{code.lower()} {cells[key]}" if key in cells else code.lower()
    pairs: dict = {}
    for m in marks:
        if m.mark is not None:
            pairs.setdefault(m.student_id, []).append((m.mark.score, m.weight))
    return JournalPrint(group, teachers, period, students, lessons, cells,
                        {sid: grading.weighted_average(p) for sid, p in pairs.items()},
                        {sid: mark.code for sid, mark in period_marks.items()})


# ---------------------------------------------------------------------------
# PDF (ReportLab)
# ---------------------------------------------------------------------------

def journal_labels() -> dict:
    """The printout's words, translated once in the app (the drawing itself runs
    without Flask, in the archive's pool of processes too)."""
    return {
        "student": gettext("Student"), "avg": gettext("Avg."), "mark": gettext("Mark"), "date": gettext("Date"),
        "no": gettext("No."), "topic": gettext("Lesson topic"), "homework": gettext("Homework"),
        "grid": gettext("Class journal: %(title)s"), "topics": gettext("Lesson topics: %(title)s"),
        "meta": gettext("%(school)s. Teacher: %(teacher)s. Period: %(period)s (%(start)s–%(end)s)."),
        "none": gettext("No lessons in the period."), "page": gettext("Page %(number)s"),
    }


def _styles():
    """The journal's paragraph styles, from the shared ones (reports/layout.py)."""
    return {"title": layout.style("page-title"), "meta": layout.style("page-meta"), "cell": layout.style("cell"),
            "head": layout.style("head")}


def _para(text: str, style):
    from xml.sax.saxutils import escape

    from reportlab.platypus import Paragraph

    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _grid_table(doc: JournalPrint, lessons: list, students: list, first_number: int, last: bool, width: float,
                labels: dict):
    from reportlab.platypus import Table, TableStyle

    regular, bold = registered_font(False), registered_font(True)
    spans = month_spans(lessons)
    extra = [labels["avg"], labels["mark"]] if last else []
    header_months = ["№", labels["student"]] + [""] * len(lessons) + [""] * len(extra)
    column = 2
    for name, count in spans:
        header_months[column] = name
        column += count
    header_days = ["", ""] + [f"{lesson.day.day:02d}" for lesson in lessons] + extra
    rows = [header_months, header_days]
    for number, student in enumerate(students, start=first_number):
        row = [str(number), student.short_name] + [doc.cells.get((student.id, lesson.id), "") for lesson in lessons]
        if last:
            row += [grading.format_average(doc.averages.get(student.id)), doc.period_marks.get(student.id, "")]
        rows.append(row)
    name_width, number_width = 120.0, 16.0
    extra_widths = [30.0, 38.0] if last else []  # «Отметка» in bold 7.5 pt needs 31 pt
    date_width = (width - name_width - number_width - sum(extra_widths)) / max(len(lessons), LESSONS_PER_PAGE)
    widths = [number_width, name_width] + [date_width] * len(lessons) + extra_widths
    style = [
        ("FONT", (0, 0), (-1, -1), regular, 8),
        ("FONT", (0, 0), (-1, 1), bold, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.4, layout.RULE),
        ("BACKGROUND", (0, 0), (-1, 1), layout.HEADER_FILL),
        ("ALIGN", (2, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("SPAN", (0, 0), (0, 1)),
        ("SPAN", (1, 0), (1, 1)),
    ]
    column = 2
    for _name, count in spans:
        if count > 1:
            style.append(("SPAN", (column, 0), (column + count - 1, 0)))
        column += count
    for index in range(len(extra)):
        style.append(("SPAN", (column + index, 0), (column + index, 1)))
        header_months[column + index] = extra[index]
        header_days[column + index] = ""
    table = Table(rows, colWidths=widths, repeatRows=2)
    table.setStyle(TableStyle(style))
    return table


def _topics_table(lessons: list, width: float, styles, labels: dict):
    from reportlab.platypus import Table, TableStyle

    rows = [[labels["date"], labels["no"], labels["topic"], labels["homework"]]]
    for lesson in lessons:
        rows.append([format_date(lesson.day), str(lesson.number), _para(lesson.topic, styles["cell"]),
                     _para(lesson.homework, styles["cell"])])
    widths = [58.0, 24.0, (width - 82.0) * 0.62, (width - 82.0) * 0.38]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), registered_font(False), 8),
        ("FONT", (0, 0), (-1, 0), registered_font(True), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, layout.RULE),
        ("BACKGROUND", (0, 0), (-1, 0), layout.HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def journal_flowables(doc: JournalPrint, school_name: str, width: float, labels: dict, styles=None) -> list:
    """The spreads of one journal: per chunk of lessons the grid page, then the topics page."""
    from reportlab.platypus import PageBreak

    styles = styles or _styles()
    meta = single_stops(labels["meta"] % {"school": school_name, "teacher": doc.teachers or "—", "period": doc.period.name,
                             "start": format_date(doc.period.start), "end": format_date(doc.period.end)})
    story: list = []
    chunks = doc.chunks
    for index, lessons in enumerate(chunks):
        last = index == len(chunks) - 1
        number = 1
        for students in doc.student_chunks:
            story += [_para(labels["grid"] % {"title": doc.title}, styles["title"]), _para(meta, styles["meta"]),
                      _grid_table(doc, lessons, students, number, last, width, labels), PageBreak()]
            number += len(students)
        story += [_para(labels["topics"] % {"title": doc.title}, styles["title"]), _para(meta, styles["meta"])]
        story += [_topics_table(lessons, width, styles, labels) if lessons else _para(labels["none"], styles["meta"]),
                  PageBreak()]
    return story


def build_pdf(story: list, footer: str, page_label: str = "%(number)s") -> tuple:
    """A landscape A4 document of the flowables, numbered pages; (bytes, page count)."""
    return layout.build(story, title=footer, orientation="landscape", margins=MARGINS, foot=footer,
                        page_label=page_label, foot_y=0.6 * cm)


def page_width() -> float:
    return layout.frame_width("landscape", MARGINS)


def journals_pdf(docs: list, school_name: str, footer: str, labels: dict) -> tuple:
    """Several journals in one document (a class's archive); (bytes, pages). Runs without Flask."""
    width, styles = page_width(), _styles()
    story: list = []
    for doc in docs:
        story += journal_flowables(doc, school_name, width, labels, styles)
    return build_pdf(story, footer, labels["page"])


def journal_pdf(doc: JournalPrint, school_name: str) -> bytes:
    footer = f"{doc.title}, {doc.period.name} · {gettext('printed on %(day)s', day=format_date(school_today()))}"
    return journals_pdf([doc], school_name, footer, journal_labels())[0]


def journal_xlsx(doc: JournalPrint, school_name: str) -> bytes:
    """Sheet 1 the grid (students × lesson dates), sheet 2 the lesson topics."""
    from reports.xlsx import finish, new_workbook, title_rows

    workbook, sheet = new_workbook(gettext("Marks"))
    title_rows(sheet, gettext("Class journal: %(title)s", title=doc.title),
               f"{school_name}; {doc.period.name} ({format_date(doc.period.start)}–{format_date(doc.period.end)})")
    sheet.append(["№", gettext("Student")] + [lesson.day for lesson in doc.lessons] + [gettext("Avg."), gettext("Mark")])
    for number, student in enumerate(doc.students, start=1):
        sheet.append([number, student.full_name] + [doc.cells.get((student.id, lesson.id), "") for lesson in doc.lessons]
                     + [grading.format_average(doc.averages.get(student.id)), doc.period_marks.get(student.id, "")])
    for cell in sheet[4][2:2 + len(doc.lessons)]:
        cell.number_format = "DD.MM"
    topics = workbook.create_sheet(gettext("Lesson topics")[:31])
    topics.append([gettext("Date"), gettext("No."), gettext("Lesson topic"), gettext("Homework")])
    for lesson in doc.lessons:
        topics.append([lesson.day, lesson.number, lesson.topic, lesson.homework])
    for row in topics.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "DD.MM.YYYY"
    return finish(workbook, {sheet.title: {"header_row": 4, "widths": {"A": 5, "B": 32}},
                             topics.title: {"widths": {"A": 12, "B": 6, "C": 70, "D": 40}}})
