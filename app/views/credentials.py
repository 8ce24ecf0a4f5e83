"""«Логины и пароли»: logins and initial passwords for a class's students and parents
or for the staff, printed as slips to hand out (acts 001/002: the technical
administrator issues staff passwords, the secretary and class teachers those of the
families).

Three steps, so that nobody's password changes by surprise: choose whom → a preview
that lists exactly whose logins are created and whose passwords change, and whom the
rules skip and why (app/rules/accounts.py) → the issuer confirms with their own
password, and the slips are printed. Each change is recorded in the account audit.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import List, Optional

from flask import flash, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import check_password_hash

from app.clock import school_today
from app.extensions import db
from app.models import Employee, Enrolment, Guardian, School, SchoolClass, SchoolYear, Student, StudentGuardian
from app.rules.errors import RuleViolation
from app.security import accounts, passwords
from app.views.base import message_of, parse_int, pdf_response
from reports.credentials import Slip, credential_slips_pdf

NONCE = "parta_credentials_preview"


@dataclass
class Choice:
    """Whom the issuer chose on the form (carried through the preview to the confirmation)."""

    target: str = "class"  # "class" or "staff"
    class_id: Optional[int] = None
    school_id: Optional[int] = None  # whose staff
    students: bool = False
    parents: bool = False
    reissue: bool = False

    @classmethod
    def from_form(cls, form) -> "Choice":
        return cls(target="staff" if form.get("target") == "staff" else "class",
                   class_id=_id(form.get("class_id")), school_id=_id(form.get("school_id")),
                   students=form.get("students") == "y", parents=form.get("parents") == "y",
                   reissue=form.get("reissue") == "y")


def _id(value) -> Optional[int]:
    number = parse_int(value)
    return number if number is not None and 0 < number < 2**31 else None


def _current_classes(issuer) -> List[SchoolClass]:
    """The classes of this school year whose families the issuer may issue to: every
    class for those with the right «users_edit», else the classes they lead."""
    today = school_today()
    query = (select(SchoolClass).join(SchoolYear, SchoolYear.id == SchoolClass.year_id)
             .where(SchoolYear.start_date <= today, SchoolYear.end_date >= today)
             .order_by(SchoolClass.school_id, SchoolClass.grade, SchoolClass.letter))
    if not issuer.issues_family_passwords:
        user = accounts.acting_user()
        query = query.join(Employee, Employee.id == SchoolClass.class_teacher_id).where(Employee.user_id == user.id)
    return list(db.session.scalars(query))


def _staff_schools(issuer) -> List[School]:
    """The schools whose staff the issuer may issue to (the administrator's)."""
    if not issuer.administers_logins:
        return []
    return list(db.session.scalars(select(School).order_by(School.short_name)))


class CredentialsView(BaseView):
    route_base = "/credentials"
    default_view = "form"
    base_permissions = ["can_form", "can_issue"]
    method_permission_name = {"form": "form", "preview": "issue", "apply": "issue"}

    def _issuer(self):
        return accounts.issuer(db.session, accounts.acting_user())

    @expose("/", methods=["GET"])
    @has_access
    def form(self):
        issuer = self._issuer()
        classes = _current_classes(issuer)
        schools = _staff_schools(issuer)
        several = len({c.school_id for c in classes} | {s.id for s in schools}) > 1
        return self.render_template("parta/credentials.html", classes=classes, schools=schools, several_schools=several,
                                    issuer=issuer, title=_l("Logins and passwords"))

    def _candidates(self, issuer, choice: Choice) -> Optional[List[passwords.Candidate]]:
        """The people of the choice; None (with a message) when the choice is not the issuer's to make."""
        if choice.target == "staff":
            school = next((s for s in _staff_schools(issuer) if s.id == choice.school_id or choice.school_id is None), None)
            if school is None:
                flash(gettext("Passwords of staff are reissued only by the administrator."), "danger")
                return None
            staff = db.session.scalars(select(Employee).where(
                Employee.school_id == school.id, or_(Employee.leave_date.is_(None), Employee.leave_date >= school_today()))
                .order_by(Employee.last_name, Employee.first_name)).all()
            return [passwords.Candidate(person, gettext("Staff"), "Учитель") for person in staff]
        school_class = next((c for c in _current_classes(issuer) if c.id == choice.class_id), None)
        if school_class is None:
            flash(gettext("Choose a class."), "danger")
            return None
        if not (choice.students or choice.parents):
            flash(gettext("Tick students, parents or both."), "danger")
            return None
        today = school_today()
        students = db.session.scalars(
            select(Student).join(Enrolment, Enrolment.student_id == Student.id)
            .where(Enrolment.class_id == school_class.id, or_(Enrolment.end_date.is_(None), Enrolment.end_date >= today))
            .distinct().order_by(Student.last_name, Student.first_name)).all()
        candidates = []
        if choice.students:
            candidates += [passwords.Candidate(s, school_class.name, "Ученик") for s in students]
        if choice.parents and students:
            guardians = db.session.scalars(
                select(Guardian).join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
                .where(StudentGuardian.student_id.in_([s.id for s in students])).distinct()
                .order_by(Guardian.last_name, Guardian.first_name)).all()
            group = gettext("Parents, %(name)s", name=school_class.name)
            candidates += [passwords.Candidate(g, group, "Родитель") for g in guardians]
        return candidates

    def _preview(self, choice: Choice, entries, status: int = 200):
        nonce = secrets.token_urlsafe(16)
        session[NONCE] = nonce
        return self.render_template(
            "parta/credentials_preview.html", choice=choice, nonce=nonce, title=_l("Logins and passwords"),
            created=[e for e in entries if e.action == "create"], reissued=[e for e in entries if e.action == "reissue"],
            skipped=[e for e in entries if e.action == "skip"]), status

    @expose("/preview", methods=["POST"])
    @has_access
    def preview(self):
        issuer = self._issuer()
        choice = Choice.from_form(request.form)
        candidates = self._candidates(issuer, choice)
        if candidates is None:
            return redirect(url_for(".form"))
        entries = passwords.plan(db.session, self.appbuilder.sm, issuer, candidates, choice.reissue)
        return self._preview(choice, entries)

    @expose("/apply", methods=["POST"])
    @has_access
    def apply(self):
        sm = self.appbuilder.sm
        user = accounts.acting_user()
        issuer = self._issuer()
        choice = Choice.from_form(request.form)
        nonce = session.get(NONCE)
        if not nonce or not secrets.compare_digest(nonce, request.form.get("nonce", "")):
            flash(gettext("This list has already been used or is out of date: choose again."), "warning")
            return redirect(url_for(".form"))
        candidates = self._candidates(issuer, choice)
        if candidates is None:
            return redirect(url_for(".form"))
        entries = passwords.plan(db.session, sm, issuer, candidates, choice.reissue)
        if sm.login_locked_until(user.username) is not None or \
                not check_password_hash(user.password or "", request.form.get("password") or ""):
            sm.record_failed_login(user.username)
            flash(gettext("Your password is wrong: no password was changed."), "danger")
            return self._preview(choice, entries)
        shown = set(request.form.getlist("key"))
        chosen = [e for e in entries if e.action != "skip" and e.key in shown]
        if not chosen:
            flash(gettext("Nobody's password is to be changed."), "warning")
            return redirect(url_for(".form"))
        session.pop(NONCE, None)
        try:
            issued = passwords.apply(db.session, sm, chosen)
        except (RuleViolation, SQLAlchemyError) as error:
            flash(message_of(error), "danger")
            return redirect(url_for(".form"))
        slips = [Slip(i.person.full_name, i.group, i.role, i.user.username, i.password) for i in issued]
        flash(ngettext("%(num)d password issued; the slips are in the downloaded PDF.",
                       "%(num)d passwords issued; the slips are in the downloaded PDF.", len(slips)), "success")
        school = db.session.get(School, issued[0].person.school_id)
        return pdf_response(credential_slips_pdf(school.full_name if school else "", request.host_url, slips), "logins.pdf")
