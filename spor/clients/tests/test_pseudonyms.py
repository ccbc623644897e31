"""A pseudonym never identifies: no CPR number, phone number or e-mail address."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.public.models import TalkRequest

IDENTIFYING = ["010203-1234", "0102031234", "Mads 010203 1234", "22 33 44 55", "+45 22334455",
               "2233-4455", "ung@example.dk", "kiwi@mail.com"]
HARMLESS = ["Ræven", "Kiwi 2", "Luna 14", "Bjørn-Erik", "Mr. 007", "@ninja"]


class PseudonymRuleTests(PersonaTestCase):
    def errors(self, pseudonym):
        client = Client(service=self.service, team=self.team_a, pseudonym=pseudonym,
                        birth_year=2009)
        try:
            client.full_clean()
        except ValidationError as e:
            return e.message_dict.get("pseudonym", [])
        return []

    def test_the_model_refuses_what_looks_like_a_cpr_number_phone_or_email(self):
        with translation.override("en"):
            for text in IDENTIFYING:
                self.assertTrue(self.errors(text), text)
            self.assertIn("CPR number", self.errors("010203-1234")[0])
            self.assertIn("phone number", self.errors("22 33 44 55")[0])
            self.assertIn("e-mail", self.errors("ung@example.dk")[0])

    def test_first_names_and_nicknames_pass(self):
        for text in HARMLESS:
            self.assertEqual(self.errors(text), [], text)

    def test_the_new_anonymous_contact_form_names_the_field_and_stores_nothing(self):
        self.login(self.alice)
        response = self.client.post(reverse("client_new_anonymous"), {
            "pseudonym": "010203-1234", "birth_year": "2009", "gender": "male",
            "team": self.team_a.pk, "start_date": "2026-01-05"})
        self.assertContains(response, 'href="#id_pseudonym"')
        self.assertFalse(Client.objects.filter(pseudonym="010203-1234").exists())

    def test_a_talk_request_cannot_bring_one_in_as_a_nickname(self):
        talk = TalkRequest(service=self.service, nickname="22334455", age=16, reach="i_call")
        with self.assertRaises(ValidationError) as caught:
            talk.full_clean()
        self.assertIn("nickname", caught.exception.message_dict)
