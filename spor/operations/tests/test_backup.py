import importlib
import io
import sqlite3
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase

from spor.accounts.models import Service

backup = importlib.import_module("spor.operations.management.commands.backup")


class SqliteCopyTests(SimpleTestCase):
    def test_it_copies_a_sqlite_database_consistently(self):
        folder = Path(tempfile.mkdtemp())
        with sqlite3.connect(folder / "live.sqlite3") as live:
            live.execute("create table t (x)")
            live.execute("insert into t values (42)")
        path = backup.copy_sqlite(folder / "live.sqlite3", folder / "copy.sqlite3")
        with sqlite3.connect(path) as copy:
            self.assertEqual(copy.execute("select x from t").fetchall(), [(42,)])


class BackupCommandTests(TransactionTestCase):
    def test_it_writes_a_private_copy_and_warns_about_the_key(self):
        if connection.vendor != "postgresql":
            self.skipTest("the SQLite test database lives in memory; see SqliteCopyTests")
        Service.objects.create(name="Til backup")
        folder = tempfile.mkdtemp()
        out = io.StringIO()
        call_command("backup", folder, stdout=out)
        [path] = Path(folder).iterdir()
        self.assertIn("SPOR_DATA_KEY", out.getvalue())
        self.assertEqual(path.stat().st_mode & 0o777, 0o600)
        self.assertGreater(path.stat().st_size, 1000)
