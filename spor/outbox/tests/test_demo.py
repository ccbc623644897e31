"""The demo shows the outbox at work: agreements, links sent, opened, answered, reminded
and given up, on the caseload, the not-answered list and the leader's message page."""

import io

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from spor.accounts.models import User
from spor.outbox.models import ContactConsent, Message


class DemoOutboxTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("demo", "--no-server", stdout=io.StringIO())

    def test_the_demo_holds_every_kind_of_recipient_and_outcome(self):
        current = ContactConsent.objects.current()
        for field in ("client", "relative", "participant"):
            self.assertTrue(current.filter(**{f"{field}__isnull": False}).exists(), field)
        self.assertTrue(ContactConsent.objects.filter(stopped_how="sms").exists())
        statuses = set(Message.objects.values_list("status", flat=True))
        self.assertTrue({"sent", "failed", "queued"} <= statuses, statuses)
        answered = Message.objects.with_answered().filter(first__isnull=True)
        self.assertTrue(answered.filter(answered=True).exists())
        self.assertTrue(answered.filter(answered=False, opened_at__isnull=False).exists())
        self.assertTrue(Message.objects.filter(kind="reminder", status="sent").exists())
        self.assertTrue(Message.objects.filter(relative__isnull=False, rater="parent").exists())

    def test_the_leader_sees_it_on_the_three_pages(self):
        self.client.force_login(User.objects.get(username="leder"))
        not_answered = self.client.get(reverse("outbox_not_answered"))
        self.assertContains(not_answered, "sendt til Forælder")
        self.assertContains(not_answered, "SMS gateway answered 503")
        self.assertNotContains(not_answered, "Intet forældrespørgeskema mangler svar.")
        # The caseload comes a page at a time, in the order of what is due: the links
        # are on one page or another.
        pages, n = "", 1
        while True:
            caseload = self.client.get(reverse("caseload") + f"?scope=team&page={n}")
            pages += caseload.content.decode()
            if n >= caseload.context["page"].paginator.num_pages:
                break
            n += 1
        self.assertIn("besvaret", pages)
        self.assertIn("åbnet", pages)
        templates = self.client.get(reverse("outbox_templates"))
        self.assertContains(templates, "Vi vil gerne høre, hvordan det går")
        self.assertContains(templates, "SMS gateway answered 503")
