"""Limits on signing in (app/security/login_limits.py, app/rules/login.py).

In the test app: wrong passwords hold a login back only from the address they came
from, never the login's own browser, and start again after the right password. Against
gunicorn with several workers and the real Redis on 127.0.0.1:6379: failed sign-ins
from one address are limited across all workers, with one counter for the form, the
REST API and the NetSchool API, and a login's backoff holds on every worker."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import config
from app.extensions import db
from app.models import AccountAudit, PartaUser
from tests.conftest import flashes, unique

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Верный-пароль-5"
REDIS = "redis://127.0.0.1:6379"


@pytest.fixture()
def new_login(app):
    """Logins of the demo school for one test, removed after it."""
    made = []

    def make(role: str = "Учитель") -> str:
        with app.app_context():
            sm = app.appbuilder.sm
            name = unique("limit").replace(" ", "_")
            user = sm.add_user(name, "Анна", "Пределова", f"{name}@example.ru", [sm.find_role(role)], password=PASSWORD)
            user.school_id = db.session.scalar(select(PartaUser.school_id).where(PartaUser.username == "admin"))
            db.session.commit()
            made.append(user.id)
            db.session.remove()
        return name

    yield make
    with app.app_context():
        for user_id in made:
            user = db.session.get(PartaUser, user_id)
            if user is not None:
                db.session.delete(user)
        db.session.commit()
        db.session.remove()


def _form(client, username: str, password: str, address: str):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, follow_redirects=True)


def _signed_in(client, address: str = "127.0.0.1") -> bool:
    return client.get("/resetmypassword/form", environ_base={"REMOTE_ADDR": address}).status_code == 200


def _held(response) -> bool:
    return any("вход заблокирован до" in m for m in flashes(response.get_data(as_text=True)))


def test_wrong_passwords_hold_a_login_back_only_from_the_address_they_came_from(app, new_login):
    name = new_login()
    guesser = app.test_client()
    for _ in range(5):
        _form(guesser, name, "неверный", "203.0.113.5")
    assert _held(_form(guesser, name, PASSWORD, "203.0.113.5"))
    assert not _signed_in(guesser, "203.0.113.5")
    teacher = app.test_client()
    _form(teacher, name, PASSWORD, "198.51.100.7")
    assert _signed_in(teacher, "198.51.100.7")


def test_the_first_wait_is_a_minute_not_a_quarter_of_an_hour(app, new_login):
    name = new_login()
    client = app.test_client()
    for _ in range(5):
        _form(client, name, "неверный", "203.0.113.6")
    message = next(m for m in flashes(_form(client, name, PASSWORD, "203.0.113.6").get_data(as_text=True))
                   if "вход заблокирован до" in m)
    shown = re.search(r"(\d\d):(\d\d)", message).groups()
    now = dt.datetime.now(ZoneInfo(config.Config.BABEL_DEFAULT_TIMEZONE))
    expected = {(now + dt.timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1, 2)}
    assert ":".join(shown) in expected


def test_a_teachers_own_browser_is_not_held_back_by_guesses_from_the_school_network(app, new_login):
    name = new_login()
    school_network = "10.20.30.40"
    teacher = app.test_client()
    _form(teacher, name, PASSWORD, school_network)
    teacher.post("/logout/", environ_base={"REMOTE_ADDR": school_network})
    remembered = teacher.get_cookie("parta_device").value
    assert name not in base64.urlsafe_b64decode(remembered.split(".")[0] + "==").decode(), \
        "the cookie of a shared computer does not tell who signed in on it"
    pupil = app.test_client()
    for _ in range(8):
        _form(pupil, name, "угадываю", school_network)
    assert _held(_form(pupil, name, PASSWORD, school_network)), "the guesser's browser waits"
    assert _held(_form(app.test_client(), name, PASSWORD, school_network)), "so does any new browser there"
    _form(teacher, name, PASSWORD, school_network)
    assert _signed_in(teacher, school_network), "the browser that signed in before is not held back"


def test_the_right_password_starts_the_count_again(app, new_login):
    name = new_login()
    client = app.test_client()
    for _ in range(2):
        for _ in range(4):
            _form(client, name, "неверный", "203.0.113.8")
        response = _form(client, name, PASSWORD, "203.0.113.8")
        assert not _held(response) and _signed_in(client, "203.0.113.8")
        client.post("/logout/", environ_base={"REMOTE_ADDR": "203.0.113.8"})


def test_typing_the_login_in_another_case_gives_no_fresh_tries(app, new_login):
    name = new_login()
    client = app.test_client()
    for variant in (name, name.upper(), name.capitalize(), name.swapcase(), f" {name} "):
        _form(client, variant, "неверный", "203.0.113.9")
    assert _held(_form(client, name, PASSWORD, "203.0.113.9"))


def test_the_rest_api_and_the_form_count_wrong_passwords_together(app, new_login):
    name = new_login()
    client = app.test_client()
    for _ in range(3):
        _form(client, name, "неверный", "203.0.113.10")
    for _ in range(2):
        client.post("/api/v1/security/login", json={"username": name, "password": "неверный", "provider": "db"},
                    environ_base={"REMOTE_ADDR": "203.0.113.10"})
    refused = client.post("/api/v1/security/login", json={"username": name, "password": PASSWORD, "provider": "db"},
                          environ_base={"REMOTE_ADDR": "203.0.113.10"})
    assert refused.status_code == 401
    elsewhere = client.post("/api/v1/security/login", json={"username": name, "password": PASSWORD, "provider": "db"},
                            environ_base={"REMOTE_ADDR": "198.51.100.10"})
    assert elsewhere.status_code == 200 and "access_token" in elsewhere.get_json()


def test_a_wait_is_recorded_in_the_account_audit_with_the_address(app, new_login):
    name = new_login()
    client = app.test_client()
    for _ in range(5):
        _form(client, name, "неверный", "203.0.113.11")
    with app.app_context():
        rows = db.session.scalars(select(AccountAudit).where(AccountAudit.target_username == name,
                                                             AccountAudit.action == "login_held")).all()
        assert len(rows) == 1 and rows[0].address == "203.0.113.11" and rows[0].school_id is not None
        db.session.remove()


# --- several gunicorn workers, one Redis ------------------------------------------------

LIMIT = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_client():
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:  # CI starts the server (.ci/run); a missing one fails
        pytest.fail(f"Redis must answer on {REDIS} for these tests: {error}")
    return client


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    """Parta under gunicorn with 3 workers sharing the Redis counters; the test database.
    Yields (base URL, access log path)."""
    redis_client = _redis_client()
    prefix = f"parta-test-{uuid.uuid4().hex[:8]}"
    folder = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    env = {**os.environ, "PARTA_DATABASE_URL": database_url, "PARTA_SECRET_KEY": "parta-rate-limit-test-key",
           "PARTA_INSTANCE_DIR": str(folder), "PARTA_RATELIMIT": "1", "PARTA_RATELIMIT_STORAGE": REDIS,
           "PARTA_RATELIMIT_PREFIX": prefix, "PARTA_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
           "PARTA_BEHIND_PROXY": "1", "FAB_UPDATE_PERMS": "False"}
    access_log = folder / "access.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-w", "3", "-b", f"127.0.0.1:{port}", "--access-logfile", str(access_log),
         "--access-logformat", "%(p)s %(s)s %(m)s %(U)s", "--error-logfile", str(folder / "error.log"), "run:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if urllib.request.urlopen(base + "/login/", timeout=5).status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert process.poll() is None, (folder / "error.log").read_text()[-3000:]
            assert time.time() < deadline, "gunicorn did not start"
            time.sleep(0.5)
        booted = lambda: (folder / "error.log").read_text().count("Booting worker")  # noqa: E731
        while booted() < 3 and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(3)  # the last worker builds its app
        yield base, access_log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)


class Browser:
    """A browser from one address (X-Forwarded-For behind the proxy): its own cookies,
    a new connection for each request, so gunicorn hands requests to any worker."""

    def __init__(self, base: str, address: str):
        self.base, self.address = base, address
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def request(self, path: str, data=None, json_body=None, headers=None) -> tuple:
        body, head = None, {"X-Forwarded-For": self.address, **(headers or {})}
        if json_body is not None:
            body, head["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body, headers=head), timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def form_login(self, username: str, password: str) -> int:
        if not getattr(self, "token", None):
            page = self.request("/login/")[1]
            self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return self.request("/login/", data={"username": username, "password": password, "csrf_token": self.token})[0]

    def signed_in(self) -> bool:
        return self.request("/resetmypassword/form")[0] == 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _pids(access_log: Path, since: int) -> set:
    lines = access_log.read_text().splitlines()[since:]
    return {line.split()[0] for line in lines if "POST /login/" in line}


def test_failed_sign_ins_from_one_address_are_limited_across_all_workers(server):
    base, access_log = server
    before = len(access_log.read_text().splitlines())
    sprayer = Browser(base, "192.0.2.50")
    answers = [sprayer.form_login(f"nobody-{n}-{uuid.uuid4().hex[:4]}", "Лето2026!") for n in range(100)]
    assert answers.count(429) == 100 - LIMIT, answers
    assert set(answers[:LIMIT]) == {302}
    time.sleep(0.5)  # the access log is written after the response
    assert len(_pids(access_log, before)) >= 2, "the attempts reached several workers"


def test_the_form_the_rest_api_and_the_netschool_api_share_one_counter(server):
    base, _log = server
    client = Browser(base, "192.0.2.51")
    for n in range(4):
        assert client.form_login(f"ghost-{n}", "x") == 302
    for n in range(3):
        assert client.request("/api/v1/security/login", json_body={"username": f"ghost-{n}", "password": "x",
                                                                  "provider": "db"})[0] == 401
    for n in range(3):
        api = Browser(base, "192.0.2.51")
        api.request("/webapi/logindata")
        salt = json.loads(api.request("/webapi/auth/getdata", data={})[1])["salt"]
        pw2 = hashlib.md5(salt.encode() + hashlib.md5(b"x").hexdigest().encode()).hexdigest()
        assert api.request("/webapi/login", data={"loginType": 1, "scid": 1, "un": f"ghost-{n}", "pw2": pw2})[0] == 409
    assert client.form_login("ghost-x", "x") == 429
    status, body = client.request("/api/v1/security/login", json_body={"username": "ghost", "password": "x", "provider": "db"})
    assert status == 429 and "Слишком много неудачных попыток входа" in json.loads(body)["message"]
    assert Browser(base, "192.0.2.51").request("/webapi/login", data={"un": "ghost", "pw2": "x"})[0] == 429
    assert Browser(base, "192.0.2.52").form_login("ghost-x", "x") == 302, "another address is not limited"


def test_successful_sign_ins_do_not_use_up_the_limit(server, new_login):
    base, _log = server
    name = new_login()
    for _ in range(LIMIT + 5):
        browser = Browser(base, "192.0.2.53")
        assert browser.form_login(name, PASSWORD) == 302 and browser.signed_in()


def test_a_logins_wait_holds_on_every_worker(server, new_login):
    base, access_log = server
    name = new_login()
    before = len(access_log.read_text().splitlines())
    guesser = Browser(base, "192.0.2.54")
    for _ in range(5):
        assert guesser.form_login(name, "неверный") == 302
    def right_password() -> tuple:
        browser = Browser(base, "192.0.2.54")
        return browser.form_login(name, PASSWORD), browser.signed_in()

    # whichever worker answers, the right password waits (within the address limit); sent three
    # at a time, so that a busy worker leaves the next one to another even on a loaded machine
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda _: right_password(), range(LIMIT - 6)))
    assert answers == [(302, False)] * (LIMIT - 6)
    time.sleep(0.5)
    assert len(_pids(access_log, before)) >= 2
    teacher = Browser(base, "192.0.2.55")
    assert teacher.form_login(name, PASSWORD) == 302 and teacher.signed_in()


def test_while_the_counters_storage_is_down_signing_in_goes_on_and_wrong_passwords_still_count(app, new_login):
    from app.security.login_limits import Counters

    name = new_login()
    working = app.extensions["parta_login_limits"]
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # nothing listens there; the client gives up at once instead of retrying for seconds
    app.extensions["parta_login_limits"] = Counters("redis://127.0.0.1:1", {"retry": Retry(NoBackoff(), 0)})
    try:
        client = app.test_client()
        for _ in range(5):
            _form(client, name, "неверный", "203.0.113.12")
        assert _held(_form(client, name, PASSWORD, "203.0.113.12"))
        teacher = app.test_client()
        _form(teacher, name, PASSWORD, "198.51.100.12")
        assert _signed_in(teacher, "198.51.100.12")
    finally:
        app.extensions["parta_login_limits"] = working
