import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

from django.db import connection
from django.test import SimpleTestCase

from spor.operations import backup
from spor.operations.tests.installations import DATA_KEY, Installation

CLIENT_PAGE = """
from django.test import Client
from django.urls import reverse
from spor.accounts.models import User
from spor.clients.models import Client as Young
user = User.objects.get(username="behandler")
young = Young.objects.visible_to(user).filter(anonymous=False).first()
browser = Client()
browser.force_login(user)
print(browser.get(reverse("client_detail", args=[young.pk])).status_code)
"""


class SqliteCopyTests(SimpleTestCase):
    def test_it_copies_a_sqlite_database_consistently(self):
        folder = Path(tempfile.mkdtemp())
        with sqlite3.connect(folder / "live.sqlite3") as live:
            live.execute("create table t (x)")
            live.execute("insert into t values (42)")
        path = backup.copy_sqlite(folder / "live.sqlite3", folder / "copy.sqlite3")
        with sqlite3.connect(path) as copy:
            self.assertEqual(copy.execute("select x from t").fetchall(), [(42,)])


def written_to(output: str) -> Path:
    [line] = [line for line in output.splitlines() if line.startswith("Backup written to ")]
    return Path(line.removeprefix("Backup written to "))


class BackupAndRestoreTests(SimpleTestCase):
    """The demo, backed up and restored into a fresh installation on this test run's
    database (SQLite, or PostgreSQL when DATABASE_URL names one)."""

    def installation(self, **kwargs) -> Installation:
        made = Installation(connection.vendor, **kwargs)
        self.addCleanup(made.remove)
        return made

    def test_the_demo_round_trips_and_a_bad_restore_writes_nothing(self):
        source = self.installation()
        source.spor("demo", "--no-server")
        parent = source.folder / "backups"
        out = source.spor("backup", str(parent)).stdout
        self.assertIn("SPOR_DATA_KEY) is not in this backup", out)
        folder = written_to(out)
        manifest = json.loads((folder / "manifest.json").read_text())
        for path in folder.rglob("*"):
            self.assertNotIn(DATA_KEY.encode(), path.read_bytes() if path.is_file() else b"")
            self.assertEqual(path.stat().st_mode & 0o077, 0, path)
        self.assertEqual(manifest["rows"], source.rows())
        self.assertIn("0001_initial", manifest["migrations"]["clients"])
        media = sorted(p.relative_to(source.media) for p in source.media.rglob("*")
                       if p.is_file())
        self.assertTrue(media, "the demo has uploaded pictures")

        target = self.installation()
        out = target.spor("restore", str(folder)).stdout
        self.assertIn("The restore is complete.", out)
        self.assertIn(f"{len(media)} media files", out)
        self.assertRegex(out, r"clients\.client: \d+ rows")
        self.assertEqual(target.rows(), manifest["rows"])
        for name in media:
            self.assertEqual((target.media / name).read_bytes(),
                             (source.media / name).read_bytes(), name)
        self.assertEqual(target.python(CLIENT_PAGE).split()[-1], "200")

        with self.subTest("into an installation that has data"):
            again = target.spor("restore", str(folder), check=False)
            self.assertEqual(again.returncode, 1)
            self.assertIn("is not empty", again.stderr)

        with self.subTest("with another data key"):
            other = self.installation(data_key="not the key of the backup, though long enough")
            refused = other.spor("restore", str(folder), check=False)
            self.assertEqual(refused.returncode, 1)
            self.assertIn("Set SPOR_DATA_KEY to the key kept from the installation",
                          refused.stderr)
            self.assertEqual(other.tables(), 0)

        with self.subTest("a damaged file"):
            damaged = Path(tempfile.mkdtemp()) / "b"
            self.addCleanup(shutil.rmtree, damaged.parent)
            shutil.copytree(folder, damaged)
            picture = damaged / "media" / media[0]
            picture.write_bytes(picture.read_bytes()[:-1] + b"x")
            fresh = self.installation()
            refused = fresh.spor("restore", str(damaged), check=False)
            self.assertIn(f"media/{media[0]}: checksum differs", refused.stderr)
            self.assertEqual(fresh.tables(), 0)

        with self.subTest("from a newer version"):
            newer = Path(tempfile.mkdtemp()) / "b"
            self.addCleanup(shutil.rmtree, newer.parent)
            shutil.copytree(folder, newer)
            manifest["migrations"]["clients"].append("9999_from_the_future")
            (newer / "manifest.json").write_text(json.dumps(manifest))
            fresh = self.installation()
            refused = fresh.spor("restore", str(newer), check=False)
            self.assertIn("made by a newer version of Spor", refused.stderr)
            self.assertIn("clients.9999_from_the_future", refused.stderr)
            self.assertEqual(fresh.tables(), 0)

    def test_a_backup_of_the_previous_release_is_restored_and_migrated_forward(self):
        old = self.installation()
        old.load_release_fixture("0.1.0")
        folder = written_to(old.spor("backup", str(old.folder / "backups")).stdout)
        target = self.installation(data_key=old.env["SPOR_DATA_KEY"])
        out = target.spor("restore", str(folder)).stdout
        self.assertIn("Migrated forward:", out)
        self.assertIn("operations.0001_initial", out)
        cpr = target.python("from spor.clients.models import Client; "
                            "print(Client.objects.get(first_name='Ida').reveal_cpr())")
        self.assertEqual(cpr.split()[-1], "050310-4322")

    def test_the_backup_job_keeps_the_newest_backups(self):
        parent = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, parent)
        for stamp in ("20260101-030000", "20260102-030000", "20260103-030000"):
            (parent / f"spor-{stamp}").mkdir()
            (parent / f"spor-{stamp}" / "manifest.json").write_text("{}")
        (parent / "spor-20260104-030000.partial").mkdir()
        gone = backup.prune(parent, keep=2)
        self.assertEqual([p.name for p in gone], ["spor-20260101-030000"])
        self.assertEqual(sorted(p.name for p in parent.iterdir()),
                         ["spor-20260102-030000", "spor-20260103-030000",
                          "spor-20260104-030000.partial"])
