import datetime as dt

from app.rules.calendar import ExistingLesson, Slot, TimetableLine, lesson_slots, plan_calendar, school_days

MON = dt.date(2026, 11, 2)  # a Monday


def d(n: int) -> dt.date:
    return MON + dt.timedelta(days=n)


def test_school_days_leave_out_holidays():
    days = school_days([(d(0), d(6))], [(d(2), d(3))])
    assert days == [d(0), d(1), d(4), d(5), d(6)]


def test_slots_come_from_timetable_weekdays_within_the_periods():
    timetable = [TimetableLine(1, 2, d(0)), TimetableLine(3, 1, d(0), room_id=7)]
    slots = lesson_slots(timetable, [(d(0), d(13))], [])
    assert [(s.date, s.number) for s in slots] == [(d(0), 2), (d(2), 1), (d(7), 2), (d(9), 1)]
    assert slots[1].room_id == 7


def test_holidays_and_validity_of_timetable_lines_are_respected():
    timetable = [TimetableLine(1, 1, d(0), valid_to=d(6)), TimetableLine(2, 1, d(7))]
    slots = lesson_slots(timetable, [(d(0), d(20))], [(d(14), d(20))])
    assert [s.date for s in slots] == [d(0), d(8)]


def test_regeneration_creates_only_missing_slots():
    slots = [Slot(d(0), 1), Slot(d(7), 1)]
    plan = plan_calendar(slots, [ExistingLesson(1, d(0), 1, has_content=False)])
    assert plan.create == [Slot(d(7), 1)] and plan.remove == [] and plan.kept == 1


def test_regeneration_is_idempotent():
    slots = [Slot(d(0), 1), Slot(d(7), 1)]
    existing = [ExistingLesson(i, s.date, s.number, False) for i, s in enumerate(slots)]
    plan = plan_calendar(slots, existing)
    assert (plan.create, plan.remove, plan.conflicts) == ([], [], [])


def test_filled_lessons_off_the_timetable_are_conflicts_not_deletions():
    existing = [ExistingLesson(1, d(1), 3, has_content=True), ExistingLesson(2, d(1), 4, has_content=False)]
    plan = plan_calendar([], existing)
    assert plan.conflicts == [1] and plan.remove == [2]


def test_lessons_added_by_hand_are_kept():
    plan = plan_calendar([], [ExistingLesson(5, d(1), 7, has_content=False, is_manual=True)])
    assert plan.remove == [] and plan.kept == 1


def test_a_moved_lesson_keeps_its_timetable_slot():
    # The lesson of d(0) moved to d(1) reports its slot date d(0): no second lesson is made.
    plan = plan_calendar([Slot(d(0), 1)], [ExistingLesson(9, d(0), 1, has_content=True)])
    assert plan.create == [] and plan.conflicts == []
