import datetime
from unittest import mock

import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spor.audit.models import AccessLog
from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.treatment.models import Course, FollowUp, Session

TODAY = datetime.date(2026, 11, 28)


def errors_of(obj):
    try:
        obj.full_clean()
    except ValidationError as e:
        return set(e.message_dict)
    return set()


@time_machine.travel(TODAY)
class CourseRuleTests(PersonaTestCase):
    def course(self, **fields):
        base = {"client": self.ida, "team": self.team_a, "kind": "individual",
                "start_date": datetime.date(2026, 3, 1)}
        return Course(**{**base, **fields})

    def test_dates_must_follow_each_other_and_not_lie_ahead(self):
        self.assertEqual(errors_of(self.course(request_date=datetime.date(2026, 3, 2))),
                         {"request_date"})
        self.assertEqual(errors_of(self.course(end_date=datetime.date(2026, 2, 1))),
                         {"end_date"})
        self.assertEqual(errors_of(self.course(start_date=datetime.date(2027, 1, 1))),
                         {"start_date"})

    def test_an_outcome_needs_an_end_date(self):
        self.assertEqual(errors_of(self.course(outcome="stopped")), {"outcome"})
        self.assertEqual(errors_of(self.course(outcome="stopped",
                                               end_date=datetime.date(2026, 9, 1))), set())

    def test_up_to_four_other_substances_never_the_main_one(self):
        self.assertEqual(errors_of(self.course(secondary_substances=["alcohol", "opioids"])),
                         set())
        for bad in (["alcohol", "opioids", "other", "methadone", "party_drugs"],
                    ["cannabis"], ["alcohol", "alcohol"], ["glue"]):
            self.assertEqual(errors_of(self.course(main_substance="cannabis",
                                                   secondary_substances=bad)),
                             {"secondary_substances"}, bad)

    def test_a_waiting_course_shows_the_treatment_guarantee(self):
        waiting = self.course(start_date=None, request_date=datetime.date(2026, 11, 1))
        self.assertEqual(waiting.guarantee_date, datetime.date(2026, 11, 15))
        self.assertIs(waiting.guarantee_met, False)
        in_time = self.course(request_date=datetime.date(2026, 2, 20))
        self.assertIs(in_time.guarantee_met, True)

    def test_follow_ups_are_due_3_9_and_12_months_after_the_end(self):
        course = self.course(end_date=datetime.date(2026, 2, 27))
        course.save()
        self.assertEqual(course.followups_due(), [
            (3, datetime.date(2026, 5, 27), True), (9, datetime.date(2026, 11, 27), False)])
        FollowUp.objects.create(course=course, months=3, observed_on=datetime.date(2026, 6, 1),
                                use="stopped")
        self.assertEqual([due.months for due in course.followups_due()], [9])

    def test_the_caseload_reads_exactly_the_ended_courses_with_a_follow_up_due(self):
        # Every end date of two years, month ends among them, and one follow-up recorded on
        # some: the SQL's ended courses with a follow-up due are the ones that have one.
        ends = [datetime.date(2025, 1, 1) + datetime.timedelta(days=d) for d in range(0, 700, 3)]
        for i, end in enumerate(ends):
            course = Course.objects.create(client=self.ida, team=self.team_a, kind="individual",
                                           start_date=datetime.date(2024, 12, 1), end_date=end)
            if i % 4 == 0:
                FollowUp.objects.create(course=course, months=3, use="stopped",
                                        observed_on=end + datetime.timedelta(days=95))
        ended = Course.objects.filter(end_date__isnull=False).prefetch_related("followups")
        for day in (TODAY,
                    datetime.date(2026, 2, 28), datetime.date(2026, 3, 31),
                    datetime.date(2028, 2, 29)):
            due = {c.pk for c in ended if c.followups_due(day)}
            found = set(Course.objects.followups_due_on(day).values_list("pk", flat=True))
            self.assertEqual(found, due, day)

    def test_the_caseload_shows_a_page_of_follow_ups_due_those_ended_longest_ago_first(self):
        ends = [datetime.date(2025, 6, 1) + datetime.timedelta(days=d) for d in range(4)]
        for n, end in enumerate(reversed(ends)):
            client = Client.objects.create(service=self.service, team=self.team_a,
                                           pseudonym=f"Slut {n}", birth_year=2008)
            Course.objects.create(client=client, team=self.team_a, clinician=self.alice,
                                  kind="individual", start_date=datetime.date(2025, 1, 1),
                                  end_date=end)
        self.login(self.alice)
        with mock.patch("spor.treatment.views.CASELOAD_PAGE", 2):
            response = self.client.get(reverse("caseload"))
        self.assertEqual([c.client.pseudonym for c in response.context["followups"]],
                         ["Slut 3", "Slut 2"])
        self.assertContains(response, "4 forløb med en opfølgning der skal laves · viser de 2 "
                                      "der sluttede for længst siden")
        logged = set(AccessLog.objects.filter(purpose="caseload").values_list(
            "client__pseudonym", flat=True))
        self.assertEqual(logged & {"Slut 0", "Slut 1", "Slut 2", "Slut 3"},
                         {"Slut 3", "Slut 2"})

    @time_machine.travel(datetime.date(2028, 2, 29))
    def test_the_caseload_opens_on_a_leap_day(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("caseload")).status_code, 200)

    def test_the_caseload_shows_when_each_follow_up_fell_due_and_marks_it_overdue(self):
        Course.objects.filter(pk=self.ida_course.pk).update(end_date=datetime.date(2026, 2, 27))
        self.login(self.alice)
        page = self.client.get(reverse("caseload")).content.decode()
        self.assertIn("3 måneder: for sent (skulle laves 27.05.2026)", page)
        self.assertIn("9 måneder: skal laves fra 27.11.2026", page)
        self.assertIn('class="tag bad"', page)


@time_machine.travel(TODAY)
class SessionRuleTests(PersonaTestCase):
    def test_a_session_lies_within_its_course(self):
        session = Session(course=self.ida_course, date=datetime.date(2026, 1, 1))
        self.assertEqual(errors_of(session), {"date"})
        session.date = datetime.date(2026, 1, 25)  # after the request, before the start
        self.assertEqual(errors_of(session), set())
        session.date = datetime.date(2026, 12, 1)
        self.assertEqual(errors_of(session), {"date"})

    def test_a_clinician_registers_a_session_with_staff_and_family(self):
        self.login(self.alice)
        response = self.client.post(reverse("session_new", args=[self.ida_course.pk]), {
            "date": "2026-11-20", "kind": "family", "attendance": "attended",
            "duration_min": 60, "staff": [self.alice.pk, self.carl.pk],
            "participants": [self.ida_mother.pk], "others_present": "UU-vejleder",
            "note": "Mor deltog."})
        session = self.ida_course.sessions.get(date=datetime.date(2026, 11, 20))
        # The next step of an attended session is its ratings: ORS first, SRS last.
        self.assertRedirects(response, reverse("fit_session", args=[session.pk]),
                             fetch_redirect_response=False)
        self.assertContains(self.client.get(response["Location"]), "Næste skridt")
        self.assertEqual(set(session.staff.all()), {self.alice, self.carl})
        self.assertEqual(list(session.participants.all()), [self.ida_mother])

    def test_the_staff_offered_are_the_course_s_team_and_who_was_there(self):
        self.login(self.alice)
        offered = self.client.get(reverse("session_new", args=[self.ida_course.pk])
                                  ).context["form"].fields["staff"].queryset
        self.assertEqual(set(offered), {self.alice, self.carl, self.lene})
        # Bob of the day team is not offered, unless he was recorded on the session.
        self.ida_session.staff.add(self.bob)
        edit = self.client.get(reverse("session_edit", args=[self.ida_session.pk]))
        self.assertIn(self.bob, edit.context["form"].fields["staff"].queryset)
        response = self.client.post(reverse("session_new", args=[self.ida_course.pk]), {
            "date": "2026-11-20", "kind": "individual", "attendance": "attended",
            "staff": [self.bob.pk]})
        self.assertContains(response, 'href="#id_staff"')

    def test_a_missed_session_goes_back_to_the_course(self):
        self.login(self.alice)
        response = self.client.post(reverse("session_new", args=[self.ida_course.pk]), {
            "date": "2026-11-20", "kind": "individual", "attendance": "no_show"})
        self.assertRedirects(response, reverse("course_detail", args=[self.ida_course.pk]))

    def test_the_first_attended_session_starts_a_waiting_course(self):
        self.anon_course.sessions.all().delete()
        Course.objects.filter(pk=self.anon_course.pk).update(
            start_date=None, request_date=datetime.date(2026, 11, 2))
        self.login(self.alice)
        self.client.post(reverse("session_new", args=[self.anon_course.pk]), {
            "date": "2026-11-10", "kind": "individual", "attendance": "cancelled"})
        self.anon_course.refresh_from_db()
        self.assertIsNone(self.anon_course.start_date)
        self.client.post(reverse("session_new", args=[self.anon_course.pk]), {
            "date": "2026-11-16", "kind": "individual", "attendance": "attended"})
        self.anon_course.refresh_from_db()
        self.assertEqual(self.anon_course.start_date, datetime.date(2026, 11, 16))

    def test_a_bad_session_names_its_fields(self):
        self.login(self.alice)
        response = self.client.post(reverse("session_new", args=[self.ida_course.pk]), {
            "date": "2026-12-24", "kind": "party", "attendance": "attended",
            "duration_min": 0})
        for field in ("date", "kind", "duration_min"):
            self.assertContains(response, f'href="#id_{field}"')

    def test_staff_of_another_team_cannot_be_picked_from_another_service(self):
        self.login(self.alice)
        self.client.post(reverse("session_new", args=[self.ida_course.pk]), {
            "date": "2026-11-20", "kind": "individual", "attendance": "attended",
            "staff": [self.olga.pk]})
        self.assertFalse(self.ida_course.sessions.filter(date=datetime.date(2026, 11, 20))
                         .exists())

    def test_an_outsider_posting_the_form_with_its_token_gets_404_and_nothing_is_saved(self):
        # The scoping check reads the course under its lock, in the token's transaction:
        # its 404 must not spoil that transaction (a 500 when the token is given back).
        from spor.audit.models import SentForm

        self.login(self.bob)
        for name in ("session_new", "goal_new", "followup_new"):
            response = self.client.post(reverse(name, args=[self.ida_course.pk]), {
                "date": "2026-11-20", "kind": "individual", "attendance": "attended",
                "text": "Et mål", "months": 3, "observed_on": "2026-11-20",
                "use": "stopped", "form_token": f"outsider-{name}"})
            self.assertEqual(response.status_code, 404, name)
        self.assertFalse(self.ida_course.sessions.filter(date=datetime.date(2026, 11, 20))
                         .exists())
        self.assertFalse(SentForm.objects.filter(token__startswith="outsider").exists())
        self.assertFalse(AccessLog.objects.filter(user=self.bob).exists())


@time_machine.travel(TODAY)
class AnonymousLimitTests(PersonaTestCase):
    def register(self, day, user=None):
        self.login(user or self.alice)
        return self.client.post(reverse("session_new", args=[self.anon_course.pk]), {
            "date": f"2026-02-{day:02d}", "kind": "individual", "attendance": "attended"})

    def test_the_fifth_session_asks_for_the_decision(self):
        self.register(2)
        self.register(9)
        response = self.register(16)
        self.assertRedirects(response, reverse("course_decision", args=[self.anon_course.pk]))
        self.assertTrue(Course.objects.with_session_counts().get(
            pk=self.anon_course.pk).decision_due)

    def test_no_sixth_session_until_the_decision_is_recorded(self):
        for day in (2, 9, 16):
            self.register(day)
        response = self.register(23)
        self.assertContains(response, "Registrér beslutningen")
        self.assertEqual(self.anon_course.sessions.count(), 5)

    def test_an_under_18_decision_needs_the_parents_informed_or_involved(self):
        for day in (2, 9, 16):
            self.register(day)
        url = reverse("course_decision", args=[self.anon_course.pk])
        response = self.client.post(url, {"decision": "continue"})
        self.assertContains(response, 'href="#id_decision_parents"')
        response = self.client.post(url, {"decision": "continue",
                                          "decision_parents": "informed"})
        self.assertRedirects(response, reverse("course_detail", args=[self.anon_course.pk]))
        sixth = self.register(23)
        self.assertRedirects(sixth, reverse("fit_session", args=[
            self.anon_course.sessions.latest("date").pk]), fetch_redirect_response=False)

    def test_an_adult_decision_needs_no_parents(self):
        adult = Client.objects.create(service=self.service, team=self.team_a,
                                      pseudonym="Voksen", birth_year=2003)
        course = Course.objects.create(client=adult, team=self.team_a, kind="anonymous_counselling",
                                       start_date=datetime.date(2026, 1, 1))
        for day in range(1, 6):
            Session.objects.create(course=course, date=datetime.date(2026, 1, day))
        self.login(self.alice)
        response = self.client.post(reverse("course_decision", args=[course.pk]),
                                    {"decision": "end"})
        self.assertRedirects(response, reverse("course_edit", args=[course.pk]))
        course.refresh_from_db()
        self.assertEqual((course.decision, course.decided_by), ("end", self.alice))

    def test_a_decision_to_enrol_leads_to_recording_who_they_are(self):
        for day in (2, 9, 16):
            self.register(day)
        response = self.client.post(reverse("course_decision", args=[self.anon_course.pk]),
                                    {"decision": "enrol", "decision_parents": "involved"})
        self.assertRedirects(response, reverse("client_convert", args=[self.anon.pk]))
        self.assertContains(self.register(23), "ikke flere anonyme samtaler")

    def test_a_converted_young_person_is_led_to_open_the_course_which_ends_counselling(self):
        self.anon_course.decision = Course.Decision.ENROL
        self.anon_course.save()
        self.login(self.alice)
        response = self.client.post(reverse("client_convert", args=[self.anon.pk]), {
            "first_name": "Rasmus", "last_name": "Ræv", "gender": "male",
            "cpr": "010209-4123", "team": self.team_a.pk})
        self.assertRedirects(response, reverse("course_new", args=[self.anon.pk]),
                             fetch_redirect_response=False)
        # Until the course is opened, the caseload says so.
        self.assertContains(self.client.get(reverse("caseload")), "Indskriv: opret forløbet")
        form = self.client.get(reverse("course_new", args=[self.anon.pk])).context["form"]
        self.assertEqual(form["kind"].value(), "individual")
        response = self.client.post(reverse("course_new", args=[self.anon.pk]), {
            "kind": "individual", "team": self.team_a.pk, "clinician": self.alice.pk,
            "start_date": "2026-02-10", "referral": "self", "main_substance": "cannabis"})
        course = self.anon.courses.get(kind="individual")
        self.assertRedirects(response, reverse("goal_new", args=[course.pk]),
                             fetch_redirect_response=False)
        self.anon_course.refresh_from_db()
        self.assertEqual((self.anon_course.end_date, self.anon_course.end_reason),
                         (datetime.date(2026, 2, 10), "enrolled"))
        self.assertEqual(self.anon_course.sessions.count(), 2)  # the history stays
        caseload = self.client.get(reverse("caseload")).content.decode()
        self.assertIn("Ingen målsætninger registreret", caseload)
        self.assertIn("den unges eget samtykke", caseload)
        self.assertIn("en forælders samtykke", caseload)

    def test_a_decision_to_enrol_on_a_still_anonymous_young_person_is_due(self):
        self.anon_course.decision = Course.Decision.ENROL
        self.anon_course.save()
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("caseload")),
                            "Indskriv: registrér hvem den unge er")
        self.assertContains(self.client.get(reverse("course_detail", args=[
            self.anon_course.pk])), reverse("client_convert", args=[self.anon.pk]))

    def test_the_limit_is_a_setting_of_the_service(self):
        self.service.anonymous_session_limit = 3
        self.service.save()
        response = self.register(2)
        self.assertRedirects(response, reverse("course_decision", args=[self.anon_course.pk]))


@time_machine.travel(TODAY)
class CaseloadTests(PersonaTestCase):
    def caseload_queries(self):
        self.login(self.alice)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(reverse("caseload"))
        self.assertEqual(response.status_code, 200)
        return len(queries), response

    def test_it_lists_my_active_courses_with_what_is_due(self):
        _count, response = self.caseload_queries()
        self.assertEqual({c.client for c in response.context["courses"]}, {self.anon, self.ida})
        self.assertContains(response, "Ingen samtale i 30 dage")
        self.assertContains(response, "Mangler: den unges eget samtykke")

    def add_courses(self, n):
        for i in range(n):
            client = Client.objects.create(service=self.service, team=self.team_a,
                                           pseudonym=f"Ny {i}", birth_year=2008)
            course = Course.objects.create(client=client, team=self.team_a, clinician=self.alice,
                                           kind="individual", start_date=datetime.date(2026, 1, 1),
                                           end_date=datetime.date(2026, 2, 1) if i % 3 else None)
            for day in range(1, 6):
                Session.objects.create(course=course, date=datetime.date(2026, 1, day))

    def test_the_number_of_queries_does_not_grow_with_clients_or_sessions(self):
        self.add_courses(3)
        before, response = self.caseload_queries()
        self.assertEqual(len(response.context["courses"]), 3)
        self.add_courses(15)
        after, response = self.caseload_queries()
        self.assertEqual(before, after)
        self.assertEqual(len(response.context["courses"]), 8)

    def test_showing_the_caseload_logs_each_client_shown(self):
        self.caseload_queries()
        logged = set(AccessLog.objects.filter(purpose="caseload").values_list("client", flat=True))
        self.assertEqual(logged, {self.anon.pk, self.ida.pk})
