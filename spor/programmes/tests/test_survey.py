import datetime
import re

import time_machine
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from spor.programmes.models import ParentFollowup, ParticipantAccessLog
from spor.programmes.tests.helpers import ProgrammeTestCase
from spor.programmes.tests.test_parents import EnglishMixin
from spor.programmes.views.survey import RATE_LIMIT

TODAY = datetime.date(2026, 7, 22)


@time_machine.travel(TODAY)
class ParentLinkTests(EnglishMixin, ProgrammeTestCase):
    def setUp(self):
        cache.clear()
        self.survey = self.pia.followups.get(when="3m")
        self.parent = Browser()  # the parent's phone: not logged in

    def make_link(self):
        self.login(self.carl)
        response = self.client.post(reverse("parent_survey_detail", args=[self.survey.pk]),
                                    {"action": "link"})
        return re.search(r'id="survey-link">([^<]+)<', response.content.decode()).group(1)

    def test_the_parent_answers_once_through_the_link_without_logging_in(self):
        link = self.make_link()
        page = self.parent.get(link)
        self.assertContains(page, "Har din søns eller datters forbrug af rusmidler ændret sig?")
        self.assertNotContains(page, "Pia")  # the link may be forwarded: no names
        response = self.parent.post(link, {"child_use": "smaller", "uses_new_options": "yes",
                                           "comment": "Vi taler bedre sammen."})
        self.assertRedirects(response, reverse("parent_survey_thanks"))
        self.survey.refresh_from_db()
        self.assertEqual(self.survey.answers, {"child_use": "smaller", "uses_new_options": "yes",
                                               "comment": "Vi taler bedre sammen."})
        self.assertEqual(self.survey.source, "parent_link")
        again = self.parent.get(link)
        self.assertEqual(again.status_code, 404)
        self.assertContains(again, "Linket virker ikke", status_code=404)

    def test_an_empty_answer_is_not_answered_and_not_dont_know(self):
        link = self.make_link()
        self.parent.post(link, {"child_use": "dont_know"})
        self.survey.refresh_from_db()
        self.assertEqual(self.survey.answers["child_use"], "dont_know")
        self.assertIsNone(self.survey.answers["uses_new_options"])

    def test_a_value_outside_the_questionnaire_is_refused_by_name(self):
        link = self.make_link()
        response = self.parent.post(link, {"child_use": "much_larger"})
        self.assertContains(response, 'href="#id_child_use"')
        self.survey.refresh_from_db()
        self.assertFalse(self.survey.is_answered)

    def test_only_a_hash_of_the_token_is_stored(self):
        link = self.make_link()
        token = link.rstrip("/").rsplit("/", 1)[1]
        self.survey.refresh_from_db()
        self.assertNotIn(token, str(ParentFollowup.objects.filter(pk=self.survey.pk).values()))
        self.assertEqual(self.survey.token_hash, ParentFollowup.hash_token(token))

    def test_the_link_expires_after_thirty_days(self):
        link = self.make_link()
        with time_machine.travel(TODAY + datetime.timedelta(days=29)):
            self.assertEqual(self.parent.get(link).status_code, 200)
        with time_machine.travel(TODAY + datetime.timedelta(days=31)):
            self.assertEqual(self.parent.get(link).status_code, 404)
            self.parent.post(link, {"child_use": "stopped"})
        self.survey.refresh_from_db()
        self.assertFalse(self.survey.is_answered)

    def test_a_new_link_cancels_the_earlier_one(self):
        first = self.make_link()
        second = self.make_link()
        self.assertEqual(self.parent.get(first).status_code, 404)
        self.assertEqual(self.parent.get(second).status_code, 200)

    def test_a_closed_survey_opens_no_more(self):
        link = self.make_link()
        self.client.post(reverse("parent_survey_detail", args=[self.survey.pk]),
                         {"action": "close"})
        self.assertEqual(self.parent.get(link).status_code, 404)

    def test_guessing_links_is_stopped_after_a_number_of_tries(self):
        link = self.make_link()
        for i in range(RATE_LIMIT):
            self.assertEqual(self.parent.get(f"/parent-survey/guess{i}/").status_code, 404)
        response = self.parent.get(link)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Vent lidt", status_code=429)
        other_address = Browser(REMOTE_ADDR="10.0.0.9")
        self.assertEqual(other_address.get(link).status_code, 200)
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
            self.assertEqual(self.parent.get(link).status_code, 200)  # the window passed

    def test_the_parents_page_is_never_cached(self):
        response = self.parent.get(self.make_link())
        self.assertIn("no-store", response["Cache-Control"])


@time_machine.travel(TODAY)
class StaffEntryTests(EnglishMixin, ProgrammeTestCase):
    def setUp(self):
        self.survey = self.per.followups.get(when="3m")
        self.url = reverse("parent_survey_detail", args=[self.survey.pk])
        self.login(self.carl)

    def test_staff_enter_the_answers_given_on_the_phone(self):
        response = self.client.post(self.url, {
            "action": "answers", "child_use": "stopped", "uses_new_options": "",
            "comment": "", "answered_on": "2026-07-21"})
        self.assertRedirects(response, reverse("parent_surveys"))
        self.survey.refresh_from_db()
        self.assertEqual((self.survey.source, self.survey.entered_by), ("staff", self.carl))
        self.assertEqual(self.survey.answers, {"child_use": "stopped",
                                               "uses_new_options": None, "comment": None})
        self.assertEqual(self.survey.answered_at.date(), datetime.date(2026, 7, 21))
        page = self.client.get(self.url)
        self.assertContains(page, "Not answered")  # the empty question reads so
        self.assertContains(page, "Stopped")

    def test_a_bad_staff_entry_names_the_field(self):
        response = self.client.post(self.url, {"action": "answers", "child_use": "gone",
                                               "answered_on": "2026-08-30"})
        self.assertContains(response, 'href="#id_child_use"')
        self.assertContains(response, 'href="#id_answered_on"')
        self.survey.refresh_from_db()
        self.assertFalse(self.survey.is_answered)

    def test_answers_a_parent_gave_through_the_link_are_not_overwritten(self):
        self.survey.record({"child_use": "smaller"}, ParentFollowup.Source.PARENT_LINK)
        self.survey.save()
        self.client.post(self.url, {"action": "answers", "child_use": "larger",
                                    "answered_on": "2026-07-21"})
        self.survey.refresh_from_db()
        self.assertEqual(self.survey.answers["child_use"], "smaller")

    def test_a_survey_closed_without_answer_leaves_the_due_list_and_can_be_reopened(self):
        self.client.post(self.url, {"action": "close"})
        self.survey.refresh_from_db()
        self.assertIsNotNone(self.survey.closed_at)
        self.assertNotIn(self.survey, self.client.get(reverse("parent_surveys")).context["due"])
        self.client.post(self.url, {"action": "reopen"})
        self.survey.refresh_from_db()
        self.assertIsNone(self.survey.closed_at)

    def test_the_survey_page_is_logged_for_the_participant(self):
        self.client.get(self.url)
        self.assertTrue(ParticipantAccessLog.objects.filter(participant=self.per,
                                                            user=self.carl).exists())
