"""The counselling team sees new requests and turns one into an anonymous contact with one
logged action; nobody outside the team and service sees them."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from spor.audit.models import AccessLog
from spor.clients.models import Client
from spor.public.models import RequestAccessLog, TalkRequest
from spor.public.testing import PublicTestCase
from spor.treatment.models import Course


class RequestTestCase(PublicTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.kiwi = TalkRequest.objects.create(
            service=cls.service, nickname="Kiwi", age=16, reach="phone", phone="22334455",
            message="Mine forældre er sure.", discreet=True,
            created_at=timezone.now() - datetime.timedelta(days=3))
        cls.theirs = TalkRequest.objects.create(
            service=cls.other_service, nickname="Fremmed", age=17, reach="i_call")

    def detail(self, talk=None):
        return reverse("talk_request", kwargs={"talk_request": (talk or self.kiwi).pk})

    def convert(self, talk=None):
        return self.client.post(reverse("talk_request_convert",
                                        kwargs={"talk_request": (talk or self.kiwi).pk}))


class WhoSeesRequestsTests(RequestTestCase):
    def test_the_counselling_team_and_leaders_see_new_requests_with_their_contact(self):
        for user in (self.alice, self.carl, self.lene):
            self.login(user)
            listing = self.client.get(reverse("talk_requests"))
            self.assertContains(listing, "Kiwi")
            self.assertNotContains(listing, "Fremmed")
            self.assertNotContains(listing, "22 33 44 55")  # numbers only on the request
            page = self.client.get(self.detail())
            self.assertContains(page, "22 33 44 55")
            self.assertContains(page, "Mine forældre er sure.")

    def test_seeing_a_new_requests_contact_details_is_logged_against_the_request(self):
        self.login(self.alice)
        self.client.get(reverse("talk_requests"))
        self.client.get(self.detail())
        rows = list(RequestAccessLog.objects.filter(talk_request=self.kiwi).order_by("at"))
        self.assertEqual([(r.user, r.purpose, r.what) for r in rows], [
            (self.alice, "caseload", "Requests for a talk"),
            (self.alice, "registration", "Request for a talk")])
        self.assertFalse(RequestAccessLog.objects.filter(talk_request=self.theirs).exists())
        self.kiwi.delete()  # erased as spam: the log stays
        self.assertEqual(RequestAccessLog.objects.count(), 2)

    def test_a_clinician_outside_the_counselling_team_sees_neither_list_nor_request(self):
        for user in (self.bob, self.tina):
            self.login(user)
            listing = self.client.get(reverse("talk_requests"))
            self.assertEqual(listing.status_code, 200)
            self.assertNotContains(listing, "Kiwi")
            self.assertContains(listing, "rådgivningsteamet")
            self.assertEqual(self.client.get(self.detail()).status_code, 404)
            self.assertEqual(self.convert().status_code, 404)

    def test_analysts_and_administrators_are_refused(self):
        for user in (self.ali, self.adam):
            self.login(user)
            for url in (reverse("talk_requests"), reverse("talk_request_count"),
                        self.detail()):
                self.assertEqual(self.client.get(url).status_code, 403, (user, url))
            self.assertEqual(self.convert().status_code, 403)

    def test_another_service_never_sees_or_converts_our_requests(self):
        self.login(self.olga)
        self.assertNotContains(self.client.get(reverse("talk_requests")), "Kiwi")
        self.assertEqual(self.client.get(self.detail()).status_code, 404)
        self.assertEqual(self.convert().status_code, 404)
        erase = reverse("talk_request_erase", kwargs={"talk_request": self.kiwi.pk})
        self.assertEqual(self.client.post(erase).status_code, 404)
        self.kiwi.refresh_from_db()
        self.assertEqual(self.kiwi.status, TalkRequest.Status.NEW)

    def test_logged_out_visitors_are_sent_to_the_login(self):
        response = self.client.get(self.detail())
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_the_menu_shows_the_number_of_new_requests_after_the_page_loads(self):
        self.login(self.alice)
        page = self.client.get(reverse("caseload"))
        self.assertContains(page, f'data-fill-from="{reverse("talk_request_count")}"')
        self.assertContains(self.client.get(reverse("talk_request_count")), ">1</span>")
        self.login(self.bob)
        self.assertEqual(self.client.get(reverse("talk_request_count")).content, b"")

    def test_the_list_costs_the_same_queries_for_three_requests_as_for_thirty(self):
        TalkRequest.objects.create(service=self.service, nickname="N", age=15,
                                   reach="i_call").convert(self.alice)
        self.login(self.alice)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(reverse("talk_requests")).status_code, 200)
            return len(captured)

        few = queries()
        TalkRequest.objects.bulk_create([
            TalkRequest(service=self.service, nickname=f"N{i}", age=15, reach="i_call")
            for i in range(29)])
        for talk in TalkRequest.objects.filter(nickname__in=["N1", "N2", "N3"]):
            talk.convert(self.alice)
        self.assertEqual(queries(), few)
        self.assertLessEqual(few, 12)


class TurnIntoContactTests(RequestTestCase):
    def test_one_action_makes_an_anonymous_client_waiting_from_the_request_date(self):
        self.login(self.alice)
        response = self.convert()
        self.assertRedirects(response, self.detail())
        self.kiwi.refresh_from_db()
        client, course = self.kiwi.client, self.kiwi.course
        self.assertEqual(self.kiwi.status, TalkRequest.Status.CONVERTED)
        self.assertEqual(self.kiwi.converted_by, self.alice)
        self.assertEqual((client.anonymous, client.pseudonym, client.gender, client.team),
                         (True, "Kiwi", Client.Gender.UNKNOWN, self.team_a))
        self.assertEqual(client.birth_year, self.kiwi.request_date.year - 16)
        self.assertEqual((course.kind, course.request_date, course.start_date),
                         (Course.Kind.ANONYMOUS, self.kiwi.request_date, None))
        self.assertEqual((course.clinician, course.referral), (self.alice, "self"))
        self.assertTrue(course.is_waiting)
        self.assertEqual(course.guarantee_date,
                         self.kiwi.request_date + datetime.timedelta(days=14))

    def test_the_contact_details_stay_on_the_request_and_never_reach_the_client(self):
        self.login(self.alice)
        self.convert()
        self.kiwi.refresh_from_db()
        client = self.kiwi.client
        self.assertEqual((client.phone, client.email, client.first_name, client.address),
                         ("", "", "", ""))
        self.assertEqual(self.kiwi.phone, "22334455")
        page = self.client.get(self.detail())
        self.assertContains(page, "22 33 44 55")
        self.assertContains(page, reverse("client_detail", kwargs={"client": client.pk}))
        self.assertNotContains(self.client.get(reverse("client_detail",
                                                       kwargs={"client": client.pk})),
                               "22 33 44 55")

    def test_the_conversion_is_logged_against_the_new_client(self):
        self.login(self.alice)
        self.convert()
        self.kiwi.refresh_from_db()
        row = AccessLog.objects.get(client=self.kiwi.client, user=self.alice,
                                    purpose=AccessLog.Purpose.REGISTRATION)
        self.assertNotIn("Kiwi", row.what)
        self.client.get(self.detail())
        self.assertTrue(AccessLog.objects.filter(
            client=self.kiwi.client, purpose=AccessLog.Purpose.TREATMENT).exists())

    def test_the_new_contact_waits_on_the_counsellors_caseload(self):
        self.login(self.alice)
        self.convert()
        caseload = self.client.get(reverse("caseload"))
        self.assertContains(caseload, "Kiwi")
        self.assertContains(caseload, "Venter på at starte")

    def test_a_request_is_turned_into_a_contact_only_once(self):
        self.login(self.alice)
        self.convert()
        response = self.convert()
        self.assertRedirects(response, self.detail())
        self.assertEqual(Client.objects.filter(pseudonym="Kiwi").count(), 1)

    def test_of_two_counsellors_pressing_at_once_only_one_makes_the_contact(self):
        stale = TalkRequest.objects.get(pk=self.kiwi.pk)
        self.assertIsNotNone(self.kiwi.convert(self.alice))
        self.assertIsNone(stale.convert(self.carl))
        self.assertEqual(Client.objects.filter(pseudonym="Kiwi").count(), 1)

    def test_a_request_over_the_anonymous_age_limit_is_not_made_anonymous(self):
        old = TalkRequest.objects.create(service=self.service, nickname="Stor", age=27,
                                         reach="i_call")
        self.login(self.alice)
        response = self.convert(old)
        self.assertRedirects(response, self.detail(old))
        page = self.client.get(self.detail(old))
        self.assertContains(page, "under 25")
        self.assertFalse(Client.objects.filter(pseudonym="Stor").exists())
        old.refresh_from_db()
        self.assertEqual(old.status, TalkRequest.Status.NEW)

    def test_a_new_request_can_be_erased_as_spam(self):
        self.login(self.carl)
        erase = reverse("talk_request_erase", kwargs={"talk_request": self.kiwi.pk})
        self.assertEqual(self.client.get(erase).status_code, 405)  # a link erases nothing
        self.assertRedirects(self.client.post(erase), reverse("talk_requests"))
        self.assertFalse(TalkRequest.objects.filter(pk=self.kiwi.pk).exists())

    def test_contact_details_of_a_contact_can_be_erased_early(self):
        self.login(self.alice)
        self.convert()
        erase = reverse("talk_request_erase", kwargs={"talk_request": self.kiwi.pk})
        self.client.post(erase)
        self.kiwi.refresh_from_db()
        self.assertEqual((self.kiwi.phone, self.kiwi.message), ("", ""))
        self.assertIsNotNone(self.kiwi.contact_erased_at)
        self.assertIsNotNone(self.kiwi.client)

    def test_a_converted_request_follows_its_client_when_the_client_moves_team(self):
        self.kiwi.convert(self.alice)
        self.kiwi.client.team = self.team_b
        self.kiwi.client.save()
        Course.objects.filter(client=self.kiwi.client).update(team=self.team_b)
        self.login(self.alice)
        self.assertEqual(self.client.get(self.detail()).status_code, 404)
        self.login(self.bob)
        self.assertContains(self.client.get(self.detail()), "22 33 44 55")

    def test_a_request_past_the_guarantee_is_marked_in_the_list(self):
        TalkRequest.objects.filter(pk=self.kiwi.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=20))
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("talk_requests")), 'class="tag bad"')
