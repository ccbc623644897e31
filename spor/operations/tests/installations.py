"""Whole installations for the operations tests: a data folder and a database of their own
(SQLite in the folder, or a new PostgreSQL database beside the test database), driven
through the real `spor` command in a subprocess."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg
from django.db import connection

SPOR = str(Path(sys.executable).with_name("spor"))
DATA_KEY = "operations-test-data-key-of-forty-characters"
RELEASE_FIXTURE_KEY = "release-fixture-key-for-the-upgrade-test"


class Installation:
    def __init__(self, vendor: str, data_key: str = DATA_KEY, **env):
        self.folder = Path(tempfile.mkdtemp(prefix="spor-install-"))
        self.database = None
        if vendor == "postgresql":
            db = connection.settings_dict
            self.database = f"{db['NAME']}_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{self.database}"')
            url = (f"postgres://{db.get('USER') or 'postgres'}:{db.get('PASSWORD') or ''}@"
                   f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{self.database}")
        else:
            url = f"sqlite:///{self.folder / 'data' / 'spor.sqlite3'}"
        self.env = {**os.environ, "DATABASE_URL": url,
                    "SPOR_DATA_DIR": str(self.folder / "data"),
                    "SPOR_DATA_KEY": data_key,
                    "SECRET_KEY": "operations-test-secret-key-" + "x" * 40,
                    "SPOR_REQUIRE_2FA": "0", **env}

    @staticmethod
    def _admin(sql: str) -> None:
        db = connection.settings_dict
        with psycopg.connect(host=db.get("HOST") or "localhost", port=db.get("PORT") or 5432,
                             user=db.get("USER") or "postgres", password=db.get("PASSWORD"),
                             dbname="postgres", autocommit=True) as admin:
            admin.execute(sql)

    @property
    def media(self) -> Path:
        return self.folder / "data" / "media"

    def spor(self, *args, check=True, timeout=300) -> subprocess.CompletedProcess:
        result = subprocess.run([SPOR, *args], env=self.env, capture_output=True, text=True,  # noqa: S603
                                timeout=timeout, cwd=self.folder)
        if check and result.returncode:
            raise AssertionError(f"spor {' '.join(args)} failed:\n{result.stdout}\n"
                                 f"{result.stderr}")
        return result

    def start(self, *args) -> subprocess.Popen:
        return subprocess.Popen([SPOR, *args], env=self.env, cwd=self.folder, text=True,  # noqa: S603
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def python(self, code: str) -> str:
        """Run Python in this installation's Django; returns what it printed."""
        return self.spor("shell", "--no-imports", "-c", code).stdout

    def rows(self) -> dict[str, int]:
        code = ("import json; from spor.operations.backup import row_counts; "
                "print(json.dumps(row_counts()))")
        return json.loads(self.python(code).strip().splitlines()[-1])

    def tables(self) -> int:
        code = ("from django.db import connection; "
                "print(len(connection.introspection.table_names()))")
        return int(self.python(code).strip().splitlines()[-1])

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.database:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def load_release_fixture(self, release: str = "0.1.0") -> None:
        """Put the small database built by an earlier release in place (see
        fixtures/make_release_fixture.py); its data key is the fixture's own."""
        fixtures = Path(__file__).with_name("fixtures")
        if self.database:
            db = connection.settings_dict
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1",  # noqa: S603, S607
                            "-h", db.get("HOST") or "localhost",
                            "-p", str(db.get("PORT") or 5432),
                            "-U", db.get("USER") or "postgres", "-d", self.database, "-f",
                            str(fixtures / f"release-{release}.postgresql.sql")],
                           check=True, capture_output=True,
                           env={**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""})
        else:
            (self.folder / "data").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fixtures / f"release-{release}.sqlite3",
                            self.folder / "data" / "spor.sqlite3")
        self.env["SPOR_DATA_KEY"] = RELEASE_FIXTURE_KEY
