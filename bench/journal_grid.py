"""Benchmark: the journal grid, served by gunicorn and requested over HTTP.

A class of 30 students with 60 lessons × 2 assignments in the current period and
realistic marks is added to the demo school (bench/build_data.py --grid); the demo
teacher logs in as a browser would (session cookie, CSRF token from the page) and the
benchmark measures
  grid_get     — GET /journal/?group=… (the whole page),
  column_save  — POST /journal/save with a column of 30 marks (written with audit),
over RUNS runs each, printing one JSON line per measure:
  {"name", "engine", "p50_ms", "p95_ms", "sql_statements", "bytes", "runs"}
sql_statements is what the server ran for one request (X-Parta-SQL-Statements,
switched on by PARTA_COUNT_SQL=1 for this server only). bench/pages.py measures these
two among all the everyday pages.

Run: .venv/bin/python bench/journal_grid.py [--root PATH]  (PARTA_BENCH_DATABASE_URL picks
another database, which is emptied; the default is a fresh SQLite file; PARTA_BENCH_RUNS=40).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from harness import HERE, Target, emit
from pages import journal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose code is measured")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("PARTA_BENCH_RUNS", "40")))
    args = parser.parse_args()
    target = Target(args.root, os.environ.get("PARTA_BENCH_DATABASE_URL"))
    try:
        target.seed()
        data = target.build("--grid")
        emit(name="bench_data", engine=target.engine, students=len(data["grid"]["students"]),
             **{k: data["grid"][k] for k in ("lessons", "assignments", "marks", "absences")})
        with target.server(workers=1) as base:
            journal(base, target, data, args.runs)
    finally:
        target.cleanup()


if __name__ == "__main__":
    main()
