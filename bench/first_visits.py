"""Benchmark: the first visit of each everyday page after a start, against its warm time.

A user who comes right after a restart (a deployment, the nightly restart, a worker
gunicorn replaced) must not wait much longer than everybody after them: the first visit
of a page after a start should take at most twice its warm time. For each page a fresh
gunicorn (one sync worker, its warm-up at start on, as in production) is started; once the
worker's warm-up has ended (its CPU time has stood still for a second) the page's user signs
in and opens the page once (`first_ms`), then --runs more times (`warm_p50_ms`):

  {"name": "first_visit", "engine", "page", "first_ms", "warm_p50_ms", "ratio", "sql_statements",
   "warm_up_s"}

The sign-in itself is a page too (`login`: the first sign-in after the start against later
ones of the same login). The data are bench/pages.py's: the demo school seeded by the code
under test and bench/build_data.py's 30 × 60 journal.

Run (from this checkout; --root measures another one; --keep reuses a database built before):
  PARTA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
    .venv/bin/python bench/first_visits.py [--runs 20] [--pages grid_get,diary] [--keep /tmp/first.json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path

from harness import HERE, Browser, Target, emit, note, timed


def _worker_of(master: int) -> int | None:
    """gunicorn's worker process: the master's child."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_for_warm_up(master: int, timeout: float = 180) -> float:
    """Seconds until the worker's CPU time stood still for one second (its warm-up is over)."""
    started = time.perf_counter()
    worker, last, still_since = None, -1, None
    while time.perf_counter() - started < timeout:
        worker = worker or _worker_of(master)
        if worker is not None:
            ticks = _cpu_ticks(worker)
            now = time.perf_counter()
            if ticks != last:
                last, still_since = ticks, now
            elif now - still_since >= 1.0:
                return round(still_since - started, 1)
        time.sleep(0.1)
    raise RuntimeError("the worker's warm-up did not end")


def _login_request(base: str, username: str):
    """A whole sign-in (the form, then its POST) as one timed call."""
    browser = Browser(base)

    def call():
        _, page, _ = browser.request("/login/")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        body = f"username={username}&password=demo&csrf_token={token}".encode()
        return browser.request("/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    return call


def pages(data: dict) -> dict:
    """page → (login, path)."""
    grid = data["grid"]
    return {
        "grid_get": ("teacher", f"/journal/?group={grid['group']}"),
        "diary": ("parent", "/diary/"),
        "student_report": ("benchparent", f"/reports/student/?student={grid['report_student']}"),
        "home_teacher": ("teacher", "/"),
        "home_parent": ("parent", "/"),
        "home_admin": ("admin", "/"),
        "list_students": ("admin", "/studentview/list/"),
        "list_marks": ("admin", "/markview/list/"),
        "mail": ("teacher", "/mail/"),
        "announcements": ("parent", "/announcements/"),
    }


def visit(target: Target, page: str, login: str | None, path: str | None, runs: int) -> None:
    with target.server(workers=1, PARTA_WARM_UP="1") as base:
        warm_up_s = wait_for_warm_up(target.last_server.pid)
        if page == "login":
            first = timed(_login_request(base, "teacher"))
            warm = [timed(_login_request(base, "teacher")) for _ in range(runs)]
        else:
            browser = Browser(base)
            browser.login(login)
            call = lambda: browser.request(path)  # noqa: E731
            first = timed(call)
            warm = [timed(call) for _ in range(runs)]
    p50 = statistics.median(t for t, _, _ in warm)
    emit(name="first_visit", engine=target.engine, page=page, first_ms=round(first[0], 1), warm_p50_ms=round(p50, 1),
         ratio=round(first[0] / p50, 2), sql_statements=first[1], warm_up_s=warm_up_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose code is measured")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pages", default="", help="comma-separated pages (default: login and every page)")
    parser.add_argument("--keep", type=Path, help="a file keeping the build's ids: the database is reused when present")
    args = parser.parse_args()
    url = os.environ.get("PARTA_BENCH_DATABASE_URL")
    target = Target(args.root, url)
    note(f"{target.engine}: code under test in {target.root}, scratch in {target.workdir}")
    try:
        if args.keep and args.keep.exists() and url and target.schools():
            data = json.loads(args.keep.read_text())
        else:
            target.seed()
            data = target.build("--grid")
            if args.keep:
                args.keep.write_text(json.dumps(data))
        table = {"login": (None, None), **pages(data)}
        chosen = [p for p in args.pages.split(",") if p] or list(table)
        for page in chosen:
            login, path = table[page]
            try:
                visit(target, page, login, path, args.runs)
            except Exception as error:  # noqa: BLE001 — reported as a JSON line; the other pages go on
                emit(name="first_visit", engine=target.engine, page=page, error=f"{type(error).__name__}: {error}"[:300])
    finally:
        target.cleanup()


if __name__ == "__main__":
    main()
