"""The statistics page's report is built once for each change of its data, by one request
at a time, and never shown to another service."""

import datetime
import threading
import time

from django.db import connection, transaction
from django.test import Client as Browser
from django.test import TestCase
from django.urls import reverse

from spor.lib.testing import Personas, RaceTestCase, at_once, make_user
from spor.programmes.models import OutreachContact
from spor.reports import kept
from spor.reports.models import KeptReport
from spor.treatment.models import Course, Session

URL = reverse("statistics")


def sessions_in(page) -> int:
    """Attended sessions: activity, never suppressed."""
    return page.context["doc"]["sessions"]["by_kind"]["n"]


class Builds:
    """Counts the reports built, by wrapping the real builder; `slow` makes each build take
    that much longer, as a large service's does, so that requests meet while it runs."""

    def __init__(self, slow=0.0):
        self.count, self._real, self._lock = 0, kept.make_report, threading.Lock()
        self.slow = slow

    def __enter__(self):
        def counted(*args, **kwargs):
            with self._lock:
                self.count += 1
            time.sleep(self.slow)
            return self._real(*args, **kwargs)
        kept.make_report = counted
        return self

    def __exit__(self, *exc):
        kept.make_report = self._real


class KeptReportTests(Personas, TestCase):
    def setUp(self):
        self.client.force_login(self.ali)

    def end_course(self):
        """A course ended in 2026 with one attended session."""
        course = Course.objects.create(client=self.ida, team=self.team_a, kind="individual",
                                       start_date=datetime.date(2026, 1, 5),
                                       end_date=datetime.date(2026, 3, 1), outcome="stopped")
        Session.objects.create(course=course, date=datetime.date(2026, 2, 2))
        return course

    def test_an_unchanged_report_is_built_once_and_a_change_gives_new_figures(self):
        with Builds() as builds:
            first = self.client.get(URL, {"year": 2026})
            again = self.client.get(URL, {"year": 2026, "format": "json"})
            self.assertEqual(builds.count, 1)
            self.assertEqual(again.json()["outcomes"], first.context["doc"]["outcomes"])
            self.assertContains(first, "Optalt")
            self.end_course()
            changed = self.client.get(URL, {"year": 2026})
            self.assertEqual(builds.count, 2)
        self.assertEqual(sessions_in(changed), sessions_in(first) + 1)

    def test_a_session_or_rating_changed_is_a_change(self):
        course = self.end_course()
        self.client.get(URL, {"year": 2026})
        before = kept.fingerprint(self.service)
        Session.objects.create(course=course, date=datetime.date(2026, 2, 3))
        self.assertNotEqual(kept.fingerprint(self.service), before)

    def test_a_change_of_outreach_forgets_the_kept_reports(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.client.get(URL, {"year": 2026})
            self.assertEqual(KeptReport.objects.count(), 1)
            OutreachContact.objects.create(service=self.service, date=datetime.date(2026, 2, 1),
                                           place_kind="street", hours=2, young_people=3)
        self.assertEqual(KeptReport.objects.count(), 0)

    def test_each_filter_and_each_service_has_its_own_report(self):
        self.end_course()
        mine = self.client.get(URL, {"year": 2026})
        other = Browser()
        other.force_login(make_user(self.other_service, "oscar", "analyst"))
        theirs = other.get(URL, {"year": 2026})
        self.assertEqual(sessions_in(theirs), 0)
        self.assertGreater(sessions_in(mine), 0)
        self.client.get(URL, {"year": 2026, "team": self.team_b.pk})
        self.assertEqual(
            sorted(KeptReport.objects.values_list("service__name", flat=True)),
            ["Andetsteds", "Helsingung", "Helsingung"])
        self.assertNotEqual(kept.key_of(self.service, 2026),
                            kept.key_of(self.other_service, 2026))


class ConcurrentBuildTests(RaceTestCase):
    def setUp(self):
        super().setUp()
        if connection.vendor != "postgresql":
            self.skipTest("row locks are PostgreSQL's")

    def test_requests_at_the_same_moment_build_the_report_once(self):
        browsers = []
        for n in range(4):  # four analysts: one person's requests may queue behind each other
            browser = Browser()
            browser.force_login(make_user(self.service, f"analyst{n}", "analyst"))
            browsers.append(browser)
        with Builds(slow=0.5) as builds:
            pages = at_once(*[lambda b=b: b.get(URL, {"year": 2026}) for b in browsers])
        self.assertEqual([page.status_code for page in pages], [200] * 4)
        self.assertEqual(builds.count, 1)
        # The data changes: one request builds anew, the others show the previous build.
        Session.objects.create(course=self.ida_course, date=datetime.date(2026, 2, 2))
        with Builds(slow=0.5) as builds:
            pages = at_once(*[lambda b=b: b.get(URL, {"year": 2026}) for b in browsers])
        self.assertEqual(builds.count, 1)
        # (Read from the pages themselves: the test client's contexts mix across threads.)
        self.assertEqual(sorted("talt op" in page.content.decode() for page in pages),
                         [False, True, True, True])

    def test_while_one_request_builds_the_others_show_the_previous_build(self):
        self.client.force_login(self.ali)
        old = self.client.get(URL, {"year": 2026})
        Session.objects.create(course=self.ida_course, date=datetime.date(2026, 2, 2))
        building, done = threading.Event(), threading.Event()

        def hold():  # a build under way: its row locked
            with transaction.atomic():
                KeptReport.objects.select_for_update().get()
                building.set()
                done.wait(10)
            connection.close()

        holder = threading.Thread(target=hold)
        holder.start()
        building.wait(10)
        try:
            page = self.client.get(URL, {"year": 2026})
        finally:
            done.set()
            holder.join()
        self.assertEqual(sessions_in(page), sessions_in(old))
        self.assertContains(page, "talt op")
        self.assertEqual(sessions_in(self.client.get(URL, {"year": 2026})), sessions_in(old) + 1)
