"""Staff personal files (Специалист по кадрам): staff orders that hire, transfer and
dismiss, education, qualification categories and courses, the «Личное дело» page
with its printable card, and the list of categories that need a new attestation."""
from __future__ import annotations

import datetime as dt

from flask import abort, url_for
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased
from wtforms import DecimalField, StringField
from wtforms.validators import Length, Optional as OptionalValue

from app.clock import school_today
from app.models import (
    Attestation, EducationRecord, Employee, EmployeePersonalData, EmployeePosition, Position, StaffOrder, TrainingCourse,
)
from app.rules import staff as rules
from app.rules.errors import N_, RuleViolation
from app.pipeline.segment import stamp_school
from app.views.base import (
    PartaInterface, PartaModelView, UserFacingError, current_school, format_date, format_number, message_of, pdf_response,
)
from app.views.people import PERSON, EmployeePositionView
from reports.staff_card import StaffCard, staff_card_pdf

# --- Applying a staff order -------------------------------------------------------


def employee_state(session, employee: Employee) -> rules.EmployeeState:
    """The employee's dates and positions as this session holds them; each held
    position's key is its row, so that the order's effect can be written back."""
    rows = list(session.scalars(select(EmployeePosition).where(EmployeePosition.employee_id == employee.id)
                                .order_by(EmployeePosition.start_date))) if employee.id is not None else []
    held = [rules.HeldPosition(row, row.position_id, str(row.position), row.start_date, row.end_date) for row in rows]
    return rules.EmployeeState(employee.hire_date, employee.leave_date, held)


def _number_order(session, order: StaffOrder) -> None:
    order.calendar_year = order.date.year
    order.number = (order.number or "").strip()
    if not order.number:
        taken = session.scalars(select(StaffOrder.number).where(
            StaffOrder.school_id == order.school_id, StaffOrder.calendar_year == order.calendar_year))
        order.number = rules.next_order_number(taken)


def apply_staff_order(session, order: StaffOrder) -> None:
    """Numbers a new order and writes its effect into the session (the caller commits
    both together, or rolls both back): a hire opens the position and sets the hire
    date, a transfer closes the position left and opens the new one, a dismissal
    closes every open position and sets the leave date. Raises RuleViolation."""
    employee = order.employee or (session.get(Employee, order.employee_id) if order.employee_id else None)
    if employee is None:
        raise RuleViolation(N_("Choose the employee of the order."))
    kind = order.kind.name if order.kind is not None else None
    position = order.position or (session.get(Position, order.position_id) if order.position_id else None)
    rules.check_order_fields(kind, order.date, position.id if position else None, order.rate, order.reason)
    state = employee_state(session, employee)
    if kind == rules.HIRE:
        effect = rules.plan_hire(order.date, position.id, str(position), order.rate, state)
    elif kind == rules.TRANSFER:
        effect = rules.plan_transfer(order.date, position.id, str(position), order.rate, order.from_position, state)
    else:
        effect = rules.plan_dismissal(order.date, state)
    _number_order(session, order)
    if kind == rules.DISMISSAL:
        order.position, order.rate = None, None  # a dismissal names no new position
    if kind != rules.TRANSFER:
        order.from_position = None
    for row, last_day in effect.closes:
        row.end_date = last_day
        if kind == rules.TRANSFER:
            order.from_position = row
    if effect.opens is not None:
        opened = EmployeePosition(school_id=employee.school_id, employee=employee, position=position,
                                  rate=effect.opens.rate, start_date=effect.opens.start)
        session.add(opened)
        order.opened_position = opened
        order.rate = effect.opens.rate
    if effect.hire_date is not None:
        employee.hire_date = effect.hire_date
    if effect.clears_leave_date:
        employee.leave_date = None
    if effect.leave_date is not None:
        employee.leave_date = effect.leave_date
    order.employee = employee


# --- Filters and formatters ------------------------------------------------------------


class OpenPositionFilter(BaseFilter):
    """Positions still held (no end date): those a transfer can leave."""

    name = "open positions"
    arg_name = "open"

    def apply(self, query, value):
        return query.filter(EmployeePosition.end_date.is_(None))


class ExpiringCategoryFilter(BaseFilter):
    """The latest category of each employee still working, when its term ends
    within six months or has ended."""

    name = "expiring categories"
    arg_name = "expiring"

    def apply(self, query, value):
        today = school_today()
        later = aliased(Attestation)
        newer = select(later.id).where(later.employee_id == Attestation.employee_id, or_(
            later.assigned_on > Attestation.assigned_on,
            and_(later.assigned_on == Attestation.assigned_on, later.id > Attestation.id)))
        working = select(Employee.id).where(Employee.id == Attestation.employee_id,
                                            or_(Employee.leave_date.is_(None), Employee.leave_date >= today))
        return query.filter(Attestation.valid_until.is_not(None), Attestation.valid_until <= rules.expiry_horizon(today),
                            ~exists(newer), exists(working))


STATUS_LABELS = {
    rules.VALID: _l("valid"),
    rules.EXPIRING: _l("expires soon"),
    rules.EXPIRED: _l("expired"),
    rules.UNLIMITED: _l("without a term"),
}
STATUS_STYLES = {rules.EXPIRING: "label label-warning", rules.EXPIRED: "label label-danger"}


def status_label(status: str) -> Markup:
    """«срок истекает» and «срок истёк» stand out; a valid category reads plainly."""
    text = escape(str(STATUS_LABELS.get(status, status)))
    style = STATUS_STYLES.get(status)
    return Markup(f'<span class="{style}">{text}</span>') if style else Markup(text)


def file_link(employee) -> Markup:
    """The employee's name, linking to their personal file."""
    if employee is None:
        return Markup("")
    return Markup('<a href="{}">{}</a>').format(url_for("StaffFileView.show", pk=employee.id), employee)


class CommaDecimalField(DecimalField):
    """A rate typed the Russian way, «0,5», or with a point."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [v.replace(",", ".").strip() for v in valuelist]
        super().process_formdata(valuelist)


# --- CRUD of the personal file's parts -----------------------------------------------------


class StaffOrderView(PartaModelView):
    """Staff orders; an order takes effect when it is saved and is not deleted (a
    wrong order is corrected by the next one), so only its texts can be edited."""

    datamodel = PartaInterface(StaffOrder)
    list_title = _l("Staff orders")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_columns = ["number", "date", "kind", "employee", "position", "rate", "reason"]
    search_columns = ["number", "date", "kind", "employee", "position"]
    add_columns = ["employee", "kind", "date", "number", "position", "rate", "from_position", "reason", "article"]
    edit_columns = ["number", "reason", "article"]
    show_columns = ["number", "date", "kind", "employee", "position", "rate", "from_position", "opened_position",
                    "reason", "article"]
    base_order = ("date", "desc")
    formatters_columns = {"employee": file_link}
    label_columns = {"number": _l("Order number"), "reason": _l("Reason (for a dismissal)")}
    description_columns = {
        "number": _l("Leave empty to number automatically: К-1, К-2, … in each calendar year."),
        "position": _l("For a hire or a transfer: the new position."),
        "rate": _l("For a hire or a transfer, e.g. 1 or 0,5."),
        "from_position": _l("For a transfer: the position left, when the employee holds several."),
        "reason": _l("E.g. «по собственному желанию»."),
        "article": _l("E.g. «п. 3 ч. 1 ст. 77 ТК РФ»."),
    }
    add_form_query_rel_fields = {"from_position": [["end_date", OpenPositionFilter, None]]}
    add_form_extra_fields = {
        "number": StringField(_l("Order number"), [OptionalValue(), Length(max=30)], widget=BS3TextFieldWidget()),
        "rate": CommaDecimalField(_l("Rate"), [OptionalValue()], places=2, widget=BS3TextFieldWidget()),
    }

    def pre_add(self, item) -> None:
        session = self.datamodel.session
        try:
            stamp_school(session, item)
            apply_staff_order(session, item)
        except RuleViolation as error:
            session.rollback()
            raise UserFacingError(message_of(error)) from error
        super().pre_add(item)


class EducationRecordView(PartaModelView):
    datamodel = PartaInterface(EducationRecord)
    list_title = _l("Education of employees")
    list_columns = ["employee", "level", "institution", "graduation_year", "specialty", "qualification", "diploma_number"]
    search_columns = ["employee", "level", "institution", "graduation_year", "specialty"]
    add_columns = edit_columns = show_columns = [
        "employee", "level", "institution", "graduation_year", "specialty", "qualification", "diploma_number",
    ]
    base_order = ("graduation_year", "desc")
    formatters_columns = {"employee": file_link}


class _AttestationColumns(PartaModelView):
    """What the attestation views share (not registered: FAB would add every
    subclass of a related view as one more tab of the personal file)."""

    datamodel = PartaInterface(Attestation)
    list_columns = ["employee", "category", "assigned_on", "order_number", "valid_until", "expiry_status"]
    order_columns = ["category", "assigned_on", "order_number", "valid_until"]  # the term is computed: not sortable
    search_columns = ["employee", "category", "assigned_on", "valid_until"]
    add_columns = edit_columns = ["employee", "category", "position", "assigned_on", "order_number", "valid_until"]
    show_columns = ["employee", "category", "position", "assigned_on", "order_number", "valid_until", "expiry_status"]
    formatters_columns = {"employee": file_link, "expiry_status": status_label}
    description_columns = {
        "valid_until": _l("Leave empty for the usual term of five years."),
        "order_number": _l("The number and date of the order that assigned the category."),
    }

    def pre_add(self, item) -> None:
        item.valid_until = item.valid_until or rules.default_valid_until(item.assigned_on)
        super().pre_add(item)

    def pre_update(self, item) -> None:
        item.valid_until = item.valid_until or rules.default_valid_until(item.assigned_on)
        super().pre_update(item)


class AttestationView(_AttestationColumns):
    list_title = _l("Qualification categories")
    base_order = ("assigned_on", "desc")


class ExpiringAttestationView(_AttestationColumns):
    """«Аттестация: истекающие категории»: whose category ends within six months or has ended."""

    list_title = _l("Attestation: expiring categories")
    base_permissions = ["can_list", "can_show"]
    base_filters = [["id", ExpiringCategoryFilter, None]]
    base_order = ("valid_until", "asc")


class TrainingCourseView(PartaModelView):
    datamodel = PartaInterface(TrainingCourse)
    list_title = _l("Professional development courses")
    list_columns = ["employee", "program", "organisation", "hours", "end_date", "certificate_number"]
    search_columns = ["employee", "program", "organisation", "end_date"]
    add_columns = edit_columns = show_columns = [
        "employee", "program", "organisation", "hours", "start_date", "end_date", "certificate_number",
    ]
    base_order = ("end_date", "desc")
    formatters_columns = {"employee": file_link}


def _number_rule(name: str):
    """A form validator asking the personal-data rule about one number, so that a wrong
    СНИЛС or ИНН is shown under its field with what was typed kept (the write pipeline
    checks again on every path)."""
    from wtforms.validators import ValidationError

    def validate(form, field):
        values = {key: None for key in ("snils", "inn", "passport_series", "passport_number", "passport_division_code")}
        values[name] = field.data
        try:
            rules.check_personal_data(values["snils"], values["inn"], values["passport_series"], values["passport_number"],
                                      values["passport_division_code"], None, None, school_today())
        except RuleViolation as error:
            raise ValidationError(message_of(error)) from error

    return validate


class EmployeePersonalDataView(PartaModelView):
    """«Личные данные сотрудников» (the personal card, форма Т-2): СНИЛС, ИНН, passport,
    addresses, marital status and family. Its own page, as students' health data:
    only the roles that hold it (the personnel officer, the director) see these
    data — here, in the personal file and in the printed card."""

    datamodel = PartaInterface(EmployeePersonalData)
    list_title = _l("Personal data of employees")
    show_title = add_title = edit_title = _l("Personal data of an employee")
    list_columns = ["employee", "snils", "inn", "passport", "marital_status"]
    search_columns = ["employee", "snils", "inn", "marital_status"]
    add_columns = edit_columns = show_columns = [
        "employee", "snils", "inn", "citizenship", "birth_place", "passport_series", "passport_number",
        "passport_issued_by", "passport_issued_on", "passport_division_code", "registration_address",
        "actual_address", "marital_status", "family",
    ]
    order_columns = ["employee", "snils", "inn", "marital_status"]
    formatters_columns = {"employee": file_link}
    description_columns = {
        "snils": _l("11 digits, e.g. 112-233-445 95; the check number is verified."),
        "inn": _l("12 digits of a person's INN; the check digits are verified."),
        "passport_series": _l("4 digits, e.g. 45 08."),
        "passport_division_code": _l("E.g. 770-001."),
        "family": _l("Degree of kinship, full name and year of birth of each family member, one per line."),
    }

    validators_columns = {name: [_number_rule(name)] for name in
                          ("snils", "inn", "passport_series", "passport_number", "passport_division_code")}

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        """«Заполнить» in the personal file opens the form with its employee chosen."""
        from flask import request

        employee_id = request.args.get("employee", type=int) if request.method == "GET" else None
        if employee_id and form.employee.data is None:
            form.employee.data = self.datamodel.session.get(Employee, employee_id)
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)


# --- The personal file ---------------------------------------------------------------------


def _latest(rows, key):
    return max(rows, key=key, default=None)


def may_see_personal_data() -> bool:
    """Whether the user holds the page «Личные данные сотрудников» (and so sees СНИЛС,
    ИНН, passport, addresses and family in the personal file and its card)."""
    from flask import current_app

    return bool(current_app.appbuilder.sm.has_access("can_show", "EmployeePersonalDataView"))


def staff_file(session, employee: Employee, today: dt.date, personal_data: bool = False) -> dict:
    """Everything the personal file shows and prints, in the order of a personal card;
    the personal data (Т-2) only when `personal_data` (the caller asks may_see_personal_data)."""
    def rows(model, *order):
        return list(session.scalars(select(model).where(model.employee_id == employee.id).order_by(*order)))

    positions = rows(EmployeePosition, EmployeePosition.start_date, EmployeePosition.id)
    attestations = rows(Attestation, Attestation.assigned_on, Attestation.id)
    courses = rows(TrainingCourse, TrainingCourse.end_date, TrainingCourse.id)
    current = _latest(attestations, key=lambda a: (a.assigned_on, a.id))
    return {
        "employee": employee,
        "positions": positions,
        "current_positions": [p for p in positions if p.end_date is None or p.end_date >= today],
        "orders": rows(StaffOrder, StaffOrder.date, StaffOrder.id),
        "education": rows(EducationRecord, EducationRecord.graduation_year, EducationRecord.id),
        "attestations": attestations,
        "category": current,
        "category_status": rules.category_status(current.valid_until, today) if current else None,
        "courses": courses,
        "last_course": courses[-1] if courses else None,
        "personal_data": session.scalar(select(EmployeePersonalData).where(
            EmployeePersonalData.employee_id == employee.id)) if personal_data else None,
        "shows_personal_data": personal_data,
    }


def personal_rows(data: EmployeePersonalData | None) -> list:
    """The personal data (Т-2) as (label, text) rows of the card; a row for each field,
    empty ones too, so that the printed card has the place to write them in."""
    from flask_babel import gettext

    def text(name):
        value = getattr(data, name, None) if data is not None else None
        if isinstance(value, dt.date):
            return format_date(value)
        return str(value) if value is not None else ""

    return [(gettext("SNILS"), text("snils")), (gettext("INN"), text("inn")),
            (gettext("Citizenship"), text("citizenship")), (gettext("Place of birth"), text("birth_place")),
            (gettext("Passport"), data.passport if data is not None else ""),
            (gettext("Registered address"), text("registration_address")),
            (gettext("Actual address"), text("actual_address")),
            (gettext("Marital status"), text("marital_status")), (gettext("Family"), text("family"))]


def staff_card(data: dict) -> StaffCard:
    """The personal file as plain texts for the printed card."""
    e = data["employee"]
    status = data["category_status"]
    return StaffCard(
        full_name=e.full_name,
        birth_date=format_date(e.birth_date),
        gender=str(e.gender) if e.gender else "",
        phone=e.phone or "", email=e.email or "", address=e.address or "",
        hire_date=format_date(e.hire_date), leave_date=format_date(e.leave_date),
        personal=personal_rows(data["personal_data"]) if data.get("shows_personal_data") else [],
        positions=[{"position": str(p.position), "rate": format_number(p.rate), "start": format_date(p.start_date),
                    "end": format_date(p.end_date)} for p in data["positions"]],
        education=[{"level": str(r.level), "institution": r.institution, "year": r.graduation_year or "",
                    "specialty": r.specialty or "", "qualification": r.qualification or "",
                    "diploma": r.diploma_number or ""} for r in data["education"]],
        attestations=[{"category": str(a.category), "position": str(a.position) if a.position else "",
                       "assigned_on": format_date(a.assigned_on), "order_number": a.order_number or "",
                       "valid_until": format_date(a.valid_until)} for a in data["attestations"]],
        category_warning=str(STATUS_LABELS[status]) if status in (rules.EXPIRING, rules.EXPIRED) else "",
        courses=[{"program": c.program, "organisation": c.organisation, "hours": c.hours,
                  "start": format_date(c.start_date), "end": format_date(c.end_date),
                  "certificate": c.certificate_number or ""} for c in data["courses"]],
        orders=[{"number": o.number, "date": format_date(o.date), "kind": str(o.kind),
                 "position": str(o.position) if o.position else "", "rate": format_number(o.rate),
                 "reason": " ".join(x for x in (o.reason, o.article) if x)} for o in data["orders"]],
    )


class StaffFileView(PartaModelView):
    """«Личное дело сотрудника»: the card, positions, orders, education, categories and
    courses on one page, and the personal card in PDF. Read here; each part is
    edited in its own tab (the card itself in Employees)."""

    datamodel = PartaInterface(Employee)
    list_title = _l("Personal files of employees")
    show_title = _l("Personal file of an employee")
    base_permissions = ["can_list", "can_show"]
    list_columns = PERSON + ["birth_date", "hire_date", "leave_date", "qualification_category"]
    search_columns = PERSON + ["hire_date", "leave_date"]
    show_columns = PERSON + ["gender", "birth_date", "phone", "email", "address", "hire_date", "leave_date", "user"]
    base_order = ("last_name", "asc")
    show_template = "parta/staff_file.html"
    related_views = [EmployeePositionView, StaffOrderView, EducationRecordView, AttestationView, TrainingCourseView]

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        pk = self._deserialize_pk_if_composite(pk)
        widgets = self._show(pk)
        employee = self.datamodel.get(pk, self._base_filters)
        data = staff_file(self.datamodel.session, employee, school_today(), personal_data=may_see_personal_data())
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_views, file=data, status_label=status_label, format_number=format_number,
                                    personal_rows=personal_rows,
                                    format_date=format_date)

    @expose("/card/<int:pk>")
    @has_access
    @permission_name("show")
    def card(self, pk):
        """The personal card (личная карточка работника) to print and file."""
        employee = self.datamodel.get(pk, self._base_filters)
        if employee is None:
            abort(404)
        school = current_school()
        data = staff_file(self.datamodel.session, employee, school_today(), personal_data=may_see_personal_data())
        body = staff_card_pdf(school.full_name if school else "", staff_card(data), format_date(school_today()))
        return pdf_response(body, f"staff-card-{employee.id}.pdf")

