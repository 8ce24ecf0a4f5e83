"""Benchmark: the pages teachers, parents and staff open every day (issue 14's targets),
served by gunicorn and requested over HTTP with a signed-in session.

For each engine — SQLite (a fresh file) and, with PARTA_BENCH_DATABASE_URL, PostgreSQL
(that database is emptied first) — the demo school is seeded by the code under test and
bench/build_data.py adds a 30 × 60 journal; then one JSON line per page:
  {"name", "engine", "p50_ms", "p95_ms", "sql_statements", "bytes", "runs"}
(+ "req_per_s", "clients", "seconds", "errors" for the throughput line). sql_statements is what
the server ran for one request (X-Parta-SQL-Statements, PARTA_COUNT_SQL=1 for this server only;
a list when it varied between runs), bytes the answer's body.

  grid_get            teacher: the journal 30 × 60 with averages (GET /journal/?group=)
  column_save         teacher: a column of 30 marks saved, with audit (POST /journal/save)
  diary               demo parent: the diary's week and the period's marks (GET /diary/)
  student_report      a parent: the progress report of a child with one subject, 60 marks
  home_<login>        the home page of each demo login
  list_<page>         the administrator's CRUD lists: students, lessons, marks, timetable lines
  webapi_diary        the NetSchool API's student diary for a week (demo parent's token)
  grid_throughput     the journal page, 4 gunicorn workers, CLIENTS concurrent clients for SECONDS

Latencies come from one sync worker, one request at a time; the throughput from four.

Run (from this checkout; --root measures the code of another one with its own .venv):
  .venv/bin/python bench/pages.py [--root PATH] [--runs 40] [--seconds 20] [--clients 16] [--engines sqlite,postgresql]
  PARTA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/pages.py
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import time
import urllib.parse
from pathlib import Path

from harness import HERE, PASSWORD, AsyncClient, Browser, Target, emit, measure, note

HOME_LOGINS = ["admin", "coordinator", "director", "teacher", "classteacher", "secretary", "hr", "moderator", "parent",
               "student"]
LISTS = {"students": "/studentview/list/", "lessons": "/lessonview/list/", "marks": "/markview/list/",
         "timetable": "/scheduleentryview/list/"}


def journal_calls(base: str, data: dict) -> tuple:
    """(open the journal, save a column) as the teacher: each save changes every mark of the
    column (the first one creates them) and checks that all were saved."""
    grid = data["grid"]
    browser = Browser(base)
    browser.login("teacher")
    path = f"/journal/?group={grid['group']}"
    _, page, _ = browser.request(path)
    token = re.search(rb'id="grid-csrf" value="([^"]+)"', page).group(1).decode()
    saved = {sid: ["", False, ""] for sid in grid["students"]}
    codes = ["5", "4", "3", "4"]
    counter = iter(range(10**9))

    def save():
        run = next(counter)
        changes = [{"kind": "mark", "assignment": grid["assignment"], "student": sid, "value": codes[(run + i) % 4],
                    "duty": False, "comment": "", "old": saved[sid]} for i, sid in enumerate(grid["students"])]
        body = json.dumps({"group": grid["group"], "period": grid["period"], "changes": changes}).encode()
        result = browser.request("/journal/save", body, {"Content-Type": "application/json", "X-CSRFToken": token})
        answer = json.loads(result[1])
        if len(answer.get("saved", [])) != len(changes):
            raise RuntimeError(f"column_save: not every mark saved: {str(answer)[:300]}")
        for change in changes:
            saved[change["student"]] = [change["value"], False, ""]
        return result

    return (lambda: browser.request(path)), save


def journal(base: str, target: Target, data: dict, runs: int) -> None:
    open_journal, save = journal_calls(base, data)
    measure("grid_get", target.engine, open_journal, runs)
    measure("column_save", target.engine, save, runs)


def family(base: str, target: Target, data: dict, runs: int) -> None:
    parent = Browser(base)
    parent.login("parent")
    measure("diary", target.engine, lambda: parent.request("/diary/"), runs)
    other = Browser(base)
    other.login("benchparent")
    path = f"/reports/student/?student={data['grid']['report_student']}"
    status, page, _ = other.request(path)
    if status != 200 or b"\xd0\x91\xd0\xb5\xd0\xbd\xd1\x87" not in page:  # «Бенч», the student's name
        raise RuntimeError("student_report: the student is not on the page")
    measure("student_report", target.engine, lambda: other.request(path), runs)


def homes(base: str, target: Target, runs: int) -> None:
    for login in HOME_LOGINS:
        browser = Browser(base)
        browser.login(login)
        measure(f"home_{login}", target.engine, lambda browser=browser: browser.request("/"), runs)


def lists(base: str, target: Target, runs: int) -> None:
    browser = Browser(base)
    browser.login("admin")
    for name, path in LISTS.items():
        measure(f"list_{name}", target.engine, lambda path=path: browser.request(path), runs)


def webapi(base: str, target: Target, runs: int) -> None:
    """The NetSchool client's handshake (auth/getdata → salt, login with pw2), then the week's diary."""
    browser = Browser(base)
    _, body, _ = browser.request("/webapi/schools/search?name=")
    school = json.loads(body)[0]["id"]
    _, body, _ = browser.request("/webapi/auth/getdata", b"")
    salt = json.loads(body)["salt"]
    secret = hashlib.md5(PASSWORD.encode("windows-1251")).hexdigest()
    form = {"LoginType": "1", "scid": school, "un": "parent", "pw2": hashlib.md5((salt + secret).encode()).hexdigest(),
            "pw": "", "lt": "", "ver": ""}
    _, body, _ = browser.request("/webapi/login", urllib.parse.urlencode(form).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
    headers = {"at": json.loads(body)["at"]}
    _, body, _ = browser.request("/webapi/student/diary/init", headers=headers)
    init = json.loads(body)
    start = dt.date.fromisoformat(init["weekStart"][:10])
    path = (f"/webapi/student/diary?studentId={init['students'][0]['studentId']}&weekStart={start.isoformat()}"
            f"&weekEnd={(start + dt.timedelta(days=5)).isoformat()}")
    measure("webapi_diary", target.engine, lambda: browser.request(path, headers=headers), runs)


async def journal_throughput(base: str, data: dict, clients: int, seconds: float) -> dict:
    """Concurrent clients on one teacher's session asking for the journal page, for `seconds`:
    the pages per second and their times."""
    first = AsyncClient(base)
    await first.login("teacher")
    path = f"/journal/?group={data['grid']['group']}"
    for _ in range(3):
        await first.get(path)
    done, errors, times, statements, sizes = 0, 0, [], set(), []
    deadline = time.perf_counter() + seconds

    async def client():
        nonlocal done, errors
        me = AsyncClient(base)
        me.cookies = dict(first.cookies)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, body, headers = await me.get(path)
            except (OSError, asyncio.TimeoutError):
                errors += 1
                continue
            if status != 200:
                errors += 1
                continue
            done += 1
            times.append((time.perf_counter() - started) * 1000)
            statements.add(int(headers.get("x-parta-sql-statements", "-1")))
            sizes.append(len(body))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    times.sort()
    return dict(req_per_s=round(done / elapsed, 1), p50_ms=round(times[len(times) // 2], 1) if times else None,
                p95_ms=round(times[int(len(times) * 0.95)], 1) if times else None,
                sql_statements=sorted(statements)[0] if len(statements) == 1 else sorted(statements),
                bytes=sorted(sizes)[len(sizes) // 2] if sizes else 0, runs=done, errors=errors, clients=clients,
                seconds=round(elapsed, 1), workers=4)


async def throughput(base: str, target: Target, data: dict, clients: int, seconds: float) -> None:
    emit(name="grid_throughput", engine=target.engine, **await journal_throughput(base, data, clients, seconds))


def bench_engine(target: Target, args) -> None:
    started = time.perf_counter()
    target.seed()
    data = target.build("--grid")
    emit(name="bench_data", engine=target.engine, root=str(target.root), commit=target.commit, today=data["today"],
         **{k: v for k, v in data["grid"].items() if k in ("lessons", "assignments", "marks", "absences")},
         build_s=round(time.perf_counter() - started))
    with target.server(workers=1) as base:
        for group in (journal, family):
            attempt(group.__name__, target, lambda group=group: group(base, target, data, args.runs))
        for group in (homes, lists, webapi):
            attempt(group.__name__, target, lambda group=group: group(base, target, args.runs))
    if args.seconds > 0:
        with target.server(workers=4) as base:
            attempt("throughput", target, lambda: asyncio.run(throughput(base, target, data, args.clients, args.seconds)))


def attempt(group: str, target: Target, call) -> None:
    """A group of pages that fails (an older checkout without the page) says so and the others go on."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 — reported as a JSON line
        emit(name=group, engine=target.engine, error=f"{type(error).__name__}: {error}"[:300])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose code is measured")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("PARTA_BENCH_RUNS", "40")))
    parser.add_argument("--seconds", type=float, default=20, help="the throughput run's length (0: none)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients of the throughput run")
    parser.add_argument("--engines", default="sqlite,postgresql" if os.environ.get("PARTA_BENCH_DATABASE_URL") else "sqlite")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        url = os.environ["PARTA_BENCH_DATABASE_URL"] if engine == "postgresql" else None
        target = Target(args.root, url)
        note(f"{engine}: code under test in {target.root}, scratch in {target.workdir}")
        try:
            bench_engine(target, args)
        finally:
            target.cleanup()


if __name__ == "__main__":
    main()
