"""`GET /health` for monitoring: the database, the task queue and its worker, the instance
folder, and the free disk, each with a verdict; 200 while Parta serves (a check may warn),
503 when it cannot (the database or the queue is down). It names no school, path or login; its
figures (times, queue length, disk bytes) go only to the server itself (loopback) or to a
monitor sending PARTA_HEALTH_TOKEN in `X-Health-Token`, others read the verdicts."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import hmac

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import text

from app import jobs, queue
from app.extensions import csrf, db

bp = Blueprint("health", __name__)

LOW_DISK_BYTES = 1024 ** 3  # below 1 GB free (or 5 % of the disk) a warning


def _database() -> dict:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        db.session.commit()
    except Exception:  # noqa: BLE001  reported, not raised: the answer says what is down
        db.session.rollback()
        return {"status": "fail"}
    return {"status": "ok", "ms": round(1000 * (time.perf_counter() - started), 1)}


def _queue() -> tuple[dict, dict]:
    try:
        huey = queue.huey()
        pending = huey.pending_count()
        seen = jobs.worker_seen(huey)
    except Exception:  # noqa: BLE001
        return {"status": "fail"}, {"status": "unknown"}
    worker = {"status": "warn", "seen_seconds_ago": None}
    if seen is not None:
        ago = (dt.datetime.now(dt.timezone.utc) - seen).total_seconds()
        worker = {"status": "ok" if ago < 180 else "warn", "seen_seconds_ago": round(ago)}
    return {"status": "ok", "pending": pending}, worker


def _storage() -> tuple[dict, dict]:
    folder = Path(current_app.instance_path)
    writable = folder.is_dir() and os.access(folder, os.W_OK)
    usage = shutil.disk_usage(folder if folder.is_dir() else Path("."))
    low = usage.free < LOW_DISK_BYTES or usage.free < usage.total * 0.05
    return ({"status": "ok" if writable else "fail"},
            {"status": "warn" if low else "ok", "free_bytes": usage.free, "total_bytes": usage.total})


def _may_see_figures() -> bool:
    token = current_app.config.get("PARTA_HEALTH_TOKEN")
    if token and hmac.compare_digest(request.headers.get("X-Health-Token", ""), token):
        return True
    return request.remote_addr in ("127.0.0.1", "::1")


@bp.route("/health", methods=["GET"])
def health():
    database = _database()
    task_queue, worker = _queue()
    storage, disk = _storage()
    checks = {"database": database, "queue": task_queue, "worker": worker, "storage": storage, "disk": disk}
    failed = [name for name in ("database", "queue", "storage") if checks[name]["status"] == "fail"]
    warned = [name for name, check in checks.items() if check["status"] in ("warn", "unknown")]
    status = "fail" if failed else ("warn" if warned else "ok")
    if not _may_see_figures():
        checks = {name: {"status": check["status"]} for name, check in checks.items()}
    response = jsonify(status=status, checks=checks)
    response.status_code = 503 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
