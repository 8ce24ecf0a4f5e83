"""Planning: subjects, classes, subject groups, curriculum, schedule and КТП."""
from flask_babel import lazy_gettext as _l

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.filters import FilterEqual
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.models import (
    WEEKDAYS, CurriculumItem, ScheduleEntry, SchoolClass, Subject, SubjectGroup, SubjectGroupMember, SubjectGroupTeacher,
    ThematicPlan, ThematicPlanTopic,
)
from app.views.base import PartaInterface, PartaModelView, SearchedSelects
from app.views.journal import EMPLOYEES, SUBJECT_GROUPS


class SubjectView(PartaModelView):
    datamodel = PartaInterface(Subject)
    list_title = _l("Subjects")
    list_columns = ["name", "short_name", "subject_area", "order"]
    search_columns = ["name", "short_name", "subject_area"]
    add_columns = edit_columns = show_columns = ["name", "short_name", "subject_area", "order"]
    base_order = ("order", "asc")


class SubjectGroupTeacherView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(SubjectGroupTeacher)
    list_title = _l("Teachers of subject groups")
    list_columns = ["subject_group", "employee", "is_main"]
    search_columns = ["subject_group", "employee", "is_main"]
    add_columns = edit_columns = show_columns = ["subject_group", "employee", "is_main"]
    searched_fields = {"subject_group": SUBJECT_GROUPS, "employee": EMPLOYEES}


class SubjectGroupMemberView(PartaModelView):
    """One membership at a time; a whole class is split on «Деление класса на группы»
    (app/views/subgroups.py). Only a pupil of the group's class is accepted (app/rules/subgroups.py)."""
    datamodel = PartaInterface(SubjectGroupMember)
    list_title = _l("Subgroup members")
    list_columns = ["subject_group", "student", "valid_from", "valid_to"]
    search_columns = ["subject_group", "student", "valid_from", "valid_to"]
    add_columns = edit_columns = show_columns = ["subject_group", "student", "valid_from", "valid_to"]
    add_form_query_rel_fields = edit_form_query_rel_fields = {"subject_group": [["is_whole_class", FilterEqual, False]]}


def weekday_name(number: int) -> str:
    return str(WEEKDAYS.get(number, ""))


def weekday_field():
    return SelectField(
        _l("Weekday"), [InputRequired()], coerce=int, choices=[(n, label) for n, label in WEEKDAYS.items()],
        widget=Select2Widget(),
    )


class ScheduleEntryView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(ScheduleEntry)
    formatters_columns = {"weekday": weekday_name}
    add_form_extra_fields = {"weekday": weekday_field()}
    edit_form_extra_fields = {"weekday": weekday_field()}
    list_title = _l("Timetable")
    list_columns = ["weekday", "lesson_number", "subject_group", "room", "valid_from", "valid_to"]
    search_columns = ["weekday", "lesson_number", "subject_group", "room"]
    add_columns = edit_columns = show_columns = ["subject_group", "weekday", "lesson_number", "room", "valid_from", "valid_to"]
    base_order = ("weekday", "asc")
    searched_fields = {"subject_group": SUBJECT_GROUPS}


class SubjectGroupView(PartaModelView):
    datamodel = PartaInterface(SubjectGroup)
    list_title = _l("Subject groups")
    list_columns = ["name", "school_class", "subject", "is_whole_class", "hours_per_week"]
    search_columns = ["name", "school_class", "subject", "year"]
    add_columns = edit_columns = show_columns = [
        "year", "school_class", "subject", "name", "is_whole_class", "grade_scale", "hours_per_week",
    ]
    related_views = [SubjectGroupTeacherView, SubjectGroupMemberView, ScheduleEntryView]


class CurriculumItemView(PartaModelView):
    datamodel = PartaInterface(CurriculumItem)
    list_title = _l("Curriculum")
    list_columns = ["year", "school_class", "subject", "hours_per_week"]
    search_columns = ["year", "school_class", "subject"]
    add_columns = edit_columns = show_columns = ["year", "school_class", "subject", "hours_per_week"]


class SchoolClassView(PartaModelView):
    datamodel = PartaInterface(SchoolClass)
    list_title = _l("Classes")
    list_columns = ["name", "year", "profile", "curriculum_type", "class_teacher", "room"]
    label_columns = {"name": _l("Class")}
    search_columns = ["year", "grade", "letter", "curriculum_type", "class_teacher"]
    add_columns = edit_columns = show_columns = [
        "year", "grade", "letter", "profile", "curriculum_type", "class_teacher", "room", "holiday_set", "bell_schedule",
    ]
    base_order = ("grade", "asc")
    related_views = [SubjectGroupView, CurriculumItemView]


class ThematicPlanTopicView(PartaModelView):
    datamodel = PartaInterface(ThematicPlanTopic)
    list_title = _l("Thematic plan topics")
    list_columns = ["plan", "position", "title", "hours"]
    label_columns = {"position": _l("No.")}
    search_columns = ["plan", "title"]
    add_columns = edit_columns = show_columns = ["plan", "position", "title", "hours", "homework"]
    base_order = ("position", "asc")


class ThematicPlanView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(ThematicPlan)
    list_title = _l("Thematic plans")
    list_columns = ["name", "subject_group", "approved_on"]
    search_columns = ["name", "subject_group"]
    add_columns = edit_columns = show_columns = ["subject_group", "name", "approved_on"]
    searched_fields = {"subject_group": SUBJECT_GROUPS}
    related_views = [ThematicPlanTopicView]
    show_template = "parta/thematic_plan_show.html"  # links to the plan against the lessons
