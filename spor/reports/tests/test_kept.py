"""The statistics page's report is built once for each change of its data, by one request
at a time, and never shown to another service."""

import datetime
import io
import re
import tempfile
import threading
import time
import unittest
from importlib import import_module
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client as Browser
from django.test import TestCase, TransactionTestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from spor.accounts.models import Service, Team
from spor.clients.models import Client
from spor.lib import bulk
from spor.lib.testing import Personas, RaceTestCase, at_once, make_user
from spor.measures.models import FitState
from spor.measures.tests.helpers import course_with, rate
from spor.operations import jobs
from spor.programmes.models import OutreachContact
from spor.reports import kept, render
from spor.reports.build import make_report
from spor.reports.models import KeptReport, ReportChange
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
        before = kept.fingerprint(self.service, 2026)
        Session.objects.create(course=course, date=datetime.date(2026, 2, 3))
        self.assertNotEqual(kept.fingerprint(self.service, 2026), before)

    def test_the_charts_of_a_kept_report_are_drawn_once(self):
        from django.core.cache import caches

        from spor.lib import charts
        caches["charts"].clear()
        self.end_course()
        real, drawn = charts.Chart.svg, []
        charts.Chart.svg = lambda *args, **kwargs: drawn.append(1) or real(*args, **kwargs)
        try:
            first = self.client.get(URL, {"year": 2026})
            shown = len(drawn)
            again = self.client.get(URL, {"year": 2026})
        finally:
            charts.Chart.svg = real
        self.assertGreater(shown, 0)
        self.assertEqual(len(drawn), shown)
        svgs = [re.findall(r"<svg.*?</svg>", page.content.decode(), re.S)
                for page in (first, again)]
        self.assertEqual(svgs[1], svgs[0])

    def test_a_kept_report_lists_its_rows_in_the_order_of_a_new_build(self):
        # (jsonb, PostgreSQL's, would give them back with their keys sorted by length.)
        self.end_course()
        query = {"year": 2026, "compare": 2025}
        doc, compare = make_report(2026, self.service), make_report(2025, self.service)
        built = {"json": render.to_json({**doc, "compare": compare}),
                 "csv": render.to_csv(doc)}
        for wanted, expected in built.items():
            KeptReport.objects.all().delete()
            fresh, again = [self.client.get(URL, {**query, "format": wanted})
                            for _visit in range(2)]
            self.assertEqual(fresh.content.decode(), expected)
            self.assertEqual(again.content.decode(), expected)
        KeptReport.objects.all().delete()
        fresh, again = [self.client.get(URL, query) for _visit in range(2)]
        for page in (fresh, again):
            self.assertEqual(render.to_json(page.context["doc"]), render.to_json(doc))
        self.assertEqual(again.context["report"], fresh.context["report"])
        self.assertEqual(again.context["report"],
                         render.on_page(doc, self.service.name, compare))

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


def day(text):
    return datetime.date.fromisoformat(text)


class FingerprintTests(Personas, TestCase):
    """A kept report of 2025 is kept exactly while the rows it counts stay as they are:
    the courses ended in 2025 and 2024, their young people and FIT states, the sessions of
    both years and the ratings of 2025's sessions. Each change is made, then the
    fingerprint compared; where it is unchanged, the report built anew must be too."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Ended in the period, rated; running since the period, rated in it and after it.
        cls.ended = course_with(cls.ida, cls.team_a, [20, 25, 30], start=day("2025-03-03"),
                                end=day("2025-06-30"))
        cls.running = course_with(cls.dan, cls.team_a, [18, 22, 26], start=day("2025-12-08"))
        cls.later = cls.running.sessions.get(date=day("2025-12-22"))
        cls.later.date = day("2026-01-05")
        cls.later.save()
        # Ended in the period before (2024), and before that (2023).
        cls.before = course_with(cls.anon, cls.team_a, [15, 16], start=day("2024-02-05"),
                                 end=day("2024-05-01"))
        cls.long_ago = course_with(cls.anon, cls.team_a, [15, 16], start=day("2023-02-06"),
                                   end=day("2023-05-01"))
        cls.other_team = course_with(cls.dan, cls.team_b, [10, 12], start=day("2025-04-07"),
                                     end=day("2025-09-01"))

    def check(self, change, *, changed, year=2025, **filters):
        """Makes `change`; the fingerprint must change or not as said, and where it does
        not, the report's figures must be the same as before."""
        fingerprint = kept.fingerprint(self.service, year, **filters)
        report = self.figures(year, **filters)
        change()
        if changed:
            self.assertNotEqual(kept.fingerprint(self.service, year, **filters), fingerprint)
        else:
            self.assertEqual(kept.fingerprint(self.service, year, **filters), fingerprint)
            self.assertEqual(self.figures(year, **filters), report)

    def figures(self, year, team=None, start=None, end=None, compare=None):
        """The report and the compared year's, counted now."""
        return (make_report(year, self.service, team, start, end),
                compare and make_report(compare, self.service, team))

    def session(self, course, date, **fields):
        return Session.objects.create(course=course, date=day(date), **fields)

    def test_this_years_sessions_and_ratings_leave_last_years_report(self):
        new = self.session(self.running, "2026-02-02")
        self.check(lambda: rate(new, 30), changed=False)
        # Unless the course ended in the period: its change class takes every rating.
        self.check(lambda: rate(self.session(self.ended, "2026-01-12"), 12), changed=True)
        self.check(lambda: Session.objects.filter(pk=new.pk).update(attendance="cancelled"),
                   changed=False)
        self.check(new.delete, changed=False)

    def test_the_page_is_not_counted_again_for_a_change_after_its_period(self):
        self.client.force_login(self.ali)
        with Builds() as builds:
            first = self.client.get(URL, {"year": 2025})
            rate(self.session(self.running, "2026-02-02"), 30)
            again = self.client.get(URL, {"year": 2025})
            self.assertEqual(builds.count, 1)
            self.session(self.running, "2025-12-29")
            counted = self.client.get(URL, {"year": 2025})
            self.assertEqual(builds.count, 2)
        self.assertEqual(sessions_in(again), sessions_in(first))
        self.assertEqual(sessions_in(counted), sessions_in(first) + 1)

    def test_a_session_or_rating_in_the_period_is_a_change(self):
        in_period = self.running.sessions.get(date=day("2025-12-08"))
        self.check(lambda: self.session(self.running, "2025-12-29"), changed=True)
        self.check(lambda: rate(self.running.sessions.get(date=day("2025-12-15")), 24,
                                "SRS"), changed=True)
        # Written without signals, as a bulk change: the rows themselves are hashed.
        self.check(lambda: Session.objects.filter(pk=in_period.pk).update(
            attendance="no_show"), changed=True)
        self.check(lambda: in_period.ratings.update(total=None), changed=True)
        self.check(lambda: in_period.ratings.all().delete(), changed=True)
        self.check(in_period.delete, changed=True)
        # The period before counts its attended sessions too.
        self.check(lambda: self.session(self.running, "2024-06-03"), changed=True)

    def test_a_session_moved_into_or_out_of_the_period_is_a_change(self):
        def move(session, date):
            session.date = day(date)
            session.save()
        self.check(lambda: move(self.later, "2025-12-22"), changed=True)
        self.check(lambda: move(self.later, "2026-01-05"), changed=True)
        self.check(lambda: move(self.later, "2026-01-12"), changed=False)

    def test_a_course_moved_into_or_out_of_the_period_by_its_end_is_a_change(self):
        def end(course, date):
            course.end_date = date and day(date)
            course.save()
        self.check(lambda: end(self.running, "2025-12-31"), changed=True)
        self.check(lambda: end(self.running, "2026-01-01"), changed=True)
        self.check(lambda: end(self.running, "2026-01-02"), changed=False)
        self.check(lambda: end(self.ended, None), changed=True)
        self.check(lambda: end(self.long_ago, "2024-01-01"), changed=True)

    def test_a_change_of_a_course_of_the_period_or_the_one_before_is_a_change(self):
        self.check(lambda: Course.objects.filter(pk=self.ended.pk).update(outcome="reduced"),
                   changed=True)
        self.check(lambda: Course.objects.filter(pk=self.before.pk).update(outcome="stopped"),
                   changed=True)
        self.check(lambda: Course.objects.filter(pk=self.long_ago.pk).update(
            outcome="stopped"), changed=False)
        self.check(self.before.delete, changed=True)
        self.check(self.ended.delete, changed=True)

    def test_the_young_persons_birth_date_is_a_change(self):
        def born(date):
            self.ida.birth_date = day(date)
            self.ida.save()
        self.check(lambda: born("2007-12-01"), changed=True)

    def test_a_teams_report_follows_the_rows_of_its_team(self):
        team = {"team": self.team_a}
        self.check(lambda: self.session(self.other_team, "2025-05-05"), changed=False, **team)
        self.check(lambda: Course.objects.filter(pk=self.other_team.pk).update(
            team=self.team_a), changed=True, **team)
        self.check(lambda: self.session(self.other_team, "2025-05-12"), changed=True, **team)

    def test_a_period_and_a_compared_year_are_covered_exactly(self):
        period = {"start": day("2025-01-01"), "end": day("2025-11-30")}
        self.check(lambda: self.session(self.running, "2025-12-29"), changed=False, **period)
        self.check(lambda: self.session(self.ended, "2025-06-02"), changed=True, **period)
        self.check(lambda: self.session(self.long_ago, "2023-04-03"), changed=False)
        self.check(lambda: self.session(self.long_ago, "2023-04-10"), changed=True,
                   compare=2023)

    def test_a_state_written_in_bulk_by_raw_sql_or_by_an_import_is_a_change(self):
        in_period = self.running.sessions.get(date=day("2025-12-08"))

        def raw(sql, value, pk):
            with connection.cursor() as cursor:
                cursor.execute(sql, [value, Session._meta.pk.get_db_prep_value(pk, connection)])
        self.check(lambda: raw("UPDATE treatment_session SET attendance = %s WHERE id = %s",
                               "cancelled", in_period.pk), changed=True)
        self.check(lambda: raw("UPDATE treatment_session SET attendance = %s WHERE id = %s",
                               "cancelled", self.later.pk), changed=False)
        self.check(lambda: bulk.insert(Session, [{"course_id": self.running.pk,
                                                  "date": day("2025-12-29")}]), changed=True)
        self.check(lambda: FitState.objects.filter(course=self.ended).update(
            change="deteriorated"), changed=True)
        self.check(lambda: FitState.objects.filter(course=self.running).update(
            change="deteriorated"), changed=False)

    def test_an_import_is_one_change_of_every_month_and_team_and_stops_no_later_write(self):
        def folder(sessions):
            made = Path(tempfile.mkdtemp())
            (made / "clients.csv").write_text("client_ref,anonymous,birth_year\nc1,true,2008\n")
            (made / "courses.csv").write_text(
                "course_ref,client_ref,kind,start_date\nk1,c1,individual,2025-03-03\n")
            (made / "sessions.csv").write_text("session_ref,course_ref,date,kind\n" + sessions)
            return made

        def run(made):
            call_command("import", str(made), service=self.service.name, stdout=io.StringIO(),
                         stderr=io.StringIO())

        months = ReportChange.objects.filter(service=self.service).exclude(
            unit=kept.EVERY_MONTH)
        counted = months.aggregate(n=Sum("n"))["n"]
        good = folder("s1,k1,2025-03-03,individual\ns2,k1,2025-03-10,individual\n")
        self.check(lambda: run(good), changed=True, team=self.team_b)
        if connection.vendor == "sqlite":  # its triggers stood down: one change, not a row's
            self.assertEqual(months.aggregate(n=Sum("n"))["n"], counted)
        self.check(lambda: run(good), changed=True, year=2023)
        with self.assertRaises(CommandError):
            run(folder("s3,k1,not a date,individual\n"))
        self.check(lambda: self.session(self.ended, "2025-06-02"), changed=True)
        self.check(lambda: self.session(self.ended, "2025-06-09"), changed=True, team=self.team_a)

    def test_sessions_follow_their_course_and_young_person_to_another_team_or_service(self):
        # A young person with a course still running: counted by its sessions alone.
        eva = Client.objects.create(service=self.service, team=self.team_a, anonymous=False,
                                    first_name="Eva", last_name="Berg", birth_year=2009,
                                    gender="female")
        course = course_with(eva, self.team_a, [20, 24], start=day("2025-10-06"))
        there = Team.objects.create(service=self.other_service, name="Rådgivning")
        elsewhere = Client.objects.create(service=self.other_service, team=there,
                                          anonymous=False,
                                          first_name="Ole", last_name="Vang",
                                          birth_year=2009, gender="male")
        self.check(lambda: Course.objects.filter(pk=course.pk).update(team=self.team_b),
                   changed=True, team=self.team_a)
        self.check(lambda: Client.objects.filter(pk=eva.pk).update(
            service=self.other_service), changed=True)
        self.check(lambda: Client.objects.filter(pk=eva.pk).update(
            service=self.service), changed=True)
        self.check(lambda: Course.objects.filter(pk=course.pk).update(client=elsewhere),
                   changed=True)
        self.check(lambda: Client.objects.filter(pk=eva.pk).update(
            service=self.other_service), changed=False)


# Days from 2024-12-01 to 2026-01-31 (0-426): the period before, 2025 and its edges.
FIRST_DAY = datetime.date(2024, 12, 1)
DAY = st.integers(0, 426)
PICK = st.integers(0, 50)
CHANGES = st.one_of(
    st.tuples(st.just("session"), PICK, DAY),
    st.tuples(st.just("rate"), PICK, st.integers(0, 400)),
    st.tuples(st.just("move"), PICK, DAY),
    st.tuples(st.just("attendance"), PICK, st.sampled_from(["attended", "cancelled"])),
    st.tuples(st.just("drop"), PICK),
    st.tuples(st.just("end"), PICK, st.one_of(st.none(), DAY)),
    st.tuples(st.just("outcome"), PICK, st.sampled_from(["stopped", "reduced", "unknown"])),
    st.tuples(st.just("team"), PICK),
    st.tuples(st.just("birth"), PICK, st.integers(2005, 2012)),
    st.tuples(st.just("service"), PICK),
    st.tuples(st.just("raw"), PICK, DAY),
)


class FingerprintOnRandomChangesTests(HypothesisTestCase):
    """After any change, an unchanged fingerprint of the 2025 report (and of team A's)
    means figures counted anew that are the same as before."""

    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(CHANGES, min_size=1, max_size=6))
    def test_an_unchanged_fingerprint_means_unchanged_figures(self, changes):
        service = Service.objects.create(name="Helsingung")
        teams = [Team.objects.create(service=service, name=name) for name in ("A", "B")]
        courses = []
        for i in range(3):
            client = Client.objects.create(service=service, team=teams[i % 2],
                                           anonymous=False, first_name=f"P{i}",
                                           last_name="Hansen", birth_year=2008, gender="male")
            courses.append(course_with(client, teams[i % 2], [20, 24, None, 28],
                                       start=FIRST_DAY + datetime.timedelta(days=120 * i)))
        filters = [{}, {"team": teams[0]}]
        services = [service, Service.objects.create(name="Andetsteds")]
        for change in changes:
            before = [(kept.fingerprint(service, 2025, **f), self.figures(service, **f))
                      for f in filters]
            self.apply(courses, teams, services, *change)
            for f, (fingerprint, figures) in zip(filters, before, strict=True):
                if kept.fingerprint(service, 2025, **f) == fingerprint:
                    self.assertEqual(self.figures(service, **f), figures, (change, f))

    @staticmethod
    def figures(service, team=None):
        return make_report(2025, service, team)

    @staticmethod
    def apply(courses, teams, services, kind, pick, *args):
        course = Course.objects.get(pk=courses[pick % len(courses)].pk)
        sessions = list(Session.objects.filter(course__in=courses).order_by("pk"))
        session = sessions[pick % len(sessions)] if sessions else None
        if kind == "session":
            Session.objects.create(course=course, date=FIRST_DAY + datetime.timedelta(
                days=args[0]))
        elif kind == "rate" and session is not None and session.attendance == "attended":
            # Only an attended session takes ratings (Rating.record refuses the others).
            session.ratings.filter(instrument="ORS", rater="client").delete()
            rate(session, args[0] / 10)
        elif kind == "move" and session is not None:
            session.date = FIRST_DAY + datetime.timedelta(days=args[0])
            session.save()
        elif kind == "attendance" and session is not None:
            session.attendance = args[0]
            session.save()
        elif kind == "drop" and session is not None:
            session.delete()
        elif kind == "end":
            day = args[0]
            course.end_date = None if day is None else max(
                course.start_date, FIRST_DAY + datetime.timedelta(days=day))
            course.save()
        elif kind == "outcome":
            Course.objects.filter(pk=course.pk).update(outcome=args[0])
        elif kind == "team":
            Course.objects.filter(pk=course.pk).update(
                team=teams[1] if course.team_id == teams[0].pk else teams[0])
        elif kind == "birth":
            client = course.client
            client.birth_date = datetime.date(args[0], 6, 1)
            client.birth_year = args[0]
            client.save()
        elif kind == "service":  # to the other service, or back
            Client.objects.filter(pk=course.client_id).update(service=services[
                1 if course.client.service_id == services[0].pk else 0])
        elif kind == "raw" and session is not None:
            with connection.cursor() as cursor:
                cursor.execute("UPDATE treatment_session SET date = %s WHERE id = %s", [
                    FIRST_DAY + datetime.timedelta(days=args[0]),
                    Session._meta.pk.get_db_prep_value(session.pk, connection)])


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


class ChangeRecordTriggersTests(TransactionTestCase):
    def test_every_table_a_report_counts_has_its_triggers(self):
        self.assert_every_table_has_its_triggers()

    @unittest.skipUnless(connection.vendor == "sqlite", "SQLite makes a table anew")
    def test_a_migration_that_makes_a_counted_table_anew_keeps_its_triggers(self):
        """As a database made before measures 0008 is brought up to date: that migration
        makes the ratings table anew, which on SQLite leaves it without triggers."""
        call_command("migrate", "measures", "0007", verbosity=0)
        self.assert_every_table_has_its_triggers()
        call_command("migrate", verbosity=0)
        self.assert_every_table_has_its_triggers()

    def assert_every_table_has_its_triggers(self):
        tables = list(import_module("spor.reports.migrations.0003_report_change").COLUMNS)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c "
                               "ON c.oid = t.tgrelid WHERE t.tgname LIKE 'reports_change_%%' "
                               "GROUP BY c.relname")
                each = 4  # insert, update, delete, truncate
            else:
                cursor.execute("SELECT tbl_name, count(*) FROM sqlite_master WHERE type = "
                               "'trigger' AND name LIKE 'reports_change_%%' GROUP BY tbl_name")
                each = 3
            found = dict(cursor.fetchall())
        self.assertEqual({table: found.get(table) for table in tables},
                         dict.fromkeys(tables, each))

class ChangeRecordTests(RaceTestCase):
    """The change record (ReportChange) as transactions meet: writers of one service and
    month never wait for each other, and folding it never loses a change."""

    def setUp(self):
        super().setUp()
        if connection.vendor != "postgresql":
            self.skipTest("transactions at once are PostgreSQL's")

    def write_while_another_is_open(self, read_meanwhile):
        """A session written in a transaction kept open while `read_meanwhile` runs in
        another; returns what it returned."""
        written, done = threading.Event(), threading.Event()

        def hold():
            try:
                with transaction.atomic():
                    Session.objects.create(course=self.ida_course, date=datetime.date(2026, 2, 2))
                    written.set()
                    done.wait(10)
            finally:
                written.set()

        def meanwhile():
            written.wait(10)
            try:
                return read_meanwhile()
            finally:
                done.set()
        return at_once(hold, meanwhile)[1]

    def test_writers_in_one_service_team_and_month_do_not_wait_for_each_other(self):
        other = Course.objects.create(client=self.dan, team=self.ida_course.team,
                                      kind="individual", start_date=datetime.date(2026, 1, 5))
        before = kept.fingerprint(self.service, 2026)

        def write():
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                Session.objects.create(course=other, date=datetime.date(2026, 2, 3))
            return "written"
        self.assertEqual(self.write_while_another_is_open(write), "written")
        self.assertEqual(Session.objects.filter(date__month=2, date__day__in=[2, 3]).count(), 2)
        self.assertNotEqual(kept.fingerprint(self.service, 2026), before)

    def test_the_daily_job_folds_every_service_keeping_its_count(self):
        other = Service.objects.create(name="Anden")
        team = Team.objects.create(service=other, name="T")
        other_course = Course.objects.create(
            client=Client.objects.create(service=other, team=team, anonymous=True,
                                         pseudonym="X", birth_year=2008),
            team=team, kind="individual", start_date=datetime.date(2026, 1, 5))
        for n in range(3):  # three transactions in each service: three rows each
            Session.objects.create(course=self.ida_course, date=datetime.date(2026, 1, 5 + n))
            Session.objects.create(course=other_course, date=datetime.date(2026, 1, 5 + n))
        counts = [kept.fingerprint(service, 2026) for service in (self.service, other)]
        self.assertIn("Folded", jobs.jobs()["report_changes"].run())
        self.assertFalse(ReportChange.objects.exclude(tx=0).exists())
        self.assertEqual([kept.fingerprint(service, 2026) for service in (self.service, other)],
                         counts)

    def test_folding_keeps_the_count_and_misses_no_transaction_still_open(self):
        for n in range(5):  # five transactions: five rows of the change record
            Session.objects.create(course=self.ida_course, date=datetime.date(2026, 1, 5 + n))
        rows = ReportChange.objects.filter(service=self.service).count()
        folding, kept._FOLD_AFTER = kept._FOLD_AFTER, 0
        try:
            first = kept.fingerprint(self.service, 2026)
            self.assertLess(ReportChange.objects.filter(service=self.service).count(), rows)
            self.assertEqual(kept.fingerprint(self.service, 2026), first)
            # A change committed and one not yet: the read folds the first only, and the
            # second still counts once it is committed.
            def write_and_read():
                Session.objects.create(course=self.dan_course, date=datetime.date(2026, 3, 2))
                return (kept.fingerprint(self.service, 2026),
                        ReportChange.objects.filter(service=self.service).exclude(tx=0).count())
            meanwhile, unfolded = self.write_while_another_is_open(write_and_read)
        finally:
            kept._FOLD_AFTER = folding
        self.assertEqual(unfolded, 0)
        self.assertNotEqual(meanwhile, first)
        self.assertNotEqual(kept.fingerprint(self.service, 2026), meanwhile)
