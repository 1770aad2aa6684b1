"""SQLite as a server's database: WAL, a busy timeout, and the write lock taken by a writing request up front.

SQLite has one writer at a time. A transaction begun the default way (BEGIN, "deferred") that reads and then
writes is refused at once when another writer holds the lock or has committed since it read: SQLite cannot make
it wait without risking a deadlock. So a transaction that may write begins with BEGIN IMMEDIATE, which takes the
write lock with its first statement and, when another writer holds it, waits up to the busy timeout: writers
queue instead of failing. In WAL mode readers neither wait for a writer nor block one, so requests that only
read (GET, HEAD, OPTIONS) begin deferred and never queue. One of those that writes after all (an audit line when
staff open a company page, an API token's last use) and finds the lock taken runs again from the start of its
view, this time taking the lock first. Everything else (the command line, jobs) takes the lock up front.
PostgreSQL needs none of this: nothing here touches its engines.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# An execution option that picks a connection's BEGIN over the rule above (the test suite's outer transaction).
BEGIN_OPTION = "sqlite_begin"

_lock_first: ContextVar[bool] = ContextVar("sqlite_lock_first", default=False)
_view_commits: ContextVar[list[int] | None] = ContextVar("sqlite_view_commits", default=None)


def configure_sqlite(app: Flask, engine: Engine) -> None:
    """Foreign keys, WAL, the busy timeout, and the BEGIN each transaction needs (SAVEPOINT included: SQLAlchemy's
    SQLite docs have the driver leave transactions to us, or savepoints do not roll back)."""
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(float(app.config["SQLITE_BUSY_TIMEOUT"]) * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")  # first: switching to WAL may wait for another process
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; an in-memory database stays "memory"
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(f"BEGIN {begin_mode(connection)}")

    @event.listens_for(engine, "commit")
    def _on_commit(_connection: Connection) -> None:
        commits = _view_commits.get()
        if commits is not None:
            commits.append(1)


def begin_mode(connection: Connection) -> str:
    """DEFERRED for a request that only reads, IMMEDIATE (the write lock up front) for everything else."""
    chosen = connection.get_execution_options().get(BEGIN_OPTION)
    if chosen:
        return str(chosen)
    if not _lock_first.get() and has_request_context() and request.method in READING_METHODS:
        return "DEFERRED"
    return "IMMEDIATE"


def is_lock_timeout(error: BaseException) -> bool:
    """SQLite's "database is locked": the write lock stayed taken longer than the busy timeout, or a reading
    transaction tried to write while another writer had it. The database is there: it is not an outage."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    return isinstance(original, sqlite3.OperationalError) and code is not None and \
        code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def dispatch_retrying_reads(dispatch: Callable[[], Any]) -> Any:
    """Runs a request's view; a reading request whose view wrote and found SQLite's write lock taken runs its view
    once more, taking the lock first. Only when nothing of it was committed: then its first run left no trace."""
    if not (has_request_context() and request.method in READING_METHODS) or _lock_first.get():
        return dispatch()
    from .extensions import db

    commits: list[int] = []
    watching = _view_commits.set(commits)
    try:
        return dispatch()
    except Exception as error:
        if not is_lock_timeout(error) or commits:
            raise
    finally:
        _view_commits.reset(watching)
    db.session.rollback()
    current_app.logger.info("%s %s wrote while another request held the write lock: run again with the lock",
                            request.method, request.endpoint)
    first = _lock_first.set(True)
    try:
        return dispatch()
    finally:
        _lock_first.reset(first)
