"""The pages of a clinician's day under load (bench/load.py) cost a fixed number of queries,
however long the course or large the service: the session form and its POST, a session's
ratings page, the FIT overview and the trivial page that fills the menu's count."""

import datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.measures import state
from spor.measures.models import Rating
from spor.measures.tests.helpers import TODAY, course_with
from spor.treatment.models import Session


@time_machine.travel(TODAY)
class PageCostTests(PersonaTestCase):
    def setUp(self):
        self.login(self.lene)
        self.course = course_with(self.ida, self.team_a, [15, 16], clinician=self.alice,
                                  srs=[38, 39], start=datetime.date(2026, 9, 1))

    def grow(self, courses=6, sessions=10):
        """The service gets more young people with long rated courses, and the measured
        course more sessions."""
        with state.deferred():
            self._grow(courses, sessions)

    def _grow(self, courses, sessions):
        for i in range(courses):
            client = Client.objects.create(service=self.service, team=self.team_a,
                                           pseudonym=f"P{i}", birth_year=2009, gender="male")
            course_with(client, self.team_a, [12 + k * 0.5 for k in range(sessions)],
                        clinician=self.carl if i % 2 else self.alice, srs=[39] * sessions,
                        start=datetime.date(2026, 3, 2))
        start = datetime.date(2026, 9, 15)
        for k in range(sessions):
            Session.objects.create(course=self.course, date=start + datetime.timedelta(days=k))

    def queries(self, method, url, data=None):
        with CaptureQueriesContext(connection) as captured:
            response = getattr(self.client, method)(url, data)
        self.assertLess(response.status_code, 400, url)
        return len(captured)

    def post_session(self):
        return self.client.post(self.url("session_new", self.course.pk), {
            "date": "2026-11-27", "kind": "individual", "attendance": "attended",
            "duration_min": "45", "form_token": f"t{Session.objects.count()}"})

    def pages(self):
        session = self.course.sessions.order_by("-date").first()
        return [("get", self.url("talk_request_count")),
                ("get", self.url("session_new", self.course.pk)),
                ("get", self.url("fit_session", session.pk)),
                ("get", self.url("fit_overview"))]

    def test_each_page_costs_the_same_queries_at_any_size(self):
        small = [self.queries(method, url) for method, url in self.pages()]
        self.grow()
        self.assertEqual([self.queries(method, url) for method, url in self.pages()], small)

    def test_the_trivial_page_reads_the_session_the_user_and_the_count(self):
        with self.assertNumQueries(3):
            self.client.get(self.url("talk_request_count"))

    def test_a_session_posted_costs_the_same_queries_at_any_size(self):
        with CaptureQueriesContext(connection) as small:
            self.post_session()
        self.grow()
        with self.assertNumQueries(len(small)):
            response = self.post_session()
        session = self.course.sessions.order_by("created_at").last()
        self.assertRedirects(response, self.url("fit_session", session.pk),
                             fetch_redirect_response=False)

    def test_a_new_session_of_an_enrolled_course_asks_nothing_of_ratings_or_the_decision(self):
        with CaptureQueriesContext(connection) as captured:
            self.post_session()
        sql = [q["sql"] for q in captured]
        self.assertFalse([q for q in sql if q.startswith('UPDATE "measures_rating"')])
        self.assertFalse([q for q in sql if "attended_sessions" in q])

    def test_moving_a_session_still_moves_its_ratings(self):
        session = self.course.sessions.order_by("date").first()
        session.date = datetime.date(2026, 9, 3)
        session.save()
        self.assertEqual(set(Rating.objects.filter(session=session).values_list("date", flat=True)),
                         {datetime.date(2026, 9, 3)})

    def test_the_anonymous_limit_still_leads_to_the_decision(self):
        self.service.anonymous_session_limit = 3
        self.service.save()
        response = self.client.post(self.url("session_new", self.anon_course.pk), {
            "date": "2026-11-27", "kind": "individual", "attendance": "attended",
            "duration_min": "45", "form_token": "anon1"})
        self.assertRedirects(response, self.url("course_decision", self.anon_course.pk),
                             fetch_redirect_response=False)
