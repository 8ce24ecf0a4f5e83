"""The report pages («Отчёты»): each a screen with filters, and its PDF and XLSX with
the same filters. Which class or student a user may ask for is decided by
app/security/reporting.py; the rows inside by the central scoping; the figures by
reports/ over app/rules."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api, permission_name
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from app.clock import school_today
from app.extensions import db
from app.models import DocumentKind, JobKind, JobStatus, ReportJob, SchoolYear, StoredDocument
from app.security import reporting
from app.views.base import commit_write, parse_date, parse_int, pdf_response
from app.views.export import xlsx_response
from app.journal import data
from app.rules.grading import FIRST_MARKED_GRADE, is_marked_grade
from app.rules.periods import year_at
from reports import classes as class_reports
from reports import control as control_reports
from reports import student as student_reports
from reports.journal_print import journal_pdf, journal_print, journal_xlsx, month_spans
from reports.pdf import PdfError, format_date

log = logging.getLogger(__name__)


class ReportView(BaseView):
    """A report: `build()` reads the filters and makes the report; the page shows it,
    /download.pdf and /download.xlsx print it with the same filters."""

    default_view = "report"
    base_permissions = ["can_report"]
    template = ""
    title = ""
    slug = "report"
    # a report of marks: first grades, which learn without marks, are not offered
    marked_only = False

    # -- filters shared by the reports ---------------------------------------------
    @property
    def today(self) -> dt.date:
        return school_today()

    def years(self) -> list:
        return data.school_years(db.session)

    def year(self, years: Optional[list] = None) -> Optional[SchoolYear]:
        """The year asked for, else the year of today (of `years`, when they are read)."""
        chosen = parse_int(request.args.get("year"))
        if chosen is not None:
            year = next((y for y in years if y.id == chosen), None) if years is not None \
                else db.session.get(SchoolYear, chosen)
            if year is not None:
                return year
        if years is not None:
            return year_at(years, self.today)
        return data.year_on(db.session, self.today)

    def classes(self, year) -> list:
        """The classes of the year the user may report on."""
        if year is None:
            return []
        allowed = set(reporting.report_class_ids(db.session, year.id))
        return [c for c in data.classes_of_year(db.session, year.id) if c.id in allowed
                and (not self.marked_only or is_marked_grade(c.grade))]

    def chosen_class(self, classes: list, required: bool = True) -> Optional[data.ClassRow]:
        class_id = parse_int(request.args.get("class"))
        if class_id is None:
            return None
        found = next((c for c in classes if c.id == class_id), None)
        if found is None:
            abort(404)  # another class, by URL: the same answer as for one that does not exist
        return found

    @staticmethod
    def periods(school_class: Optional[data.ClassRow]) -> list:
        if school_class is None:
            return []
        return [p for p in data.periods_of_grade(db.session, school_class.year_id, school_class.grade) if not p.is_year]

    def chosen_period(self, periods: list) -> Optional[data.PeriodRow]:
        """The period asked for, else the current one (app/rules/periods.current_period), else the first."""
        period_id = parse_int(request.args.get("period"))
        if period_id is not None:
            found = next((p for p in periods if p.id == period_id), None)
            if found is None:
                abort(404)
            return found
        return data.current_period(periods, self.today, upcoming=True)

    def dates(self, start: dt.date, end: dt.date) -> tuple:
        """[start, end] from the query (ДД.ММ.ГГГГ), defaults otherwise; a reversed range is turned round."""
        chosen_start = parse_date(request.args.get("start")) or start
        chosen_end = parse_date(request.args.get("end")) or end
        if chosen_end < chosen_start:
            flash(gettext("The end date %(end)s is before the start date %(start)s.", end=format_date(chosen_end),
                          start=format_date(chosen_start)), "warning")
            chosen_start, chosen_end = chosen_end, chosen_start
        return chosen_start, chosen_end

    def school_name(self, school_id: Optional[int] = None) -> str:
        school = data.school_of(db.session, school_id)
        return school.full_name if school else ""

    def year_context(self) -> dict:
        """The school years to choose from, the one chosen, and no report yet."""
        years = self.years()
        return {"years": years, "year": self.year(years), "report": None}

    # -- what a report implements ----------------------------------------------------
    # (PDF builder, XLSX builder) of reports/, each called with (report, school name)
    documents: tuple = ()

    def build(self) -> dict:
        raise NotImplementedError

    def report_school(self, ctx: dict) -> Optional[int]:
        """The school whose name heads the document (a municipal user sees several)."""
        return None

    def pdf(self, ctx: dict) -> bytes:
        return self.documents[0](ctx["report"], self.school_name(self.report_school(ctx)))

    def xlsx(self, ctx: dict) -> bytes:
        return self.documents[1](ctx["report"], self.school_name(self.report_school(ctx)))

    def file_title(self, ctx: dict) -> str:
        return str(self.title)

    # -- pages ---------------------------------------------------------------------------
    @expose("/")
    @has_access
    @permission_name("report")
    def report(self):
        ctx = self.build()
        return self.render_template(self.template, title=self.title, view=self, args=request.args,
                                    format_date=format_date, **ctx)

    @expose("/download.<string:fmt>")
    @has_access
    @permission_name("report")
    def download(self, fmt):
        if fmt not in ("pdf", "xlsx"):
            abort(404)
        ctx = self.build()
        if ctx.get("report") is None:
            abort(404)
        stamp = self.today.strftime("%Y%m%d")
        try:
            if fmt == "pdf":
                return pdf_response(self.pdf(ctx), f"{self.slug}-{stamp}.pdf", self.file_title(ctx))
            return xlsx_response(self.xlsx(ctx), f"{self.slug}-{stamp}.xlsx", self.file_title(ctx))
        except PdfError:
            log.exception("Report %s could not be printed", self.slug)
            flash(gettext("The document could not be printed. Try again or tell the administrator."), "danger")
            return redirect(url_for(f"{type(self).__name__}.report", **request.args))


class StudentReportMixin:
    """Choosing a student: staff pick a class, then one of its students; a parent one of
    their children, a student themselves."""

    def student_choice(self, year) -> dict:
        session = db.session
        reporting.require_student_reports()
        classes = self.classes(year) if reporting.may_report_on_classes() else []
        school_class = self.chosen_class(classes) if classes else None
        if classes:
            students = [(s.id, s.full_name) for s in data.class_students(
                session, school_class.id, year.start_date, year.end_date)] if school_class else []
        else:
            students = reporting.own_students(session)
        student_id = parse_int(request.args.get("student"))
        if student_id is None and not classes and len(students) == 1:
            student_id = students[0][0]
        # a student of the list is one the user sees (the list is read through the scoping)
        if student_id is not None and student_id not in {sid for sid, _ in students}:
            reporting.report_student(session, student_id)
            if students and classes:
                abort(404)
        return {"classes": classes, "school_class": school_class, "students": students, "student_id": student_id}

    def report_school(self, ctx: dict) -> Optional[int]:
        report = ctx["report"][0] if isinstance(ctx["report"], list) else ctx["report"]
        return report.student.school_id

    def student_period(self, student_id: int, year, places: Optional[data.StudentPlaces] = None) -> tuple:
        """The current period of the student's class (start, end), else the year up to today."""
        today = self.today
        classes = places.classes(year.start_date, year.end_date) if places else \
            data.student_classes(db.session, student_id, year.start_date, year.end_date)
        if places and classes:
            periods = [p for p in places.periods.get(classes[-1].id, []) if not p.is_year]
        else:
            periods = self.periods(classes[-1]) if classes else []
        period = data.period_at(periods, today)
        start = period.start if period else year.start_date
        return start, min(today, year.end_date) if today >= start else year.end_date


# ---------------------------------------------------------------------------
# 1. «Отчёт об успеваемости и посещаемости ученика»
# ---------------------------------------------------------------------------

class StudentProgressReportView(StudentReportMixin, ReportView):
    route_base = "/reports/student"
    template = "parta/reports/student_progress.html"
    title = _l("Student progress and attendance report")
    slug = "student-progress"
    marked_only = True
    documents = (student_reports.progress_pdf, student_reports.progress_xlsx)

    def build(self) -> dict:
        ctx = self.year_context()
        year = ctx["year"]
        if year is None:
            return ctx
        ctx.update(self.student_choice(year))
        if ctx["student_id"] is not None:
            # where the student learns in the year, read once for the period and the report
            places = data.student_places(db.session, ctx["student_id"], year.start_date, year.end_date)
            start, end = self.dates(*self.student_period(ctx["student_id"], year, places))
            inside = year.start_date <= start and end <= year.end_date
            ctx.update(start=start, end=end, report=student_reports.student_progress(
                db.session, ctx["student_id"], start, end, places=places if inside else None))
        return ctx

    def file_title(self, ctx):
        return f"{self.title} — {ctx['report'].student.full_name}"


# ---------------------------------------------------------------------------
# 2. «Информационное письмо для родителей»
# ---------------------------------------------------------------------------

class ParentLetterReportView(StudentReportMixin, ReportView):
    route_base = "/reports/letter"
    template = "parta/reports/parent_letter.html"
    title = _l("Information letter to the parents")
    slug = "letter"
    marked_only = True

    def build(self) -> dict:
        session = db.session
        ctx = {**self.year_context(), "letters": []}
        year = ctx["year"]
        if year is None:
            return ctx
        ctx.update(self.student_choice(year))
        mode = request.args.get("mode") if request.args.get("mode") in ("week", "period") else "week"
        day = parse_date(request.args.get("day")) or self.today
        ctx.update(mode=mode, day=day)
        school_class = ctx["school_class"]
        if ctx["student_id"] is not None:
            ids = [ctx["student_id"]]
        elif school_class is not None and request.args.get("all") == "1":
            ids = [sid for sid, _ in ctx["students"]]
        else:
            return ctx
        if mode == "period":
            source = school_class or next(iter(data.student_classes(session, ids[0], year.start_date,
                                                                     year.end_date)[-1:]), None)
            periods = self.periods(source)
            period = self.chosen_period(periods)
            ctx["periods"], ctx["period"] = periods, period
            if period is None:
                return ctx
            start, end = period.start, min(period.end, max(self.today, period.start))
        else:
            start, end = student_reports.week_of(day)
        letters = [student_reports.student_progress(session, sid, start, end, with_period=True) for sid in ids]
        ctx["letters"] = [letter for letter in letters if letter is not None]
        ctx.update(start=start, end=end, report=ctx["letters"] or None)
        first = data.student_classes(session, ids[0], start, end)
        ctx["teacher"] = first[-1].teacher if first else ""
        return ctx

    def pdf(self, ctx):
        return student_reports.letters_pdf(ctx["letters"], self.school_name(self.report_school(ctx)), ctx["teacher"])

    def xlsx(self, ctx):
        return student_reports.letters_xlsx(ctx["letters"], self.school_name(self.report_school(ctx)))


# ---------------------------------------------------------------------------
# 8. «Динамика среднего балла»
# ---------------------------------------------------------------------------

class AverageDynamicsReportView(StudentReportMixin, ReportView):
    route_base = "/reports/dynamics"
    template = "parta/reports/average_dynamics.html"
    title = _l("Dynamics of the average mark")
    slug = "dynamics"
    marked_only = True
    documents = (student_reports.dynamics_pdf, student_reports.dynamics_xlsx)

    def build(self) -> dict:
        ctx = self.year_context()
        year = ctx["year"]
        if year is None:
            return ctx
        ctx.update(self.student_choice(year))
        student_id = ctx["student_id"]
        if student_id is None:
            return ctx
        start, end = self.dates(year.start_date, min(self.today, year.end_date))
        groups = data.student_groups(db.session, student_id, start, end)
        subjects = [(sid, name) for sid, name, _short, _g in data.by_subject(groups)]
        subject_id = parse_int(request.args.get("subject"))
        if subject_id is not None and subject_id not in {sid for sid, _ in subjects}:
            abort(404)
        report = student_reports.average_dynamics(db.session, student_id, start, end, subject_id)
        ctx.update(start=start, end=end, subjects=subjects, subject_id=subject_id, report=report,
                   chart=student_reports.dynamics_chart(report) if report else "")
        return ctx


# ---------------------------------------------------------------------------
# Class reports
# ---------------------------------------------------------------------------

class ClassReportView(ReportView):
    """A report about a class the user may report on (own class or all classes)."""

    def class_choice(self) -> dict:
        reporting.require_class_reports()
        ctx = self.year_context()
        ctx["classes"] = self.classes(ctx["year"])
        ctx["school_class"] = self.chosen_class(ctx["classes"])
        return ctx

    def report_school(self, ctx: dict) -> Optional[int]:
        return ctx["school_class"].school_id if ctx.get("school_class") else None

    def file_title(self, ctx):
        return f"{self.title} — {ctx['school_class'].name}" if ctx.get("school_class") else str(self.title)


class ClassResultsReportView(ClassReportView):
    """3. «Итоги успеваемости класса за учебный период»."""

    route_base = "/reports/class-results"
    template = "parta/reports/class_results.html"
    title = _l("Results of the class for the study period")
    slug = "class-results"
    marked_only = True
    documents = (class_reports.results_pdf, class_reports.results_xlsx)

    def build(self) -> dict:
        ctx = self.class_choice()
        periods = self.periods(ctx["school_class"])
        period = self.chosen_period(periods)
        ctx.update(periods=periods, period=period)
        if ctx["school_class"] is not None and period is not None:
            ctx["report"] = class_reports.class_results(db.session, ctx["school_class"], period)
        return ctx


class SummarySheetReportView(ClassReportView):
    """4. «Сводная ведомость учёта успеваемости»: on demand, and the stored sheets formed
    automatically when a period ended (act 001 §4.15)."""

    route_base = "/reports/summary-sheet"
    template = "parta/reports/summary_sheet.html"
    title = _l("Summary sheet of progress")
    slug = "summary-sheet"
    marked_only = True
    base_permissions = ["can_report", "can_form"]

    def build(self) -> dict:
        ctx = self.class_choice()
        school_class = ctx["school_class"]
        key = request.args.get("column") or ""
        ctx.update(column=key, stored=[], job=None)
        if school_class is None:
            return ctx
        sheet = class_reports.summary_sheet(db.session, school_class, ctx["year"].name)
        if key and sheet.column(key) is None:
            abort(404)
        ctx.update(report=sheet, columns=class_reports.sheet_columns(sheet, key or None))
        ctx["stored"] = db.session.scalars(
            select(StoredDocument).where(StoredDocument.kind == DocumentKind.summary_sheet,
                                         StoredDocument.class_id == school_class.id)
            .order_by(StoredDocument.created_at.desc())).all()
        return ctx

    @expose("/")
    @has_access
    @permission_name("report")
    def report(self):
        # the sheets of the periods that have ended are formed once, in the background
        from app.jobs import form_due_summary_sheets
        from app.views.base import current_school

        from app.security.scoping import current_scope

        school = current_school()
        job = None
        if school is not None and reporting.may_report_on_classes() and not current_scope(db.session).read_only \
                and current_app.config.get("PARTA_SHEETS_ON_VISIT", True):
            job = form_due_summary_sheets(db.session, school.id)
        ctx = self.build()
        ctx["job"] = job
        return self.render_template(self.template, title=self.title, view=self, args=request.args,
                                    format_date=format_date, **ctx)

    def pdf(self, ctx):
        return class_reports.sheet_pdf(ctx["report"], self.school_name(self.report_school(ctx)), ctx["column"] or None)

    def xlsx(self, ctx):
        return class_reports.sheet_xlsx(ctx["report"], self.school_name(self.report_school(ctx)), ctx["column"] or None)

    @expose("/form", methods=["POST"])
    @has_access
    @permission_name("form")
    def form(self):
        """Stores the sheet of a column as printed now (the administration: the whole school's journals)."""
        from flask_login import current_user

        from reports.archive import form_sheet

        reporting.require_all_classes()
        ctx = self.build()
        key = request.form.get("column") or ""
        sheet = ctx.get("report")
        if sheet is None or sheet.column(key) is None:
            abort(404)
        ok, document = commit_write(db.session, lambda: form_sheet(
            db.session, self.school_name(self.report_school(ctx)), ctx["school_class"], ctx["year"].name, key, self.today,
            automatic=False, user_id=current_user.id))
        if ok:
            flash(gettext("The summary sheet is stored: %(title)s.", title=document.title), "success")
        return redirect(url_for("SummarySheetReportView.report", **request.args))

    @expose("/stored/<int:document_id>")
    @has_access
    @permission_name("report")
    def stored(self, document_id):
        """A stored sheet, if its bytes still match the checksum."""
        from reports.archive import verified

        reporting.require_class_reports()
        document = db.session.get(StoredDocument, document_id)
        if document is None or document.kind is not DocumentKind.summary_sheet or \
                document.class_id not in reporting.report_class_ids(db.session):
            abort(404)
        if not verified(document):
            flash(gettext("The stored document does not match its checksum: it was changed after printing."), "danger")
            return redirect(url_for("SummarySheetReportView.report", **{"class": document.class_id}))
        return pdf_response(document.content, document.filename, document.title)


class ClassAttendanceReportView(ClassReportView):
    """5. «Отчёт о посещаемости класса»."""

    route_base = "/reports/class-attendance"
    template = "parta/reports/class_attendance.html"
    title = _l("Attendance of the class")
    slug = "class-attendance"
    documents = (class_reports.attendance_pdf, class_reports.attendance_xlsx)

    def build(self) -> dict:
        ctx = self.class_choice()
        school_class = ctx["school_class"]
        mode = "subjects" if request.args.get("mode") == "subjects" else "days"
        ctx["mode"] = mode
        if school_class is None:
            return ctx
        period = data.period_at(self.periods(school_class), self.today)
        year = ctx["year"]
        start, end = self.dates(period.start if period else year.start_date, min(self.today, year.end_date))
        report = class_reports.class_attendance(db.session, school_class, start, end, mode)
        ctx.update(start=start, end=end, report=report, chunks=class_reports.attendance_chunks(report))
        return ctx


class JournalPrintReportView(ClassReportView):
    """6. The printout of a journal page: the grid of marks and the lesson topics."""

    route_base = "/reports/journal-print"
    template = "parta/reports/journal_print.html"
    title = _l("Printout of a journal page")
    slug = "journal"
    documents = (journal_pdf, journal_xlsx)

    def build(self) -> dict:
        reporting.require_class_reports()
        ctx = self.year_context()
        groups = data.groups_of_classes(db.session, [c.id for c in self.classes(ctx["year"])])
        ctx.update(groups=groups, group=None, month_spans=month_spans)
        group_id = parse_int(request.args.get("group"))
        if group_id is None:
            return ctx
        group = next((g for g in groups if g.id == group_id), None)
        if group is None:
            abort(404)
        periods = [p for p in data.periods_of_grade(db.session, group.year_id, group.grade) if not p.is_year]
        period = self.chosen_period(periods)
        ctx.update(group=group, periods=periods, period=period)
        if period is not None:
            ctx["report"] = journal_print(db.session, group, period)
        return ctx

    def report_school(self, ctx: dict) -> Optional[int]:
        return ctx["report"].group.school_id

    def file_title(self, ctx):
        return f"{self.title} — {ctx['report'].title}"


# ---------------------------------------------------------------------------
# The school's reports (the administration)
# ---------------------------------------------------------------------------

class JournalControlReportView(ReportView):
    """7. Journal control: заполняемость, своевременность, period marks missing."""

    route_base = "/reports/journal-control"
    template = "parta/reports/journal_control.html"
    title = _l("Journal control")
    slug = "journal-control"
    documents = (control_reports.control_pdf, control_reports.control_xlsx)

    def build(self) -> dict:
        from app.journal.control import default_period
        from app.models import StudyPeriod
        from app.views.base import current_school

        reporting.require_all_classes()
        ctx = self.year_context()
        year = ctx["year"]
        if year is None:
            return ctx
        school = current_school()
        settings = school.lock_settings if school else None
        classes = self.classes(year)
        school_class = next((c for c in classes if c.id == parse_int(request.args.get("class"))), None)
        if request.args.get("class") and school_class is None:
            abort(404)
        periods = db.session.scalars(select(StudyPeriod).where(StudyPeriod.year_id == year.id)
                                     .order_by(StudyPeriod.start_date, StudyPeriod.end_date)).all()
        period_id = parse_int(request.args.get("period"))
        period = next((p for p in periods if p.id == period_id), None) if period_id else \
            default_period(periods, self.today, settings)
        if period_id and period is None:
            abort(404)
        start, end = self.dates(period.start_date if period else year.start_date,
                                min(period.end_date if period else year.end_date, self.today))
        ctx.update(classes=classes, school_class=school_class, periods=periods, period=period, start=start, end=end,
                   report=control_reports.journal_control(
                       db.session, year.id, start, end, self.today, period, settings,
                       zone=current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow",
                       class_id=school_class.id if school_class else None))
        return ctx


class SchoolResultsReportView(ReportView):
    """9. «Итоги по школе»: by subject and by teacher."""

    route_base = "/reports/school-results"
    template = "parta/reports/school_results.html"
    title = _l("Results of the school")
    slug = "school-results"
    documents = (control_reports.school_pdf, control_reports.school_xlsx)

    def build(self) -> dict:
        from app.models import PeriodType, StudyPeriod

        reporting.require_all_classes()
        ctx = self.year_context()
        year = ctx["year"]
        if year is None:
            return ctx
        rows = db.session.execute(select(StudyPeriod, PeriodType.is_year)
                                  .join(PeriodType, StudyPeriod.period_type_id == PeriodType.id)
                                  .where(StudyPeriod.year_id == year.id)
                                  .order_by(PeriodType.is_year, StudyPeriod.start_date, StudyPeriod.grade_from)).all()
        periods = [(data.PeriodRow(p.id, p.name, p.start_date, p.end_date, bool(is_year)), p.grade_from, p.grade_to)
                   for p, is_year in rows if not is_year]
        period_id = parse_int(request.args.get("period"))
        today = self.today
        if period_id is not None:
            chosen = next((item for item in periods if item[0].id == period_id), None)
            if chosen is None:
                abort(404)
        else:
            ended = [item for item in periods if item[0].end < today]
            chosen = max(ended, key=lambda item: (item[0].end, -(item[2] - item[1]))) if ended else \
                (periods[0] if periods else None)
        ctx["periods"] = periods
        if chosen is not None:
            period, grade_from, grade_to = chosen
            ctx.update(period=period, report=control_reports.school_results(  # first grades have no marks
                db.session, year.id, period, max(grade_from, FIRST_MARKED_GRADE), grade_to))
        return ctx


# ---------------------------------------------------------------------------
# 10. The year-end archive
# ---------------------------------------------------------------------------

class YearArchiveView(BaseView):
    """«Архив учебного года»: the final and summary sheets and the journal printouts of
    every class, printed in the background with a progress bar, stored with checksums."""

    route_base = "/reports/archive"
    default_view = "archive"
    base_permissions = ["can_list", "can_start", "can_download"]

    def _year(self) -> Optional[SchoolYear]:
        chosen = parse_int(request.values.get("year"))
        if chosen is not None:
            year = db.session.get(SchoolYear, chosen)
            if year is None:
                abort(404)
            return year
        return data.year_on(db.session, school_today())

    @expose("/")
    @has_access
    @permission_name("list")
    def archive(self):
        reporting.require_all_classes()
        year = self._year()
        years = db.session.scalars(select(SchoolYear).order_by(SchoolYear.start_date.desc())).all()
        jobs = db.session.scalars(select(ReportJob).where(ReportJob.kind == JobKind.year_archive,
                                                          ReportJob.year_id == (year.id if year else None))
                                  .order_by(ReportJob.id.desc()).limit(5)).all() if year else []
        documents = db.session.scalars(
            select(StoredDocument).where(StoredDocument.year_id == (year.id if year else None),
                                         StoredDocument.kind.in_([DocumentKind.archive_sheets, DocumentKind.archive_journals]))
        ).all() if year else []
        classes = data.classes_of_year(db.session, year.id) if year else []
        order = {c.id: i for i, c in enumerate(classes)}
        documents = sorted(documents, key=lambda d: (order.get(d.class_id, 0), d.kind.name))
        return self.render_template("parta/reports/archive.html", title=_l("Year-end archive"), year=year, years=years,
                                    jobs=jobs, documents=documents, classes=classes,
                                    running=next((j for j in jobs if j.status in (JobStatus.queued, JobStatus.running)), None),
                                    pages=sum(d.pages for d in documents), format_date=format_date)

    @expose("/start", methods=["POST"])
    @has_access
    @permission_name("start")
    def start(self):
        from flask_login import current_user

        from app.jobs import new_job, running_job, submit
        from app.views.base import current_school

        reporting.require_all_classes()
        year = self._year()
        school = current_school()
        if year is None or school is None:
            abort(404)
        if running_job(db.session, school.id, JobKind.year_archive) is not None:
            flash(gettext("The archive is being printed already; wait for it to finish."), "warning")
            return redirect(url_for("YearArchiveView.archive", year=year.id))
        known = {c.id for c in data.classes_of_year(db.session, year.id)}
        chosen = [cid for cid in (parse_int(v) for v in request.form.getlist("class")) if cid is not None]
        if any(cid not in known for cid in chosen):
            abort(404)
        job = new_job(db.session, JobKind.year_archive, school.id, year.id, chosen, current_user.id)
        submit(db.session, job)
        flash(gettext("Printing of the archive has started; the page shows its progress."), "info")
        return redirect(url_for("YearArchiveView.archive", year=year.id))

    @expose("/status/<int:job_id>")
    @has_access_api
    @permission_name("list")
    def status(self, job_id):
        reporting.require_all_classes()
        job = db.session.get(ReportJob, job_id)
        if job is None:
            abort(404)
        return jsonify(status=job.status.name, label=str(job.status), done=job.done, total=job.total,
                       progress=job.progress, step=job.step or "", pages=job.pages, message=job.message or "",
                       cancelling=job.cancel_requested)

    @expose("/cancel/<int:job_id>", methods=["POST"])
    @has_access
    @permission_name("start")
    def cancel(self, job_id):
        from app.jobs import cancel

        reporting.require_all_classes()
        job = db.session.get(ReportJob, job_id)
        if job is None or job.kind is not JobKind.year_archive:
            abort(404)
        if job.status in (JobStatus.queued, JobStatus.running):
            cancel(db.session, job)
            flash(gettext("The archive's printing is being cancelled."), "info")
        return redirect(url_for("YearArchiveView.archive", year=job.year_id))

    @expose("/document/<int:document_id>")
    @has_access
    @permission_name("download")
    def document(self, document_id):
        from reports.archive import verified

        reporting.require_all_classes()
        document = db.session.get(StoredDocument, document_id)
        if document is None or document.kind not in (DocumentKind.archive_sheets, DocumentKind.archive_journals):
            abort(404)
        if not verified(document):
            flash(gettext("The stored document does not match its checksum: it was changed after printing."), "danger")
            return redirect(url_for("YearArchiveView.archive", year=document.year_id))
        return pdf_response(document.content, document.filename, document.title)

    @expose("/zip/<int:year_id>")
    @has_access
    @permission_name("download")
    def zip(self, year_id):
        """Every stored PDF of the year and SHA256SUMS, in one ZIP."""
        import io
        import zipfile

        from flask import Response

        reporting.require_all_classes()
        documents = db.session.scalars(select(StoredDocument).where(
            StoredDocument.year_id == year_id,
            StoredDocument.kind.in_([DocumentKind.archive_sheets, DocumentKind.archive_journals]))).all()
        if not documents:
            abort(404)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            sums = []
            for document in documents:
                name = f"{document.title}.pdf".replace("/", "-")
                archive.writestr(name, document.content)
                sums.append(f"{document.sha256}  {name}")
            archive.writestr("SHA256SUMS.txt", "\n".join(sums) + "\n")
        return Response(out.getvalue(), mimetype="application/zip", headers={
            "Content-Disposition": f"attachment; filename=archive-{year_id}.zip", "Cache-Control": "no-store"})


REPORT_VIEWS = (StudentProgressReportView, ParentLetterReportView, ClassResultsReportView, SummarySheetReportView,
                ClassAttendanceReportView, JournalPrintReportView, JournalControlReportView, AverageDynamicsReportView,
                SchoolResultsReportView)
