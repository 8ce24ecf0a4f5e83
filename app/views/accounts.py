"""«Журнал действий с учётными записями»: logins created, changed and deleted, roles
granted, passwords reissued, cards linked to logins — who did it, to whose login,
when and from where (app/security/accounts.py writes it). Read-only; a school's
administration sees its school's rows."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import AccountAudit
from app.security.accounts import action_title
from app.views.base import PartaInterface, PartaModelView


class AccountAuditView(PartaModelView):
    datamodel = PartaInterface(AccountAudit)
    list_title = _l("Account actions log")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["at", "actor_username", "action", "target_username", "details", "address"]
    search_columns = ["at", "actor_username", "target_username", "action"]
    show_columns = list_columns
    base_order = ("at", "desc")
    label_columns = {
        "actor_username": _l("Who"),
        "actor": _l("Who"),
        "target_username": _l("Whose login"),
        "target": _l("Whose login"),
        "action": _l("Action"),
        "details": _l("Details"),
    }
    formatters_columns = {"action": action_title}
