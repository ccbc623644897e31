"""The stored FIT state: kept current by every change, equal to a rebuild from scratch,
and read by the caseload and overview in a constant number of queries."""

import datetime
from decimal import Decimal
from unittest import mock

from django.core.management import call_command
from django.db.models import Q
from django.test import TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from spor.accounts.models import Service, Team, User
from spor.clients.models import Client
from spor.lib.testing import Personas, make_user
from spor.measures import expected, state, stats
from spor.measures.models import ExpectedCourse, FitState, Norm, Rating
from spor.measures.tests.helpers import course_with, rate
from spor.treatment.models import Course, Session

START = datetime.date(2026, 1, 5)
MODEL = {"name": "Test model", "source": "A test", "max_session": 12,
         "low": [0, 0.8, 0.5, 0], "mid": [2, 0.9, 1.0, 0], "high": [4, 0.95, 2.0, 0]}


def snapshot() -> dict:
    return {row.pop("course_id"): row for row in FitState.objects.values(
        *[f.attname for f in FitState._meta.concrete_fields if f.name != "computed_at"])}


pick = st.integers(0, 1000)
total = st.integers(0, 400).map(lambda t: Decimal(t) / 10)
maybe = st.one_of(st.none(), total, total)
HISTORY = st.tuples(st.integers(0, 200), st.integers(0, 5).map(bool), maybe, maybe,
                    st.one_of(st.none(), st.none(), total))
SESSION = st.tuples(st.just("session"), pick, st.integers(0, 200), st.booleans())
RATE = st.tuples(st.just("rate"), pick, st.sampled_from(["ORS", "CORS", "SRS"]),
                 st.sampled_from(["client", "parent"]), total)
OPERATIONS = st.one_of(
    SESSION, RATE,
    st.tuples(st.just("unrate"), pick),
    st.tuples(st.just("move"), pick, st.integers(0, 200)),
    st.tuples(st.just("attendance"), pick, st.booleans()),
    st.tuples(st.just("drop_session"), pick),
    st.tuples(st.just("end"), pick, st.booleans()),
    st.tuples(st.just("birth"), st.integers(1998, 2016)),
    st.tuples(st.just("expected"), st.sampled_from(["load", "remove"])),
    st.tuples(st.just("no_change"), st.integers(2, 8)),
    st.tuples(st.just("norm"), st.integers(150, 330)),
)


class RebuiltEqualsMaintainedTests(HypothesisTestCase):
    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.lists(HISTORY, max_size=10), min_size=2, max_size=2),
           st.lists(OPERATIONS, max_size=12))
    def test_a_rebuild_from_scratch_gives_the_state_kept_by_each_change(self, histories,
                                                                        operations):
        service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=service, name="Rådgivning")
        client = Client.objects.create(service=service, team=team, pseudonym="Ræven",
                                       birth_year=2009, gender="male")
        service.no_change_alarm_session = 3
        service.save()
        expected.load(service, dict(MODEL))
        courses = [Course.objects.create(client=client, team=team, kind="individual",
                                         start_date=START) for _ in range(2)]
        for course, history in zip(courses, histories, strict=True):
            for day, attended, ors, srs, parent in history:
                session = Session.objects.create(
                    course=course, date=START + datetime.timedelta(days=day),
                    attendance="attended" if attended else "cancelled")
                for value, instrument, rater in ((ors, "ORS", "client"), (srs, "SRS", "client"),
                                                 (parent, "ORS", "parent")):
                    if attended and value is not None:
                        rate(session, float(value), instrument, rater)
        for operation in operations:
            self.apply(service, client, courses, *operation)
        kept = snapshot()
        self.assertEqual(set(kept), {c.pk for c in courses})
        # The yearly statistics read the change classes from the stored state: the same
        # counts as the SQL over the ratings themselves.
        ended = Course.objects.filter(end_date__isnull=False)
        self.assertEqual(stats.stored_change_class_counts(ended),
                         stats.change_class_counts(ended))
        call_command("fit_state", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(snapshot(), kept)

    def apply(self, service, client, courses, kind, *args):
        course = courses[args[0] % 2] if kind in ("session", "rate", "end") else None
        sessions = list(Session.objects.filter(course__in=courses).order_by("pk"))
        ratings = list(Rating.objects.filter(course__in=courses).order_by("pk"))
        session = sessions[args[0] % len(sessions)] if sessions and kind in (
            "rate", "move", "attendance", "drop_session") else None
        if kind == "session":
            Session.objects.create(course=course, date=START + datetime.timedelta(days=args[1]),
                                   attendance="attended" if args[2] else "cancelled")
        elif kind == "rate" and session is not None and session.attendance == "attended":
            _pick, instrument, rater, value = args
            rate(session, float(value), instrument, rater)
        elif kind == "unrate" and ratings:
            ratings[args[0] % len(ratings)].delete()
        elif kind == "move" and session is not None:
            session.date = START + datetime.timedelta(days=args[1])
            session.save()
        elif kind == "attendance" and session is not None:
            session.attendance = "attended" if args[1] else "no_show"
            session.save()
        elif kind == "drop_session" and session is not None:
            session.delete()
        elif kind == "end":
            course.end_date = START + datetime.timedelta(days=300) if args[1] else None
            course.save()
        elif kind == "birth":
            client.birth_year = args[0]
            client.save()
        elif kind == "expected" and args[0] == "load":
            expected.load(service, dict(MODEL))
        elif kind == "expected":
            ExpectedCourse.objects.filter(service=service).delete()
        elif kind == "no_change":
            service.no_change_alarm_session = args[0]
            service.save()
        elif kind == "norm":
            Norm.objects.update_or_create(
                service=service, instrument="ORS", min_age=0,
                defaults={"cutoff": Decimal(args[0]) / 10, "reliable_change": Decimal(5),
                          "source": "The service's own"})


class KeptCurrentTests(Personas, TestCase):
    def test_a_new_rating_raises_an_alarm_in_the_same_transaction(self):
        expected.load(self.service, dict(MODEL))
        course = course_with(self.ida, self.team_a, [20, 21], clinician=self.alice)
        self.assertEqual(course.fit_state.alarms, [])
        session = Session.objects.create(course=course, date=START + datetime.timedelta(days=30))
        rate(session, 8)
        found = FitState.objects.get(course=course)
        self.assertEqual([a["kind"] for a in found.alarms], ["worse", "off_track"])
        self.assertIn("Under det forventede forløb", found.alarms[1]["message"]["da"])
        self.assertIn("Below the expected course", found.alarms[1]["message"]["en"])
        self.assertEqual((found.outcome_first, found.outcome_latest, found.outcome_count),
                         (Decimal(20), Decimal(8), 3))

    def test_ending_a_course_gives_it_a_change_class_and_no_alarms(self):
        course = course_with(self.ida, self.team_a, [15, 12, 9], clinician=self.alice)
        self.assertEqual([a["kind"] for a in FitState.objects.get(course=course).alarms],
                         ["worse"])
        course.end_date = START + datetime.timedelta(days=60)
        course.save()
        found = FitState.objects.get(course=course)
        self.assertEqual((found.alarms, found.change), ([], "deteriorated"))

    def test_loading_an_expected_course_works_out_the_service_again(self):
        course = course_with(self.ida, self.team_a, [20, 21, 8], clinician=self.alice)
        self.assertNotIn("off_track", [a["kind"] for a in course.fit_state.alarms])
        expected.load(self.service, dict(MODEL))
        self.assertIn("off_track", [a["kind"] for a in
                                    FitState.objects.get(course=course).alarms])

    def test_deleting_a_course_takes_its_state_along(self):
        course = course_with(self.ida, self.team_a, [20, 21, 8], clinician=self.alice)
        course.delete()
        self.assertFalse(FitState.objects.filter(course_id=course.pk).exists())

    def test_deferred_works_out_each_course_once_at_the_end(self):
        course = course_with(self.ida, self.team_a, [], clinician=self.alice)
        with state.deferred():
            for i, value in enumerate([20, 15, 9]):
                session = Session.objects.create(course=course,
                                                 date=START + datetime.timedelta(days=7 * i))
                rate(session, value)
            self.assertEqual(FitState.objects.get(course=course).outcome_count, 0)
        self.assertEqual(FitState.objects.get(course=course).outcome_count, 3)


class StoredInBulkTests(Personas, TestCase):
    def test_many_courses_stored_in_bulk_replace_their_old_state_with_the_same_rows(self):
        expected.load(self.service, dict(MODEL))
        courses = [course_with(self.ida, self.team_a, [20, 21, 8], clinician=self.alice),
                   course_with(self.ida, self.team_a, [15, 12, 9], srs=[30, 20, 25],
                               end=START + datetime.timedelta(days=60)),
                   course_with(self.ida, self.team_a, [])]
        kept = snapshot()  # each stored by a rating or a session saved, one at a time
        self.assertLessEqual({c.pk for c in courses}, set(kept))
        FitState.objects.filter(course__in=courses).update(alarms=[], outcome_count=99,
                                                           change="")
        with mock.patch.object(state, "BULK_FROM", 1):
            state.refresh([c.pk for c in courses])
        self.assertEqual(snapshot(), kept)


class ConstantQueriesTests(Personas, TestCase):
    def courses(self, n):
        for i in range(n):
            client = Client.objects.create(service=self.service, team=self.team_a,
                                           pseudonym=f"Ung {i}", birth_year=2008, gender="male")
            course_with(client, self.team_a, [20 - i % 5, 18, 12 + i % 3], clinician=self.alice,
                        srs=[38, 39, 30])

    def queries(self, url, user):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.client.force_login(user)
        with CaptureQueriesContext(connection) as caught:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(caught), response

    def test_the_caseload_and_overview_read_the_same_number_of_queries_for_2_or_8_courses(self):
        pages = [(reverse("caseload"), self.alice), (reverse("caseload") + "?scope=team",
                                                      self.lene), (reverse("fit_overview"),
                                                                   self.lene)]
        self.courses(2)
        few = [self.queries(url, user)[0] for url, user in pages]
        self.courses(6)
        many = []
        for url, user in pages:
            count, response = self.queries(url, user)
            many.append(count)
        self.assertEqual(many, few)
        content = self.queries(reverse("caseload"), self.alice)[1].content.decode()
        self.assertIn("Alliance", content)


class OtherServicesTests(TestCase):
    def test_a_default_norm_changed_works_out_every_service_again(self):
        service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=service, name="Rådgivning")
        make_user(service, "alice", User.Role.CLINICIAN, [team])
        client = Client.objects.create(service=service, team=team, pseudonym="Ræven",
                                       birth_year=2009, gender="male")
        course = course_with(client, team, [20, 22, 24.5], end=START + datetime.timedelta(days=30))
        self.assertEqual(course.fit_state.change, "no_change")
        norm = Norm.objects.filter(service__isnull=True, instrument="ORS").filter(
            Q(max_age__gte=17) | Q(max_age__isnull=True), min_age__lte=17).get()
        norm.reliable_change = Decimal(4)
        norm.save()
        self.assertEqual(FitState.objects.get(course=course).change, "reliably_improved")
