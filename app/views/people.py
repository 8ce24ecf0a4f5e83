"""People: staff, students (health apart), guardians, enrolments and consents."""
from flask_babel import lazy_gettext as _l

from app.models import (
    Employee, EmployeePosition, Enrolment, Guardian, PersonalDataConsent, Student, StudentGuardian, StudentHealth,
)
from app.views.base import PartaInterface, PartaModelView

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


class EnrolmentView(PartaModelView):
    datamodel = PartaInterface(Enrolment)
    list_title = _l("Class membership")
    list_columns = ["student", "school_class", "start_date", "end_date"]
    search_columns = ["student", "school_class", "start_date", "end_date"]
    add_columns = edit_columns = show_columns = ["student", "school_class", "start_date", "end_date"]
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


class StudentView(PartaModelView):
    datamodel = PartaInterface(Student)
    list_title = _l("Students")
    list_columns = PERSON + ["current_class", "personal_file_no", "birth_date"]
    search_columns = PERSON + ["personal_file_no", "birth_date"]
    add_columns = edit_columns = show_columns = PERSON + [
        "personal_file_no", "gender", "birth_date", "snils", "address", "phone", "email",
        "arrival_date", "leave_date", "user",
    ]
    base_order = ("last_name", "asc")
    related_views = [EnrolmentView, StudentGuardianView, PersonalDataConsentView]


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
