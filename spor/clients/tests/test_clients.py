import datetime
import re

import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from spor.audit.models import AccessLog
from spor.clients.models import Client, Consent, Relative
from spor.lib import cpr as cprlib
from spor.lib.testing import PersonaTestCase
from spor.treatment.models import Course


class CprTests(PersonaTestCase):
    def test_it_accepts_numbers_that_fail_the_old_modulus_11_check(self):
        digits, born = cprlib.parse("010190-2001")  # fails modulus 11, is a valid number
        self.assertEqual((digits, born), ("0101902001", datetime.date(1990, 1, 1)))

    def test_it_reads_the_century_from_the_seventh_digit(self):
        self.assertEqual(cprlib.parse("0101104001")[1], datetime.date(2010, 1, 1))
        self.assertEqual(cprlib.parse("0101584001")[1], datetime.date(1958, 1, 1))
        self.assertEqual(cprlib.parse("0101575001")[1], datetime.date(2057, 1, 1))
        self.assertEqual(cprlib.parse("0101905001")[1], datetime.date(1890, 1, 1))

    def test_it_refuses_a_bad_format_or_an_impossible_date(self):
        for value in ("12345", "310290-1234", "abcdef-1234", "010190 1234"):
            with self.assertRaises(ValidationError, msg=value):
                cprlib.parse(value)

    def test_it_is_stored_encrypted_and_found_by_exact_match(self):
        stored = Client.objects.values("cpr_encrypted", "cpr_hash").get(pk=self.ida.pk)
        self.assertNotIn("0503104322", str(stored))
        self.assertEqual(list(Client.objects.search("050310-4322")), [self.ida])
        self.assertEqual(list(Client.objects.search("0503104322")), [self.ida])
        self.assertEqual(list(Client.objects.search("050310-4323")), [])
        self.assertEqual(self.ida.cpr_masked, "050310-xxxx")


class AnonymousClientTests(PersonaTestCase):
    def test_the_database_refuses_identity_on_an_anonymous_client(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Client.objects.filter(pk=self.anon.pk).update(last_name="Hansen")

    def test_the_model_names_every_identifying_field(self):
        self.anon.first_name, self.anon.phone = "Kim", "12345678"
        with self.assertRaises(ValidationError) as caught:
            self.anon.full_clean()
        self.assertTrue({"first_name", "phone"} <= set(caught.exception.message_dict))

    def test_family_of_an_anonymous_client_is_recorded_by_relation_only(self):
        mother = Relative(client=self.anon, kind="parent", name="Mor Hansen")
        with self.assertRaises(ValidationError) as caught:
            mother.full_clean()
        self.assertIn("name", caught.exception.message_dict)
        Relative(client=self.anon, kind="parent", has_custody=True).full_clean()

    def test_creating_an_anonymous_contact_makes_a_counselling_course(self):
        self.login(self.alice)
        response = self.client.post(reverse("client_new_anonymous"), {
            "pseudonym": "Nova", "birth_year": 2009, "gender": "female",
            "team": self.team_a.pk, "request_date": "2026-11-20", "start_date": "2026-11-27",
            "referral": "self", "main_substance": "cannabis"})
        client = Client.objects.get(pseudonym="Nova")
        self.assertRedirects(response, reverse("client_detail", args=[client.pk]))
        self.assertTrue(client.anonymous)
        course = client.courses.get()
        self.assertEqual((course.kind, course.clinician), (Course.Kind.ANONYMOUS, self.alice))

    def test_the_first_session_is_empty_on_a_new_contact_while_the_young_person_waits(self):
        self.login(self.alice)
        form = self.client.get(reverse("client_new_anonymous")).context["form"]
        self.assertIsNone(form["start_date"].value())
        self.assertIsNotNone(form["request_date"].value())

    def test_the_anonymous_form_refuses_young_people_over_the_age_limit(self):
        self.login(self.alice)
        response = self.client.post(reverse("client_new_anonymous"), {
            "pseudonym": "Old", "birth_year": 1990, "gender": "male", "team": self.team_a.pk,
            "start_date": "2026-11-27", "referral": "self", "main_substance": "cannabis"})
        self.assertContains(response, 'href="#id_birth_year"')
        self.assertContains(response, "under 25")
        self.assertFalse(Client.objects.filter(pseudonym="Old").exists())

    def test_bad_input_names_the_field_and_writes_nothing(self):
        self.login(self.alice)
        response = self.client.post(reverse("client_new_anonymous"), {
            "pseudonym": "", "birth_year": "abc", "team": self.team_a.pk,
            "start_date": "2030-01-01", "referral": "self", "main_substance": "cannabis"})
        for field in ("pseudonym", "birth_year", "start_date"):
            self.assertContains(response, f'href="#id_{field}"')
        self.assertEqual(Client.objects.count(), 3)


class IdentifiedClientTests(PersonaTestCase):
    def post_new(self, **data):
        form = {"first_name": "Emil", "last_name": "Berg", "cpr": "", "birth_date": "",
                "gender": "male", "team": self.team_a.pk}
        form.update(data)
        self.login(self.alice)
        return self.client.post(reverse("client_new"), form)

    def test_the_cpr_number_fills_in_the_birth_date(self):
        self.post_new(cpr="120309-4567")
        emil = Client.objects.get(first_name="Emil")
        self.assertEqual(emil.birth_date, datetime.date(2009, 3, 12))
        self.assertEqual(emil.reveal_cpr(), "120309-4567")
        self.assertFalse(emil.anonymous)

    def test_a_cpr_number_that_contradicts_the_birth_date_is_refused(self):
        response = self.post_new(cpr="120309-4567", birth_date="2009-03-13")
        self.assertContains(response, 'href="#id_cpr"')
        self.assertFalse(Client.objects.filter(first_name="Emil").exists())

    def test_a_cpr_number_cannot_belong_to_two_young_people(self):
        response = self.post_new(cpr="050310-4322")
        self.assertContains(response, 'href="#id_cpr"')

    def test_a_name_and_a_birth_date_are_required(self):
        response = self.post_new(first_name="", last_name="")
        self.assertContains(response, 'href="#id_first_name"')
        self.assertContains(response, 'href="#id_birth_date"')

    def test_the_form_never_echoes_a_stored_cpr_number(self):
        self.login(self.alice)
        page = self.client.get(reverse("client_edit", args=[self.ida.pk]))
        self.assertNotContains(page, "4322")
        self.assertContains(page, "050310-xxxx")


class CprRevealTests(PersonaTestCase):
    def test_the_client_page_shows_the_cpr_masked(self):
        self.login(self.alice)
        page = self.client.get(reverse("client_detail", args=[self.ida.pk]))
        self.assertContains(page, "050310-xxxx")
        # The last four digits appear nowhere, the page's random UUIDs left aside.
        text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "",
                      page.content.decode())
        self.assertNotIn("4322", text)

    def test_showing_the_cpr_needs_a_purpose_which_is_logged(self):
        self.login(self.alice)
        url = reverse("client_cpr", args=[self.ida.pk])
        self.assertNotContains(self.client.post(url, {}), "050310-4322")
        response = self.client.post(url, {"purpose": "identity_check"})
        self.assertContains(response, "050310-4322")
        row = AccessLog.objects.filter(client=self.ida).first()
        self.assertEqual((row.purpose, row.what, row.user), ("identity_check",
                                                              "CPR number shown", self.alice))


class ConversionTests(PersonaTestCase):
    def test_converting_keeps_the_history_and_is_logged(self):
        self.login(self.alice)
        response = self.client.post(reverse("client_convert", args=[self.anon.pk]), {
            "first_name": "Rasmus", "last_name": "Holm", "cpr": "010209-4123",
            "gender": "male", "team": self.team_a.pk})
        # The counselling goes on in an enrolled course, which is opened next.
        self.assertRedirects(response, reverse("course_new", args=[self.anon.pk]))
        rasmus = Client.objects.get(pk=self.anon.pk)
        self.assertFalse(rasmus.anonymous)
        self.assertEqual((rasmus.converted_by, rasmus.birth_year), (self.alice, 2009))
        self.assertEqual(rasmus.courses.get().sessions.count(), 2)
        self.assertTrue(AccessLog.objects.filter(client=rasmus, purpose="conversion",
                                                 what="Converted from anonymous").exists())

    def test_a_conversion_with_bad_input_leaves_the_client_anonymous(self):
        self.login(self.alice)
        self.client.post(reverse("client_convert", args=[self.anon.pk]), {
            "first_name": "Rasmus", "last_name": "Holm", "cpr": "320209-4123",
            "gender": "male", "team": self.team_a.pk})
        self.anon.refresh_from_db()
        self.assertTrue(self.anon.anonymous)
        self.assertEqual(self.anon.first_name, "")


class ConsentTests(PersonaTestCase):
    def test_the_young_person_consents_from_15(self):
        consent = Consent(client=self.ida, given_by="client", given_on=datetime.date(2025, 3, 4))
        with self.assertRaises(ValidationError) as caught:
            consent.full_clean()
        self.assertIn("given_by", caught.exception.message_dict)
        Consent(client=self.ida, given_by="client",
                given_on=datetime.date(2025, 3, 5)).full_clean()

    def test_a_parent_consents_only_with_custody_and_for_under_18s(self):
        father = Relative.objects.create(client=self.ida, kind="parent", has_custody=False)
        with self.assertRaises(ValidationError) as caught:
            Consent(client=self.ida, given_by="parent", parent=father,
                    given_on=datetime.date(2026, 1, 1)).full_clean()
        self.assertIn("parent", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            Consent(client=self.ida, given_by="parent", parent=self.ida_mother,
                    given_on=datetime.date(2028, 3, 5)).full_clean()
        self.assertIn("given_by", caught.exception.message_dict)

    @time_machine.travel(datetime.date(2026, 6, 1))
    def test_the_client_page_says_which_consent_is_missing(self):
        self.login(self.alice)
        page = self.client.get(reverse("client_detail", args=[self.ida.pk]))
        self.assertContains(page, "Mangler: den unges eget samtykke")
        self.assertNotContains(page, "en forælders samtykke")

    @time_machine.travel(datetime.date(2026, 6, 1))
    def test_an_anonymous_young_person_lacks_no_consent(self):
        self.assertEqual(self.anon.consent_gaps(), [])
        self.login(self.alice)
        page = self.client.get(reverse("client_detail", args=[self.anon.pk]))
        self.assertNotContains(page, "Mangler:")


class SearchTests(PersonaTestCase):
    def test_it_finds_by_pseudonym_name_or_cpr_within_my_scope_and_logs_it(self):
        self.login(self.alice)
        for query in ("ræv", "hansen", "050310-4322"):
            page = self.client.get(reverse("client_search"), {"q": query})
            self.assertEqual(len(page.context["results"]), 1, query)
        self.assertEqual(AccessLog.objects.filter(purpose="search").count(), 3)
        self.login(self.bob)
        page = self.client.get(reverse("client_search"), {"q": "hansen"})
        self.assertEqual(page.context["results"], [])


class AccessLogExportTests(PersonaTestCase):
    def test_a_leader_exports_one_clients_log_with_dates_and_purposes(self):
        self.login(self.alice)
        self.client.get(reverse("client_detail", args=[self.ida.pk]))
        self.login(self.lene)
        response = self.client.get(reverse("client_access_log", args=[self.ida.pk]))
        text = response.content.decode()
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("Den unges side", text)
        self.assertIn("Behandling", text)
        self.assertIn("Alice Test", text)
        self.assertNotIn("Ræven", text)

    def test_a_clinician_cannot_export_the_log(self):
        self.login(self.alice)
        response = self.client.get(reverse("client_access_log", args=[self.ida.pk]))
        self.assertEqual(response.status_code, 403)


class PhoneTests(PersonaTestCase):
    """Staff enter phone numbers by the same rule as the page for young people."""

    def test_a_young_persons_and_a_relatives_number_are_stored_as_digits(self):
        self.ida.phone = "0045 12 34-56 78"
        self.ida.full_clean()
        self.assertEqual(self.ida.phone, "+4512345678")
        father = Relative(client=self.ida, kind="parent", name="Far", phone="(20) 30 40 50")
        father.full_clean()
        self.assertEqual(father.phone, "20304050")

    def test_a_number_that_is_not_one_is_refused_under_the_phone_field(self):
        father = Relative(client=self.ida, kind="parent", name="Far", phone="ring efter 16")
        with self.assertRaises(ValidationError) as caught:
            father.full_clean()
        self.assertEqual(list(caught.exception.message_dict), ["phone"])
