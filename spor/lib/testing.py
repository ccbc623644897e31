"""Test personas and helpers, shared by every app's tests.

The service "Helsingung" has two teams. Alice and Carl are clinicians in the counselling
team, Bob a clinician in the day team, Tina the day team's teacher, Lene the leader,
Ali the analyst, Adam the administrator. Olga leads another service and sees nothing of
this one. Each persona's password is their username followed by "-password-1".
"""

import datetime
import io
import os
import shutil
import tempfile
import threading
import unittest
from pathlib import Path

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client as Browser
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from spor.accounts.models import Service, Team, User
from spor.clients.models import Client, Consent, Relative
from spor.treatment.models import Course, Goal, Session

CHROMIUM = "/usr/bin/chromium"


def make_user(service, username, role, teams=()):
    user = User.objects.create_user(username=username, password=f"{username}-password-1",
                                    first_name=username.capitalize(), last_name="Test",
                                    role=role, service=service)
    user.teams.set(teams)
    return user


class Personas:
    """setUpTestData for the standard cast; mix into a TestCase."""

    @classmethod
    def setUpTestData(cls):
        cls.service = Service.objects.create(name="Helsingung")
        cls.team_a = Team.objects.create(service=cls.service, name="Rådgivning")
        cls.team_b = Team.objects.create(service=cls.service, name="Dagteam",
                                         kind=Team.Kind.DAY_TEAM)
        R = User.Role
        cls.alice = make_user(cls.service, "alice", R.CLINICIAN, [cls.team_a])
        cls.carl = make_user(cls.service, "carl", R.CLINICIAN, [cls.team_a])
        cls.bob = make_user(cls.service, "bob", R.CLINICIAN, [cls.team_b])
        cls.tina = make_user(cls.service, "tina", R.TEACHER, [cls.team_b])
        cls.lene = make_user(cls.service, "lene", R.LEADER, [cls.team_a])
        cls.ali = make_user(cls.service, "ali", R.ANALYST)
        cls.adam = make_user(cls.service, "adam", R.ADMIN)
        cls.other_service = Service.objects.create(name="Andetsteds")
        cls.olga = make_user(cls.other_service, "olga", R.LEADER)

        # An anonymous young person in team A, two sessions into counselling.
        cls.anon = Client.objects.create(service=cls.service, team=cls.team_a,
                                         pseudonym="Ræven", birth_year=2009, gender="male")
        cls.anon_course = Course.objects.create(
            client=cls.anon, team=cls.team_a, clinician=cls.alice,
            kind=Course.Kind.ANONYMOUS, start_date=datetime.date(2026, 1, 5))
        for day in (5, 12):
            Session.objects.create(course=cls.anon_course, date=datetime.date(2026, 1, day))

        # An identified young person in team A, with family, consent, goal and sessions.
        cls.ida = Client(service=cls.service, team=cls.team_a, anonymous=False,
                         first_name="Ida", last_name="Hansen", gender="female",
                         birth_date=datetime.date(2010, 3, 5), birth_year=2010)
        cls.ida.set_cpr("050310-4322")
        cls.ida.save()
        cls.ida_mother = Relative.objects.create(client=cls.ida, kind="parent",
                                                 name="Hanne Hansen", has_custody=True)
        cls.ida_consent = Consent.objects.create(client=cls.ida, given_by="parent",
                                                 parent=cls.ida_mother,
                                                 given_on=datetime.date(2026, 2, 1))
        cls.ida_course = Course.objects.create(
            client=cls.ida, team=cls.team_a, clinician=cls.alice, kind=Course.Kind.INDIVIDUAL,
            request_date=datetime.date(2026, 1, 20), start_date=datetime.date(2026, 2, 1),
            main_substance="cannabis", referral="parent")
        cls.ida_goal = Goal.objects.create(course=cls.ida_course, text="Komme i skole hver dag")
        cls.ida_session = Session.objects.create(course=cls.ida_course,
                                                 date=datetime.date(2026, 2, 1))
        cls.ida_session.staff.add(cls.alice)

        # A young person of the day team (team B).
        cls.dan = Client.objects.create(service=cls.service, team=cls.team_b, anonymous=False,
                                        first_name="Dan", last_name="Jensen", gender="male",
                                        birth_date=datetime.date(2011, 6, 1), birth_year=2011)
        cls.dan_course = Course.objects.create(
            client=cls.dan, team=cls.team_b, clinician=cls.bob, kind=Course.Kind.DAY_TEAM,
            start_date=datetime.date(2026, 3, 1))


class PersonaTestCase(Personas, TestCase):
    def login(self, user):
        self.client.force_login(user)

    def url(self, name, *args):
        return reverse(name, args=args)


def at_once(*calls):
    """Run each call in its own thread, with its own database connection, released
    together; return what each returned (or the exception it raised), in order."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(n, call):
        try:
            start.wait()
            results[n] = call()
        except Exception as e:  # noqa: BLE001 - handed back to the test
            results[n] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@unittest.skipUnless(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                     "row locks are tested on PostgreSQL (SQLite runs one writer at a time)")
class RaceTestCase(Personas, TransactionTestCase):
    """The personas, committed, for requests made at the same moment from threads."""

    def setUp(self):
        type(self).setUpTestData()

    def poster(self, user, path, data=None, **extra):
        """A logged-in browser's POST, ready to be made by `at_once`."""
        browser = Browser()
        if user is not None:
            browser.force_login(user)
        return lambda: browser.post(path, data or {}, **extra)


class BrowserTestCase(StaticLiveServerTestCase):
    """Real Chromium (Debian's, never a downloaded one) driven by Playwright."""

    viewport = {"width": 1200, "height": 900}

    @classmethod
    def setUpClass(cls):
        if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
            if os.environ.get("SPOR_REQUIRE_BROWSER") == "1":
                raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
            import unittest

            raise unittest.SkipTest(f"{CHROMIUM} is not installed")
        # Playwright's sync API runs an event loop in this thread; the ORM calls made by
        # the test itself are still synchronous.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self):
        self.context = self.browser.new_context(viewport=self.viewport, locale="da-DK")
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)

    def tearDown(self):
        # Let requests the page still makes (the badges it fills after loading) finish
        # first: the live server reading a table while the test's data is flushed makes
        # SQLite refuse the flush ("database table is locked").
        from playwright.sync_api import TimeoutError as Unsettled

        try:
            self.page.wait_for_load_state("networkidle", timeout=5_000)
        except Unsettled:
            pass
        self.context.close()

    def visit(self, path):
        self.page.goto(self.live_server_url + path)

    def log_in(self, username, password=None):
        self.visit(reverse("login"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password or f"{username}-password-1")
        self.page.click("button[type=submit].primary")
        self.page.wait_for_load_state()


class ImportTestCase(TestCase):
    """`spor import` on a folder of `files` (name -> text or bytes), with changes per test:
    folder(sessions_csv=None) leaves a file out, folder(courses_csv="...") replaces it.
    `problems()` expects the import to fail with nothing of `written` stored."""

    files: dict = {}
    written = Client

    def folder(self, **files):
        folder = Path(tempfile.mkdtemp())
        contents = {**self.files,
                    **{k.removesuffix("_csv") + ".csv": v for k, v in files.items()}}
        for name, text in contents.items():
            if text is not None:
                (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode())
        return folder

    def run_import(self, folder):
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import", str(folder), stdout=out, stderr=err)
        except CommandError as e:
            return False, out.getvalue(), err.getvalue() + str(e)
        return True, out.getvalue(), err.getvalue()

    def problems(self, **files):
        ok, _out, err = self.run_import(self.folder(**files))
        self.assertFalse(ok)
        self.assertFalse(self.written.objects.exists(), "nothing may be written")
        return err
