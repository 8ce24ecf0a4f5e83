"""The generated CRUD lists read a fixed number of SQL statements, whatever the number of rows
they show: the related rows a list names are loaded with the page, not one by one."""
from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import PartaUser
from app.views import MENU
from app.views.base import PartaModelView
from tests.conftest import is_session_touch
from tests.views.test_crud import endpoint

LISTS = [view for view, *_ in MENU if issubclass(view, PartaModelView)]


def statements_of(app, client, url: str) -> int:
    return len(statements_run(app, client, url))


def statements_run(app, client, url: str) -> list:
    """The SQL statements of one request (the sign-in's once-a-minute write aside)."""
    with app.app_context():
        engine = db.engine
    statements, lazy = [], []

    def listener(*args):
        if not is_session_touch(args[2]):
            statements.append(args[2])

    def lazy_load(state):
        if state.lazy_loaded_from is not None and not isinstance(state.lazy_loaded_from.obj(), PartaUser):
            lazy.append(state.statement)  # a row's relation read on its own (a login's roles aside)

    event.listen(engine, "before_cursor_execute", listener)
    event.listen(Session, "do_orm_execute", lazy_load)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        event.remove(Session, "do_orm_execute", lazy_load)
    assert response.status_code == 200, url
    assert not lazy, f"{url}: related rows read one by one: {lazy[0]}"
    return statements


@pytest.mark.parametrize("view", [pytest.param(v, id=v.__name__) for v in LISTS])
def test_a_list_reads_as_many_statements_for_5_rows_as_for_50_and_no_related_row_one_by_one(app, admin_client, view):
    url = endpoint(view) + "/list/?psize_" + view.__name__ + "={}"
    admin_client.get(url.format(5))  # the first request of a login loads more
    # each size asked twice, the fewer counted: a statement now and then that is no page's own
    # (in a loaded full run a list counted one more on its first request, 8 instead of 7, once)
    # would not grow with the rows, which the second asking shows
    small, large = (min((statements_run(app, admin_client, url.format(size)) for _ in range(2)), key=len)
                    for size in (5, 50))
    assert len(small) == len(large) <= 12, (len(small), len(large), [s[:120] for s in small], [s[:120] for s in large])


def test_a_lists_page_size_and_offset_are_numbers_in_its_statement_not_parameters(app, admin_client):
    """PostgreSQL plans a prepared statement once for any parameters: with its LIMIT a parameter,
    the plan of a page of 25 marks joined the list's tables whole (7 ms instead of 0.1 ms)."""
    import re

    with app.app_context():
        engine = db.engine
    statements = []

    def listener(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert admin_client.get("/markview/list/?psize_MarkView=25&page_MarkView=2").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    paged = [s for s in statements if re.search(r"\bLIMIT\b", s) and "FROM mark" in s and "count(*)" not in s]
    assert paged, statements
    assert all(re.search(r"\bLIMIT 25 OFFSET 50\b", s) for s in paged), paged[0][-200:]


def _comparable(html: str) -> str:
    """A page without what differs between two requests (the CSP nonce, the CSRF token, a search
    form's default of now) and with its whitespace collapsed."""
    import re

    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    html = re.sub(r'(csrf_token"[^>]*value=")[^"]+', r"\1", html)
    html = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+", "NOW", html)
    return re.sub(r"\s+", " ", html)


@pytest.mark.parametrize("username", ["admin", "teacher"])
def test_every_lists_row_buttons_are_fabs_own_made_once_per_page(app, client, username):
    """The lists render each row's show/edit/delete buttons from one rendering per page
    (parta/widgets/list.html): every list a login may open reads exactly as with FAB's widget,
    which renders them row by row."""
    from flask_appbuilder.widgets import ListWidget

    from tests.conftest import login

    user = login(client, username)
    opened = 0
    for view in LISTS:
        url = endpoint(view) + "/list/"
        ours = user.get(url)
        if ours.status_code != 200:
            continue
        instance = next(v for v in app.appbuilder.baseviews if type(v) is view)
        instance.list_widget = ListWidget
        try:
            fabs = user.get(url)
        finally:
            del instance.list_widget
        assert _comparable(ours.get_data(as_text=True)) == _comparable(fabs.get_data(as_text=True)), view.__name__
        opened += 1
    assert opened >= (40 if username == "admin" else 10)


def test_a_long_list_counts_its_rows_only_up_to_the_limit_and_says_more_than(app, admin_client, monkeypatch):
    """PostgreSQL counts a school's 56 000 marks by reading them all (8 ms of each opening of
    the list): a list counts up to LIST_COUNT_LIMIT and then says «более …», while a list
    within the limit (a filtered one) keeps its exact count and its pages."""
    import re

    from sqlalchemy import func, select

    from app.models import Mark
    from app.views import base

    with app.app_context():  # the limit: the marks of the student with the fewest (any date of the suite)
        student, fewest = db.session.execute(select(Mark.student_id, func.count()).group_by(Mark.student_id)
                                             .order_by(func.count(), Mark.student_id).limit(1)).one()
        assert db.session.scalar(select(func.count()).select_from(Mark)) > fewest
        db.session.remove()
    monkeypatch.setattr(base, "LIST_COUNT_LIMIT", fewest)
    statements = statements_run(app, admin_client, "/markview/list/")
    page = admin_client.get(f"/markview/list/?psize_MarkView={fewest}").get_data(as_text=True)
    assert re.search(rf"Количество записей:</strong>\s*более {fewest}\s*<", page), \
        page[page.find("Количество"):][:200]
    assert "page_MarkView=1" in page and "page_MarkView=2" not in page  # limit + 1 rows counted: 2 pages
    counts = [s for s in statements if "count(*)" in s]
    assert counts and all(re.search(rf"\bLIMIT {fewest + 1}\b", s) for s in counts), counts
    page = admin_client.get(f"/markview/list/?_flt_0_student={student}").get_data(as_text=True)
    assert re.search(rf"Количество записей:</strong>\s*{fewest}\s*<", page)
