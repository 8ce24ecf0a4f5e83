"""Backups and restore (app/backup.py) on the engine of the run — SQLite's online backup API,
PostgreSQL's pg_dump and pg_restore: the demo school backed up, restored into a new database and
compared with the original table by table, row by row."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import MetaData, create_engine, select, text

from app import backup
from app.extensions import db
from app.rules.backups import kept
from tests.conftest import _fresh_database


def _tables(url: str) -> dict[str, list]:
    """Every table's rows in key order."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        with engine.connect() as connection:
            metadata.reflect(bind=connection)
            return {name: [tuple(row) for row in connection.execute(
                select(table).order_by(*(list(table.primary_key.columns) or list(table.columns))))]
                for name, table in metadata.tables.items()}
    finally:
        engine.dispose()


@pytest.fixture()
def empty_database(tmp_path):
    url, drop = _fresh_database(tmp_path)
    yield url
    if drop:
        drop()


def _backup(copy_app, directory: Path, key=None) -> backup.Manifest:
    with copy_app.app_context():
        made = backup.create(db.engine, directory, key)
        db.session.remove()
    return made


def _restore(copy_app, *args, **kwargs) -> backup.Restored:
    """A restore as the commands and the worker run it: inside the app (its messages in Russian)."""
    with copy_app.app_context():
        return backup.restore(*args, **kwargs)


def test_the_demo_backed_up_and_restored_into_a_new_database_is_the_same_row_for_row(copy_app, tmp_path,
                                                                                    empty_database):
    manifest = _backup(copy_app, tmp_path / "backups")
    stored = tmp_path / "backups" / manifest.file
    assert stored.is_file() and backup.manifest_path(stored).is_file()
    with copy_app.app_context():
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.remove()
    assert manifest.revision == revision and manifest.tables["mark"]["rows"] > 1000
    assert json.loads(backup.manifest_path(stored).read_text())["sha256"] == manifest.sha256
    done = _restore(copy_app, stored, empty_database)
    assert done.ok, done.differences
    assert done.rows == manifest.rows and done.tables == len(manifest.tables)
    original, restored = _tables(copy_app.config["SQLALCHEMY_DATABASE_URI"]), _tables(empty_database)
    assert original.keys() == restored.keys()
    for name in original:
        assert original[name] == restored[name], name


def test_an_encrypted_backup_restores_only_with_its_key(copy_app, tmp_path, empty_database):
    key = Fernet.generate_key().decode()
    manifest = _backup(copy_app, tmp_path, key)
    stored = tmp_path / manifest.file
    assert manifest.encrypted and backup.is_encrypted(stored) and b"SQLite format" not in stored.read_bytes()[:200]
    with pytest.raises(backup.BackupError, match="зашифрована"):
        _restore(copy_app, stored, empty_database)
    with pytest.raises(backup.BackupError, match="не удаётся расшифровать"):
        _restore(copy_app, stored, empty_database, key=Fernet.generate_key().decode())
    assert _restore(copy_app, stored, empty_database, key=key).ok


def test_a_damaged_backup_is_refused_before_anything_is_restored(copy_app, tmp_path, empty_database):
    manifest = _backup(copy_app, tmp_path)
    stored = tmp_path / manifest.file
    content = bytearray(stored.read_bytes())
    content[len(content) // 2] ^= 0xFF
    stored.write_bytes(bytes(content))
    with pytest.raises(backup.BackupError, match="не совпадает с контрольной суммой"):
        _restore(copy_app, stored, empty_database)
    assert _tables(empty_database) == {}


def test_a_restore_into_a_database_that_holds_data_is_refused_unless_forced(copy_app, tmp_path):
    manifest = _backup(copy_app, tmp_path)
    with pytest.raises(backup.BackupError, match="не пуста"):
        _restore(copy_app, tmp_path / manifest.file, copy_app.config["SQLALCHEMY_DATABASE_URI"])


def test_a_verification_run_restores_into_a_scratch_database_and_leaves_none_behind(copy_app, tmp_path):
    manifest = _backup(copy_app, tmp_path)
    with copy_app.app_context():
        done = backup.verify(tmp_path / manifest.file, db.engine)
        db.session.remove()
    assert done.ok and done.rows == manifest.rows
    if copy_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        import time

        deadline = time.monotonic() + 30  # another test of this run may be verifying a backup meanwhile
        while True:
            with copy_app.app_context():
                left = db.session.scalar(text("SELECT count(*) FROM pg_database WHERE datname LIKE 'parta_verify_%'"))
                db.session.remove()
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert left == 0


def test_the_backup_and_restore_commands(copy_app, tmp_path, empty_database):
    copy_app.config["PARTA_BACKUP_DIR"] = str(tmp_path / "cli")
    runner = copy_app.test_cli_runner()
    made = runner.invoke(args=["backup"])
    assert made.exit_code == 0, made.output
    [stored] = [p for p in (tmp_path / "cli").iterdir() if not p.name.endswith(".manifest.json")]
    restored = runner.invoke(args=["restore", str(stored), "--into", empty_database])
    assert restored.exit_code == 0 and "restored" in restored.output, restored.output
    again = runner.invoke(args=["restore", str(stored), "--into", empty_database])
    assert again.exit_code != 0 and "не пуста" in again.output


def test_the_retention_keeps_the_newest_of_each_of_7_days_4_weeks_and_12_months():
    start = dt.datetime(2026, 1, 1, 2, 0)
    nightly = [start + dt.timedelta(days=n) for n in range(400)]
    nightly.append(nightly[-1] + dt.timedelta(hours=3))  # a backup made by hand the same day
    keep = kept(nightly)
    newest = max(nightly)
    assert newest in keep and nightly[-2] not in keep  # of two the same day, the newer
    days = {s.date() for s in keep if newest - s < dt.timedelta(days=7)}
    assert len(days) == 7
    assert len({tuple(s.isocalendar())[:2] for s in keep}) >= 4
    assert len({(s.year, s.month) for s in keep}) == 12
    assert len(keep) <= 7 + 4 + 12
    assert min(keep) >= newest - dt.timedelta(days=366)


def test_pruning_deletes_the_files_and_manifests_the_retention_drops(tmp_path):
    for n in range(10):
        stamp = dt.datetime(2026, 11, 20, 2, 0) + dt.timedelta(days=n)
        name = f"parta-{stamp:%Y%m%d-%H%M%S}.sqlite3"
        (tmp_path / name).write_bytes(b"x")
        backup.Manifest(file=name, created_at=stamp.isoformat(), engine="sqlite", revision="0018").write(
            backup.manifest_path(tmp_path / name))
    gone = backup.prune(tmp_path, daily=3, weekly=0, monthly=0)
    assert len(gone) == 7
    assert sorted(p.name for p in tmp_path.glob("*.sqlite3")) == [f"parta-202611{d}-020000.sqlite3" for d in (27, 28, 29)]
    assert len(list(tmp_path.glob("*.manifest.json"))) == 3


def test_restoring_over_the_app_s_own_database_asks_first(copy_app, tmp_path):
    manifest = _backup(copy_app, tmp_path)
    runner = copy_app.test_cli_runner()
    refused = runner.invoke(args=["restore", str(tmp_path / manifest.file), "--force"], input="n\n")
    assert refused.exit_code != 0 and "Go on?" in refused.output
    assert runner.invoke(args=["restore", str(tmp_path / manifest.file)]).exit_code != 0  # not empty: refused


def test_backups_are_readable_by_their_owner_only(copy_app, tmp_path):
    manifest = _backup(copy_app, tmp_path / "private")
    stored = tmp_path / "private" / manifest.file
    assert stored.stat().st_mode & 0o777 == 0o600 and backup.manifest_path(stored).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "private").stat().st_mode & 0o777 == 0o700


def test_a_manifest_naming_a_file_outside_the_folder_is_not_offered(tmp_path):
    backup.Manifest(file="../../secret_key", created_at="2026-12-01T02:00:00+00:00", engine="sqlite",
                    revision="0019").write(tmp_path / "parta-20261201-020000.sqlite3.manifest.json")
    assert backup.backups(tmp_path) == []
