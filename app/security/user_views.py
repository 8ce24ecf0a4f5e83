"""FAB's user administration pages as Parta registers them: the users, the roles,
FAB's groups and the «reset password» form.

Who may do what is app/rules/accounts.py's, applied by app/security/accounts.py on
every flush; these pages ask the same rules first so that the user reads the rule's
Russian message, and offer only what the user may choose:

- a school's administrator creates and edits the logins of their school: the school
  and municipality fields are not offered (the login joins the administrator's school);
- the municipal operator places logins in their municipality or its schools, the
  system administrator anywhere;
- the roles offered are those whose permissions the user holds;
- roles and FAB's groups are the same for every school: only the system administrator
  changes them, the others read them.
"""
from __future__ import annotations

from typing import List

from flask import abort, current_app, flash, has_request_context, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.views import ResetPasswordView, RoleModelView, UserDBModelView, UserGroupModelView
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.validators import PasswordComplexityValidator
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app.extensions import db
from app.models import Municipality, PartaUser, School
from app.rules import accounts as rules
from app.rules.errors import RuleViolation
from app.security import accounts


def _issuer() -> rules.Issuer:
    return accounts.issuer(db.session, accounts.acting_user())


def _own_school() -> str:
    """The name of the acting user's school, for a school's user; empty otherwise."""
    user = accounts.acting_user()
    if user is None or user.school_id is None:
        return ""
    school = db.session.get(School, user.school_id)
    return school.short_name if school is not None else ""


def _school_bound() -> bool:
    """A school's user: their logins join their school, which is not theirs to choose."""
    user = accounts.acting_user()
    return user is not None and user.school_id is not None


def grantable_role_ids() -> List[int]:
    """The roles the user may give in the user pages: those whose permissions they hold
    and that fit a place they reach (a school's user: no municipal roles)."""
    me = _issuer()
    ids = []
    for role in current_app.appbuilder.sm.get_all_roles():
        info = accounts.role_info(role)
        if rules.grant_problem(me, [info]) is not None:
            continue
        if info.municipal and me.reach.municipality_id is None and not me.reach.system:
            continue
        ids.append(role.id)
    return ids or [-1]


def schools_in_reach() -> List[int]:
    reach = _issuer().reach
    if reach.system:
        return list(db.session.scalars(select(School.id), execution_options={"parta_unscoped": True}))
    return sorted(reach.school_ids) or [-1]


def municipalities_in_reach() -> List[int]:
    reach = _issuer().reach
    if reach.system:
        return list(db.session.scalars(select(Municipality.id)))
    return [reach.municipality_id] if reach.municipality_id is not None else [-1]


class AtLeastOneRole:
    """A login without a role can do nothing; FAB's own check looks for groups Parta does not use."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        if not field.data:
            raise ValidationError(gettext("Choose at least one role."))


PLACE_FIELDS = ["school", "municipality"]


class AccountInterface(SQLAInterface):
    """FAB's data interface for logins: the roles are loaded with the login (so that the
    form's new roles replace them without a flush of half the form), and a refusal of
    the flush check reaches the user as the rule's Russian message."""

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        item = super().get(id, filters, select_columns=select_columns, outer_default_load=outer_default_load)
        if item is not None:
            list(item.roles)
        return item

    def _write(self, operation, item) -> None:
        try:
            operation(item)
        except RuleViolation as problem:
            self.session.rollback()
            raise accounts.AccountRefused(accounts.refusal_text(problem)) from problem

    def add(self, item, commit: bool = True) -> None:
        self._write(lambda i: SQLAInterface.add(self, i, commit), item)

    def edit(self, item, commit: bool = True) -> None:
        self._write(lambda i: SQLAInterface.edit(self, i, commit), item)

    def delete(self, item, commit: bool = True) -> None:
        self._write(lambda i: SQLAInterface.delete(self, i, commit), item)


class PartaUserDBModelView(UserDBModelView):
    """«Безопасность → Пользователи»: the logins the user reaches (the central scoping
    shows their school's, or their municipality's); each write is checked by the rules."""

    list_columns = ["first_name", "last_name", "username", "email", "school", "active", "roles"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "login_count", "school", "municipality"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"], "expanded": False}),
    ]
    add_columns = ["first_name", "last_name", "username", "active", "email", "roles", "school", "municipality",
                   "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "school", "municipality"]
    search_columns = ["first_name", "last_name", "username", "email", "active", "roles"]
    page_size = 25
    label_columns = {**UserDBModelView.label_columns, "email": _l("E-mail"), "school": _l("School"),
                     "municipality": _l("Municipality")}
    description_columns = {
        "username": _l("The name the user types to log in."),
        "active": _l("A login that is not active cannot log in: deactivate a login rather than delete it."),
        "email": _l("Unique for each login."),
        "school": _l("The school the login works in; a municipal login has a municipality instead."),
        "municipality": _l("Only for logins of the education department or the municipal operator."),
        "roles": _l("Only the roles whose rights you hold are offered."),
    }
    validators_columns = {"roles": [AtLeastOneRole()]}
    add_form_extra_fields = {
        "password": PasswordField(_l("Password"), validators=[DataRequired(), PasswordComplexityValidator()],
                                  description=_l("At least 8 characters, letters and digits; hand it to the user in person."),
                                  widget=BS3PasswordFieldWidget()),
        "conf_password": PasswordField(_l("Confirm the password"), widget=BS3PasswordFieldWidget(),
                                       validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))]),
    }

    @property
    def add_title(self):
        """A school's administrator reads where the new login goes."""
        school = _own_school()
        return _l("Add a login to %(school)s", school=school) if school else _l("Add a login")

    @property
    def edit_title(self):
        school = _own_school()
        return _l("Edit a login of %(school)s", school=school) if school else _l("Edit a login")

    def __init__(self, **kwargs):
        # the security manager sets FAB's plain interface on the class before the view is made
        self.datamodel = AccountInterface(self.datamodel.obj, getattr(self.datamodel, "_session", None))
        super().__init__(**kwargs)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "roles": [["id", FilterInFunction, grantable_role_ids]],
        "school": [["id", FilterInFunction, schools_in_reach]],
        "municipality": [["id", FilterInFunction, municipalities_in_reach]],
    }

    # A school's user does not choose the place: the fields are neither shown nor read.
    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        return super()._get_add_widget(form, exclude_cols=self._hidden(exclude_cols), widgets=widgets)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        return super()._get_edit_widget(form, exclude_cols=self._hidden(exclude_cols), widgets=widgets)

    @staticmethod
    def _hidden(exclude_cols) -> list:
        return list(exclude_cols or []) + (PLACE_FIELDS if _school_bound() else [])

    def process_form(self, form, is_created):
        if _school_bound():
            for name in PLACE_FIELDS:
                if name in form:
                    del form[name]

    def _refuse(self, problem: RuleViolation):
        db.session.rollback()  # FAB has already copied the form into the login
        raise accounts.AccountRefused(accounts.refusal_text(problem))

    def _check(self, item) -> None:
        with db.session.no_autoflush:
            try:
                accounts.check_login(db.session, accounts.acting_user(), item)
            except RuleViolation as problem:
                self._refuse(problem)

    def pre_add(self, item) -> None:
        super().pre_add(item)  # hashes the password
        user = accounts.acting_user()
        if _school_bound():  # the place is not on the form: the administrator's school
            item.school_id, item.municipality_id = user.school_id, None
        self._check(item)

    def pre_update(self, item) -> None:
        super().pre_update(item)
        self._check(item)

    def pre_delete(self, item) -> None:
        with db.session.no_autoflush:
            try:
                accounts.check_delete(db.session, accounts.acting_user(), item)
            except RuleViolation as problem:
                raise accounts.AccountRefused(accounts.refusal_text(problem)) from problem

    @action("resetpasswords", _l("Reset Password"), "", "fa-lock", multiple=False)
    def resetpasswords(self, item):
        if item is None:  # a login the user does not see
            abort(404)
        return redirect(url_for(f"{self.appbuilder.sm.resetpasswordview.__name__}.this_form_get", pk=item.id))


class PartaResetPasswordView(ResetPasswordView):
    """FAB's «reset password» of another login: only a login the user may set the password
    of (app/rules/accounts.py rule 5); the change is recorded in the account audit."""

    def _target(self):
        try:
            pk = int(request.args.get("pk", ""))
        except ValueError:
            abort(404)
        user = db.session.get(PartaUser, pk) if -2**31 <= pk < 2**31 else None
        if user is None:
            abort(404)
        with db.session.no_autoflush:
            problem = rules.password_problem(_issuer(), accounts.login_now(db.session, user))
        if problem:
            flash(accounts.refusal_text(problem), "danger")
            return user, redirect(url_for("PartaUserDBModelView.show", pk=user.id))
        return user, None

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        _, refused = self._target()
        return refused or super().this_form_get()

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        _, refused = self._target()
        return refused or super().this_form_post()

    def form_post(self, form) -> None:
        user, _ = self._target()
        db.session.info["parta_password_action"] = "password_set"
        try:
            self.appbuilder.sm.reset_password(user.id, form.password.data)
        except RuleViolation as problem:
            db.session.rollback()
            flash(accounts.refusal_text(problem), "danger")
            return
        finally:
            db.session.info.pop("parta_password_action", None)
        flash(gettext("The password of %(login)s is changed.", login=user.username), "info")


class SystemAdministratorWrites:
    """Roles (and FAB's groups) are one table for every school of the installation:
    a school's or a municipality's user reads them, only the system administrator
    changes them (app/security/accounts.py refuses any other write at the flush).

    The view's permissions are narrowed for the request — FAB's decorators and its
    templates' buttons both read `base_permissions` — so the others see no «add»,
    «edit» or «delete» and are refused (403) at those addresses."""

    READ_ONLY = ("can_list", "can_show")

    @property
    def base_permissions(self):
        permissions = self.__dict__.get("_parta_base_permissions")
        if permissions is None or not has_request_context():
            return permissions
        user = accounts.acting_user()
        if user is None or accounts.may_define_roles(user):
            return permissions
        return [p for p in permissions if p in self.READ_ONLY]

    @base_permissions.setter
    def base_permissions(self, value):
        self.__dict__["_parta_base_permissions"] = value


class PartaRoleModelView(SystemAdministratorWrites, RoleModelView):
    # FAB 5 searches roles by their groups and users too, under English names it does not label.
    label_columns = {**RoleModelView.label_columns, "groups": _l("Groups"), "user": _l("Users")}
    # The list names the roles; their hundreds of permission codes («can list on StudentView»)
    # are read on a role's page and, in Russian, in «Права ролей».
    list_columns = ["name"]

    @action("copyrole", _l("Copy Role"), _l("Copy the selected roles?"), icon="fa-copy", single=False)
    def copy_role(self, items):
        if not accounts.may_define_roles(accounts.acting_user()):
            abort(403)
        return super().copy_role(items)


class PartaGroupModelView(SystemAdministratorWrites, UserGroupModelView):
    pass
