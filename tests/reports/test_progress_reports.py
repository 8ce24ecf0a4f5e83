"""The figures of every report equal the ones worked out by hand for the small school
of report_school.py; the PDFs carry them in Cyrillic and the spreadsheets the same
figures."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.security.scoping import as_school
from app.journal import data
from reports import classes, control, student
from reports.journal_print import journal_pdf, journal_print, journal_xlsx
from tests.reports.helpers import assert_roboto_only, chars_without_glyph, flat, text

D = dt.date
Q_START, Q_END = D(2025, 9, 1), D(2025, 10, 26)


@pytest.fixture()
def rs(report_app):
    application, school = report_app
    with application.app_context(), as_school(school.school):
        yield school
        db.session.remove()


def _quarter(rs):
    return data.PeriodRow(rs.quarter, "1 четверть", Q_START, Q_END, False)


def _class(rs, key="class_a"):
    return data.class_row(db.session, getattr(rs, key))


def _sheet_rows(content: bytes, sheet: str | None = None) -> list:
    book = load_workbook(io.BytesIO(content))
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _row(rows: list, first: str) -> list:
    return next(r for r in rows if r and r[0] == first)


# --- 1. the student's progress and attendance --------------------------------------

def test_student_progress_lists_marks_by_date_with_both_averages(rs):
    report = student.student_progress(db.session, rs.students["A"], Q_START, Q_END)
    lines = {line.subject: line for line in report.subjects}
    math = lines["Математика"]
    assert [(m.day, m.mark.code, m.type_abbr) for m in math.marks] == [(D(2025, 9, 1), "5", "О"), (D(2025, 9, 3), "5", "К")]
    assert (math.arithmetic, math.weighted) == (5.0, 5.0)
    assert lines["Русский язык"].arithmetic == pytest.approx(4.5)
    assert [m.mark.code for m in lines["Музыка"].marks] == ["зач"] and lines["Музыка"].weighted is None
    # (5×1 + 5×2 + 4×1 + 5×1) / 5
    assert report.weighted == pytest.approx(4.8)
    assert report.absence.lessons == 0


def test_a_weighted_average_counts_the_control_work_twice(rs):
    report = student.student_progress(db.session, rs.students["B"], Q_START, Q_END)
    math = next(line for line in report.subjects if line.subject == "Математика")
    assert math.arithmetic == pytest.approx(4.5)
    assert math.weighted == pytest.approx(14 / 3)
    assert math.formula == "(4×1 + 5×2) / (1 + 2) = 4,67"


def test_student_absences_count_lessons_and_whole_days_but_not_lateness(rs):
    g = student.student_progress(db.session, rs.students["G"], Q_START, Q_END)
    lines = {line.subject: line for line in g.subjects}
    assert (lines["Математика"].absences, lines["Математика"].excused) == (2, 1)
    assert lines["Русский язык"].absences == 1 and lines["Русский язык"].duties == 1
    assert (g.absence.lessons, g.absence.excused, g.absence.whole_days, g.absence.whole_days_excused) == (3, 1, 2, 1)
    v = student.student_progress(db.session, rs.students["V"], Q_START, Q_END)
    assert (v.absence.lessons, v.absence.excused, v.absence.whole_days) == (1, 1, 1)  # «ОП» is not a missed lesson


def test_student_progress_pdf_and_xlsx_hold_the_same_figures(report_app, rs):
    report = student.student_progress(db.session, rs.students["B"], Q_START, Q_END)
    pdf = student.progress_pdf(report, "МБОУ «Школа отчётов»")
    content = flat(text(pdf))
    assert "Борисова Белла Борисовна" in content and "Отчёт об успеваемости и посещаемости ученика" in content
    assert "4,67" in content and "4,50" in content
    assert not chars_without_glyph(text(pdf))
    assert_roboto_only(pdf)
    rows = _sheet_rows(student.progress_xlsx(report, "МБОУ «Школа отчётов»"))
    math = _row(rows, "Математика")
    assert math[2:5] == [2, 4.5, 4.67]


# --- 2. the parents' letter ----------------------------------------------------------

def test_parents_letter_of_a_week_shows_its_marks_the_period_average_and_period_marks(rs):
    monday, sunday = student.week_of(D(2025, 9, 3))
    assert (monday, sunday) == (D(2025, 9, 1), D(2025, 9, 7))
    letter = student.student_progress(db.session, rs.students["A"], monday, sunday, with_period=True)
    lines = {line.subject: line for line in letter.subjects}
    assert letter.period.name == "1 четверть"
    assert [m.mark.code for m in lines["Математика"].marks] == ["5", "5"]
    assert lines["Математика"].period_average == pytest.approx(5.0)
    assert lines["Русский язык"].period_average == pytest.approx(4.5)
    assert lines["Русский язык"].period_marks == [("1 четверть", "5")]
    assert lines["Музыка"].period_marks == [("1 четверть", "зач")]


def test_a_class_batch_of_letters_prints_a_page_per_student(rs):
    from tests.reports.helpers import page_texts

    letters = [student.student_progress(db.session, rs.students[k], D(2025, 9, 1), D(2025, 9, 7), with_period=True)
               for k in "ABVG"]
    pdf = student.letters_pdf(letters, "МБОУ «Школа отчётов»", "Тихонова А. П.")
    pages = [flat(p) for p in page_texts(pdf)]
    assert len(pages) == 4
    assert "Антонов Антон Андреевич" in pages[0] and "Григорьева Галина Геннадьевна" in pages[3]
    assert "Тихонова А. П." in pages[0]
    rows = _sheet_rows(student.letters_xlsx(letters, "МБОУ «Школа отчётов»"))
    assert [r[4] for r in rows if r[0] == "Борисова Белла Борисовна" and r[2] == "Математика"] == [4.67]


# --- 3. the class's results for the period ---------------------------------------------

def test_class_results_count_each_subjects_period_marks(rs):
    r = classes.class_results(db.session, _class(rs), _quarter(rs))
    by = {s.subject: s for s in r.subjects}
    math, russian, music = by["Математика"].stats, by["Русский язык"].stats, by["Музыка"].stats
    assert (math.fives, math.fours, math.threes, math.twos) == (2, 1, 0, 1)
    assert (math.success, math.quality, math.sou, math.average) == (75.0, 75.0, 70.0, 4.0)
    assert (russian.fives, russian.fours, russian.threes, russian.twos) == (1, 1, 2, 0)
    assert (russian.success, russian.quality, russian.sou, russian.average) == (100.0, 50.0, 59.0, 3.75)
    assert music.passed_other == 3 and music.success == 100.0 and music.quality is None
    assert by["Музыка"].missing == 1  # Григорьева has no music mark
    assert by["Математика"].teachers == "Морозов Б. И."


def test_class_results_total_pools_every_period_mark(rs):
    total = classes.class_results(db.session, _class(rs), _quarter(rs)).total
    assert total.total == 11
    assert total.success == pytest.approx(100 * 10 / 11)
    assert total.quality == pytest.approx(62.5)
    assert total.sou == pytest.approx(64.5)
    assert total.average == pytest.approx(3.875)


def test_class_results_sort_students_into_excellent_good_one_three_and_failing(rs):
    r = classes.class_results(db.session, _class(rs), _quarter(rs))
    names = {cat: [s.student.last_name for s in r.of(cat)] for cat in ("excellent", "good", "one_three", "failing")}
    assert names == {"excellent": ["Антонов"], "good": ["Борисова"], "one_three": ["Васильев"], "failing": ["Григорьева"]}
    assert r.of("one_three")[0].threes == ["Русский язык"]
    assert r.of("failing")[0].failing == [("Математика", "2")]
    assert r.rates == (75.0, 50.0)
    assert (r.absence.lessons, r.absence.excused, r.absence.whole_days) == (4, 2, 3)


def test_class_results_pdf_and_xlsx_agree_with_the_figures(rs):
    r = classes.class_results(db.session, _class(rs), _quarter(rs))
    pdf = flat(text(classes.results_pdf(r, "МБОУ «Школа отчётов»")))
    assert "Итоги успеваемости класса за учебный период" in pdf
    assert "Математика Морозов Б. И. 4 2 1 0 1 0 0 75,0 75,0 70,0 4,00" in pdf
    assert "Русский язык Тихонова А. П. 4 1 1 2 0 0 0 100,0 50,0 59,0 3,75" in pdf
    assert "Васильев В. В. (Русский язык)" in pdf
    rows = _sheet_rows(classes.results_xlsx(r, "МБОУ «Школа отчётов»"))
    assert _row(rows, "Математика")[2:] == [4, 2, 1, 0, 1, 0, 0, 75.0, 75.0, 70.0, 4.0]
    assert _row(rows, "Все предметы")[3:] == [3, 2, 2, 1, 3, None, 90.9, 62.5, 64.5, 3.88]


# --- 4. the summary sheet ----------------------------------------------------------------

def test_summary_sheet_holds_period_and_year_marks_of_every_subject(rs):
    sheet = classes.summary_sheet(db.session, _class(rs), "2025/2026")
    keys = [c.name for c in sheet.columns]
    assert keys == ["1 четверть", "2 четверть", "Годовая", "Итоговая"]
    quarter, year = f"p{rs.quarter}", f"f{rs.columns['year']}"
    row = lambda key, col: [sheet.code(rs.students[key], sid, col) for sid, _n, _s in sheet.subjects]  # noqa: E731
    assert [short for _sid, _n, short in sheet.subjects] == ["Матем.", "Рус. яз.", "Музыка"]
    assert row("B", quarter) == ["5", "4", "зач"]
    assert row("G", quarter) == ["2", "3", ""]
    assert row("B", year) == ["4", "", ""]
    assert [c.name for c in classes.sheet_columns(sheet)] == ["1 четверть", "Годовая"]  # the columns holding marks
    stats = sheet.stats(sheet.subjects[0][0], quarter)
    assert (stats.fives, stats.quality, stats.success) == (2, 75.0, 75.0)
    assert sheet.absences[(rs.students["G"], quarter)].lessons == 3


def test_summary_sheet_pdf_prints_a_page_per_column_and_the_xlsx_a_sheet(rs):
    from tests.reports.helpers import page_texts

    sheet = classes.summary_sheet(db.session, _class(rs), "2025/2026")
    pages = [flat(p) for p in page_texts(classes.sheet_pdf(sheet, "МБОУ «Школа отчётов»"))]
    assert len(pages) == 2
    assert "Отметки: 1 четверть" in pages[0] and "Отметки: Годовая" in pages[1]
    assert "Борисова Б. Б. 5 4 зач" in pages[0]
    assert "Григорьева Г. Г. 2 3 3 1" in pages[0]  # and 3 lessons missed, 1 excused
    book = load_workbook(io.BytesIO(classes.sheet_xlsx(sheet, "МБОУ «Школа отчётов»")))
    assert book.sheetnames == ["1 четверть", "Годовая"]
    rows = [list(r) for r in book["1 четверть"].iter_rows(values_only=True)]
    assert next(r for r in rows if r[1] == "Борисова Белла Борисовна")[2:] == ["5", "4", "зач", 0, 0]
    assert next(r for r in rows if r[1] == "Качество, %")[2:5] == [75.0, 50.0, None]


# --- 5. the class's attendance -------------------------------------------------------------

def test_class_attendance_by_days_marks_whole_days_and_excused_absences(rs):
    att = classes.class_attendance(db.session, _class(rs), Q_START, Q_END, "days")
    assert att.keys == [D(2025, 9, 1), D(2025, 9, 2), D(2025, 9, 3), D(2025, 9, 8)]
    lines = {line.student.last_name: line for line in att.lines}
    assert att.cell(lines["Григорьева"], D(2025, 9, 1)) == "2"
    assert att.cell(lines["Григорьева"], D(2025, 9, 8)) == "1 (1)"
    assert att.cell(lines["Васильев"], D(2025, 9, 3)) == ""  # late, not absent
    assert att.whole_days == {(rs.students["G"], D(2025, 9, 1)): True, (rs.students["G"], D(2025, 9, 8)): True,
                              (rs.students["V"], D(2025, 9, 8)): True}
    assert (att.total.lessons, att.total.excused, att.total.unexcused, att.total.whole_days) == (4, 2, 2, 3)


def test_class_attendance_by_subjects_and_its_documents(rs):
    att = classes.class_attendance(db.session, _class(rs), Q_START, Q_END, "subjects")
    lines = {line.student.last_name: line for line in att.lines}
    subjects = {short: sid for sid, short in att.keys}
    assert att.cell(lines["Григорьева"], subjects["Матем."]) == "2 (1)"
    assert att.cell(lines["Григорьева"], subjects["Рус. яз."]) == "1"
    pdf = flat(text(classes.attendance_pdf(att, "МБОУ «Школа отчётов»")))
    assert "Посещаемость класса" in pdf and "Григорьева Г. Г. 2 (1) 1 3 1 2 2" in pdf
    rows = _sheet_rows(classes.attendance_xlsx(att, "МБОУ «Школа отчётов»"))
    assert next(r for r in rows if r[1] == "Григорьева Галина Геннадьевна")[2:] == ["2 (1)", "1", None, 3, 1, 2, 2]


def test_the_class_documents_drawn_directly_embed_roboto_and_print_every_letter(rs):
    school_class, school = _class(rs), "МБОУ «Школа отчётов»"
    documents = [classes.sheet_pdf(classes.summary_sheet(db.session, school_class, "2025/2026"), school),
                 classes.results_pdf(classes.class_results(db.session, school_class, _quarter(rs)), school),
                 classes.attendance_pdf(classes.class_attendance(db.session, school_class, Q_START, Q_END, "days"), school)]
    for pdf in documents:
        assert_roboto_only(pdf)
        printed = text(pdf)
        assert "Страница 1 из" in flat(printed) and not chars_without_glyph(printed)


# --- 6. the journal printout -----------------------------------------------------------------

def test_journal_printout_has_the_grid_of_marks_and_the_topics(rs):
    group = data.group_row(db.session, rs.groups["math"])
    doc = journal_print(db.session, group, _quarter(rs))
    assert [lesson.day for lesson in doc.lessons] == [D(2025, 9, 1), D(2025, 9, 3), D(2025, 9, 8)]
    a, v, g = rs.students["A"], rs.students["V"], rs.students["G"]
    L1, L2, L3 = rs.lessons["L1"], rs.lessons["L2"], rs.lessons["L3"]
    assert (doc.cells[(a, L1)], doc.cells[(g, L1)], doc.cells[(v, L2)], doc.cells[(g, L3)]) == ("5", "н", "оп 4", "б")
    assert doc.averages[rs.students["B"]] == pytest.approx(14 / 3)
    assert doc.period_marks[g] == "2"
    pages = text(journal_pdf(doc, "МБОУ «Школа отчётов»"))
    assert "Классный журнал: 5А, Математика" in flat(pages) and "Натуральные числа" in pages
    assert "Антонов А. А." in pages and "оп 4" in pages
    pdf = journal_pdf(doc, "МБОУ «Школа отчётов»")
    assert_roboto_only(pdf)
    rows = _sheet_rows(journal_xlsx(doc, "МБОУ «Школа отчётов»"))
    assert next(r for r in rows if r[1] == "Григорьева Галина Геннадьевна")[2:] == ["н", "2", "б", "2,00", "2"]


def _journal_statements(rs) -> int:
    """The statements of reading every journal of class 5А for both quarters, as the
    year-end archive reads a class."""
    from sqlalchemy import event

    from reports.journal_print import journal_prints

    school_class = _class(rs)
    statements: list = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        groups = data.groups_of_classes(db.session, [school_class.id])
        periods = [p for p in data.periods_of_grade(db.session, school_class.year_id, school_class.grade) if not p.is_year]
        docs = journal_prints(db.session, groups, periods)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(docs) == len(groups) * len(periods) >= 6
    return len(statements)


def _add_subgroup_with_lessons(rs, name: str, members: str, days: list) -> None:
    """A subgroup of 5А learning math, its members, and a marked lesson with an absence on each day."""
    from sqlalchemy import insert, select

    from app.models import (
        Assignment, AssignmentType, Attendance, AttendanceCode, GradeScaleValue, Lesson, Mark, SubjectGroup,
        SubjectGroupMember,
    )

    def add(model, **values):
        return db.session.scalar(insert(model).values(school_id=rs.school, **values).returning(model.id))

    math = db.session.get(SubjectGroup, rs.groups["math"])
    group = add(SubjectGroup, year_id=rs.year, class_id=rs.class_a, subject_id=math.subject_id, name=name,
                is_whole_class=False)
    oral = db.session.scalar(select(AssignmentType.id).where(AssignmentType.abbr == "О"))
    four = db.session.scalar(select(GradeScaleValue.id).where(GradeScaleValue.code == "4"))
    absent = db.session.scalar(select(AttendanceCode.id).where(AttendanceCode.code == "Н"))
    for who in members:
        add(SubjectGroupMember, subject_group_id=group, student_id=rs.students[who])
    for number, day in enumerate(days, start=1):
        lesson = add(Lesson, subject_group_id=group, date=day, number=number, topic=f"Тема {number}",
                     is_cancelled=False, is_manual=False)
        assignment = add(Assignment, lesson_id=lesson, type_id=oral)
        add(Mark, assignment_id=assignment, student_id=rs.students[members[0]], value_id=four, is_duty=False)
        add(Attendance, lesson_id=lesson, student_id=rs.students[members[-1]], code_id=absent)
    db.session.flush()


def test_reading_a_classs_journals_takes_the_same_statements_however_many_groups_and_lessons(rs):
    _add_subgroup_with_lessons(rs, "Математика 5А, группа 1", "AB", [D(2025, 9, 2)])
    few = _journal_statements(rs)
    _add_subgroup_with_lessons(rs, "Математика 5А, группа 2", "VG", [D(2025, 9, 4), D(2025, 9, 11), D(2025, 11, 6)])
    _add_subgroup_with_lessons(rs, "Математика 5А, группа 3", "ABVG", [D(2025, 10, 1), D(2025, 12, 1)])
    many = _journal_statements(rs)
    assert few == many <= 9, (few, many)
    group = next(g for g in data.groups_of_classes(db.session, [rs.class_a]) if g.name.endswith("группа 3"))
    doc = journal_print(db.session, group, data.PeriodRow(rs.quarter2, "2 четверть", D(2025, 11, 5), D(2025, 12, 28), False))
    assert [s.id for s in doc.students] == [rs.students[k] for k in "ABVG"]
    assert doc.cells == {(rs.students["A"], doc.lessons[0].id): "4", (rs.students["G"], doc.lessons[0].id): "н"}


# --- 7. journal control -------------------------------------------------------------------------

def test_journal_control_counts_lessons_without_topic_or_marks_and_late_marks(rs):
    from app.models import StudyPeriod

    period = db.session.get(StudyPeriod, rs.quarter)
    report = control.journal_control(db.session, rs.year, Q_START, Q_END, D(2025, 9, 10), period)
    teachers = {line.name: line for line in report.by_teacher}
    math = teachers["Морозов Б. И."]
    c = math.completeness
    # every mark counts (L1 3, L2 4, L6 3); late: L2's four, entered two days after; L6's,
    # entered at 20:30 Moscow time (17:30 UTC) of its day, are not
    assert (c.lessons, c.without_topic, c.without_marks, c.marks, c.late_marks, c.max_delay) == (4, 1, 1, 10, 4, 2)
    assert c.late_rate == pytest.approx(40)
    assert math.missing_period_marks == 1  # Григорьева in music
    lead = teachers["Тихонова А. П."].completeness
    # L4 2 and L5 3 (the «точка» among them)
    assert (lead.lessons, lead.without_topic, lead.without_marks, lead.marks, lead.late_marks) == (2, 0, 0, 5, 0)
    by_class = {line.name: line for line in report.by_class}
    assert by_class["5А"].completeness.lessons == 6 and by_class["5Б"].missing_period_marks == 1
    assert report.total.completeness.late_marks == 4


def test_journal_control_documents_agree(rs):
    from app.models import StudyPeriod

    period = db.session.get(StudyPeriod, rs.quarter)
    report = control.journal_control(db.session, rs.year, Q_START, Q_END, D(2025, 9, 10), period)
    pdf = flat(text(control.control_pdf(report, "МБОУ «Школа отчётов»")))
    assert "Контроль ведения журнала" in pdf and "Морозов Б. И. 4 1 75,0 1 10 4 40,0 2 1" in pdf
    rows = _sheet_rows(control.control_xlsx(report, "МБОУ «Школа отчётов»"))
    assert _row(rows, "Морозов Б. И.")[1:] == [4, 1, 75.0, 1, 10, 4, 40.0, 2, 1]


# --- 8. the average over time ---------------------------------------------------------------------

def test_average_dynamics_of_a_student_and_the_class(rs):
    dyn = student.average_dynamics(db.session, rs.students["A"], D(2025, 9, 1), D(2025, 9, 14))
    assert dyn.points == [D(2025, 9, 7), D(2025, 9, 14)]
    assert dyn.student_series == [pytest.approx(4.8), pytest.approx(4.8)]
    # every class mark up to 07.09: (5+4+3)·1 + (5+5+4+2)·2 + (4+5)·1 + (5+3)·1 over 3 + 8 + 2 + 2
    assert dyn.class_series[0] == pytest.approx(61 / 15)
    pdf = student.dynamics_pdf(dyn, "МБОУ «Школа отчётов»")
    content = flat(text(pdf))
    assert "Динамика среднего балла" in content and "07.09.2025 4,80 4,07" in content
    assert_roboto_only(pdf)
    svg = student.dynamics_chart(dyn)
    assert svg.startswith("<svg") and "Антонов А. А." in svg and "polyline" in svg
    rows = _sheet_rows(student.dynamics_xlsx(dyn, "МБОУ «Школа отчётов»"))
    assert [r for r in rows if isinstance(r[0], dt.datetime)][0][1:] == [4.8, 4.07]


def test_dynamics_of_one_subject(rs):
    math = data.group_row(db.session, rs.groups["math"]).subject_id
    dyn = student.average_dynamics(db.session, rs.students["B"], D(2025, 9, 1), D(2025, 9, 7), math)
    assert dyn.subject == "Математика"
    assert dyn.student_series == [pytest.approx(14 / 3)]


# --- 9. results of the school -----------------------------------------------------------------------

def test_school_results_by_subject_and_by_teacher(rs):
    report = control.school_results(db.session, rs.year, _quarter(rs), 1, 11)
    subjects = {line.name: line.stats for line in report.by_subject}
    assert (subjects["Математика"].quality, subjects["Математика"].average) == (75.0, 4.0)
    teachers = {line.name: line.stats for line in report.by_teacher}
    morozov = teachers["Морозов Б. И."]  # mathematics and music
    assert (morozov.total, morozov.success, morozov.quality, morozov.sou) == (7, pytest.approx(600 / 7), 75.0, 70.0)
    assert (teachers["Тихонова А. П."].quality, teachers["Тихонова А. П."].average) == (50.0, 3.75)
    assert [c.name for c in report.classes] == ["5А", "5Б"]
    pdf = flat(text(control.school_pdf(report, "МБОУ «Школа отчётов»")))
    assert "Итоги по школе" in pdf and "Морозов Б. И. 5А 7 2 1 0 1 85,7 75,0 70,0 4,00" in pdf
    rows = _sheet_rows(control.school_xlsx(report, "МБОУ «Школа отчётов»"), "По учителям")
    assert _row(rows, "Морозов Б. И.")[2:] == [7, 2, 1, 0, 1, 85.7, 75.0, 70.0, 4.0]
