"""Load test: many active users with think time against gunicorn (4 sync workers) on
PostgreSQL, loopback only, bounded in time.

Teachers (a fifth of the users by default) open their journal, then save one cell every
10–30 s (one in ten of their steps opens the journal page again); parents open their child's
diary every 10–30 s. Each user signs in first — paced (at most --login-rate a second and one
per worker at a time), outside the measured window — with a login the build step creates (bench/build_data.py: `bt0001`…
co-teachers of the demo's journals, each with an assignment of their own to mark, and
`bp0001`… for the demo's guardians). Then every user starts after a random part of one
think time, and the window runs --seconds (default 300).

The per-address limit on sign-ins (PARTA_LOGIN_RATE_LIMIT, `20 per minute`) counts failed
sign-ins only, so 1,000 good ones from 127.0.0.1 pass; the bench server still runs with
PARTA_LOGIN_RATE_LIMIT="100000 per minute" (bench/harness.py) in case a failure or older
code counts them.

JSON lines: one per kind of request ({"name": "load_<kind>", "p50_ms", "p95_ms", "requests",
"errors"}), one for the sign-ins and one total ({"name": "load", "users", "seconds",
"req_per_s", "p50_ms", "p95_ms", "errors", "conflicts"}). An error is a status other than 200, a
refused cell, a timeout or a broken connection; a conflict (the cell changed since the teacher saw
it: only after an earlier run on the same data) is counted apart and the teacher takes the value.

Run (the database is emptied and rebuilt, ~5 min, unless --state names a file of an earlier build):
  PARTA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
    .venv/bin/python bench/load.py [--users 1000] [--seconds 300] [--root PATH] [--state /tmp/load.json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import time
from pathlib import Path

from harness import HERE, AsyncClient, Target, emit, note, percentile


class Stats:
    def __init__(self):
        self.times: dict[str, list] = {}
        self.errors: dict[str, int] = {}
        self.examples: list[str] = []
        self.conflicts = 0
        self.recording = False

    def add(self, kind: str, ms: float, ok: bool, why: str = "") -> None:
        if not self.recording:
            return
        self.times.setdefault(kind, [])
        self.errors.setdefault(kind, 0)
        if ok:
            self.times[kind].append(ms)
        else:
            self.errors[kind] += 1
            if len(self.examples) < 5:
                self.examples.append(f"{kind}: {why}"[:200])


async def pause(seconds: float, stop: float) -> None:
    """Think time, cut at the end of the window (so the window lasts --seconds)."""
    await asyncio.sleep(max(0.0, min(seconds, stop - time.perf_counter())))


async def timed_request(stats: Stats, kind: str, call, check=None):
    started = time.perf_counter()
    try:
        status, body, headers = await call()
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
        stats.add(kind, 0, False, repr(error))
        return None
    ms = (time.perf_counter() - started) * 1000
    why = f"HTTP {status}" if status != 200 else (check(body) if check else "")
    stats.add(kind, ms, not why, why)
    return body if not why else None


async def teacher(client: AsyncClient, me: dict, stats: Stats, think: tuple, stop: float) -> None:
    path = f"/journal/?group={me['group']}"
    page = await timed_request(stats, "journal", lambda: client.get(path))
    if page is None:
        return
    token = re.search(rb'id="grid-csrf" value="([^"]+)"', page).group(1).decode()
    period = re.search(rb'"period":\s*\{"id":\s*(\d+)', page)
    period = int(period.group(1)) if period else None
    cell, step = [["", False, ""]], 0  # the cell as this teacher last saw it
    await pause(random.uniform(0, think[1]), stop)
    while time.perf_counter() < stop:
        step += 1
        if step % 10 == 0:
            await timed_request(stats, "journal", lambda: client.get(path))
        else:
            value = "5" if cell[0][0] != "5" else "4"
            change = {"kind": "mark", "assignment": me["assignment"], "student": me["student"], "value": value,
                      "duty": False, "comment": "", "old": cell[0]}
            body = json.dumps({"group": me["group"], "period": period, "changes": [change]}).encode()
            headers = {"Content-Type": "application/json", "X-CSRFToken": token}

            def save(body=body, headers=headers):
                return client.request("POST", "/journal/save", body, headers)

            def answered(answer: bytes, value=value) -> str:
                """'' when the cell was saved, or was found changed (a conflict: the page would show the
                other value, as here after an earlier run on the same data); why not otherwise."""
                result = json.loads(answer)
                conflict = (result.get("conflicts") or {}).get("0")
                if result.get("saved"):
                    cell[0] = [value, False, ""]
                elif conflict is not None:
                    cell[0] = list(conflict)
                    stats.conflicts += 1
                else:
                    return f"not saved: {str(result)[:150]}"
                return ""

            await timed_request(stats, "save_cell", save, answered)
        await pause(random.uniform(*think), stop)


async def parent(client: AsyncClient, stats: Stats, think: tuple, stop: float) -> None:
    await pause(random.uniform(0, think[1]), stop)
    while time.perf_counter() < stop:
        await timed_request(stats, "diary", lambda: client.get("/diary/"))
        await pause(random.uniform(*think), stop)


async def run(base: str, data: dict, args) -> None:
    teachers = data["teachers"][: round(args.users * args.teacher_share)]
    parents = data["parents"][: args.users - len(teachers)]
    if len(teachers) + len(parents) < args.users:
        note(f"only {len(teachers) + len(parents)} logins were built")
    users = [("teacher", t) for t in teachers] + [("parent", p) for p in parents]
    random.Random(1).shuffle(users)

    logins, login_errors = [], 0
    clients = []
    started = time.perf_counter()

    # at most one sign-in per worker at a time: a password hash costs tens of milliseconds of CPU,
    # and a queue of sign-ins would only time out
    in_flight = asyncio.Semaphore(args.workers)

    async def sign_in(kind, me):
        nonlocal login_errors
        async with in_flight:
            client = AsyncClient(base)
            t0 = time.perf_counter()
            try:
                await client.login(me["login"])
                logins.append((time.perf_counter() - t0) * 1000)
                clients.append((kind, me, client))
            except (RuntimeError, OSError, asyncio.TimeoutError) as error:
                login_errors += 1
                note(f"{me['login']}: {error!r}")

    pending = []
    for i, (kind, me) in enumerate(users):
        pending.append(asyncio.create_task(sign_in(kind, me)))
        await asyncio.sleep(1 / args.login_rate)
    await asyncio.gather(*pending)
    logins.sort()
    emit(name="load_logins", users=len(users), seconds=round(time.perf_counter() - started, 1),
         p50_ms=round(logins[len(logins) // 2], 1) if logins else None,
         p95_ms=round(percentile(logins, 0.95), 1) if logins else None, errors=login_errors)

    stats = Stats()
    stats.recording = True
    think = tuple(args.think)
    window_start = time.perf_counter()
    stop = window_start + args.seconds
    await asyncio.gather(*(teacher(c, me, stats, think, stop) if kind == "teacher" else parent(c, stats, think, stop)
                           for kind, me, c in clients))
    elapsed = time.perf_counter() - window_start
    every, errors = [], 0
    for kind in sorted(stats.times):
        times = sorted(stats.times[kind])
        every += times
        errors += stats.errors[kind]
        emit(name=f"load_{kind}", p50_ms=round(times[len(times) // 2], 1) if times else None,
             p95_ms=round(percentile(times, 0.95), 1) if times else None, requests=len(times) + stats.errors[kind],
             errors=stats.errors[kind])
    every.sort()
    emit(name="load", engine="postgresql", users=len(clients), teachers=sum(1 for k, *_ in clients if k == "teacher"),
         seconds=round(elapsed, 1), req_per_s=round((len(every) + errors) / elapsed, 1),
         p50_ms=round(every[len(every) // 2], 1) if every else None,
         p95_ms=round(percentile(every, 0.95), 1) if every else None, errors=errors, conflicts=stats.conflicts,
         workers=args.workers,
         think_s=list(think), error_examples=stats.examples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose code is measured")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--teacher-share", type=float, default=0.2)
    parser.add_argument("--seconds", type=float, default=300, help="the measured window")
    parser.add_argument("--think", type=float, nargs=2, default=[10, 30], metavar=("MIN", "MAX"))
    parser.add_argument("--login-rate", type=float, default=10, help="sign-ins a second before the window")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--state", type=Path, help="a file keeping the build's logins: reused when present")
    args = parser.parse_args()
    url = os.environ.get("PARTA_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("PARTA_BENCH_DATABASE_URL=postgresql+psycopg://… is needed (its database is emptied)")
    target = Target(args.root, url)
    try:
        if args.state and args.state.exists() and target.schools():
            data = json.loads(args.state.read_text())
            note(f"reusing the data built earlier ({args.state})")
        else:
            started = time.perf_counter()
            target.seed()
            teachers = round(args.users * args.teacher_share)
            data = target.build("--teachers", str(teachers), "--parents", str(args.users - teachers))
            emit(name="load_data", engine="postgresql", root=str(target.root), commit=target.commit,
                 teachers=len(data["teachers"]), parents=len(data["parents"]), build_s=round(time.perf_counter() - started))
            if args.state:
                args.state.write_text(json.dumps(data))
        with target.server(workers=args.workers) as base:
            asyncio.run(run(base, data, args))
    finally:
        target.cleanup()


if __name__ == "__main__":
    main()
