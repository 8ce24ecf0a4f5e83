"""Who may create, change and reissue which login (app/rules/accounts.py), on plain data."""
from __future__ import annotations

import pytest

from app.rules.accounts import (
    Issuer, Login, Placement, Reach, Role, administer_problem, change_problem, create_problem, delete_problem,
    link_problem, password_problem,
)

P = lambda *names: frozenset((name, "can") for name in names)  # noqa: E731  a power from page names
EVERYTHING = P("users", "journal", "students", "reports", "diary", "apps", "roles")
ADMIN = Role("Администратор", EVERYTHING, admin=True)
TEACHER = Role("Учитель", P("journal", "students", "diary"))
SECRETARY = Role("Секретарь", P("students", "credentials"))
STUDENT = Role("Ученик", P("diary", "apps"), family=True)
PARENT = Role("Родитель", P("diary", "apps"), family=True)
OPERATOR = Role("Оператор муниципального сегмента", P("students", "users"), municipal=True)
SPECIALIST = Role("Специалист управления образования", P("students", "journal", "reports"), municipal=True)

SCHOOL_A, SCHOOL_B, SCHOOL_C, TOWN, OTHER_TOWN = 1, 2, 3, 10, 20
school_admin = Issuer(1, Reach(school_ids=frozenset({SCHOOL_A})), ADMIN.power, administers_logins=True,
                      issues_family_passwords=True)
system_admin = Issuer(2, Reach(system=True), ADMIN.power, administers_logins=True, issues_family_passwords=True)
operator = Issuer(3, Reach(municipality_id=TOWN, school_ids=frozenset({SCHOOL_A, SCHOOL_B})), OPERATOR.power,
                  administers_logins=True, issues_family_passwords=True)
secretary = Issuer(4, Reach(school_ids=frozenset({SCHOOL_A})), SECRETARY.power, issues_family_passwords=True)
class_teacher = Issuer(5, Reach(school_ids=frozenset({SCHOOL_A})), TEACHER.power, class_students=frozenset({100, 101}))


def login(*roles, school=SCHOOL_A, municipality=None, id=50, staff=False, students=(), username="x"):
    return Login(id, username, Placement(school, municipality), roles=roles, staff=staff, students=frozenset(students))


# --- creating -----------------------------------------------------------------------

def test_a_schools_administrator_creates_logins_of_their_school():
    assert create_problem(school_admin, login(TEACHER)) is None
    assert create_problem(school_admin, login(ADMIN)) is None  # another administrator of the same school


@pytest.mark.parametrize("place", [Placement(SCHOOL_B), Placement(None, TOWN), Placement()])
def test_a_schools_administrator_creates_no_login_outside_their_school(place):
    assert create_problem(school_admin, Login(None, "x", place, roles=(ADMIN,))) is not None


def test_a_login_without_a_school_is_the_system_administrator_and_only_one_creates_another():
    nowhere = Login(None, "root2", Placement(), roles=(ADMIN,))
    assert "system administrator" in create_problem(school_admin, nowhere).msgid
    assert create_problem(operator, nowhere) is not None
    assert create_problem(system_admin, nowhere) is None


def test_a_login_without_a_place_and_without_the_administrator_role_is_refused_even_to_the_system_administrator():
    assert "Choose the school" in create_problem(system_admin, Login(None, "x", Placement(), roles=(TEACHER,))).msgid


def test_a_login_belongs_to_a_school_or_a_municipality_not_both():
    assert "not to both" in create_problem(system_admin, login(TEACHER, municipality=TOWN)).msgid


def test_municipal_roles_go_with_a_municipality_and_school_roles_with_a_school():
    assert "municipality" in create_problem(system_admin, login(SPECIALIST)).msgid
    assert "school" in create_problem(system_admin, login(TEACHER, school=None, municipality=TOWN)).msgid
    assert create_problem(system_admin, login(SPECIALIST, school=None, municipality=TOWN)) is None


def test_the_operator_places_logins_in_their_municipality_only():
    assert create_problem(operator, login(OPERATOR, school=None, municipality=TOWN)) is None
    assert create_problem(operator, login(OPERATOR, school=None, municipality=OTHER_TOWN)) is not None


def test_nobody_grants_a_role_with_rights_they_do_not_hold():
    problem = create_problem(operator, login(SPECIALIST, school=None, municipality=TOWN))
    assert problem is not None and problem.params == {"role": SPECIALIST.name}
    assert create_problem(operator, login(TEACHER, school=SCHOOL_A)) is not None


def test_whoever_issues_family_passwords_creates_family_logins_but_no_other():
    assert create_problem(secretary, login(STUDENT)) is None
    assert create_problem(class_teacher, login(PARENT)) is None
    assert create_problem(secretary, login(TEACHER)) is not None
    assert create_problem(secretary, login(STUDENT, school=SCHOOL_B)) is not None


def test_a_login_needs_a_role():
    assert "role" in create_problem(system_admin, login()).msgid


# --- changing and deleting --------------------------------------------------------------

def test_changing_a_login_needs_its_rights_and_its_place():
    assert administer_problem(school_admin, login(TEACHER)) is None
    assert administer_problem(school_admin, login(TEACHER, school=SCHOOL_B)) is not None
    assert administer_problem(operator, login(TEACHER)) is not None  # a teacher's rights are not the operator's
    assert administer_problem(secretary, login(STUDENT)) is not None  # the secretary has no user pages


def test_a_change_that_moves_a_login_out_of_reach_is_refused():
    assert change_problem(school_admin, login(TEACHER), login(TEACHER, school=SCHOOL_B)) is not None
    assert change_problem(school_admin, login(TEACHER), login(ADMIN)) is None


def test_nobody_deactivates_or_deletes_their_own_login():
    me = login(ADMIN, id=school_admin.id)
    assert change_problem(school_admin, me, Login(me.id, "x", me.placement, roles=(ADMIN,), active=False)) is not None
    assert delete_problem(school_admin, me) is not None
    assert delete_problem(school_admin, login(TEACHER)) is None


# --- passwords --------------------------------------------------------------------------

def test_nobody_sets_the_password_of_a_login_with_equal_or_higher_rights():
    assert password_problem(school_admin, login(ADMIN)) is not None
    assert password_problem(secretary, login(SECRETARY)) is not None
    assert password_problem(secretary, login(ADMIN)) is not None
    assert password_problem(system_admin, login(ADMIN, school=None)) is not None


def test_the_administrator_sets_staff_passwords_in_their_school():
    assert password_problem(school_admin, login(TEACHER, staff=True)) is None
    assert password_problem(school_admin, login(TEACHER, school=SCHOOL_B, staff=True)) is not None


def test_the_secretary_sets_students_and_parents_passwords_only():
    assert password_problem(secretary, login(STUDENT, students=[7])) is None
    assert password_problem(secretary, login(PARENT, students=[7])) is None
    assert "administrator" in password_problem(secretary, login(TEACHER, staff=True)).msgid
    # a parent who works at the school is staff: their password is the administrator's
    assert password_problem(secretary, login(PARENT, staff=True)) is not None
    assert password_problem(secretary, login(STUDENT, school=SCHOOL_B)) is not None


def test_a_class_teacher_sets_the_passwords_of_their_class_only():
    assert password_problem(class_teacher, login(STUDENT, students=[100])) is None
    assert password_problem(class_teacher, login(PARENT, students=[101, 300])) is None  # also a parent elsewhere
    assert "your class" in password_problem(class_teacher, login(STUDENT, students=[300])).msgid
    assert password_problem(class_teacher, login(TEACHER, staff=True)) is not None


def test_own_password_is_changed_on_the_profile_page_not_reissued():
    assert password_problem(school_admin, login(ADMIN, id=school_admin.id)) is not None


# --- linking a card to a login ----------------------------------------------------------

def test_a_card_is_linked_only_to_a_login_one_may_administer():
    assert link_problem(school_admin, login(ADMIN), frozenset()) is None
    assert link_problem(secretary, login(STUDENT), frozenset({7})) is None
    assert link_problem(secretary, login(ADMIN), frozenset({7})) is not None
    assert link_problem(secretary, login(TEACHER), frozenset()) is not None
    assert link_problem(class_teacher, login(PARENT), frozenset({100})) is None
    assert link_problem(class_teacher, login(PARENT), frozenset({300})) is not None
    assert link_problem(school_admin, login(STUDENT, school=SCHOOL_B), frozenset()) is not None
