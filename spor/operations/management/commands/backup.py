import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def copy_sqlite(source_path, path):
    """A consistent copy, even while the server writes (SQLite's online backup)."""
    with sqlite3.connect(source_path) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    return path


class Command(BaseCommand):
    help = ("Write a consistent copy of the database to a folder (SQLite: a copy of the file; "
            "PostgreSQL: pg_dump's custom format). The key that decrypts CPR numbers "
            "(SPOR_DATA_KEY) is not in the copy: keep it safe, apart from the backups.")

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default=str(settings.DATA_DIR / "backups"))

    def handle(self, *args, folder, **options):
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        db = settings.DATABASES["default"]
        if connection.vendor == "sqlite":
            path = copy_sqlite(db["NAME"], target / f"spor-{stamp}.sqlite3")
        elif connection.vendor == "postgresql":
            if not shutil.which("pg_dump"):
                raise CommandError("pg_dump is not installed on this machine")
            path = target / f"spor-{stamp}.dump"
            env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
            command = ["pg_dump", "--format=custom", f"--file={path}",
                       f"--host={db.get('HOST') or 'localhost'}",
                       f"--port={db.get('PORT') or 5432}",
                       f"--username={db.get('USER') or 'postgres'}", db["NAME"]]
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise CommandError(f"Backups of {connection.vendor} databases are not supported")
        os.chmod(path, 0o600)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path}"))
        self.stdout.write("Keep SPOR_DATA_KEY apart from it: without the key the CPR numbers "
                          "in the backup cannot be read.")
