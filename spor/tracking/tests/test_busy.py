"""Six apps uploading at once to the embedded SQLite database, through a real server.

SQLite runs one writer at a time. Write transactions begin IMMEDIATE (they queue for the
lock instead of failing when a read turns into a write) and wait up to the busy timeout;
a request that still finds the database busy is answered 503 with Retry-After, never 500.
"""

import datetime
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from spor.lib.testing import at_once

SETUP = """
import datetime
from spor.accounts.models import Service, Team, User
from spor.clients.models import Client
from spor.tracking.models import PairingCode
service = Service.objects.create(name="Helsingung")
team = Team.objects.create(service=service, name="Rådgivning")
alice = User.objects.create_user(username="alice", role="clinician", service=service)
for n in range(6):
    client = Client.objects.create(service=service, team=team, anonymous=False,
                                   first_name=f"Ung{n}", last_name="App", birth_year=2010,
                                   birth_date=datetime.date(2010, 3, 5))
    print("code", PairingCode.make(client, alice)[1])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, body, token=None):
    """(status, headers, body) of one JSON POST; never raises on an HTTP status."""
    request = urllib.request.Request(  # noqa: S310 - http to the test server
        url, json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json",
        **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


def batch(round_, size=20):
    last = timezone.localdate() - datetime.timedelta(days=1)
    return {"entries": [{"id": str(uuid.uuid4()),
                         "date": str(last - datetime.timedelta(days=round_ * size + i)),
                         "substance": "cannabis", "answer": "used", "amount": 1.5,
                         "unit": "gram"} for i in range(size)]}


def serve(env, busy_seconds):
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - this Python, fixed arguments
        [sys.executable, "-m", "spor", "runserver", f"127.0.0.1:{port}", "--noreload",
         "--skip-checks"], env={**env, "SPOR_SQLITE_BUSY_SECONDS": busy_seconds},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}/api/v1"


@unittest.skipIf(os.environ.get("DATABASE_URL"), "the embedded SQLite database only")
class SixAppsAtOnceTests(TransactionTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = Path(tempfile.mkdtemp())
        cls.file = cls.folder / "spor.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(cls.file)])
        env = {**os.environ, "SPOR_DATA_DIR": str(cls.folder), "DATABASE_URL": "",
               "SPOR_REQUIRE_2FA": "0", "SPOR_API_REQUESTS_PER_MINUTE": "1000",
               "SPOR_API_PAIRINGS_PER_MINUTE": "1000", "DJANGO_SETTINGS_MODULE":
               "spor.settings"}
        made = subprocess.run([sys.executable, "-m", "spor", "shell", "-c", SETUP], env=env,
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        # One server waits the default 20 seconds for a busy database, one only a second.
        cls.patient, cls.api = serve(env, "20")
        cls.impatient, cls.impatient_api = serve(env, "1")
        paired = [call(f"{cls.api}/pairing", {"code": code, "device_name": "App"})
                  for word, code in (line.split() for line in made.stdout.splitlines()
                                      if line.startswith("code "))]
        assert all(status == 201 for status, _h, _b in paired), paired
        cls.tokens = [body["token"] for _s, _h, body in paired]

    @classmethod
    def tearDownClass(cls):
        for server in (cls.patient, cls.impatient):
            server.terminate()
            server.wait(10)
        super().tearDownClass()

    def upload_three_batches(self, token):
        return lambda: [call(f"{self.api}/entries", batch(r), token) for r in range(3)]

    def test_eighteen_uploads_from_six_apps_at_once_are_all_stored(self):
        answers = [a for app in at_once(*map(self.upload_three_batches, self.tokens))
                   for a in app]
        self.assertEqual([status for status, _h, _b in answers], [200] * 18)
        self.assertEqual(sum(body["created"] for _s, _h, body in answers), 6 * 3 * 20)
        first_day = timezone.localdate() - datetime.timedelta(days=60)
        stored = sqlite3.connect(self.file).execute(
            "select count(*) from tracking_diaryentry where date >= ?", [str(first_day)])
        self.assertEqual(stored.fetchone(), (6 * 3 * 20,))

    def test_an_upload_that_finds_the_database_still_busy_is_told_to_retry(self):
        database = sqlite3.connect(self.file, isolation_level=None)
        database.execute("begin immediate")  # another writer holds the lock for long
        try:
            status, headers, body = call(f"{self.impatient_api}/entries", batch(5),
                                         self.tokens[0])
        finally:
            database.execute("rollback")
            database.close()
        self.assertEqual(status, 503)
        self.assertGreater(int(headers["Retry-After"]), 0)
        self.assertIn("busy", body["message"])
        status, _headers, body = call(f"{self.impatient_api}/entries", batch(5),
                                      self.tokens[0])
        self.assertEqual((status, body["created"]), (200, 20))

    def test_a_page_that_finds_the_database_still_busy_says_so_in_danish(self):
        site = self.impatient_api.removesuffix("/api/v1")
        cookies = urllib.request.HTTPCookieProcessor()
        browser = urllib.request.build_opener(cookies)
        with browser.open(f"{site}/login/", timeout=60) as response:  # noqa: S310
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                             response.read().decode())[1]
        database = sqlite3.connect(self.file, isolation_level=None)
        database.execute("begin immediate")
        try:  # a failed login is recorded: a write that finds the lock held
            browser.open(urllib.request.Request(  # noqa: S310
                f"{site}/login/", urllib.parse.urlencode({
                    "csrfmiddlewaretoken": csrf, "username": "alice",
                    "password": "not-alice's"}).encode(),
                headers={"Referer": f"{site}/login/", "Accept-Language": "da"}), timeout=60)
            self.fail("the login was answered although the database was busy")
        except urllib.error.HTTPError as e:
            status, headers, page = e.code, e.headers, e.read().decode()
        finally:
            database.execute("rollback")
            database.close()
        self.assertEqual(status, 503)
        self.assertGreater(int(headers["Retry-After"]), 0)
        self.assertIn("Spor har travlt lige nu", page)
        self.assertIn("Intet blev gemt", page)
