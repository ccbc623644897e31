"""Backups of an installation and their restore (see docs/deploy.md, "Backups").

A backup is one folder: the database (SQLite's online copy or pg_dump's custom format),
the uploaded media file by file, and manifest.json with each file's SHA-256, the applied
migrations (the schema version), the row counts and a fingerprint of the data key. The
data key itself is never written: it is kept apart, and a restore refuses to run with
another key than the one the data was encrypted with.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import spor
from spor.lib import crypto

FORMAT = 1
MANIFEST = "manifest.json"
KEY_NOTE = ("The data key (SPOR_DATA_KEY) is not in this backup: keep it safe, apart from "
            "the backups. Without it the CPR numbers in the backup cannot be read.")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_sqlite(source_path, path):
    """A consistent copy, even while the server writes (SQLite's online backup)."""
    with sqlite3.connect(source_path) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    return path


def _pg(program: str, *args: str) -> None:
    if not shutil.which(program):
        raise BackupError(f"{program} is not installed on this machine (Debian: apt-get "
                          f"install postgresql-client).")
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    command = [program, f"--host={db.get('HOST') or 'localhost'}",
               f"--port={db.get('PORT') or 5432}", f"--username={db.get('USER') or 'postgres'}",
               *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def applied_migrations() -> dict[str, list[str]]:
    schema: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        schema.setdefault(app, []).append(name)
    return schema


def row_counts() -> dict[str, int]:
    """Rows per model, for the tables this database has (an older one lacks some)."""
    tables = set(connection.introspection.table_names())
    return {model._meta.label_lower: model._base_manager.count()
            for model in apps.get_models() if model._meta.db_table in tables}


def _check_key_fits_data() -> None:
    from spor.clients.models import Client

    token = Client.objects.exclude(cpr_encrypted="").values_list("cpr_encrypted", flat=True)
    token = token.first()
    try:
        crypto.decrypt(token or "")
    except InvalidToken:
        raise BackupError("The data key of this installation does not decrypt its own CPR "
                          "numbers: set SPOR_DATA_KEY to the key the data was written "
                          "with before backing up.") from None


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def write(parent: Path) -> Path:
    """Write a new backup folder in `parent` and return it. A folder being written is
    named .partial and renamed when whole, so a half-written backup is never taken."""
    _check_key_fits_data()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = parent / f"spor-{stamp}"
    work = parent / f"spor-{stamp}.partial"
    parent.mkdir(parents=True, exist_ok=True)
    work.mkdir(mode=0o700)
    try:
        if connection.vendor == "sqlite":
            database = "database.sqlite3"
            copy_sqlite(connection.settings_dict["NAME"], work / database)
        elif connection.vendor == "postgresql":
            database = "database.pgdump"
            _pg("pg_dump", "--format=custom", "--no-owner", f"--file={work / database}",
                connection.settings_dict["NAME"])
        else:
            raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
        media = Path(settings.MEDIA_ROOT)
        for source in _media_files(media):
            target = work / "media" / source.relative_to(media)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        files = {str(p.relative_to(work)): sha256(p) for p in sorted(work.rglob("*"))
                 if p.is_file()}
        manifest = {
            "format": FORMAT,
            "spor_version": spor.__version__,
            "created_at": timezone.now().isoformat(),
            "database": {"vendor": connection.vendor, "file": database},
            "migrations": applied_migrations(),
            "rows": row_counts(),
            "files": files,
            "data_key_check": crypto.key_check(),
            "data_key": KEY_NOTE,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        for path in work.rglob("*"):
            path.chmod(0o700 if path.is_dir() else 0o600)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def prune(parent: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` whole backups in `parent`; returns what went."""
    whole = sorted(p for p in parent.glob("spor-*") if (p / MANIFEST).is_file())
    gone = whole[:-keep] if keep > 0 else []
    for path in gone:
        shutil.rmtree(path)
    return gone


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a Spor backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BackupError(f"{path} cannot be read ({e}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: backup format {manifest.get('format')!r} is not one "
                          f"this version reads ({FORMAT}).")
    return manifest


def verify(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with its checksum, and nothing else."""
    listed = manifest["files"]
    present = {str(p.relative_to(folder)) for p in folder.rglob("*")
               if p.is_file() and p.name != MANIFEST}
    problems = [f"{name}: missing" for name in sorted(set(listed) - present)]
    problems += [f"{name}: not in the manifest" for name in sorted(present - set(listed))]
    problems += [f"{name}: checksum differs (the file is damaged or was changed)"
                 for name in sorted(set(listed) & present)
                 if sha256(folder / name) != listed[name]]
    if problems:
        raise BackupError(f"{folder} does not match its manifest:\n  " + "\n  ".join(problems))


def _newer_migrations(manifest: dict) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, names in manifest["migrations"].items()
            for name in names if (app, name) not in known]


def _check_empty() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(f"The database {connection.settings_dict['NAME']} is not empty "
                          f"({len(tables)} tables): restore only into a new, empty database.")
    media = Path(settings.MEDIA_ROOT)
    if _media_files(media):
        raise BackupError(f"The media folder {media} is not empty: restore only into a new "
                          f"data folder.")


def check(folder: Path) -> dict:
    """Everything a restore checks before it writes anything; returns the manifest."""
    manifest = read_manifest(folder)
    verify(folder, manifest)
    newer = _newer_migrations(manifest)
    if newer:
        raise BackupError(
            f"This backup was made by a newer version of Spor ({manifest['spor_version']}, "
            f"this is {spor.__version__}): it has migrations this version does not know "
            f"({', '.join(newer[:5])}{' …' if len(newer) > 5 else ''}). Install that version "
            f"or a later one, then restore.")
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(f"This backup holds a {manifest['database']['vendor']} database; "
                          f"this installation uses {connection.vendor}. Set DATABASE_URL to "
                          f"a database of the same kind.")
    if manifest["data_key_check"] != crypto.key_check():
        raise BackupError(
            "The data key of this installation is not the key the backup's data was "
            "encrypted with. Set SPOR_DATA_KEY to the key kept from the installation the "
            "backup came from, and run the restore again. Nothing was restored.")
    _check_empty()
    return manifest


def restore(folder: Path) -> dict:
    """Restore a backup folder into this empty installation, then migrate it forward.
    Returns what was restored: the manifest, the migrations applied and the row counts."""
    manifest = check(folder)
    database = folder / manifest["database"]["file"]
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        connection.close()
        copy_sqlite(database, name)
    else:
        _pg("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
            "--single-transaction", f"--dbname={connection.settings_dict['NAME']}",
            str(database))
    media = Path(settings.MEDIA_ROOT)
    files = [name for name in manifest["files"] if name.startswith("media/")]
    for name in files:
        target = media / Path(name).relative_to("media")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / name, target)
    before = {(app, n) for app, names in applied_migrations().items() for n in names}
    call_command("migrate", verbosity=0, interactive=False)
    after = {(app, n) for app, names in applied_migrations().items() for n in names}
    return {"manifest": manifest, "media_files": len(files),
            "migrated": sorted(f"{app}.{n}" for app, n in after - before),
            "rows": row_counts()}

