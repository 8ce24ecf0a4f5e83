"""Benchmark: one school alone, then the same school among 100 in one PostgreSQL database.

The database (PARTA_BENCH_DATABASE_URL, emptied first) gets the demo school and the 30 × 60
journal of bench/build_data.py; the demo teacher's journal (grid_get) and the demo parent's
diary are measured; then `flask --app run generate-data --schools 99 --students M` adds the
other schools, VACUUM ANALYZE refreshes the planner's statistics and the visibility map (as
autovacuum would in time — measured while autovacuum still works through the new rows, the
pages took 30–50 % longer on the 2-core machine), and
the same pages of the same school are measured again, each time on a freshly started
gunicorn (one sync worker). JSON lines:
  {"name": "scale_<page>", "engine", "schools", "p50_ms", "p95_ms", "sql_statements", "bytes", "runs"}
  {"name": "scale_ratio", "schools", "<page>": p50 among many ÷ p50 alone, "same_sql": {…}}

Run (generating 99 schools of 300 students takes tens of minutes; --students 100 is quicker):
  PARTA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
    .venv/bin/python bench/scale.py [--schools 100] [--students 300] [--runs 40] [--root PATH]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from harness import HERE, Browser, Target, emit, measure, note


def pages(target: Target, data: dict, schools: int, runs: int) -> dict:
    results = {}
    with target.server(workers=1) as base:
        teacher = Browser(base)
        teacher.login("teacher")
        path = f"/journal/?group={data['grid']['group']}"
        results["grid_get"] = measure("scale_grid_get", target.engine, lambda: teacher.request(path), runs,
                                      schools=schools)
        parent = Browser(base)
        parent.login("parent")
        results["diary"] = measure("scale_diary", target.engine, lambda: parent.request("/diary/"), runs, schools=schools)
    return results


def analyze(target: Target) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(target.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose code is measured")
    parser.add_argument("--schools", type=int, default=100, help="schools in the database, the demo school among them")
    parser.add_argument("--students", type=int, default=300, help="students in each generated school")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("PARTA_BENCH_RUNS", "40")))
    args = parser.parse_args()
    url = os.environ.get("PARTA_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("PARTA_BENCH_DATABASE_URL=postgresql+psycopg://… is needed (its database is emptied)")
    target = Target(args.root, url)
    try:
        target.seed()
        data = target.build("--grid")
        analyze(target)
        alone = pages(target, data, 1, args.runs)
        started = time.perf_counter()
        target.flask("generate-data", "--schools", str(args.schools - 1), "--students", str(args.students))
        analyze(target)
        emit(name="scale_data", engine=target.engine, commit=target.commit, schools=target.schools(),
             students_per_school=args.students, generate_s=round(time.perf_counter() - started))
        among = pages(target, data, target.schools(), args.runs)
        emit(name="scale_ratio", engine=target.engine, schools=target.schools(),
             **{page: round(among[page]["p50_ms"] / alone[page]["p50_ms"], 2) for page in alone},
             same_sql={page: among[page]["sql_statements"] == alone[page]["sql_statements"] for page in alone})
    finally:
        target.cleanup()
    note("done")


if __name__ == "__main__":
    main()
