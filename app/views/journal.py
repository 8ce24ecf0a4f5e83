"""The journal's records as plain CRUD; the journal grid is a custom view of its own."""
from flask_babel import lazy_gettext as _l

from app.models import (
    Assignment, AssignmentType, Attendance, Employee, FinalMark, Lesson, Mark, PeriodMark, Student, SubjectGroup,
)
from app.views.base import PartaInterface, PartaModelView, Searched, SearchedSelects

# The relations whose rows number thousands in a school, chosen by typing: «5А 12.11», «Иванова».
LESSONS = Searched(Lesson, texts=(SubjectGroup.name, Lesson.topic), day=Lesson.date,
                   joins=((SubjectGroup, Lesson.subject_group_id == SubjectGroup.id),),
                   order_by=(Lesson.date.desc(), Lesson.number, Lesson.id))
ASSIGNMENTS = Searched(Assignment, texts=(SubjectGroup.name, Assignment.title, AssignmentType.name), day=Lesson.date,
                       joins=((Lesson, Assignment.lesson_id == Lesson.id),
                              (SubjectGroup, Lesson.subject_group_id == SubjectGroup.id),
                              (AssignmentType, Assignment.type_id == AssignmentType.id)),
                       order_by=(Lesson.date.desc(), Lesson.number, Assignment.id))
STUDENTS = Searched(Student, texts=(Student.last_name, Student.first_name, Student.middle_name),
                    order_by=(Student.last_name, Student.first_name, Student.id))
# Hundreds in a school over the years (this year's first): «5А мат».
SUBJECT_GROUPS = Searched(SubjectGroup, texts=(SubjectGroup.name,),
                          order_by=(SubjectGroup.year_id.desc(), SubjectGroup.name, SubjectGroup.id))
EMPLOYEES = Searched(Employee, texts=(Employee.last_name, Employee.first_name, Employee.middle_name),
                     order_by=(Employee.last_name, Employee.first_name, Employee.id))


class AssignmentView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(Assignment)
    list_title = _l("Assignments")
    list_columns = ["lesson", "type", "title", "weight", "due_date"]
    search_columns = ["type", "title", "due_date"]
    add_columns = edit_columns = show_columns = ["lesson", "type", "title", "weight", "due_date"]
    searched_fields = {"lesson": LESSONS}


class LessonView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(Lesson)
    list_title = _l("Lessons")
    list_columns = ["date", "number", "subject_group", "teacher", "topic", "is_cancelled"]
    search_columns = ["date", "subject_group", "teacher", "topic", "is_cancelled"]
    add_columns = edit_columns = [
        "subject_group", "date", "number", "teacher", "substitute", "room", "topic", "homework", "is_cancelled",
    ]
    show_columns = add_columns + ["is_manual", "moved_from"]
    base_order = ("date", "desc")
    related_views = [AssignmentView]
    searched_fields = {"subject_group": SUBJECT_GROUPS, "teacher": EMPLOYEES, "substitute": EMPLOYEES}

    def pre_add(self, item) -> None:
        item.is_manual = True  # added by hand: re-generating the calendar keeps it
        super().pre_add(item)



class MarkView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(Mark)
    list_title = _l("Marks")
    list_columns = ["assignment", "student", "value", "is_duty", "comment"]
    search_columns = ["student", "is_duty", "comment"]
    add_columns = edit_columns = show_columns = ["assignment", "student", "value", "is_duty", "comment"]
    searched_fields = {"assignment": ASSIGNMENTS, "student": STUDENTS}


class AttendanceView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(Attendance)
    list_title = _l("Attendance")
    list_columns = ["lesson", "student", "code", "comment"]
    label_columns = {"code": _l("Attendance code")}
    search_columns = ["student", "code"]
    add_columns = edit_columns = show_columns = ["lesson", "student", "code", "comment"]
    searched_fields = {"lesson": LESSONS, "student": STUDENTS}


class PeriodMarkView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(PeriodMark)
    list_title = _l("Period marks")
    list_columns = ["period", "subject_group", "student", "value"]
    search_columns = ["period", "subject_group", "student"]
    add_columns = edit_columns = show_columns = ["period", "subject_group", "student", "value", "comment"]
    searched_fields = {"subject_group": SUBJECT_GROUPS, "student": STUDENTS}


class FinalMarkView(SearchedSelects, PartaModelView):
    datamodel = PartaInterface(FinalMark)
    list_title = _l("Final marks")
    list_columns = ["column", "subject_group", "student", "value"]
    search_columns = ["column", "subject_group", "student"]
    add_columns = edit_columns = show_columns = ["column", "subject_group", "student", "value"]
    searched_fields = {"subject_group": SUBJECT_GROUPS, "student": STUDENTS}
