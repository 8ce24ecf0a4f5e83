"""Flask-AppBuilder's own messages that Parta words differently in Russian.
Listed here so that the extraction keeps them in translations/ru."""
from flask_babel import lazy_gettext as _l

FAB_OVERRIDES = (
    _l("Added Row"),
    _l("Changed Row"),
    _l("Deleted Row"),
    _l("Invalid login. Please try again."),
    _l("Access is Denied"),
    _l("User confirmation needed"),
    _l("Are you sure you want to delete this item?"),
    _l("Confirm"),
)
