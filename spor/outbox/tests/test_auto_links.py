"""Rating links queued by themselves after a session, where the service chose it: once per
session, measure and rater, to each consenting recipient, never for anonymous courses,
never for a session long past, never when the rating was made."""

import datetime

import time_machine
from django.urls import reverse

from spor.clients.models import Relative
from spor.lib.testing import RaceTestCase, at_once
from spor.measures.models import Rating, RatingInvite
from spor.measures.tests.helpers import licence, lines
from spor.operations.jobs import run_due
from spor.outbox.models import AutoRatingLink, Message
from spor.outbox.queue import queue_auto_rating_links
from spor.outbox.tests.helpers import agree, smtp_settings
from spor.outbox.tests.servers import smtp_server
from spor.outbox.tests.test_sending import LINK, NOW, OutboxTestCase, send
from spor.treatment.models import Session

TODAY = NOW.date()


def session_of(course, registered=NOW - datetime.timedelta(hours=2), **fields):
    session = Session.objects.create(course=course, date=registered.date(), **fields)
    Session.objects.filter(pk=session.pk).update(created_at=registered)
    return session


def sent():
    return sorted((m.recipient.display_name, m.channel, m.instrument, m.rater)
                  for m in Message.objects.filter(first__isnull=True))


class AutoLinkTests(OutboxTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.service.auto_rating_links = True
        cls.service.save()
        cls.ida_mother.email = "hanne@example.dk"
        cls.ida_mother.save()
        cls.today = session_of(cls.ida_course)

    def test_the_young_persons_missing_ratings_go_out_once_with_a_reminder_later(self):
        agree(self.ida, "email")
        agree(self.ida, "sms")
        self.assertEqual(queue_auto_rating_links(), {"links": 2, "messages": 4})
        self.assertEqual(sent(), [("Ida Hansen", "email", "ORS", "client"),
                                  ("Ida Hansen", "email", "SRS", "client"),
                                  ("Ida Hansen", "sms", "ORS", "client"),
                                  ("Ida Hansen", "sms", "SRS", "client")])
        self.assertEqual({m.session for m in Message.objects.all()}, {self.today})
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})
        self.assertEqual(AutoRatingLink.objects.count(), 2)
        ors = Message.objects.get(channel="email", instrument="ORS")
        self.assertEqual(ors.expires_at, NOW + datetime.timedelta(hours=24))

        # The job sends it to a real SMTP server; the link opens Ida's ORS of that session.
        with smtp_server() as inbox, smtp_settings(inbox):
            Message.objects.filter(channel="sms").delete()
            self.assertIn("sent 2", send())
        self.assertEqual({m["to"][0] for m in inbox.messages}, {"ida@example.dk"})
        token = LINK.search(inbox.messages[0]["body"])[1]
        opened = self.client.get(reverse("outbox_open", args=[token]))
        invite = RatingInvite.objects.by_token(opened["Location"].split("/")[2])
        self.assertEqual((invite.session, invite.rater), (self.today, "client"))

        # Six hours on, unanswered: a reminder; a new run queues no second link.
        with time_machine.travel(NOW + datetime.timedelta(hours=7), tick=False):
            self.assertIn("2 reminders", send())
            self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})

    def test_a_rating_made_in_the_session_is_not_asked_for_again(self):
        agree(self.ida, "email")
        Rating.record(self.today, "ORS", "client", lines(22), "handover")
        queue_auto_rating_links()
        self.assertEqual(sent(), [("Ida Hansen", "email", "SRS", "client")])

    def test_a_rating_made_after_queueing_cancels_the_message_before_it_goes(self):
        agree(self.ida, "email")
        queue_auto_rating_links()
        Rating.record(self.today, "ORS", "client", lines(22), "paper")
        with smtp_server() as inbox, smtp_settings(inbox):
            self.assertIn("sent 1", send())
            self.assertIn("not sent 0", send())
        ors = Message.objects.get(instrument="ORS")
        self.assertEqual((ors.status, ors.last_error),
                         ("cancelled", "Answered before the message went out."))
        self.assertEqual(len(inbox.messages), 1)

    def test_nothing_goes_out_when_the_service_has_not_chosen_it(self):
        agree(self.ida, "email")
        self.service.auto_rating_links = False
        self.service.save()
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})

    def test_nothing_without_a_licence_for_digital_ratings(self):
        agree(self.ida, "email")
        self.service.fit_licences.all().delete()
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})

    def test_nothing_for_a_session_just_registered_or_long_past_or_not_attended(self):
        agree(self.ida, "email")
        self.today.delete()
        session_of(self.ida_course, registered=NOW - datetime.timedelta(minutes=30))
        session_of(self.ida_course, registered=NOW - datetime.timedelta(hours=25))
        session_of(self.ida_course, attendance="no_show")
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})
        with time_machine.travel(NOW + datetime.timedelta(minutes=31), tick=False):
            self.assertEqual(queue_auto_rating_links()["links"], 2)

    def test_nothing_for_a_session_registered_late_about_a_day_long_ago(self):
        agree(self.ida, "email")
        Session.objects.filter(pk=self.today.pk).update(date=TODAY - datetime.timedelta(days=9))
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})

    def test_nothing_when_the_clinician_already_sent_or_handed_out_a_link(self):
        agree(self.ida, "email")
        RatingInvite.issue(self.today, "ORS", "client", "handover", self.alice)
        self.login(self.alice)
        self.client.post(reverse("outbox_send", args=[self.today.pk]),
                         {"instrument": "SRS", "rater": "client", "channel": "email"})
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})
        self.assertEqual(Message.objects.count(), 1)  # the clinician's

    def test_nothing_ever_for_anonymous_counselling(self):
        session_of(self.anon_course)
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})

    def test_a_parent_who_rates_and_took_part_gets_the_parents_link(self):
        father = Relative.objects.create(client=self.ida, kind="parent", name="Henrik",
                                         email="henrik@example.dk")
        agree(self.ida_mother, "email")
        agree(father, "email")
        # Without parent ratings in the course, or without a parent present: none.
        self.today.participants.add(self.ida_mother)
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})
        Rating.record(self.ida_session, "ORS", "parent", lines(20), "paper")
        self.today.participants.remove(self.ida_mother)
        self.assertEqual(queue_auto_rating_links(), {"links": 0, "messages": 0})
        self.today.participants.add(self.ida_mother)
        self.assertEqual(queue_auto_rating_links(), {"links": 1, "messages": 1})
        self.assertEqual(sent(), [("Forælder: Hanne Hansen", "email", "ORS", "parent")])

    def test_the_job_is_registered_and_says_counts_only(self):
        agree(self.ida, "email")
        [run] = run_due(only="rating_links")
        self.assertTrue(run.ok)
        self.assertEqual(run.summary,
                         "Queued 2 rating links after sessions in 2 messages.")

    def test_the_rule_is_on_the_services_rules_page(self):
        self.login(self.adam)
        page = self.client.get(reverse("service_edit"))
        self.assertContains(page, "Send ratinglinks af sig selv efter samtaler")


@time_machine.travel(NOW, tick=False)
class TwoRunsAtOnceTests(RaceTestCase):
    def test_two_jobs_at_once_queue_each_link_once(self):
        licence(self.service, self.adam)
        self.service.auto_rating_links = True
        self.service.save()
        self.ida.email = "ida@example.dk"
        self.ida.save()
        agree(self.ida, "email")
        sessions = [session_of(self.ida_course) for _n in range(6)]
        results = at_once(queue_auto_rating_links, queue_auto_rating_links)
        for result in results:
            if isinstance(result, Exception):
                raise result
        self.assertEqual(sum(r["links"] for r in results), 12)
        self.assertEqual(Message.objects.count(), 12)
        for session in sessions:
            self.assertEqual(sorted(Message.objects.filter(session=session)
                                    .values_list("instrument", flat=True)), ["ORS", "SRS"])
        self.assertEqual(RatingInvite.objects.filter(expires_at__gt=NOW).count(), 12)
