"""The roles' permissions are kept in each process and read again when the rights
change (app/security/grants.py): a grant or a revocation shows in the menu on the next
request, whether made through the application here or by another process (which only
raises the version in the database)."""
from __future__ import annotations

from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from sqlalchemy import delete, insert, select

from app.extensions import db
from app.security import grants
from tests.conftest import login

ROLE = "Учитель"
ITEM = ("menu_access", "Class journal")
LABEL = "Классный журнал"


def _grant_row(app):
    """(permission-view id, role id) of the teacher's menu item."""
    with app.app_context():
        sm = app.appbuilder.sm
        pv = sm.find_permission_view_menu(*ITEM)
        role = sm.find_role(ROLE)
        return pv.id, role.id


def _menu(client) -> str:
    html = client.get("/").get_data(as_text=True)
    start = html.index('id="parta-navbar"')
    return html[start:html.index("navbar-right", start)]


def test_a_revoked_menu_item_disappears_on_the_next_request_and_returns_when_granted_again(app, client):
    login(client, "teacher")
    assert LABEL in _menu(client)
    with app.app_context():
        sm = app.appbuilder.sm
        pv, role = sm.find_permission_view_menu(*ITEM), sm.find_role(ROLE)
        sm.del_permission_role(role, pv)  # commits: the version rises
    try:
        assert LABEL not in _menu(client)
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            sm.add_permission_role(sm.find_role(ROLE), sm.find_permission_view_menu(*ITEM))
    assert LABEL in _menu(client)


def test_a_change_made_by_another_process_shows_on_the_next_request(app, client):
    """Another process: the grant is written and the version raised on a connection of
    its own, with nothing of this process told."""
    login(client, "teacher")
    assert LABEL in _menu(client)
    pv_id, role_id = _grant_row(app)
    table = assoc_permissionview_role
    with app.app_context():
        engine = db.engine
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.permission_view_id == pv_id, table.c.role_id == role_id))
    with engine.begin() as connection:
        grants.bump(connection)
    try:
        assert LABEL not in _menu(client)
    finally:
        with engine.begin() as connection:
            if connection.execute(select(table.c.id).where(table.c.permission_view_id == pv_id,
                                                           table.c.role_id == role_id)).first() is None:
                connection.execute(insert(table).values(permission_view_id=pv_id, role_id=role_id))
        with engine.begin() as connection:
            grants.bump(connection)
    assert LABEL in _menu(client)


def test_a_change_of_the_rights_matrix_reaches_the_named_rights_on_the_next_request(app, client):
    """A named right (app/security/rights.py) revoked from a role stops opening its page at once."""
    login(client, "director")
    assert client.get("/visits/").status_code in (200, 302)
    with app.app_context():
        sm = app.appbuilder.sm
        pv, role = sm.find_permission_view_menu("visits_view", "Rights"), sm.find_role("Директор")
        sm.del_permission_role(role, pv)
    try:
        assert client.get("/visits/").status_code == 403
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            sm.add_permission_role(sm.find_role("Директор"), sm.find_permission_view_menu("visits_view", "Rights"))
