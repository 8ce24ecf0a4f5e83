"""Backups of the whole database and their restore, verified against a manifest.

A backup is one file in the backup directory (PARTA_BACKUP_DIR, default instance/backups) and a
manifest beside it (`<file>.manifest.json`): when and of what engine it was made, the schema's
Alembic revision, each table's row count and SHA-256 of its rows in key order, and the SHA-256
and size of the file as stored.

- SQLite: the online backup API copies the live file page by page (writers may go on); the
  counts and digests are read from the copy.
- PostgreSQL: `pg_dump --format=custom` on a snapshot exported from a REPEATABLE READ
  transaction, in which the counts and digests are read too: the dump and the manifest describe
  the same moment.
- With PARTA_BACKUP_KEY (a Fernet key) the file is encrypted in 16 MB chunks, each a Fernet
  token (AES-128-CBC with HMAC-SHA256): a changed byte is refused, not restored.

A restore goes into an empty database (a non-empty one only when forced), then reads the
restored tables back and compares their counts and digests with the manifest.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

from flask_babel import gettext
from sqlalchemy import MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url

from app.rules.backups import kept

MAGIC = b"PARTA-BACKUP-ENCRYPTED-1\n"
CHUNK = 16 * 1024 * 1024
Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Russian."""


@dataclass
class Manifest:
    file: str
    created_at: str
    engine: str
    revision: Optional[str]
    tables: dict = field(default_factory=dict)  # name → {"rows": n, "sha256": hex}
    sha256: str = ""
    size: int = 0
    encrypted: bool = False

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())

    @property
    def created(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.created_at)

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


# --- what a database holds ------------------------------------------------------------------

def _value(value) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    return repr(value)


def contents(connection: Connection, progress: Optional[Progress] = None) -> tuple[Optional[str], dict]:
    """The schema revision and, for each table, its row count and the SHA-256 of its rows in
    the order of their key (every column when a table has none)."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    tables = {}
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        if progress:
            progress(gettext("table %(name)s", name=table.name))
        order = list(table.primary_key.columns) or list(table.columns)
        digest, rows = hashlib.sha256(), 0
        result = connection.execution_options(stream_results=True, yield_per=5000).execute(
            select(table).order_by(*order))
        for row in result:
            digest.update("\x1f".join(_value(v) for v in row).encode("utf-8"))
            digest.update(b"\x1e")
            rows += 1
        tables[table.name] = {"rows": rows, "sha256": digest.hexdigest()}
    revision = None
    if "alembic_version" in metadata.tables:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return revision, tables


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


# --- files ----------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _fernet(key: str):
    from cryptography.fernet import Fernet

    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError) as error:
        raise BackupError(gettext("PARTA_BACKUP_KEY is not a valid key (32 bytes in URL-safe Base64).")) from error


def _encrypt(plain: Path, target: Path, key: str) -> None:
    fernet = _fernet(key)
    with plain.open("rb") as source, target.open("wb") as out:
        out.write(MAGIC)
        for block in iter(lambda: source.read(CHUNK), b""):
            token = fernet.encrypt(block)
            out.write(len(token).to_bytes(4, "big"))
            out.write(token)


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as source:
        return source.read(len(MAGIC)) == MAGIC


def _decrypt(stored: Path, target: Path, key: Optional[str]) -> None:
    from cryptography.fernet import InvalidToken

    if not key:
        raise BackupError(gettext("The backup is encrypted: set PARTA_BACKUP_KEY to the key it was made with."))
    fernet = _fernet(key)
    with stored.open("rb") as source, target.open("wb") as out:
        source.read(len(MAGIC))
        while header := source.read(4):
            token = source.read(int.from_bytes(header, "big"))
            try:
                out.write(fernet.decrypt(token))
            except InvalidToken as error:
                raise BackupError(gettext("The backup cannot be decrypted with this key, or it was changed.")) from error


# --- PostgreSQL's tools ---------------------------------------------------------------------

def _libpq(url) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment carrying it."""
    from psycopg.conninfo import make_conninfo

    url = make_url(url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database,
             **{key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()}}
    return make_conninfo(**{key: value for key, value in parts.items() if value is not None}), env


def _tool(*command: str, env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(gettext("%(tool)s is not installed (Debian: apt install postgresql-client).", tool=command[0]))
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(gettext("%(tool)s failed: %(error)s", tool=command[0], error=done.stderr.strip()[-500:]))


# --- backup ---------------------------------------------------------------------------------

def create(engine: Engine, directory: Path, key: Optional[str] = None, progress: Optional[Progress] = None,
           now: Optional[dt.datetime] = None) -> Manifest:
    """Backs up the database into the directory; returns the manifest written beside the file."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # a backup holds every school's personal data
    now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    dialect = engine.dialect.name
    suffix = {"sqlite": "sqlite3", "postgresql": "dump"}.get(dialect)
    if suffix is None:
        raise BackupError(gettext("Backups of %(engine)s databases are not supported.", engine=dialect))
    name = f"parta-{now:%Y%m%d-%H%M%S}.{suffix}" + (".enc" if key else "")
    final = directory / name
    with tempfile.TemporaryDirectory(dir=directory, prefix=".partial-") as scratch:
        plain = Path(scratch) / f"backup.{suffix}"
        if dialect == "sqlite":
            revision, tables = _sqlite_backup(engine, plain, progress)
        else:
            revision, tables = _postgres_backup(engine, plain, progress)
        if key:
            _encrypt(plain, Path(scratch) / "backup.enc", key)
            plain.unlink()
            plain = Path(scratch) / "backup.enc"
        manifest = Manifest(file=name, created_at=now.isoformat(), engine=dialect, revision=revision, tables=tables,
                            sha256=_sha256(plain), size=plain.stat().st_size, encrypted=bool(key))
        os.chmod(plain, 0o600)
        os.replace(plain, final)  # the file appears whole or not at all
    manifest.write(manifest_path(final))
    os.chmod(manifest_path(final), 0o600)
    return manifest


def _sqlite_backup(engine: Engine, target: Path, progress: Optional[Progress]) -> tuple[Optional[str], dict]:
    if progress:
        progress(gettext("copying the database"))
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        with destination:
            raw.driver_connection.backup(destination)
        destination.close()
    finally:
        raw.close()
    copy = create_engine(f"sqlite:///{target}")
    try:
        with copy.connect() as connection:
            return contents(connection, progress)
    finally:
        copy.dispose()


def _postgres_backup(engine: Engine, target: Path, progress: Optional[Progress]) -> tuple[Optional[str], dict]:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            if progress:
                progress(gettext("pg_dump"))
            dsn, env = _libpq(engine.url)
            _tool("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={target}", f"--dbname={dsn}", env=env)
            return contents(connection, progress)


def backups(directory: Path) -> list[Manifest]:
    """The directory's backups that have a manifest, newest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.glob("parta-*.manifest.json"):
        try:
            manifest = Manifest.read(path)
        except (ValueError, TypeError, KeyError):
            continue
        if Path(manifest.file).name == manifest.file and path.name == manifest.file + ".manifest.json":
            found.append(manifest)  # a manifest naming a file elsewhere is not offered
    return sorted(found, key=lambda m: m.created_at, reverse=True)


def prune(directory: Path, daily: int = 7, weekly: int = 4, monthly: int = 12) -> list[str]:
    """Deletes the backups the retention does not keep; returns their file names."""
    found = backups(directory)
    keep = kept([m.created for m in found], daily, weekly, monthly)
    gone = []
    for manifest in found:
        if manifest.created not in keep:
            (directory / manifest.file).unlink(missing_ok=True)
            manifest_path(directory / manifest.file).unlink(missing_ok=True)
            gone.append(manifest.file)
    return gone


# --- restore --------------------------------------------------------------------------------

@dataclass
class Restored:
    manifest: Manifest
    tables: int
    rows: int
    differences: list  # (table, what the manifest says, what the database holds)

    @property
    def ok(self) -> bool:
        return not self.differences


def check_file(path: Path) -> Manifest:
    """The backup's manifest, after the file's size and SHA-256 are checked against it."""
    manifest_file = manifest_path(path)
    if not path.is_file() or not manifest_file.is_file():
        raise BackupError(gettext("No backup %(name)s with its manifest.", name=path.name))
    manifest = Manifest.read(manifest_file)
    if path.stat().st_size != manifest.size or _sha256(path) != manifest.sha256:
        raise BackupError(gettext("The backup file %(name)s does not match its manifest's checksum: it is damaged "
                                  "or was changed.", name=path.name))
    return manifest


@contextmanager
def _plain_copy(path: Path, manifest: Manifest, key: Optional[str]) -> Iterator[Path]:
    if not manifest.encrypted:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="parta-restore-") as scratch:
        plain = Path(scratch) / "backup"
        _decrypt(path, plain, key)
        yield plain


def restore(path: Path, target_url: str, key: Optional[str] = None, force: bool = False,
            progress: Optional[Progress] = None) -> Restored:
    """Restores a backup into the database at target_url (empty, unless forced) and compares
    what it then holds with the manifest."""
    manifest = check_file(path)
    target = create_engine(target_url)
    try:
        if target.dialect.name != manifest.engine:
            raise BackupError(gettext("A backup of %(made)s cannot be restored into %(target)s.",
                                      made=manifest.engine, target=target.dialect.name))
        if not force and not is_empty(target):
            raise BackupError(gettext("The target database is not empty; restoring would mix two databases. "
                                      "Choose an empty one (or force it)."))
        with _plain_copy(path, manifest, key) as plain:
            if progress:
                progress(gettext("restoring"))
            if manifest.engine == "sqlite":
                _sqlite_restore(plain, target)
            else:
                dsn, env = _libpq(target.url)
                _tool("pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
                      *(["--clean", "--if-exists"] if force else []), f"--dbname={dsn}", str(plain), env=env)
        with target.connect() as connection:
            revision, tables = contents(connection, progress)
    finally:
        target.dispose()
    differences = [(name, manifest.tables.get(name), tables.get(name))
                   for name in sorted(set(manifest.tables) | set(tables))
                   if manifest.tables.get(name) != tables.get(name)]
    if revision != manifest.revision:
        differences.append(("alembic_version", manifest.revision, revision))
    return Restored(manifest, len(tables), sum(t["rows"] for t in tables.values()), differences)


def _sqlite_restore(plain: Path, target: Engine) -> None:
    database = target.url.database
    if not database or database == ":memory:":
        raise BackupError(gettext("A SQLite backup is restored into a database file."))
    target.dispose()
    source = sqlite3.connect(f"file:{plain}?mode=ro", uri=True)
    destination = sqlite3.connect(database)
    try:
        with destination:
            source.backup(destination)
    finally:
        source.close()
        destination.close()


def verify(path: Path, engine: Engine, key: Optional[str] = None, progress: Optional[Progress] = None) -> Restored:
    """A verification run: the backup restored into a scratch database beside the live one
    (a temporary file; on PostgreSQL a database created and dropped on the same server) and
    compared with its manifest."""
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="parta-verify-") as scratch:
            return restore(path, f"sqlite:///{Path(scratch) / 'verify.sqlite3'}", key, progress=progress)
    name = f"parta_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            return restore(path, engine.url.set(database=name).render_as_string(hide_password=False), key,
                           progress=progress)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
