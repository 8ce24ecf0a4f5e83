"""Parta's REST API (OpenAPI at /api/v1/_openapi): the same scoping, rules and
Russian messages as the CRUD pages."""
from __future__ import annotations

from flask_appbuilder.api import ModelRestApi

from app.models import Employee, Guardian, Student
from app.views.base import PartaInterface, UserFacingError, ValidatedWrites

PERSON = ["id", "last_name", "first_name", "middle_name"]


class PartaRestApi(ValidatedWrites, ModelRestApi):
    """A refused write answers 422 with the Russian message, never a database text."""

    allow_browser_login = False
    page_size = 50

    def post_headless(self):
        try:
            return super().post_headless()
        except UserFacingError as error:
            return self.response_422(message=str(error))

    def put_headless(self, pk):
        try:
            return super().put_headless(pk)
        except UserFacingError as error:
            return self.response_422(message=str(error))

    def delete_headless(self, pk):
        try:
            return super().delete_headless(pk)
        except UserFacingError as error:
            return self.response_422(message=str(error))


class StudentRestApi(PartaRestApi):
    resource_name = "student"
    datamodel = PartaInterface(Student)
    list_columns = PERSON + ["personal_file_no", "birth_date"]
    show_columns = PERSON + ["personal_file_no", "gender", "birth_date", "phone", "email", "arrival_date", "leave_date"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    search_columns = ["last_name", "first_name", "personal_file_no"]
    order_columns = ["last_name", "first_name"]


class GuardianRestApi(PartaRestApi):
    resource_name = "guardian"
    datamodel = PartaInterface(Guardian)
    list_columns = PERSON + ["phone", "email"]
    show_columns = PERSON + ["phone", "email", "address", "workplace"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    search_columns = ["last_name", "first_name", "phone", "email"]
    order_columns = ["last_name", "first_name"]


class EmployeeRestApi(PartaRestApi):
    resource_name = "employee"
    datamodel = PartaInterface(Employee)
    list_columns = PERSON + ["phone", "email", "hire_date"]
    show_columns = PERSON + ["gender", "birth_date", "phone", "email", "education", "qualification_category",
                             "hire_date", "leave_date"]
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    search_columns = ["last_name", "first_name", "email"]
    order_columns = ["last_name", "first_name"]


APIS = [StudentRestApi, GuardianRestApi, EmployeeRestApi]
