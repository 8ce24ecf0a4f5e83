"""Parta's REST API (OpenAPI at /api/v1/_openapi): the same scoping, rules and
Russian messages as the CRUD pages."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.models import Assignment, Attendance, Employee, Guardian, Lesson, Mark, PeriodMark, Student, SubjectGroupMember
from app.views.base import PartaInterface, RestValueChecks, UserFacingError, ValidatedWrites

PERSON = ["id", "last_name", "first_name", "middle_name"]


class PartaRestApi(RestValueChecks, ValidatedWrites, ModelRestApi):
    """A refused write answers 422 with the Russian message, never a database text."""

    allow_browser_login = False
    page_size = 50

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """A field's label and description for `_info`; none is none (FAB translates an empty
        text, which gives the whole header of the translation catalog)."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        for key, texts in (("label", self.label_columns), ("description", self.description_columns)):
            if not texts.get(field.name):
                info[key] = ""
        return info

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


# The journal (issue 4, item 8): ids in and out, as a client program keeps them;
# scoping, locks and the audit apply through the same flush hooks as the pages.
class ForeignKeyConverter(Model2SchemaConverter):
    """FAB's schemas with foreign-key columns (`lesson_id`) as plain fields:
    marshmallow-sqlalchemy drops them unless the schema's Meta sets include_fk."""

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        if not columns:
            return super()._meta_schema_factory(columns, model, class_mixin, parent_schema_name)
        model_, fields_, parent_ = model, columns, parent_schema_name

        class MetaSchema(SQLAlchemyAutoSchema, class_mixin):
            class Meta:
                model = model_
                fields = fields_
                load_instance = True
                include_fk = True
                sqla_session = current_app.appbuilder.session
                parent_schema_name = parent_

        return MetaSchema


class JournalRestApi(PartaRestApi):
    model2schemaconverter = ForeignKeyConverter
    page_size = 100
    max_page_size = 500


class LessonRestApi(JournalRestApi):
    resource_name = "lesson"
    datamodel = PartaInterface(Lesson)
    show_columns = ["id", "subject_group_id", "date", "number", "teacher_id", "substitute_id", "room_id", "topic",
                    "homework", "is_cancelled"]
    list_columns = show_columns
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    search_columns = ["subject_group_id", "date", "teacher_id", "is_cancelled"]
    order_columns = ["date", "number"]
    base_order = ("date", "desc")


class AssignmentRestApi(JournalRestApi):
    resource_name = "assignment"
    datamodel = PartaInterface(Assignment)
    show_columns = ["id", "lesson_id", "type_id", "title", "weight", "due_date"]
    list_columns = show_columns
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    search_columns = ["lesson_id", "type_id", "due_date"]
    order_columns = ["id", "due_date"]


class MarkRestApi(JournalRestApi):
    resource_name = "mark"
    datamodel = PartaInterface(Mark)
    show_columns = ["id", "assignment_id", "student_id", "value_id", "value.code", "is_duty", "comment",
                    "entered_at", "entered_by_id"]  # the first entry, set by the write pipeline
    list_columns = show_columns
    add_columns = edit_columns = ["assignment_id", "student_id", "value_id", "is_duty", "comment"]
    search_columns = ["assignment_id", "student_id", "value_id", "is_duty"]
    order_columns = ["id"]


class AttendanceRestApi(JournalRestApi):
    resource_name = "attendance"
    datamodel = PartaInterface(Attendance)
    show_columns = ["id", "lesson_id", "student_id", "code_id", "code.code", "comment", "entered_at", "entered_by_id"]
    list_columns = show_columns
    add_columns = edit_columns = ["lesson_id", "student_id", "code_id", "comment"]
    search_columns = ["lesson_id", "student_id", "code_id"]
    order_columns = ["id"]


class PeriodMarkRestApi(JournalRestApi):
    resource_name = "periodmark"
    datamodel = PartaInterface(PeriodMark)
    show_columns = ["id", "period_id", "subject_group_id", "student_id", "value_id", "value.code", "comment"]
    list_columns = show_columns
    add_columns = edit_columns = ["period_id", "subject_group_id", "student_id", "value_id", "comment"]
    search_columns = ["period_id", "subject_group_id", "student_id"]
    order_columns = ["id"]


class SubgroupMemberRestApi(JournalRestApi):
    """Subgroup membership: the same rule as the pages (a pupil of the group's class on
    the day the membership starts, app/rules/subgroups.py)."""

    resource_name = "subgroupmember"
    datamodel = PartaInterface(SubjectGroupMember)
    show_columns = ["id", "subject_group_id", "student_id", "valid_from", "valid_to"]
    list_columns = show_columns
    add_columns = edit_columns = [c for c in show_columns if c != "id"]
    search_columns = ["subject_group_id", "student_id"]
    order_columns = ["id"]


APIS = [StudentRestApi, GuardianRestApi, EmployeeRestApi,
        LessonRestApi, AssignmentRestApi, MarkRestApi, AttendanceRestApi, PeriodMarkRestApi, SubgroupMemberRestApi]
