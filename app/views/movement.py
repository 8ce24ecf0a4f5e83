"""Movement orders: the secretary's documents on enrolment, withdrawal and transfer."""
from flask_babel import lazy_gettext as _l

from app.models import MovementOrder, MovementOrderItem
from app.views.base import PartaInterface, PartaModelView


class MovementOrderItemView(PartaModelView):
    datamodel = PartaInterface(MovementOrderItem)
    list_title = _l("Students of orders")
    list_columns = ["order", "student", "from_class", "to_class"]
    label_columns = {"order": _l("Order document")}
    search_columns = ["order", "student"]
    add_columns = edit_columns = show_columns = ["order", "student", "from_class", "to_class"]


class MovementOrderView(PartaModelView):
    datamodel = PartaInterface(MovementOrder)
    list_title = _l("Movement orders")
    list_columns = ["number", "date", "kind", "reason", "is_cancelled"]
    search_columns = ["number", "date", "kind", "year", "is_cancelled"]
    add_columns = edit_columns = show_columns = [
        "year", "number", "date", "kind", "reason", "destination", "is_cancelled", "cancelled_reason",
    ]
    base_order = ("date", "desc")
    related_views = [MovementOrderItemView]
