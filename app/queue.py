"""The task queue: Huey, with its storage named by PARTA_QUEUE_URL.

- `sqlite:///PATH` (the default: instance/queue.sqlite3): one server, nothing to install;
- `redis://HOST:PORT/DB`: several servers share one queue (a municipality's);
- `memory://`: one process only (tests that run a consumer in the test's own process).

The web process only enqueues; `flask --app run worker` (app/cli.py) consumes, runs the
periodic tasks and starts again the jobs a dead worker left (app/jobs.py). What a task does
is registered by app/jobs.py on the instance made here.
"""
from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

EXTENSION = "parta_queue"


def default_url(app: Flask) -> str:
    return f"sqlite:///{app.instance_path}/queue.sqlite3"


def make(url: str, name: str) -> Huey:
    """A Huey instance on the storage the URL names; results are not kept (a job's row says
    how it went)."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = url[len("sqlite:///"):]
        if not path:
            raise ValueError("PARTA_QUEUE_URL: sqlite:/// needs a file name")
        return SqliteHuey(name, filename=path, results=False, utc=True)
    if scheme in ("redis", "rediss", "unix"):
        return RedisHuey(name, url=url, results=False, utc=True)
    if scheme == "memory":
        return MemoryHuey(name, results=False, utc=True)
    raise ValueError(f"PARTA_QUEUE_URL: unknown storage {scheme!r} (sqlite:///…, redis://…, memory://)")


def init_app(app: Flask, register) -> None:
    """Makes the app's queue on first use; `register(huey, app)` adds the tasks to it."""
    app.extensions[EXTENSION] = {"huey": None, "register": register, "tasks": {}}


def huey(app: Optional[Flask] = None) -> Huey:
    """The app's queue, made and given its tasks on first use."""
    app = app or current_app._get_current_object()
    state = app.extensions[EXTENSION]
    if state["huey"] is None:
        url = app.config.get("PARTA_QUEUE_URL") or default_url(app)
        made = make(url, app.config.get("PARTA_QUEUE_NAME") or "parta")
        state["tasks"] = state["register"](made, app)
        state["huey"] = made
    return state["huey"]


def task(name: str, app: Optional[Flask] = None):
    """A registered task of the app's queue, to call (enqueue) or schedule."""
    app = app or current_app._get_current_object()
    huey(app)
    return app.extensions[EXTENSION]["tasks"][name]


def forget(app: Flask) -> None:
    """The next use makes the queue again from the app's settings (a test switching storages)."""
    state = app.extensions[EXTENSION]
    state["huey"], state["tasks"] = None, {}
