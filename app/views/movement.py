"""Movement of students: the secretary's orders on enrolment, withdrawal and transfer
(a page that creates and applies an order, the order's page with print and cancel),
the number prefixes, and the movement book with the alphabetical book and the
head-count, on screen, in PDF and in XLSX.

Orders are created only through the «new order» page (or the year transition),
which applies them at once: the generated views of orders, their students and of
class memberships read only."""
from __future__ import annotations

from typing import Optional

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import school_today
from app.extensions import db
from app.models import (
    Gender, MovementOrder, MovementOrderItem, OrderKind, OrderNumbering, Relation, School, SchoolClass, SchoolYear,
    Student,
)
from app.movement import book as books
from app.movement import orders
from app.rules.errors import N_, RuleViolation
from app.security.rights import require_right, user_rights
from app.views.base import (
    PartaInterface, commit_write, PartaModelView, current_school, format_date, parse_date, parse_int, pdf_response,
)
from reports import movement_book as book_reports
from reports.orders import document_of, order_pdf

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_ROWS = 3  # blank rows for new student cards on the enrolment page
MAX_NEW_ROWS = 30


def xlsx_response(body: bytes, filename: str) -> Response:
    """An XLSX download; not cached, since spreadsheets hold personal data."""
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


def _may_edit() -> bool:
    from flask import current_app

    sm = current_app.appbuilder.sm
    return sm.has_access("can_new", "MovementOrderView") and "movement_book_edit" in user_rights(sm, sm.current_user)


class MovementOrderItemView(PartaModelView):
    datamodel = PartaInterface(MovementOrderItem)
    list_title = _l("Students of orders")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["order", "student", "from_class", "to_class"]
    label_columns = {"order": _l("Order document")}
    search_columns = ["order", "student"]
    show_columns = ["order", "student", "from_class", "to_class"]


class OrderNumberingView(PartaModelView):
    """The school's number prefix per kind of order; without a row, the default
    («З-», «В-», «П-»)."""

    datamodel = PartaInterface(OrderNumbering)
    list_title = _l("Order numbering")
    list_columns = ["kind", "prefix"]
    search_columns = ["kind"]
    add_columns = edit_columns = show_columns = ["kind", "prefix"]
    label_columns = {"prefix": _l("Number prefix")}
    description_columns = {"prefix": _l("Printed before the order's number: «З-» gives З-1, З-2, … in each school year.")}


class MovementOrderView(PartaModelView):
    """The orders: a list to read, the order's page (print, cancel), and the page that
    creates an order and applies it."""

    datamodel = PartaInterface(MovementOrder)
    list_title = _l("Movement orders")
    base_permissions = ["can_list", "can_show", "can_new", "can_cancel"]
    list_columns = ["number", "date", "kind", "reason", "is_cancelled"]
    search_columns = ["number", "date", "kind", "year", "is_cancelled"]
    show_columns = ["year", "number", "date", "kind", "reason", "destination", "is_cancelled", "cancelled_reason"]
    base_order = ("date", "desc")
    list_template = "parta/movement_orders_list.html"

    # --- the order's page -----------------------------------------------------------
    def _order(self, pk) -> MovementOrder:
        order = db.session.scalar(select(MovementOrder).where(MovementOrder.id == parse_int(pk)).options(
            selectinload(MovementOrder.items).selectinload(MovementOrderItem.student),
            selectinload(MovementOrder.items).selectinload(MovementOrderItem.from_class),
            selectinload(MovementOrder.items).selectinload(MovementOrderItem.to_class)))
        if order is None:
            abort(404)
        return order

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        require_right("movement_book_view")
        order = self._order(pk)
        items = sorted(order.items, key=lambda i: ((i.to_class or i.from_class).name if (i.to_class or i.from_class)
                                                   else "", i.student.last_name, i.student.first_name))
        return self.render_template("parta/movement_order.html", order=order, items=items, may_edit=_may_edit(),
                                    title=_l("Order %(number)s", number=order.number), format_date=format_date)

    @expose("/print/<int:pk>", methods=["GET"])
    @has_access
    @permission_name("show")
    def print_order(self, pk):
        require_right("movement_book_view")
        order = self._order(pk)
        school = current_school()
        body = order_pdf(school.full_name, school.director, document_of(order))
        return pdf_response(body, f"order-{order.id}.pdf")

    @expose("/cancel/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("cancel")
    def cancel(self, pk):
        require_right("movement_book_edit")
        order = self._order(pk)
        ok, _ = commit_write(db.session, lambda: orders.cancel_order(db.session, order, request.form.get("reason", "")))
        if ok:
            flash(gettext("Order %(number)s is cancelled; the class memberships it changed are restored.",
                          number=order.number), "success")
        return redirect(url_for(".show", pk=pk))

    # --- the new order -----------------------------------------------------------------
    # One form holds everything typed: the date, the class, the list of students, the new
    # cards. «Show students» (and Enter in a field) posts it back to list the students for
    # the typed date and class; «Create» posts it to create the order, which takes its date
    # and class from the same fields; ticks made on a list of another date or class are not
    # applied but shown again on the new list.
    @expose("/new", methods=["GET"])
    @has_access
    @permission_name("new")
    def new(self):
        require_right("movement_book_edit")
        return self._new_page(request.args)

    @expose("/new", methods=["POST"])
    @has_access
    @permission_name("new")
    def create(self):
        require_right("movement_book_edit")
        form = request.form
        action = form.get("action") or "create"
        if form.get("switch_kind"):
            return self._new_page(form, posted=form, switch=orders.parse_kind(form.get("switch_kind")))
        if action != "create":
            return self._new_page(form, posted=form)
        if form.getlist("student") and parse_date(form.get("date")) and form.get("listed") not in (None, _listed_key(form)):
            flash(gettext("The list of students is now for the date and class typed: check the ticked students "
                          "and press «Create and apply the order» again."), "warning")
            return self._new_page(form, posted=form), 200
        ok, order = commit_write(db.session, lambda: self._create(form))
        if not ok:
            return self._new_page(form, posted=form), 200
        flash(gettext("Order %(number)s is created and applied.", number=order.number), "success")
        return redirect(url_for(".show", pk=order.id))

    def _create(self, form) -> MovementOrder:
        session = db.session
        kind = orders.parse_kind(form.get("kind"))
        if kind is None:
            raise RuleViolation(N_("Choose the kind of order."))
        day = parse_date(form.get("date"))
        if day is None:
            raise RuleViolation(N_("Enter the date of the order as DD.MM.YYYY."))
        year = orders.year_of(session, day)
        chosen_class = _class_of(form.get("class"))
        students = [_student_of(value) for value in form.getlist("student")]
        items = []
        if kind is OrderKind.enrolment:
            school = current_school()
            numbers = orders.personal_file_numbers(session, school.id)
            for row in _new_rows(form):
                students.append(orders.new_student(session, school.id, numbers, **row))
            for value in form.getlist("foreign"):
                foreign = parse_int(value)
                if foreign is not None:
                    students.append(orders.copy_student(session, foreign, school, numbers))
            items = [(student, None, chosen_class) for student in students]
        elif kind is OrderKind.withdrawal:
            items = [(student, chosen_class, None) for student in students]
        else:
            to_class = _class_of(form.get("to_class"))
            items = [(student, chosen_class, to_class) for student in students]
        return orders.create_order(session, kind=kind, date=day, year=year, items=items, reason=form.get("reason"),
                                   destination=form.get("destination") if kind is OrderKind.withdrawal else None,
                                   number=form.get("number"))

    def _new_page(self, args, posted=None, switch=None):
        session = db.session
        kind = switch or orders.parse_kind(args.get("kind")) or OrderKind.enrolment
        typed_date = (args.get("date") or "").strip()
        day = parse_date(typed_date) if typed_date else school_today()
        # a create refused has said what was wrong already
        creating = posted is not None and switch is None and (posted.get("action") or "create") == "create"
        if day is None and not creating:
            flash(gettext("Enter the date of the order as DD.MM.YYYY."), "warning")
        year = orders.year_of(session, day) if day else None
        classes = orders.classes_of(session, year)
        class_id = parse_int(args.get("class"))
        chosen = next((c for c in classes if c.id == class_id), None)
        school = current_school()
        rows = min(max(parse_int(args.get("rows")) or NEW_ROWS, 1), MAX_NEW_ROWS)
        if posted is not None and posted.get("action") == "more":
            rows = min(rows + 5, MAX_NEW_ROWS)
        number = posted.get("number") if posted is not None and switch is None else None
        context = dict(kind=kind, kinds=list(OrderKind), day=day, date_text=typed_date or format_date(day),
                       year=year, classes=classes, chosen=chosen, rows=rows, posted=posted, genders=list(Gender),
                       relations=list(Relation), title=_l("New movement order"),
                       checked=set(posted.getlist("student")) if posted is not None and switch is None else set(),
                       checked_foreign=set(posted.getlist("foreign")) if posted is not None else set(),
                       number=number or (orders.suggest_number(session, year, kind) if year else ""),
                       search={k: args.get(k, "") for k in ("search_last", "search_first", "search_birth")},
                       candidates=[], found=None, format_date=format_date,
                       listed=_list_key(kind, day, chosen.id if chosen else None))
        if day is not None and year is None and not creating:
            flash(gettext("No school year contains the date %(date)s.", date=format_date(day)), "warning")
        if day is not None and kind is OrderKind.enrolment:
            context["candidates"] = orders.students_without_class(session, day)
            search = context["search"]
            if any(search.values()):
                context["found"] = orders.find_in_other_schools(
                    session, school, search["search_last"], search["search_first"], parse_date(search["search_birth"]))
        elif day is not None and chosen is not None:
            context["candidates"] = orders.class_students(session, chosen.id, day)
        return self.render_template("parta/movement_order_new.html", **context)


def _list_key(kind: Optional[OrderKind], day, class_id) -> str:
    """What a list of students was made for: the date, and for a withdrawal or a
    transfer the class (an enrolment lists the students without a class, of any)."""
    by_class = kind is not OrderKind.enrolment and class_id is not None
    return f"{format_date(day) if day else ''}|{class_id if by_class else ''}"


def _listed_key(form) -> str:
    """The key of the list the posted date and class call for."""
    return _list_key(orders.parse_kind(form.get("kind")), parse_date(form.get("date")), parse_int(form.get("class")))


def _class_of(value):
    class_id = parse_int(value)
    if class_id is None:
        return None
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        raise RuleViolation(N_("The record was not found; reload the page."))
    return school_class


def _student_of(value):
    student = db.session.get(Student, parse_int(value) or 0)
    if student is None:
        raise RuleViolation(N_("The record was not found; reload the page."))
    return student


GUARDIAN_SLOTS = (("g1", Relation.mother), ("g2", Relation.father))  # two guardians a new card, by default


def _new_rows(form) -> list:
    """The new student cards typed on the enrolment page (blank rows skipped), with
    their address and up to two guardians."""
    rows = []
    for i in range(MAX_NEW_ROWS):
        fields = {name: (form.get(f"new_{name}_{i}") or "").strip()
                  for name in ("last_name", "first_name", "middle_name", "birth_date", "gender", "personal_file_no",
                               "address", *(f"{slot}_{part}" for slot, _ in GUARDIAN_SLOTS
                                            for part in ("name", "phone")))}
        if not any(fields.values()):
            continue
        birth = parse_date(fields["birth_date"])
        if fields["birth_date"] and birth is None:
            raise RuleViolation(N_("Enter the date of birth as DD.MM.YYYY."))
        gender = Gender[fields["gender"]] if fields["gender"] in Gender.__members__ else None
        guardians = []
        for slot, default in GUARDIAN_SLOTS:
            if fields[f"{slot}_name"] or fields[f"{slot}_phone"]:
                relation = form.get(f"new_{slot}_relation_{i}") or ""
                guardians.append(orders.NewGuardian(
                    fields[f"{slot}_name"], Relation[relation] if relation in Relation.__members__ else default,
                    fields[f"{slot}_phone"]))
        rows.append(dict(last_name=fields["last_name"], first_name=fields["first_name"],
                         middle_name=fields["middle_name"], birth_date=birth, gender=gender,
                         personal_file_no=fields["personal_file_no"], address=fields["address"], guardians=guardians))
    return rows


# --- The movement book ----------------------------------------------------------------

REPORTS = ("book", "alphabet", "headcount")


def _range(args) -> tuple:
    """The book's dates: from the start of the current school year to today by default."""
    today = school_today()
    end = parse_date(args.get("end")) or today
    start = parse_date(args.get("start"))
    if start is None:
        year = orders.year_of(db.session, end)
        start = year.start_date if year else end.replace(day=1)
    if end < start:
        flash(gettext("The end date %(end)s is before the start date %(start)s.", end=format_date(end),
                      start=format_date(start)), "warning")
        start, end = end, start
    return start, end


class MovementBookView(BaseView):
    """«Книга движения обучающихся», the «Алфавитная книга» and the head-count on a date."""

    route_base = "/movementbook"
    default_view = "book"
    base_permissions = ["can_book"]

    @staticmethod
    def _schools() -> list:
        """The schools the user sees: their own; a municipal user, each of the municipality."""
        return db.session.scalars(select(School).order_by(School.short_name)).all()

    def _school(self, args):
        schools = self._schools()
        chosen = parse_int(args.get("school"))
        school = next((s for s in schools if s.id == chosen), schools[0] if schools else None)
        if school is None:
            abort(404)
        return school, schools

    def _book(self, args):
        start, end = _range(args)
        return books.movement_book(db.session, start, end, parse_int(args.get("class")),
                                   school_id=self._school(args)[0].id)

    def _alphabet(self, args):
        return books.alphabet_book(db.session, letter=args.get("letter", ""), name=args.get("name", ""),
                                   status=args.get("status", ""), on=school_today(), school_id=self._school(args)[0].id)

    def _headcount(self, args):
        return books.headcount_on(db.session, parse_date(args.get("date")) or school_today(),
                                  school_id=self._school(args)[0].id)

    def render_template(self, template, **kwargs):
        school, schools = self._school(request.args)
        return super().render_template(template, school=school, schools=schools if len(schools) > 1 else [], **kwargs)

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("book")
    def book(self):
        require_right("movement_book_view")
        result = self._book(request.args)
        school, _ = self._school(request.args)
        classes = db.session.execute(select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
                                     .join(SchoolYear, SchoolYear.id == SchoolClass.year_id)
                                     .where(SchoolClass.school_id == school.id, SchoolYear.start_date <= result.end,
                                            SchoolYear.end_date >= result.start)
                                     .order_by(SchoolYear.start_date, SchoolClass.grade, SchoolClass.letter)).all()
        return self.render_template("parta/movement_book.html", book=result, classes=classes,
                                    class_id=parse_int(request.args.get("class")), tab="book",
                                    move_text=book_reports.move_text, format_date=format_date,
                                    title=_l("Movement book"))

    @expose("/alphabet", methods=["GET"])
    @has_access
    @permission_name("book")
    def alphabet(self):
        require_right("movement_book_view")
        lines = self._alphabet(request.args)
        return self.render_template("parta/movement_book_alphabet.html", groups=books.letters(lines), count=len(lines),
                                    tab="alphabet", format_date=format_date, title=_l("Alphabetical book"))

    @expose("/headcount", methods=["GET"])
    @has_access
    @permission_name("book")
    def headcount(self):
        require_right("movement_book_view")
        return self.render_template("parta/movement_book_headcount.html", headcount=self._headcount(request.args),
                                    tab="headcount", format_date=format_date, title=_l("Head-count on a date"))

    @expose("/download/<string:report>.<string:fmt>", methods=["GET"])
    @has_access
    @permission_name("book")
    def download(self, report, fmt):
        """The page's report with the same filters, as PDF or XLSX."""
        require_right("movement_book_view")
        if report not in REPORTS or fmt not in ("pdf", "xlsx"):
            abort(404)
        school = self._school(request.args)[0].full_name
        data = getattr(self, f"_{report}")(request.args)
        builders = {
            "book": (book_reports.book_pdf, book_reports.book_xlsx),
            "alphabet": (book_reports.alphabet_pdf, book_reports.alphabet_xlsx),
            "headcount": (book_reports.headcount_pdf, book_reports.headcount_xlsx),
        }[report]
        stamp = school_today().strftime("%Y%m%d")
        if fmt == "pdf":
            return pdf_response(builders[0](school, data), f"{report}-{stamp}.pdf")
        return xlsx_response(builders[1](school, data), f"{report}-{stamp}.xlsx")


__all__ = ["MovementBookView", "MovementOrderItemView", "MovementOrderView", "OrderNumberingView", "xlsx_response"]
