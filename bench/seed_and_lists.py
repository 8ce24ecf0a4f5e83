"""Benchmark: building the demo school and serving CRUD lists on it.

Prints one JSON line per measure. Run: .venv/bin/python bench/seed_and_lists.py
(PARTA_BENCH_DATABASE_URL picks another database; the default is a fresh SQLite file).
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import config  # noqa: E402
from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

RUNS = 30
PAGES = ["/studentview/list/", "/lessonview/list/", "/markview/list/", "/scheduleentryview/list/", "/schoolclassview/list/"]


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def main() -> None:
    url = os.environ.get("PARTA_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"

    class Config(config.Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    app = create_app(Config)
    from flask_migrate import upgrade

    from app.cli import sync_permissions_and_roles
    from demo import generate_schools, seed_demo

    with app.app_context():
        started = time.perf_counter()
        upgrade()
        emit(name="migrate_from_empty", seconds=round(time.perf_counter() - started, 2))
        started = time.perf_counter()
        sync_permissions_and_roles()
        emit(name="sync_roles", seconds=round(time.perf_counter() - started, 2))
        started = time.perf_counter()
        seed_demo()
        emit(name="seed_demo", seconds=round(time.perf_counter() - started, 2))
        started = time.perf_counter()
        generate_schools(2, 500)
        emit(name="generate_2_schools_x_500", seconds=round(time.perf_counter() - started, 2))
        db.session.remove()

    client = app.test_client()
    client.post("/login/", data={"username": "admin", "password": app.config["PARTA_DEMO_PASSWORD"]})
    for page in PAGES:
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get(page)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, page
        timings.sort()
        emit(name="list_page", page=page, p50_ms=round(statistics.median(timings), 1),
             p95_ms=round(timings[int(len(timings) * 0.95) - 1], 1), runs=RUNS)


if __name__ == "__main__":
    main()
