"""What the public page keeps is erased when the service's retention period has passed;
the command can run any number of times."""

import datetime
import io
import os

import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command

from spor.clients.models import Client
from spor.public.models import GalleryItem, TalkRequest
from spor.public.testing import PublicTestCase
from spor.treatment.models import Course

# 10:00 in Copenhagen. Periods are counted in absolute time (UTC), so a summer-time
# change inside the period moves nothing.
DAY_0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def on(days, hours=0):
    return time_machine.travel(DAY_0 + datetime.timedelta(days=days, hours=hours), tick=False)


class PurgeTests(PublicTestCase):
    def purge(self):
        out = io.StringIO()
        call_command("purge_public", stdout=out)
        return out.getvalue()

    def request(self, nickname="Kiwi", service=None):
        return TalkRequest.objects.create(service=service or self.service, nickname=nickname,
                                          age=16, reach="phone", phone="22334455",
                                          message="Hej")

    def test_a_request_nobody_took_is_erased_after_the_retention_period(self):
        with on(0):
            talk = self.request()
        with on(29, 23):
            self.purge()
        self.assertTrue(TalkRequest.objects.filter(pk=talk.pk).exists())
        with on(30, 1):
            output = self.purge()
        self.assertFalse(TalkRequest.objects.filter(pk=talk.pk).exists())
        self.assertIn("Erased 1 requests", output)
        self.assertNotIn("Kiwi", output)
        self.assertNotIn("22334455", output)

    def test_a_contact_keeps_its_client_and_course_but_loses_the_contact_details(self):
        with on(0):
            talk = self.request()
        with on(20):
            talk.convert(self.alice)
        with on(49):
            self.purge()
        talk.refresh_from_db()
        self.assertEqual(talk.phone, "22334455")  # 29 days after the conversion
        with on(50, 1):
            self.purge()
        talk.refresh_from_db()
        self.assertEqual((talk.phone, talk.email, talk.message), ("", "", ""))
        self.assertIsNotNone(talk.contact_erased_at)
        self.assertTrue(Client.objects.filter(pk=talk.client_id, pseudonym="Kiwi").exists())
        self.assertEqual(Course.objects.get(client=talk.client_id).request_date,
                         datetime.date(2026, 3, 2))

    def test_each_service_keeps_requests_as_long_as_it_has_chosen(self):
        self.other_service.request_retention_days = 7
        self.other_service.save()
        with on(0):
            ours, theirs = self.request(), self.request("Fremmed", self.other_service)
        with on(8):
            self.purge()
        self.assertTrue(TalkRequest.objects.filter(pk=ours.pk).exists())
        self.assertFalse(TalkRequest.objects.filter(pk=theirs.pk).exists())

    def test_running_it_again_erases_nothing_more(self):
        with on(0):
            self.request()
            kept = self.request("Nova")
            kept.convert(self.alice)
        with on(31):
            first = self.purge()
            second = self.purge()
        self.assertIn("Erased 1 requests for a talk, the contact details of 1", first)
        self.assertIn("Erased 0 requests for a talk, the contact details of 0", second)
        self.assertEqual(TalkRequest.objects.count(), 1)

    def test_gallery_posts_nobody_reviewed_are_erased_with_their_files(self):
        with on(0):
            waiting = GalleryItem(service=self.service, kind="sound", nickname="Taco",
                                  title="Beat")
            waiting.file.save("beat.wav", ContentFile(b"RIFF0000WAVE"), save=False)
            waiting.give_removal_code()
            waiting.save()
            shown = GalleryItem(service=self.service, kind="tip", nickname="Luna",
                                title="Tip", text="Gå en tur")
            shown.give_removal_code()
            shown.save()
            shown.approve(self.alice)
        path = os.path.join(settings.MEDIA_ROOT, waiting.file.name)
        self.assertTrue(os.path.exists(path))
        with on(31), self.captureOnCommitCallbacks(execute=True):
            self.purge()
        self.assertEqual(list(GalleryItem.objects.all()), [shown])
        self.assertFalse(os.path.exists(path))
