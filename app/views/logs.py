"""Read-only logs: journal changes and visits."""
from flask_babel import lazy_gettext as _l

from app.models import AuditLog, VisitLog
from app.views.base import PartaInterface, PartaModelView


class AuditLogView(PartaModelView):
    datamodel = PartaInterface(AuditLog)
    list_title = _l("Change log")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["at", "user", "entity", "row_id", "field", "old_value", "new_value", "address"]
    search_columns = ["at", "user", "entity", "field"]
    show_columns = list_columns
    base_order = ("at", "desc")


class VisitLogView(PartaModelView):
    datamodel = PartaInterface(VisitLog)
    list_title = _l("Visit log")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["at", "username", "user", "event", "address", "user_agent"]
    search_columns = ["at", "username", "user", "event", "address"]
    show_columns = list_columns
    base_order = ("at", "desc")
