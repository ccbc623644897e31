"""A form sent twice is acted on once (spor.lib.once)."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from spor.audit.models import SentForm
from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.operations import jobs
from spor.programmes.models import Volunteer


def token_of(page) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page.content.decode())[1]


class SentTwiceTests(PersonaTestCase):
    def new_contact(self, **fields):
        return {"pseudonym": "Kiwi", "birth_year": "2010", "gender": "female",
                "team": self.team_a.pk, "start_date": "2026-01-05", "referral": "self",
                "main_substance": "cannabis", **fields}

    def test_a_double_click_on_new_anonymous_contact_makes_one_young_person(self):
        self.login(self.alice)
        token = token_of(self.client.get(reverse("client_new_anonymous")))
        first = self.client.post(reverse("client_new_anonymous"),
                                 self.new_contact(form_token=token))
        again = self.client.post(reverse("client_new_anonymous"),
                                 self.new_contact(form_token=token), follow=True)
        kiwi = Client.objects.get(pseudonym="Kiwi")
        self.assertEqual(first["Location"], reverse("client_detail", args=[kiwi.pk]))
        self.assertRedirects(again, first["Location"])
        self.assertContains(again, "allerede sendt")

    def test_a_refused_form_may_be_sent_again_with_the_same_token(self):
        self.login(self.alice)
        token = token_of(self.client.get(reverse("client_new_anonymous")))
        refused = self.client.post(reverse("client_new_anonymous"),
                                   self.new_contact(birth_year="1800", form_token=token))
        self.assertEqual(refused.status_code, 200)
        self.assertFalse(SentForm.objects.exists())
        self.client.post(reverse("client_new_anonymous"), self.new_contact(form_token=token))
        self.assertEqual(Client.objects.filter(pseudonym="Kiwi").count(), 1)

    def test_a_token_is_only_good_for_the_user_who_got_it(self):
        self.login(self.alice)
        token = token_of(self.client.get(reverse("client_new_anonymous")))
        self.client.post(reverse("client_new_anonymous"), self.new_contact(form_token=token))
        self.login(self.carl)
        self.client.post(reverse("client_new_anonymous"),
                         self.new_contact(pseudonym="Luna", form_token=token))
        self.assertTrue(Client.objects.filter(pseudonym="Luna").exists())

    def test_a_token_is_claimed_in_one_statement_and_the_transaction_goes_on(self):
        # No savepoint around the claim (two round trips on every form sent): a token
        # already claimed is answered without an error that would end the transaction.
        with CaptureQueriesContext(connection) as captured:
            self.assertTrue(SentForm.claim("t1", self.alice))
            self.assertFalse(SentForm.claim("t1", self.carl))
        self.assertEqual(len(captured), 2)
        self.assertEqual(SentForm.objects.get(token="t1").user, self.alice)

    def test_the_token_of_a_form_acted_on_keeps_who_sent_it_when_and_where_it_went(self):
        self.login(self.alice)
        token = token_of(self.client.get(reverse("client_new_anonymous")))
        self.client.post(reverse("client_new_anonymous"), self.new_contact(form_token=token))
        kiwi = Client.objects.get(pseudonym="Kiwi")
        sent = SentForm.objects.get(token=token)
        self.assertEqual((sent.user, sent.location),
                         (self.alice, reverse("client_detail", args=[kiwi.pk])))
        self.assertLess(abs(timezone.now() - sent.at), datetime.timedelta(minutes=1))

    def test_a_second_volunteer_of_the_same_name_is_refused_by_name(self):
        Volunteer.objects.create(service=self.service, name="Anna")
        from spor.programmes.forms import VolunteerForm

        form = VolunteerForm({"name": "Anna", "active": "on"}, service=self.service)
        self.assertFalse(form.is_valid())
        self.assertEqual(Volunteer.objects.filter(name="Anna").count(), 1)


class ForgetTests(PersonaTestCase):
    def test_the_job_forgets_tokens_older_than_a_day(self):
        old, _new = (SentForm.objects.create(token=t, user=self.alice) for t in ("old", "new"))
        SentForm.objects.filter(pk=old.pk).update(
            at=timezone.now() - datetime.timedelta(days=1, minutes=1))
        self.assertIn("Forgot 1", jobs.jobs()["sent_form_tokens"].run())
        self.assertEqual(list(SentForm.objects.values_list("token", flat=True)), ["new"])
