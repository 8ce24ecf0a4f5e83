"""PostgreSQL connections that keep their prepared statements from request to request.

psycopg prepares a statement on the server once a connection has run it a few times
(config.engine_options) and then skips PostgreSQL's parsing and planning of it. But psycopg
forgets every prepared statement of a connection when a transaction is rolled back (a rolled
back transaction may have dropped what a plan refers to), and SQLAlchemy rolls back every
transaction it did not commit — every page that only reads. So a connection whose
transaction ran nothing but SELECT statements ends it with COMMIT instead: for a transaction
that changed nothing both end it alike (locks and advisory locks are released either way),
and the statements stay prepared. Any other statement (INSERT, UPDATE, DELETE, SAVEPOINT,
SET, …) or a failed transaction keeps the real ROLLBACK.
"""
from __future__ import annotations

import weakref

from flask import Flask
from sqlalchemy import event

_WROTE: "weakref.WeakSet" = weakref.WeakSet()  # psycopg connections whose transaction did more than read


def install(app: Flask) -> None:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.driver != "psycopg" or getattr(engine.dialect, "_parta_read_only_commit", False):
        return
    from psycopg.pq import TransactionStatus

    idle, in_transaction = TransactionStatus.IDLE, TransactionStatus.INTRANS

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany) -> None:
        connection = cursor.connection
        if connection.info.transaction_status == idle:
            _WROTE.discard(connection)  # this statement begins a new transaction
        if executemany or not statement.lstrip()[:6].upper() == "SELECT":
            _WROTE.add(connection)

    rollback = engine.dialect.do_rollback

    def do_rollback(dbapi_connection) -> None:
        connection = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        if connection in _WROTE or connection.info.transaction_status != in_transaction:
            _WROTE.discard(connection)
            rollback(dbapi_connection)
        else:
            connection.commit()

    engine.dialect.do_rollback = do_rollback
    engine.dialect._parta_read_only_commit = True
