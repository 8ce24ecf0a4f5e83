"""Benchmark: the CPU instructions the application's process executes per request — a
measure that a shared, noisy machine does not move.

Milliseconds on a machine whose speed changes by half from one run to the next cannot show
a change of 5 %; instructions counted by valgrind's callgrind can (repeated runs agree within
0.2 %). For each page the code under test serves it in process (Flask's test client, signed
in as the page's user): a warm-up of WARM requests, then callgrind counts the instructions of
REQUESTS more. The database server's own work is not counted (it is another process), nor its
wait: pair this with bench/pages.py's times. Debian's valgrind must be installed.

  {"name": "instructions", "engine", "page", "instructions_per_request", "requests", "commit"}

  signed_in    a signed-in request that does nothing (GET /journal/averages without a journal):
               the cost every page pays, and the control of a before/after pair
  grid_get     teacher: the journal 30 × 60 with averages (bench/build_data.py --grid)
  column_save  teacher: a column of 30 marks saved, with audit, each run changing every mark
               (the answer read with the standard library's JSON, the same for every checkout)

Run (from this checkout; --root measures the code of another one with its own .venv; the
data are built once per run, as bench/pages.py builds them):
  PARTA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
    .venv/bin/python bench/instructions.py [--root PATH] [--requests 20] [--pages grid_get,column_save]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PAGES = ("signed_in", "grid_get", "column_save")


def driver(page: str, ids_file: str, warm: int, requests: int) -> None:
    """In the code under test's process, under callgrind (instrumentation off at the start):
    sign in, warm up, count `requests` requests."""
    sys.path.insert(0, os.getcwd())
    from run import app  # noqa: E402 — the code under test (the working directory)

    grid = json.loads(Path(ids_file).read_text())["grid"]
    client = app.test_client()
    login_page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login/", data={"username": "teacher", "password": os.environ.get("PARTA_DEMO_PASSWORD", "demo"),
                                 "csrf_token": token})
    path = f"/journal/?group={grid['group']}"
    page_html = client.get(path).get_data(as_text=True)
    grid_token = re.search(r'id="grid-csrf" value="([^"]+)"', page_html).group(1)
    shown = {sid: None for sid in grid["students"]}
    codes = ["5", "4", "3", "4"]
    runs = iter(range(10**9))

    def column_save():
        run = next(runs)
        changes = []
        for i, sid in enumerate(grid["students"]):
            change = {"kind": "mark", "assignment": grid["assignment"], "student": sid, "value": codes[(run + i) % 4],
                      "duty": False, "comment": ""}
            if shown[sid] is not None:
                change["old"] = shown[sid]
            changes.append(change)
        body = json.dumps({"group": grid["group"], "period": grid["period"], "changes": changes})
        answer = client.post("/journal/save", data=body,
                             headers={"Content-Type": "application/json", "X-CSRFToken": grid_token})
        saved = json.loads(answer.data).get("saved", [])
        if len(saved) != len(changes):
            raise RuntimeError(f"column_save: not every mark saved: {answer.data[:300]!r}")
        for change in changes:
            shown[change["student"]] = [change["value"], False, ""]

    def get(url):
        def call():
            if client.get(url).status_code != 200:
                raise RuntimeError(f"{url} did not answer 200")
        return call

    call = {"signed_in": get("/journal/averages"), "grid_get": get(path), "column_save": column_save}[page]
    for _ in range(warm):
        call()
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(requests):
        call()
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)


def count(target, page: str, ids_file: Path, warm: int, requests: int) -> int:
    """Instructions per request of one page, from a fresh process of the code under test."""
    out = target.workdir / f"callgrind-{page}.out"
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", target.python,
               str(Path(__file__).resolve()), "--driver", page, "--ids", str(ids_file), "--warm", str(warm),
               "--requests", str(requests)]
    done = subprocess.run(command, cwd=target.root, env=target.env(PARTA_WARM_UP="0",
                                                                  PARTA_LOGIN_RATE_LIMIT="100000 per minute"),
                          capture_output=True, text=True, timeout=3600)
    if done.returncode:
        raise RuntimeError(f"{page}: {done.stderr[-2000:]}")
    totals = re.search(r"^totals:\s+(\d+)", out.read_text(), re.M)
    out.unlink()
    return int(totals.group(1)) // requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--requests", type=int, default=20, help="the requests counted per page")
    parser.add_argument("--warm", type=int, default=10, help="the requests before counting")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--driver", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        driver(args.driver, args.ids, args.warm, args.requests)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import Target, emit, note

    target = Target(args.root, os.environ.get("PARTA_BENCH_DATABASE_URL"))
    note(f"{target.engine}: code under test in {target.root}, scratch in {target.workdir}")
    try:
        target.seed()
        ids_file = Path(tempfile.mkstemp(suffix=".json", dir=target.workdir)[1])
        ids_file.write_text(json.dumps(target.build("--grid")))
        for page in args.pages.split(","):
            emit(name="instructions", engine=target.engine, page=page, commit=target.commit, requests=args.requests,
                 instructions_per_request=count(target, page, ids_file, args.warm, args.requests))
    finally:
        target.cleanup()


if __name__ == "__main__":
    main()
