"""Reference data of the school: the card, the calendar, rooms, bells, dictionaries."""
from flask_babel import lazy_gettext as _l

from app.models import (
    AssignmentType, AttendanceCode, Bell, BellSchedule, FinalMarkColumn, GradeScale, GradeScaleValue,
    Holiday, HolidaySet, Municipality, PeriodType, Position, Room, School, SchoolYear, StudyPeriod,
)
from app.views.base import PartaInterface, PartaModelView


class MunicipalityView(PartaModelView):
    datamodel = PartaInterface(Municipality)
    list_title = _l("Municipalities")
    list_columns = ["name", "region"]
    search_columns = ["name", "region"]
    add_columns = edit_columns = show_columns = ["name", "region"]


class SchoolView(PartaModelView):
    datamodel = PartaInterface(School)
    list_title = _l("Schools")
    list_columns = ["short_name", "kind", "director", "phones", "email"]
    search_columns = ["short_name", "full_name", "kind", "director"]
    add_columns = [
        "kind", "full_name", "short_name", "municipality", "inn", "juridical_address", "postal_address",
        "email", "website", "phones", "director", "deputy_uvr", "deputy_ahc", "deputy_it", "about",
    ]
    # a new school starts with the act's journal settings (act 001 §4.9, §4.11–4.14) and may change them
    edit_columns = show_columns = add_columns + [
        "threshold_5", "threshold_4", "threshold_3", "lock_mark_days", "lock_attendance_days", "lock_control_days",
        "lock_period_mark_days", "lock_final_mark_days", "period_mark_due_days", "webapi_enabled",
    ]
    description_columns = {
        "webapi_enabled": _l("Lets students and parents use the NetSchool mobile apps and bots with Parta "
                             "(each switches it on for their own login)."),
        "threshold_5": _l("The lowest average that suggests «5» as the period mark (the act: 4,5)."),
        "lock_mark_days": _l("Current marks may be changed through this many days after the lesson (the act: 10)."),
        "period_mark_due_days": _l("Period marks are due this many days before the period ends (the act: 2)."),
    }


class StudyPeriodView(PartaModelView):
    datamodel = PartaInterface(StudyPeriod)
    list_title = _l("Study periods")
    list_columns = ["year", "period_type", "name", "start_date", "end_date", "grade_from", "grade_to"]
    search_columns = ["year", "period_type", "name", "start_date"]
    add_columns = edit_columns = show_columns = [
        "year", "period_type", "name", "number", "start_date", "end_date", "grade_from", "grade_to",
    ]
    base_order = ("start_date", "asc")


class SchoolYearView(PartaModelView):
    datamodel = PartaInterface(SchoolYear)
    list_title = _l("School years")
    list_columns = ["name", "start_date", "end_date", "is_current", "is_closed"]
    search_columns = ["name", "is_current"]
    add_columns = edit_columns = show_columns = ["name", "start_date", "end_date", "is_current"]
    related_views = [StudyPeriodView]


class PeriodTypeView(PartaModelView):
    datamodel = PartaInterface(PeriodType)
    list_title = _l("Period types")
    list_columns = ["name", "periods_per_year", "is_year"]
    search_columns = ["name"]
    add_columns = edit_columns = show_columns = ["name", "periods_per_year", "is_year"]


class HolidayView(PartaModelView):
    datamodel = PartaInterface(Holiday)
    list_title = _l("Holidays")
    list_columns = ["holiday_set", "name", "start_date", "end_date"]
    search_columns = ["holiday_set", "name", "start_date"]
    add_columns = edit_columns = show_columns = ["holiday_set", "name", "start_date", "end_date"]
    base_order = ("start_date", "asc")


class HolidaySetView(PartaModelView):
    datamodel = PartaInterface(HolidaySet)
    list_title = _l("Holiday sets")
    list_columns = ["year", "name"]
    search_columns = ["year", "name"]
    add_columns = edit_columns = show_columns = ["year", "name"]
    related_views = [HolidayView]


class RoomView(PartaModelView):
    datamodel = PartaInterface(Room)
    list_title = _l("Rooms")
    list_columns = ["name", "floor", "capacity", "note"]
    search_columns = ["name", "floor"]
    add_columns = edit_columns = show_columns = ["name", "floor", "capacity", "note"]
    base_order = ("name", "asc")


class BellView(PartaModelView):
    datamodel = PartaInterface(Bell)
    list_title = _l("Bells")
    list_columns = ["bell_schedule", "lesson_number", "start_time", "end_time"]
    search_columns = ["bell_schedule", "lesson_number"]
    add_columns = edit_columns = show_columns = ["bell_schedule", "lesson_number", "start_time", "end_time"]
    base_order = ("lesson_number", "asc")


class BellScheduleView(PartaModelView):
    datamodel = PartaInterface(BellSchedule)
    list_title = _l("Bell schedules")
    list_columns = ["name", "is_default"]
    search_columns = ["name"]
    add_columns = edit_columns = show_columns = ["name", "is_default"]
    related_views = [BellView]


class GradeScaleValueView(PartaModelView):
    datamodel = PartaInterface(GradeScaleValue)
    list_title = _l("Mark scale values")
    list_columns = ["scale", "code", "name", "score", "is_passing", "order"]
    search_columns = ["scale", "code"]
    add_columns = edit_columns = show_columns = ["scale", "code", "name", "score", "is_passing", "order"]
    base_order = ("order", "asc")


class GradeScaleView(PartaModelView):
    datamodel = PartaInterface(GradeScale)
    list_title = _l("Mark scales")
    list_columns = ["name", "is_default"]
    search_columns = ["name"]
    add_columns = edit_columns = show_columns = ["name", "is_default"]
    related_views = [GradeScaleValueView]


class AssignmentTypeView(PartaModelView):
    datamodel = PartaInterface(AssignmentType)
    list_title = _l("Work types")
    list_columns = ["name", "abbr", "weight", "is_control", "order"]
    search_columns = ["name", "abbr", "is_control"]
    add_columns = edit_columns = show_columns = ["name", "abbr", "weight", "is_control", "order"]
    base_order = ("order", "asc")


class AttendanceCodeView(PartaModelView):
    datamodel = PartaInterface(AttendanceCode)
    list_title = _l("Attendance codes")
    list_columns = ["code", "name", "is_excused", "is_absence", "order"]
    search_columns = ["code", "name", "is_excused"]
    add_columns = edit_columns = show_columns = ["code", "name", "is_excused", "is_absence", "order"]
    base_order = ("order", "asc")


class FinalMarkColumnView(PartaModelView):
    datamodel = PartaInterface(FinalMarkColumn)
    list_title = _l("Final mark columns")
    list_columns = ["year", "name", "kind", "grade_from", "grade_to", "order"]
    search_columns = ["year", "name", "kind"]
    add_columns = edit_columns = show_columns = ["year", "name", "kind", "grade_from", "grade_to", "order"]
    base_order = ("order", "asc")


class PositionView(PartaModelView):
    datamodel = PartaInterface(Position)
    list_title = _l("Positions")
    list_columns = ["name", "is_teaching"]
    search_columns = ["name", "is_teaching"]
    add_columns = edit_columns = show_columns = ["name", "is_teaching"]
