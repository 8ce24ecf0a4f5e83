"""GET /health: what a monitoring system reads — verdicts per part, 503 only when Parta cannot
serve, and nothing about schools, logins or paths."""
from __future__ import annotations

from app import jobs, queue
from tests.conftest import _app_on, _dispose


def test_health_answers_anyone_with_each_part_s_verdict_and_no_private_detail(app, client):
    answer = client.get("/health")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert set(body["checks"]) == {"database", "queue", "worker", "storage", "disk"}
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["queue"]["status"] == "ok"
    assert app.instance_path not in answer.get_data(as_text=True) and "МБОУ" not in answer.get_data(as_text=True)


def test_health_warns_until_a_worker_has_been_seen(app, client):
    with app.app_context():
        huey = queue.huey(app)
        huey.storage.flush_all()
        before = client.get("/health").get_json()
        jobs.mark_worker_seen(huey)
        after = client.get("/health").get_json()
        huey.storage.flush_all()
    assert before["status"] == "warn" and before["checks"]["worker"]["status"] == "warn"
    assert after["checks"]["worker"]["status"] == "ok" and after["checks"]["worker"]["seen_seconds_ago"] <= 5


def test_health_fails_with_503_when_the_queue_is_unreachable(database_url):
    application = _app_on(database_url, PARTA_QUEUE_URL="redis://127.0.0.1:1/0")
    try:
        answer = application.test_client().get("/health")
        assert answer.status_code == 503
        body = answer.get_json()
        assert body["status"] == "fail" and body["checks"]["queue"]["status"] == "fail"
        assert body["checks"]["database"]["status"] == "ok"
    finally:
        _dispose(application)


def test_with_json_logs_each_line_is_one_object_naming_the_request(database_url, capfd):
    import json
    import logging

    root = logging.getLogger()
    saved = list(root.handlers), root.level  # the app replaces the root logger's handlers with its JSON one
    application = _app_on(database_url, PARTA_LOG_FORMAT="json")
    try:
        with application.test_request_context("/journal/", method="POST"):
            logging.getLogger("app.test").warning("Журнал сохранён: %s ячеек", 30)
        line = [text for text in capfd.readouterr().err.splitlines() if "app.test" in text][-1]
        record = json.loads(line)
        assert record["level"] == "WARNING" and record["logger"] == "app.test"
        assert record["message"] == "Журнал сохранён: 30 ячеек"
        assert (record["method"], record["path"]) == ("POST", "/journal/") and "time" in record
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        _dispose(application)


def test_health_shows_its_figures_only_to_the_server_itself_or_a_monitor_with_the_token(app, client):
    outside = {"REMOTE_ADDR": "203.0.113.5"}
    verdicts = client.get("/health", environ_base=outside).get_json()
    assert verdicts["checks"]["database"] == {"status": "ok"} and "free_bytes" not in verdicts["checks"]["disk"]
    app.config["PARTA_HEALTH_TOKEN"] = "monitor-secret"
    try:
        wrong = client.get("/health", environ_base=outside, headers={"X-Health-Token": "guess"}).get_json()
        right = client.get("/health", environ_base=outside, headers={"X-Health-Token": "monitor-secret"}).get_json()
    finally:
        app.config["PARTA_HEALTH_TOKEN"] = None
    assert "ms" not in wrong["checks"]["database"] and "ms" in right["checks"]["database"]
    assert "free_bytes" in client.get("/health").get_json()["checks"]["disk"]  # loopback
