"""The task queue's worker as production runs it (`flask --app run worker`), in a process of
its own on a test app's database and queue, for the tests of background jobs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_worker(application, tmp_path: Path, **settings: str) -> subprocess.Popen:
    """A worker on the app's database and queue (PARTA_QUEUE_URL, PARTA_QUEUE_NAME), with the
    app's job settings and no schedules but recovery; `settings` add environment variables."""
    config = application.config
    env = {**os.environ, "PARTA_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
           "PARTA_QUEUE_URL": config["PARTA_QUEUE_URL"], "PARTA_QUEUE_NAME": config["PARTA_QUEUE_NAME"],
           "PARTA_WARM_UP": "0", "PARTA_INSTANCE_DIR": str(tmp_path / "worker-instance"),
           "PARTA_SCHEDULE_SUMMARY_SHEETS": "", "PARTA_SCHEDULE_PURGE": ""}
    for key in ("PARTA_JOB_LEASE", "PARTA_JOB_RETRIES", "PARTA_JOB_RETRY_DELAY", "PARTA_REPORT_WORKERS"):
        if config.get(key) is not None:
            env[key] = str(config[key])
    env.update(settings)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "run", "worker", "--threads", "1"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def stop_worker(worker: subprocess.Popen) -> str:
    """Kills the worker and the processes it started (SIGKILL: nothing of it runs on); returns
    what it printed."""
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    output, _ = worker.communicate(timeout=10)
    return output or ""
