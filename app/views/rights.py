"""The role × right matrix: the administrator (or coordinator) grants the named
rights of app/security/rights.py to roles, on screen, and prints the matrix."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app.extensions import db
from app.security.accounts import may_define_roles
from app.security.rights import RIGHTS, RIGHTS_VIEW, require_right
from app.views.base import current_school, pdf_response
from reports.rights import role_matrix_pdf

HIDDEN_ROLES = {"Public"}


def _roles(sm):
    return [role for role in sm.get_all_roles() if role.name not in HIDDEN_ROLES]


def _granted(roles) -> set:
    return {(role.name, pv.permission.name) for role in roles for pv in role.permissions
            if pv.view_menu.name == RIGHTS_VIEW}


class RoleMatrixView(BaseView):
    route_base = "/rolematrix"
    default_view = "matrix"
    base_permissions = ["can_matrix", "can_save", "can_pdf"]

    @expose("/", methods=["GET"])
    @has_access
    def matrix(self):
        roles = _roles(self.appbuilder.sm)
        return self.render_template("parta/role_matrix.html", roles=roles, rights=RIGHTS, granted=_granted(roles),
                                    editable=may_define_roles(self.appbuilder.sm.current_user), title=_l("Rights of roles"))

    @expose("/", methods=["POST"])
    @has_access
    def save(self):
        require_right("roles_define")
        sm = self.appbuilder.sm
        if not may_define_roles(sm.current_user):
            # Roles are one table for every school of the installation (app/security/accounts.py).
            flash(gettext("Roles are the same for every school: only the system administrator changes them."), "danger")
            return redirect(url_for(".matrix"))
        wanted = set(request.form.getlist("grant"))
        for role in _roles(sm):
            for code in RIGHTS:
                pv = sm.find_permission_view_menu(code, RIGHTS_VIEW)
                should = f"{role.id}:{code}" in wanted
                if should and pv not in role.permissions:
                    role.permissions.append(pv)
                elif not should and pv in role.permissions:
                    role.permissions.remove(pv)
        db.session.commit()
        flash(gettext("The rights of roles are saved."), "success")
        return redirect(url_for(".matrix"))

    @expose("/pdf", methods=["GET"])
    @has_access
    def pdf(self):
        roles = _roles(self.appbuilder.sm)
        school = current_school()
        body = role_matrix_pdf(school.full_name if school else "", [r.name for r in roles],
                               [(code, str(title)) for code, title in RIGHTS.items()], _granted(roles))
        return pdf_response(body, "rights-of-roles.pdf")
