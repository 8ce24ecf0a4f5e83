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

# Flask-AppBuilder's words its own Russian catalogue lacks or misspells («Отобажения/меню»):
# the security menu, the groups of FAB 5, the search filters, the user's own page.
FAB_MISSING = (
    _l("Views/Menus"),
    _l("Permission on Views/Menus"),
    _l("List Permissions on Views/Menus"),
    _l("Show Permission on Views/Menus"),
    _l("Add Permission on Views/Menus"),
    _l("Edit Permission on Views/Menus"),
    _l("Groups"),
    _l("List Groups"),
    _l("Show Group"),
    _l("Add Group"),
    _l("Edit Group"),
    _l("Either select a role or a group"),
    _l("User(s) exists in the group, cannot delete"),
    _l("User(s) exists in the role, cannot delete"),
    _l("Select Value"),
    _l("Contains (insensitive)"),
    _l("In"),
    _l("Not In"),
    _l("Order by"),
    _l("Detail"),
    _l("Database Error"),
    _l("Edit User Information"),
    _l("User information changed"),
    _l("The user's password for authentication"),
    _l("Sign in using:"),
    _l("Must have at least two capital letters, one special character, two digits, three lower case letters and a minimal length of 10."),
)
