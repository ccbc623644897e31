import datetime
from unittest import mock

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spor.audit.models import AccessLog
from spor.clients.models import Client, aged_at_least, younger_than
from spor.lib.dates import years_between
from spor.lib.testing import PersonaTestCase
from spor.measures import state
from spor.treatment.models import Course, Session, SessionQuerySet

TODAY = datetime.date(2026, 11, 28)
PAGE = "spor.treatment.views.CASELOAD_PAGE"


@time_machine.travel(TODAY)
class CaseloadPagingTests(PersonaTestCase):
    """Alice's caseload: Ræven (anonymous, no session for 30 days) and Ida (missing her own
    consent) have something due; the young people added here have either nothing due (a
    session last week) or no session for 30 days."""

    def add(self, names, due=False, clinician=None):
        for name in names:
            client = Client.objects.create(service=self.service, team=self.team_a,
                                           pseudonym=name, birth_year=2008)
            course = Course.objects.create(client=client, team=self.team_a,
                                           clinician=clinician or self.alice,
                                           kind=Course.Kind.ANONYMOUS,
                                           start_date=datetime.date(2026, 9, 1))
            day = datetime.date(2026, 9, 1) if due else datetime.date(2026, 11, 20)
            Session.objects.create(course=course, date=day)

    def pages(self, query=""):
        """The young people of each page, in order, until the last page."""
        shown, number = [], 1
        while True:
            response = self.client.get(reverse("caseload") + f"?{query}page={number}")
            self.assertEqual(response.status_code, 200)
            shown.append([c.client.display_name for c in response.context["courses"]])
            if not response.context["page"].has_next():
                return shown, response
            number += 1

    def test_the_caseload_comes_a_page_at_a_time_with_what_is_due_first_then_by_name(self):
        self.add(["Bo", "Dorte", "Cille", "ada"])
        self.add(["Zenia", "Emil"], due=True)
        self.login(self.alice)
        with mock.patch(PAGE, 3):
            pages, last = self.pages()
        self.assertEqual(pages, [["Emil", "Ida Hansen", "Ræven"], ["Zenia", "ada", "Bo"],
                                 ["Cille", "Dorte"]])
        self.assertContains(last, "8 aktive forløb")
        self.assertContains(last, "viser 7–8")
        due = [c.due for c in last.context["courses"]]
        self.assertEqual(due, [[], []])

    def test_the_order_is_the_one_the_rows_show(self):
        # Whatever makes a course due (goals, consents, a decision, waiting), the courses
        # with something due come first: the order and the rows read the same rules.
        self.add(["Nul", "Ny"])
        waiting = Course.objects.get(client__pseudonym="Ny")
        waiting.start_date = None
        waiting.request_date = datetime.date(2026, 11, 1)
        waiting.save()
        self.login(self.alice)
        with mock.patch(PAGE, 2):
            pages, _last = self.pages()
        self.assertEqual(pages, [["Ida Hansen", "Ny"], ["Ræven", "Nul"]])

    def test_the_same_queries_at_two_courses_and_at_many(self):
        self.login(self.alice)

        def count(page=1, scope="mine"):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(reverse("caseload") + f"?scope={scope}&page={page}")
            self.assertEqual(response.status_code, 200)
            return len(queries), len(response.context["courses"])

        with mock.patch(PAGE, 5):
            few, shown = count()
            self.assertEqual(shown, 2)
            self.add([f"Ny {i}" for i in range(9)])
            self.add([f"Gammel {i}" for i in range(9)], due=True)
            self.assertEqual(count(), (few, 5))
            self.assertEqual(count(4), (few, 5))
        # Rows of every kind, each worded from what the page's query read: a course waiting
        # past the treatment guarantee, one at the anonymous-session limit, one to enrol,
        # and the team's courses with their clinicians' names.
        self.add(["Venter", "Grænse", "Indskriv"], clinician=self.carl)
        Course.objects.filter(client__pseudonym="Venter").update(
            start_date=None, request_date=datetime.date(2026, 6, 1))
        limit = Course.objects.get(client__pseudonym="Grænse")
        Session.objects.bulk_create([Session(course=limit, date=datetime.date(2026, 9, 1))
                                     for _ in range(4)])
        Course.objects.filter(client__pseudonym="Indskriv").update(decision="enrol")
        with mock.patch(PAGE, 30):
            queries, shown = count(scope="team")
            due = {c.client.pseudonym: c.due for c in self.client.get(
                reverse("caseload") + "?scope=team").context["courses"]}
        self.assertEqual((queries, shown), (few, 23))
        self.assertIn("Venter ud over behandlingsgarantien (15.06.2026)",
                      due["Venter"])
        self.assertIn("Beslutning efter 5 anonyme samtaler", due["Grænse"])
        self.assertIn("Indskriv: registrér hvem den unge er", due["Indskriv"])

    def test_the_access_log_names_exactly_the_young_people_on_the_page_shown(self):
        self.add(["Bo", "Cille", "Dorte", "Eik"])
        self.login(self.alice)
        with mock.patch(PAGE, 2):
            response = self.client.get(reverse("caseload") + "?page=2")
        shown = {c.client.pk for c in response.context["courses"]}
        self.assertEqual(len(shown), 2)
        logged = set(AccessLog.objects.filter(purpose="caseload").values_list(
            "client", flat=True))
        self.assertEqual(logged, shown)

    def test_a_page_past_the_end_or_not_a_number_shows_a_page_of_the_list(self):
        self.add(["Bo", "Cille", "Dorte"])
        self.login(self.alice)
        with mock.patch(PAGE, 2):
            last = self.client.get(reverse("caseload") + "?page=99")
            first = self.client.get(reverse("caseload") + "?page=to")
        self.assertEqual(last.context["page"].number, 3)
        self.assertEqual(first.context["page"].number, 1)

    def test_the_team_scope_stays_on_every_page_link(self):
        self.add(["Bo", "Cille"], clinician=self.carl)
        self.login(self.alice)
        with mock.patch(PAGE, 2):
            pages, last = self.pages("scope=team&")
        self.assertEqual(sum(len(p) for p in pages), 4)
        self.assertContains(last, "?scope=team&amp;page=1")
        with mock.patch(PAGE, 2):
            mine = self.client.get(reverse("caseload") + "?scope=mine&page=2")
        self.assertFalse(mine.context["page"].has_other_pages())

    def test_no_page_shows_an_outsider_another_teams_young_people(self):
        self.add(["Bo", "Cille", "Dorte"])
        self.client.force_login(self.bob)  # day team
        with mock.patch(PAGE, 1):
            for page in (1, 2, 3, 99):
                response = self.client.get(reverse("caseload") + f"?scope=team&page={page}")
                self.assertEqual([c.client for c in response.context["courses"]], [self.dan])
        self.client.force_login(self.olga)  # another service
        response = self.client.get(reverse("caseload") + "?scope=team&page=2")
        self.assertEqual(list(response.context["courses"]), [])


class ConsentAgeTests(PersonaTestCase):
    def test_the_age_in_sql_is_the_age_of_the_young_person(self):
        born = [datetime.date(2008, 2, 29), datetime.date(2011, 11, 28),
                datetime.date(2011, 11, 29), datetime.date(2008, 11, 27), None]
        for n, day in enumerate(born):
            Client.objects.create(service=self.service, team=self.team_a, anonymous=False,
                                  first_name=f"Født {n}", birth_date=day,
                                  birth_year=day.year if day else 2011)
        for on in (datetime.date(2026, 11, 28), datetime.date(2023, 2, 28),
                   datetime.date(2023, 3, 1), datetime.date(2024, 2, 29)):
            for years in (15, 18):
                found = set(Client.objects.filter(aged_at_least(years, on)).values_list(
                    "pk", flat=True))
                younger = set(Client.objects.filter(younger_than(years, on)).values_list(
                    "pk", flat=True))
                self.assertEqual(found | younger, set(Client.objects.values_list("pk", flat=True)))
                self.assertFalse(found & younger)
                for client in Client.objects.all():
                    age = (years_between(client.birth_date, on) if client.birth_date
                           else on.year - client.birth_year)
                    self.assertEqual(client.pk in found, age >= years, (client, on, years))


@time_machine.travel(TODAY)
class TimelineTests(PersonaTestCase):
    def add_sessions(self, n):
        """Written in bulk, as an import writes them: the FIT state is refreshed by hand."""
        Session.objects.bulk_create([
            Session(course=self.ida_course, date=datetime.date(2026, 2, 2)
                    + datetime.timedelta(days=i)) for i in range(n)])
        state.refresh([self.ida_course.pk])

    def test_the_client_page_shows_the_latest_sessions_and_a_way_to_see_all(self):
        self.add_sessions(SessionQuerySet.LATEST + 4)  # and the one Ida had
        self.login(self.alice)
        page = self.client.get(reverse("client_detail", args=[self.ida.pk]))
        shown = page.context["sessions"]
        self.assertEqual(len(shown), SessionQuerySet.LATEST)
        self.assertEqual(shown[0].date, datetime.date(2026, 2, 25))
        self.assertContains(page, "Vis alle 25 samtaler")
        every = self.client.get(reverse("client_detail", args=[self.ida.pk]) + "?sessions=all")
        self.assertEqual(len(every.context["sessions"]), 25)
        self.assertNotContains(every, "Vis alle")
        course = self.client.get(reverse("course_detail", args=[self.ida_course.pk]))
        self.assertEqual(len(course.context["sessions"]), SessionQuerySet.LATEST)
        self.assertContains(course, "Vis alle 25 samtaler")

    def test_the_client_page_reads_the_same_queries_however_many_sessions(self):
        self.login(self.alice)
        url = reverse("client_detail", args=[self.ida.pk])

        def count():
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(queries)

        self.add_sessions(3)
        few = count()
        self.add_sessions(40)
        self.assertEqual(count(), few)

    def test_the_family_present_is_shown_and_not_read_for_a_young_person_without_family(self):
        self.ida_session.participants.add(self.ida_mother)
        self.login(self.alice)
        for name, pk in (("client_detail", self.ida.pk), ("course_detail", self.ida_course.pk)):
            page = self.client.get(reverse(name, args=[pk]))
            self.assertEqual(page.context["sessions"][0].participants_present, [self.ida_mother])
            self.assertContains(page, f", {self.ida_mother}</span>", html=False)
        url = reverse("client_detail", args=[self.ida.pk])
        table = Session.participants.through._meta.db_table

        def participants_read():
            with CaptureQueriesContext(connection) as queries:
                page = self.client.get(url)
            return page, any(table in q["sql"] for q in queries)

        self.assertTrue(participants_read()[1])
        self.ida.consents.all().delete()
        self.ida.relatives.all().delete()  # the sessions' participants go with them
        page, read = participants_read()
        self.assertFalse(read)
        self.assertEqual(page.context["sessions"][0].participants_present, [])

    def test_an_outsider_asking_for_all_sessions_is_not_shown_the_page(self):
        self.client.force_login(self.bob)
        for name, pk in (("client_detail", self.ida.pk), ("course_detail", self.ida_course.pk)):
            response = self.client.get(reverse(name, args=[pk]) + "?sessions=all")
            self.assertEqual(response.status_code, 404)
