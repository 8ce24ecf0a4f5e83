"""What the benchmarks share: the code under test (this checkout or another one, `--root`),
its database built through that code, gunicorn started from it, and the HTTP clients.

The benchmarks themselves import nothing of the application: the data are built by
subprocesses running the code under test (`flask --app run db upgrade`, `seed-demo`,
`generate-data` and bench/build_data.py with that checkout first on sys.path), and the
pages are requested over HTTP from gunicorn started in that checkout with its own Python.
So one copy of bench/ measures an older commit beside the current one.

Results are JSON lines on stdout; progress goes to stderr.
"""
from __future__ import annotations

import asyncio
import datetime
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zoneinfo
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
HERE = BENCH.parent
PASSWORD = os.environ.get("PARTA_DEMO_PASSWORD", "demo")
# The school's date when the benchmark started, fixed for everything it runs (PARTA_TODAY): a
# run that crosses midnight in the school's time zone would otherwise measure the diary of
# another week in its second half.
TODAY = os.environ.get("PARTA_TODAY") or datetime.datetime.now(
    zoneinfo.ZoneInfo(os.environ.get("PARTA_TIMEZONE") or "Europe/Moscow")).date().isoformat()


def emit(**fields) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def note(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def python_of(root: Path) -> str:
    """The code under test's own interpreter: ROOT/.venv/bin/python, else this one."""
    candidate = root / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def engine_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


class Target:
    """The code under test at `root`, on the database `url`, with a scratch directory."""

    def __init__(self, root: Path, url: str | None, workdir: Path | None = None):
        self.root = Path(root).resolve()
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="parta-bench-"))
        self.url = url or f"sqlite:///{self.workdir}/bench.db"
        self.engine = engine_of(self.url)
        self.python = python_of(self.root)

    @property
    def commit(self) -> str:
        """The measured checkout's commit (short), for the before/after lines."""
        done = subprocess.run(["git", "-C", str(self.root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return done.stdout.strip() or "?"

    def env(self, **extra) -> dict:
        env = {**os.environ, "PARTA_DATABASE_URL": self.url, "PARTA_INSTANCE_DIR": str(self.workdir),
               "PARTA_SECRET_KEY": "bench-" + "x" * 40, "PYTHONPATH": str(self.root), "FLASK_APP": "run",
               "PARTA_TODAY": TODAY}
        env.pop("PARTA_TEST_DATABASE_URL", None)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def run(self, *args: str, timeout: int = 7200) -> str:
        """A command in the code under test's directory with its Python; returns stdout."""
        started = time.perf_counter()
        done = subprocess.run([self.python, *args], cwd=self.root, env=self.env(), capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode:
            sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
            raise RuntimeError(f"{' '.join(args[:4])} failed in {self.root}")
        note(f"{' '.join(a for a in args if not a.startswith('/'))[:90]}: {time.perf_counter() - started:.0f} s")
        return done.stdout

    def flask(self, *args: str) -> str:
        return self.run("-m", "flask", "--app", "run", *args)

    def empty_database(self) -> None:
        """A fresh database: the SQLite file is new; a PostgreSQL database loses its public schema."""
        if self.engine != "postgresql":
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()

    def schools(self) -> int:
        """How many schools the database holds (0 when it has no tables yet)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM school")).scalar()
        except Exception:
            return 0
        finally:
            engine.dispose()

    def seed(self, fresh: bool = True) -> None:
        """Migrations and the demo school, through the code under test's own commands."""
        if fresh:
            self.empty_database()
        self.flask("db", "upgrade")
        self.flask("seed-demo", "--if-empty")

    def build(self, *options: str) -> dict:
        """bench/build_data.py run by the code under test: the benchmark's own rows; returns its ids.
        On PostgreSQL the tables are analysed then, as autovacuum would soon do on a school's
        server: plans made without statistics are not what a school would see."""
        out = self.run(str(BENCH / "build_data.py"), *options)
        self.analyze()
        return json.loads(out.strip().splitlines()[-1])

    def analyze(self) -> None:
        if self.engine != "postgresql":
            return
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()

    @contextmanager
    def server(self, workers: int = 1, **env):
        """gunicorn from the code under test (sync workers), SQL counted, sign-in limit raised."""
        port = free_port()
        # Only failed sign-ins count against PARTA_LOGIN_RATE_LIMIT (app/security/login_limits.py);
        # older code counted every sign-in, so the bench server allows plenty either way.
        # The warm-up at a worker's start runs in a thread beside the first requests: the bench
        # measures the warm state, so it is off here (PARTA_WARM_UP=1 in env puts it back).
        server_env = self.env(PARTA_COUNT_SQL="1", PARTA_LOGIN_RATE_LIMIT="100000 per minute",
                              **{"PARTA_WARM_UP": "0", **env})
        log = open(self.workdir / f"gunicorn-{port}.log", "w")
        process = subprocess.Popen(
            [self.python, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync", "--bind",
             f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "120", "--log-level", "warning", "run:app"],
            cwd=self.root, env=server_env, stdout=log, stderr=log)
        self.last_server = process  # bench/first_visits.py watches its worker's warm-up
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited; see {log.name}")
                try:
                    urllib.request.urlopen(base + "/login/", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def csrf_of(page: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(rb'id="grid-csrf" value="([^"]+)"', page)
    return found.group(1).decode() if found else ""


class Browser:
    """Cookies, a CSRF token and a new connection per request, like a browser tab to a sync worker."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.read(), response.headers

    def login(self, username: str, password: str = PASSWORD) -> None:
        _, page, _ = self.request("/login/")
        body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": csrf_of(page)}).encode()
        _, page, _ = self.request("/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if b'name="password"' in page and b"logout" not in page:
            raise RuntimeError(f"{username} could not sign in")


def timed(call) -> tuple[float, int, int]:
    """(ms, SQL statements, bytes) of one request; any status but 200 stops the benchmark."""
    started = time.perf_counter()
    status, body, headers = call()
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"HTTP {status}")
    return elapsed, int(headers.get("X-Parta-SQL-Statements", "-1")), len(body)


def percentile(sorted_values: list, share: float) -> float:
    return sorted_values[max(0, min(len(sorted_values) - 1, int(round(len(sorted_values) * share)) - 1))]


def summary(name: str, engine: str, samples: list, **extra) -> dict:
    """One JSON line: p50/p95 ms, the SQL count (a list when it varied) and the bytes of the answer."""
    times = sorted(t for t, _, _ in samples)
    statements = sorted({n for _, n, _ in samples})
    sizes = sorted(b for _, _, b in samples)
    line = dict(name=name, engine=engine, p50_ms=round(statistics.median(times), 1), p95_ms=round(percentile(times, 0.95), 1),
                sql_statements=statements[0] if len(statements) == 1 else statements, bytes=sizes[len(sizes) // 2],
                runs=len(times), **extra)
    emit(**line)
    return line


def measure(name: str, engine: str, call, runs: int, warmup: int = 3, **extra) -> dict:
    for _ in range(warmup):
        call()
    return summary(name, engine, [timed(call) for _ in range(runs)], **extra)


# --- a small asyncio HTTP/1.1 client, for many concurrent users on loopback -------------------

class AsyncClient:
    """One user's cookies; each request on its own connection (gunicorn's sync workers close it)."""

    def __init__(self, base: str):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
                      timeout: float = 60) -> tuple[int, bytes, dict]:
        return await asyncio.wait_for(self._request(method, path, body, headers or {}), timeout)

    async def _request(self, method, path, body, headers):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close",
                     f"Content-Length: {len(body)}"]
            if self.cookies:
                lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            lines += [f"{k}: {v}" for k, v in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split()[1])
            answer: dict[str, str] = {}
            for line in header_lines:
                if not line:
                    continue
                key, _, value = line.partition(":")
                key, value = key.strip().lower(), value.strip()
                if key == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if "expires=thu, 01 jan 1970" in value.lower() or "max-age=0" in value.lower():
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = cookie_value
                answer[key] = value
            if "content-length" in answer:
                content = await reader.readexactly(int(answer["content-length"]))
            elif answer.get("transfer-encoding", "").lower() == "chunked":
                content = b""
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                    if size == 0:
                        break
                    content += await reader.readexactly(size)
                    await reader.readexactly(2)
            else:
                content = await reader.read()
            return status, content, answer
        finally:
            writer.close()

    async def get(self, path: str, **kw):
        return await self.request("GET", path, **kw)

    async def login(self, username: str, password: str = PASSWORD) -> None:
        _, page, _ = await self.get("/login/")
        body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": csrf_of(page)}).encode()
        status, _, headers = await self.request("POST", "/login/", body,
                                                {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302 or headers.get("location", "").rstrip("/").endswith("/login"):
            raise RuntimeError(f"{username} could not sign in (HTTP {status})")
