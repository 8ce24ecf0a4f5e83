"""Benchmark: two checkouts side by side, their requests interleaved — a before/after in
milliseconds that a noisy machine cannot bias.

On a shared machine whose speed changes by half from one minute to the next, two runs of
bench/pages.py one after the other compare two different machines. Here both checkouts are
served at once (gunicorn from each, on its own database), and every round asks each of them
the same page in turn, A then B, then B then A: whatever the machine does, it does to both.
One JSON line per page and side, then the ratio B ÷ A of the p50s:

  {"name": "ab", "page", "side": "a"|"b", "root", "commit", "p50_ms", "p95_ms", "runs"}
  {"name": "ab_ratio", "page", "b_over_a"}

  grid_get          teacher: the journal 30 × 60 with averages
  column_save       teacher: a column of 30 marks saved, with audit
  diary             demo parent: the diary's week and the period's marks
  grid_throughput   the journal page on 4 workers each, in alternating windows of --window
                    seconds (one side loaded at a time): pages per second, summed per side

Run (A is usually the previous landing in a worktree, B this checkout; each has its own .venv):
  PARTA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
    .venv/bin/python bench/ab.py --a PATH [--b PATH] [--rounds 200] [--windows 6] [--window 5]
On PostgreSQL side B uses the database named as A's with "_b" appended (both created when missing).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from contextlib import ExitStack
from pathlib import Path

from harness import HERE, Browser, Target, emit, note, percentile, timed
from pages import journal_calls, journal_throughput


def database(url: str | None, suffix: str = "") -> str | None:
    """A side's PostgreSQL database, created when missing: side B's is side A's name with "_b"
    appended, on the same server (None: each side's own SQLite file)."""
    if not url or not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}{suffix}"
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def calls(base: str, data: dict) -> dict:
    open_journal, save = journal_calls(base, data)
    parent = Browser(base)
    parent.login("parent")
    return {"grid_get": open_journal, "column_save": save, "diary": lambda: parent.request("/diary/")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="checkout A (before)")
    parser.add_argument("--b", type=Path, default=HERE, help="checkout B (after; default this one)")
    parser.add_argument("--rounds", type=int, default=200, help="requests of each page to each side")
    parser.add_argument("--windows", type=int, default=6, help="throughput windows per side (0: none)")
    parser.add_argument("--window", type=float, default=5, help="seconds of one throughput window")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    url = os.environ.get("PARTA_BENCH_DATABASE_URL")
    sides = {"a": Target(args.a, database(url)), "b": Target(args.b, database(url, "_b"))}
    try:
        data = {}
        for side, target in sides.items():
            note(f"{side}: {target.root} ({target.commit}) on {target.engine}")
            target.seed()
            data[side] = target.build("--grid")
        with ExitStack() as stack:
            bases = {side: stack.enter_context(target.server(workers=1)) for side, target in sides.items()}
            pages = {side: calls(bases[side], data[side]) for side in sides}
            samples: dict = {(page, side): [] for page in pages["a"] for side in sides}
            for page in pages["a"]:
                for side in sides:  # warm-up
                    for _ in range(3):
                        pages[side][page]()
            for round_ in range(args.rounds):
                order = ("a", "b") if round_ % 2 == 0 else ("b", "a")
                for page in pages["a"]:
                    for side in order:
                        samples[(page, side)].append(timed(pages[side][page])[0])
        for page in pages["a"]:
            p50 = {}
            for side, target in sides.items():
                times = sorted(samples[(page, side)])
                p50[side] = statistics.median(times)
                emit(name="ab", page=page, side=side, root=str(target.root), commit=target.commit,
                     p50_ms=round(p50[side], 2), p95_ms=round(percentile(times, 0.95), 2), runs=len(times))
            emit(name="ab_ratio", page=page, b_over_a=round(p50["b"] / p50["a"], 3))
        if args.windows > 0:
            throughput(sides, data, args)
    finally:
        for target in sides.values():
            target.cleanup()


def throughput(sides: dict, data: dict, args) -> None:
    """Both sides served by 4 workers at once; the load goes to one side at a time, in turns."""
    done = {side: [] for side in sides}
    with ExitStack() as stack:
        bases = {side: stack.enter_context(target.server(workers=4)) for side, target in sides.items()}
        for side in sides:  # each side's workers warmed up, not counted
            asyncio.run(journal_throughput(bases[side], data[side], args.clients, 2))
        for window in range(args.windows * 2):
            side = ("a", "b", "b", "a")[window % 4]
            result = asyncio.run(journal_throughput(bases[side], data[side], args.clients, args.window))
            if result["errors"]:
                raise RuntimeError(f"{side}: {result['errors']} requests failed")
            done[side].append(result["req_per_s"])
    for side, target in sides.items():
        emit(name="ab", page="grid_throughput", side=side, root=str(target.root), commit=target.commit,
             req_per_s=round(statistics.mean(done[side]), 1), windows=done[side])
    emit(name="ab_ratio", page="grid_throughput",
         b_over_a=round(statistics.mean(done["b"]) / statistics.mean(done["a"]), 3))


if __name__ == "__main__":
    main()
