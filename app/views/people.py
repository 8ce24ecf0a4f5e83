"""People: staff, students (health apart), guardians, enrolments and consents."""
from flask import abort
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l

from app.models import (
    Employee, EmployeePosition, Enrolment, Guardian, PersonalDataConsent, Student, StudentGuardian, StudentHealth,
)
from app.views.base import PartaInterface, PartaModelView, current_school, format_date, pdf_response
from app.views.people_filters import WithoutConsentFilter
from reports.consent import consent_form_pdf


def school_card() -> dict:
    school = current_school()
    return {"full_name": school.full_name, "short_name": school.short_name,
            "juridical_address": school.juridical_address, "director": school.director}


def student_card(student) -> dict:
    current = student.current_class
    return {"full_name": student.full_name, "birth_date": student.birth_date, "class_name": current.name if current else None}


def guardian_card(student):
    link = student.guardian_links[0] if student.guardian_links else None
    if link is None:
        return None
    guardian = link.guardian
    return {"full_name": guardian.full_name, "address": guardian.address, "phone": guardian.phone}

PERSON = ["last_name", "first_name", "middle_name"]


class EmployeePositionView(PartaModelView):
    datamodel = PartaInterface(EmployeePosition)
    list_title = _l("Positions of employees")
    list_columns = ["employee", "position", "rate", "start_date", "end_date"]
    search_columns = ["employee", "position"]
    add_columns = edit_columns = show_columns = ["employee", "position", "rate", "start_date", "end_date"]


class EmployeeView(PartaModelView):
    datamodel = PartaInterface(Employee)
    list_title = _l("Employees")
    list_columns = PERSON + ["phone", "email", "hire_date"]
    search_columns = PERSON + ["email", "hire_date", "leave_date"]
    add_columns = edit_columns = show_columns = PERSON + [
        "gender", "birth_date", "phone", "email", "address", "education", "qualification_category",
        "hire_date", "leave_date", "user",
    ]
    base_order = ("last_name", "asc")
    related_views = [EmployeePositionView]
    show_template = "parta/staff_employee_show.html"  # links to the personal file (app/views/staff.py)


class EnrolmentView(PartaModelView):
    """Read only: class membership changes only through movement orders
    (app/views/movement.py) and the year transition, never silently."""

    datamodel = PartaInterface(Enrolment)
    list_title = _l("Class membership")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["student", "school_class", "start_date", "end_date", "order"]
    search_columns = ["student", "school_class", "start_date", "end_date"]
    show_columns = ["student", "school_class", "start_date", "end_date", "order"]
    label_columns = {"order": _l("Order document")}
    base_order = ("start_date", "desc")


class StudentGuardianView(PartaModelView):
    datamodel = PartaInterface(StudentGuardian)
    list_title = _l("Students and guardians")
    list_columns = ["student", "guardian", "relation"]
    search_columns = ["student", "guardian", "relation"]
    add_columns = edit_columns = show_columns = ["student", "guardian", "relation"]


class PersonalDataConsentView(PartaModelView):
    datamodel = PartaInterface(PersonalDataConsent)
    list_title = _l("Personal data consents")
    list_columns = ["student", "signed_by", "signed_on", "form_version", "withdrawn_on"]
    search_columns = ["student", "signed_by", "signed_on", "withdrawn_on"]
    add_columns = edit_columns = show_columns = ["student", "guardian", "signed_by", "signed_on", "form_version", "withdrawn_on"]


def consent_text(consent) -> str:
    if consent is None:
        return gettext("no consent")
    return gettext("signed on %(date)s by %(who)s", date=format_date(consent.signed_on), who=consent.signed_by)


class StudentView(PartaModelView):
    datamodel = PartaInterface(Student)
    list_title = _l("Students")
    list_columns = PERSON + ["current_class", "personal_file_no", "birth_date", "consent_state"]
    formatters_columns = {"consent_state": consent_text}
    list_loads = ("enrolments.school_class", "consents")  # current_class, consent_state
    search_columns = PERSON + ["personal_file_no", "birth_date"]
    add_columns = edit_columns = PERSON + [
        "personal_file_no", "gender", "birth_date", "snils", "address", "phone", "email",
        "arrival_date", "leave_date", "user",
    ]
    show_columns = add_columns + ["current_class", "consent_state"]
    base_order = ("last_name", "asc")
    related_views = [EnrolmentView, StudentGuardianView, PersonalDataConsentView]
    show_template = "parta/student_show.html"

    @expose("/consent/<int:pk>")
    @has_access
    @permission_name("show")
    def consent_form(self, pk):
        """The consent form filled in with the student, a guardian and the school, to print and sign."""
        student = self.datamodel.get(pk, self._base_filters)
        if student is None:
            abort(404)
        # The Russian name travels in filename* (RFC 6266): raw in the header, it failed every download under gunicorn.
        return pdf_response(consent_form_pdf(school_card(), student_card(student), guardian_card(student)),
                            f"consent-{student.id}.pdf",
                            gettext("Consent to personal data processing, %(name)s", name=student.full_name))

    @expose("/consent/blank")
    @has_access
    @permission_name("show")
    def consent_blank(self):
        return pdf_response(consent_form_pdf(school_card(), None, None), "consent-blank.pdf")


class StudentWithoutConsentView(StudentView):
    """The list of students whose personal data are processed without a signed consent."""

    list_title = _l("Students without consent")
    base_filters = [["id", WithoutConsentFilter, None]]
    related_views = []


class StudentHealthView(PartaModelView):
    datamodel = PartaInterface(StudentHealth)
    list_title = _l("Health data of students")
    list_columns = ["student", "health_group", "pe_group"]
    search_columns = ["student", "health_group", "pe_group"]
    add_columns = edit_columns = show_columns = ["student", "health_group", "pe_group", "disability", "notes"]


class GuardianView(PartaModelView):
    datamodel = PartaInterface(Guardian)
    list_title = _l("Guardians")
    list_columns = PERSON + ["phone", "email"]
    search_columns = PERSON + ["phone", "email"]
    add_columns = edit_columns = show_columns = PERSON + ["phone", "email", "address", "workplace", "user"]
    base_order = ("last_name", "asc")
    related_views = [StudentGuardianView]
