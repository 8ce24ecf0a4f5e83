"""«Логины и пароли»: initial passwords for a class's students and parents or for
all staff, printed as slips to hand out (acts 001/002)."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.clock import school_today
from app.extensions import db
from app.models import Employee, Enrolment, Guardian, SchoolClass, SchoolYear, Student, StudentGuardian
from app.security.passwords import issue_logins
from app.security.rights import require_right
from app.views.base import current_school, pdf_response
from reports.credentials import Slip, credential_slips_pdf


class CredentialsView(BaseView):
    route_base = "/credentials"
    default_view = "form"
    base_permissions = ["can_form", "can_issue"]

    @expose("/", methods=["GET"])
    @has_access
    def form(self):
        require_right("users_edit")
        today = school_today()
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.start_date <= today, SchoolYear.end_date >= today))
        classes = db.session.scalars(
            select(SchoolClass).where(SchoolClass.year_id == (year.id if year else None)).order_by(SchoolClass.grade, SchoolClass.letter)
        ).all()
        return self.render_template("parta/credentials.html", classes=classes, title=_l("Logins and passwords"))

    @expose("/", methods=["POST"])
    @has_access
    def issue(self):
        require_right("users_edit")
        sm = self.appbuilder.sm
        school = current_school()
        reissue = request.form.get("reissue") == "y"
        batches = []  # (people, role name, group label)
        if request.form.get("target") == "staff":
            staff = db.session.scalars(select(Employee).where(Employee.leave_date.is_(None)).order_by(Employee.last_name)).all()
            batches.append((staff, "Учитель", lambda person: gettext("Staff")))
        else:
            school_class = db.session.get(SchoolClass, request.form.get("class_id", type=int) or 0)
            if school_class is None:
                flash(gettext("Choose a class."), "danger")
                return redirect(url_for(".form"))
            students = db.session.scalars(
                select(Student).join(Enrolment, Enrolment.student_id == Student.id)
                .where(Enrolment.class_id == school_class.id, Enrolment.end_date.is_(None)).order_by(Student.last_name)
            ).all()
            if request.form.get("students") == "y":
                batches.append((students, "Ученик", lambda person, c=school_class: c.name))
            if request.form.get("parents") == "y":
                guardians = db.session.scalars(
                    select(Guardian).join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
                    .where(StudentGuardian.student_id.in_([s.id for s in students])).distinct().order_by(Guardian.last_name)
                ).all()
                batches.append((guardians, "Родитель", lambda person, c=school_class: gettext("Parents, %(name)s", name=c.name)))
        slips = []
        for people, role, group_of in batches:
            chosen = [p for p in people if reissue or p.user_id is None]
            for issued in issue_logins(db.session, sm, chosen, role, group_of, school.id):
                slips.append(Slip(issued.person.full_name, issued.group, role, issued.user.username, issued.password))
        if not slips:
            flash(gettext("Everyone chosen already has a login; tick «issue new passwords» to replace them."), "warning")
            return redirect(url_for(".form"))
        pdf = credential_slips_pdf(school.full_name, request.host_url, slips)
        return pdf_response(pdf, "logins.pdf")
