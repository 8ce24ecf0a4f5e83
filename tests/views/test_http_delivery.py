"""Pages travel compressed; static files carry their content hash in the URL and are
cached for good, and a static URL without it is revalidated by its ETag."""
from __future__ import annotations

import re

from tests.conftest import login


def _static_urls(html: str) -> list:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_a_page_is_sent_with_brotli_or_gzip_as_the_browser_accepts(app, client):
    login(client, "teacher")
    plain = client.get("/").get_data()
    brotli = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert brotli.headers["Content-Encoding"] == "br" and len(brotli.get_data()) * 3 < len(plain)
    gzip = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in brotli.headers["Vary"]


def test_static_files_of_parta_and_of_fab_carry_a_fingerprint_and_are_cached_as_immutable(app, client):
    html = client.get("/login/").get_data(as_text=True)
    urls = _static_urls(html)
    own = [url for url in urls if "/static/appbuilder/" not in url]
    fab = [url for url in urls if "/static/appbuilder/" in url]
    assert own and fab and all("?v=" in url for url in urls)
    for url in (own[0], fab[0]):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
        response.close()


def test_a_page_served_under_a_prefix_links_its_static_files_under_it(app, client):
    """The layout's static URLs are made once per process: per prefix (SCRIPT_NAME) too."""
    plain = _static_urls(client.get("/login/").get_data(as_text=True))
    html = client.get("/login/", base_url="http://localhost/parta").get_data(as_text=True)
    prefixed = re.findall(r'(?:href|src)="(/parta/static/[^"]+)"', html)
    assert plain and [url.removeprefix("/parta") for url in prefixed] == plain
    assert _static_urls(html) == []  # none left without the prefix


def test_the_fingerprint_changes_with_the_files_content(app):
    from app.views.assets import Fingerprints

    fingerprints = Fingerprints(app.static_folder, watch=False)
    assert fingerprints.of("parta.js") != fingerprints.of("parta-grid.js")
    assert fingerprints.of("no-such-file.js") is None


def test_a_static_url_without_the_fingerprint_is_revalidated_and_answered_304_when_unchanged(client):
    first = client.get("/static/parta.js", headers={"Accept-Encoding": "br"})
    assert "no-cache" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    first.close()
    again = client.get("/static/parta.js", headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304
    stale = client.get("/static/parta.js?v=0000", headers={"Accept-Encoding": "br"})
    assert "immutable" not in stale.headers["Cache-Control"]
    stale.close()


def test_a_static_file_of_a_signed_in_browser_reads_nothing_from_the_database(app, client):
    from sqlalchemy import event

    from app.extensions import db

    login(client, "teacher")
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*args) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/static/parta.js").close()
        client.get("/static/appbuilder/css/ab.css").close()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []
