"""Benchmark: one school alone, then the same school among 100 in one PostgreSQL database.

Two databases: PARTA_BENCH_DATABASE_URL (emptied first) gets the demo school, the 30 × 60
journal of bench/build_data.py, and then `flask --app run generate-data --schools 99
--students M` adds the other schools; a second one beside it (its name + "_alone", created if
missing) gets the demo school and the journal alone. VACUUM ANALYZE readies both (statistics and
visibility map, as autovacuum would in time) and a CHECKPOINT writes what that changed. Then the demo teacher's journal (grid_get), the
demo parent's diary, and the coordinator's missing period marks and school results are measured on
each, alone and among, alone and among again — interleaved,
each time on a freshly started gunicorn (one sync worker), so that the two are measured on a
machine in the same state (measured one after the other, right after minutes of generating data,
the second measure ran 30–50 % slower on the 2-core machine whatever the data). JSON lines:
  {"name": "scale_<page>", "engine", "schools", "round", "p50_ms", "p95_ms", "sql_statements", "bytes", "runs"}
  {"name": "scale_ratio", "schools", "<page>": p50 among many ÷ p50 alone (of all rounds' runs), "same_sql": {…}}
  {"name": "scale_size", "rows", "marks", "database_mb"}: what the many-school database holds
  {"name": "scale_nightly_<job>", "seconds", …}: the nightly jobs over every school, run as commands
  (the summary sheets of the periods that ended; the backup of the whole database)

Run (generating 99 schools of 300 students takes ~7 minutes; --students 100 is quicker):
  PARTA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
    .venv/bin/python bench/scale.py [--schools 100] [--students 300] [--runs 40] [--rounds 2] [--root PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from harness import HERE, Browser, Target, emit, measure, note


def pages(target: Target, data: dict, schools: int, runs: int, round_: int = 1) -> dict:
    results = {}
    with target.server(workers=1) as base:
        teacher = Browser(base)
        teacher.login("teacher")
        path = f"/journal/?group={data['grid']['group']}"
        results["grid_get"] = measure("scale_grid_get", target.engine, lambda: teacher.request(path), runs,
                                      schools=schools, round=round_)
        parent = Browser(base)
        parent.login("parent")
        results["diary"] = measure("scale_diary", target.engine, lambda: parent.request("/diary/"), runs, schools=schools,
                                   round=round_)
        coordinator = Browser(base)
        coordinator.login("coordinator")
        results["missing_marks"] = measure("scale_missing_marks", target.engine,
                                           lambda: coordinator.request("/missingperiodmarks/"), runs, schools=schools,
                                           round=round_)
        results["school_results"] = measure("scale_school_results", target.engine,
                                            lambda: coordinator.request("/reports/school-results/"), runs,
                                            schools=schools, round=round_)
    return results


def size(target: Target) -> dict:
    """The database's rows (the planner's count after ANALYZE) and its marks, counted."""
    from sqlalchemy import create_engine, text

    engine = create_engine(target.url)
    with engine.connect() as conn:
        rows = conn.scalar(text("SELECT sum(reltuples)::bigint FROM pg_class WHERE relkind = 'r' "
                                "AND relnamespace = 'public'::regnamespace"))
        marks = conn.scalar(text("SELECT count(*) FROM mark"))
        megabytes = conn.scalar(text("SELECT pg_database_size(current_database()) / 1048576"))
    engine.dispose()
    return {"rows": rows, "marks": marks, "database_mb": megabytes}


def nightly(target: Target, schools: int) -> None:
    """The nightly jobs over every school, as the worker's schedule runs them: the summary sheets
    of the periods that ended, and the backup of the whole database."""
    for command, name in (("form-summary-sheets", "summary_sheets"), ("backup", "backup")):
        started = time.perf_counter()
        output = target.flask(command).strip().splitlines()
        emit(name=f"scale_nightly_{name}", engine=target.engine, schools=schools,
             seconds=round(time.perf_counter() - started, 1), lines=len(output), last=(output or [""])[-1][-200:])


def analyze(target: Target) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(target.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
        # and the written pages flushed now, not by a checkpoint spread over the measure
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def beside(url: str) -> str:
    """The URL of the "_alone" database next to `url`, created if missing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    alone = make_url(url).set(database=make_url(url).database + "_alone")
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": alone.database}):
            conn.execute(text(f'CREATE DATABASE "{alone.database}"'))
    engine.dispose()
    return alone.render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose code is measured")
    parser.add_argument("--schools", type=int, default=100, help="schools in the database, the demo school among them")
    parser.add_argument("--students", type=int, default=300, help="students in each generated school")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("PARTA_BENCH_RUNS", "40")))
    parser.add_argument("--rounds", type=int, default=2, help="alone and among, measured in turn this many times")
    parser.add_argument("--keep", type=Path, help="a file keeping the build's ids: both databases are reused when "
                                                 "present (a second measure without generating again)")
    parser.add_argument("--no-nightly", action="store_true", help="skip the nightly jobs")
    args = parser.parse_args()
    url = os.environ.get("PARTA_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("PARTA_BENCH_DATABASE_URL=postgresql+psycopg://… is needed (its database is emptied)")
    many, alone = Target(args.root, url), Target(args.root, beside(url))
    try:
        if args.keep and args.keep.exists() and many.schools() == args.schools and alone.schools() == 1:
            data = json.loads(args.keep.read_text())
            note(f"reusing the databases built before ({args.keep})")
        else:
            data = {}
            for target in (alone, many):
                target.seed()
                data[target.url] = target.build("--grid")
            started = time.perf_counter()
            many.flask("generate-data", "--schools", str(args.schools - 1), "--students", str(args.students))
            emit(name="scale_data", engine=many.engine, commit=many.commit, schools=many.schools(),
                 students_per_school=args.students, generate_s=round(time.perf_counter() - started))
            if args.keep:
                args.keep.write_text(json.dumps(data))
        for target in (alone, many):
            analyze(target)
        emit(name="scale_size", engine=many.engine, schools=many.schools(), **size(many))
        samples: dict = {}
        for round_ in range(1, args.rounds + 1):
            for target in (alone, many):
                schools = target.schools()
                for page, result in pages(target, data[target.url], schools, args.runs, round_).items():
                    samples.setdefault((page, schools > 1), []).append(result)
        ratio, same_sql = {}, {}
        for page in ("grid_get", "diary", "missing_marks", "school_results"):
            p50 = {among: statistics.median(r["p50_ms"] for r in samples[(page, among)]) for among in (False, True)}
            ratio[page] = round(p50[True] / p50[False], 2)
            same_sql[page] = ({str(r["sql_statements"]) for r in samples[(page, True)]}
                              == {str(r["sql_statements"]) for r in samples[(page, False)]})
        emit(name="scale_ratio", engine=many.engine, schools=many.schools(), **ratio, same_sql=same_sql)
        if not args.no_nightly:
            nightly(many, many.schools())
    finally:
        many.cleanup()
        alone.cleanup()
    note("done")


if __name__ == "__main__":
    main()
