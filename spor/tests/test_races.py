"""Rules that count or claim something, with requests made at the same moment.

Each test sends several requests from threads released together (each with its own
database connection) and checks that the rule held: the rule is checked inside the
transaction under a lock, or by a claim that only one request can win.
"""

import datetime
import json
import uuid

import time_machine
from django.core.cache import cache
from django.urls import reverse

from spor.audit.models import AccessLog
from spor.clients.models import Client
from spor.lib.testing import RaceTestCase, at_once
from spor.measures.models import Rating
from spor.measures.tests.helpers import licence, lines
from spor.programmes.models import DayTeamEnrolment
from spor.programmes.tests.helpers import ProgrammePersonas
from spor.public.models import TalkRequest
from spor.tracking.models import Device, DiaryEntry, PairingCode
from spor.treatment.models import Course, Session

TODAY = datetime.date(2026, 3, 12)


def status(results):
    for r in results:
        if isinstance(r, Exception):
            raise r
    return sorted(r.status_code for r in results)


@time_machine.travel(TODAY)
class TreatmentRaceTests(RaceTestCase):
    def test_two_clinicians_registering_the_fifth_anonymous_session_make_five_not_six(self):
        for day in (19, 26):
            Session.objects.create(course=self.anon_course, date=datetime.date(2026, 1, day))
        path = reverse("session_new", args=[self.anon_course.pk])
        fifth = {"date": "2026-02-02", "kind": "individual", "attendance": "attended"}
        results = at_once(*(self.poster(user, path, fifth)
                            for user in (self.alice, self.carl, self.lene, self.alice)))
        self.assertEqual(status(results), [200, 200, 200, 302])
        self.assertEqual(self.anon_course.sessions.filter(attendance="attended").count(), 5)

    def test_a_decision_and_a_sixth_session_at_once_agree(self):
        for day in (19, 26, 30):
            Session.objects.create(course=self.anon_course, date=datetime.date(2026, 1, day))
        decide = self.poster(self.alice, reverse("course_decision", args=[self.anon_course.pk]),
                             {"decision": "end", "decision_parents": "informed"})
        sixth = self.poster(self.carl, reverse("session_new", args=[self.anon_course.pk]),
                            {"date": "2026-02-02", "kind": "individual",
                             "attendance": "attended"})
        status(at_once(decide, sixth))
        self.anon_course.refresh_from_db()
        self.assertEqual(self.anon_course.decision, "end")
        self.assertEqual(self.anon_course.sessions.filter(attendance="attended").count(), 5)

    def test_a_double_click_on_new_anonymous_contact_makes_one_young_person(self):
        path = reverse("client_new_anonymous")
        sent = {"pseudonym": "Kiwi", "birth_year": "2010", "gender": "female",
                "team": self.team_a.pk, "start_date": "2026-01-05", "referral": "self",
                "main_substance": "cannabis", "form_token": "one-click"}
        results = at_once(self.poster(self.alice, path, sent),
                          self.poster(self.alice, path, sent))
        self.assertEqual(status(results), [302, 302])
        kiwi = Client.objects.get(pseudonym="Kiwi")
        self.assertEqual({r["Location"] for r in results},
                         {reverse("client_detail", args=[kiwi.pk])})

    def test_two_conversions_of_the_same_young_person_make_one(self):
        path = reverse("client_convert", args=[self.anon.pk])
        results = at_once(*(
            self.poster(user, path, {"first_name": name, "last_name": "Ræv", "gender": "male",
                                     "birth_date": "2009-04-01", "team": self.team_a.pk})
            for user, name in ((self.alice, "Rasmus"), (self.carl, "Rune"),
                               (self.lene, "Rolf"))))
        self.assertEqual(status(results), [302, 302, 302])
        self.assertEqual(AccessLog.objects.filter(
            client=self.anon, what="Converted from anonymous").count(), 1)

    def test_two_young_people_with_the_same_cpr_number_at_once_make_one(self):
        path = reverse("client_new")
        results = at_once(*(
            self.poster(user, path, {"first_name": name, "last_name": "Holm", "gender": "male",
                                     "cpr": "010210-4235", "team": self.team_a.pk})
            for user, name in ((self.alice, "Anders"), (self.carl, "Anton"))))
        self.assertEqual(status(results), [200, 302])
        self.assertEqual(Client.objects.filter(last_name="Holm").count(), 1)


@time_machine.travel(TODAY)
class ProgrammeRaceTests(ProgrammePersonas, RaceTestCase):
    def test_the_last_day_team_place_is_given_once(self):
        self.service.day_team_capacity = 2
        self.service.save()
        DayTeamEnrolment.objects.create(client=self.dan, start_date=datetime.date(2026, 1, 5))
        pupils = [Client.objects.create(service=self.service, team=self.team_b, anonymous=False,
                                        first_name=f"Elev{n}", last_name="Dagteam",
                                        birth_date=datetime.date(2011, 1, n), birth_year=2011)
                  for n in (1, 2, 3)]
        path = reverse("day_team_enrol")
        results = at_once(*(self.poster(user, path, {"client": pupil.pk,
                                                     "start_date": "2026-03-12"})
                            for user, pupil in zip((self.bob, self.tina, self.bob), pupils,
                                                   strict=True)))
        self.assertEqual(status(results), [200, 200, 302])
        self.assertEqual(DayTeamEnrolment.objects.count(), 2)

    def test_a_parents_survey_link_sent_three_times_at_once_is_answered_once(self):
        survey = self.pia.followups.get(when="3m")
        token = survey.new_link()
        survey.save()
        path = reverse("parent_survey", args=[token])
        cache.clear()
        results = at_once(*(self.poster(None, path, {"child_use": use,
                                                     "uses_new_options": "yes"})
                            for use in ("smaller", "stopped", "larger")))
        self.assertEqual(status(results), [302, 404, 404])
        survey.refresh_from_db()
        self.assertTrue(survey.is_answered)


@time_machine.travel(datetime.datetime(2026, 3, 12, 10, 0, tzinfo=datetime.UTC))
class LinkAndApiRaceTests(RaceTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()

    def test_a_rating_link_sent_three_times_at_once_gives_one_rating(self):
        from spor.measures.models import RatingInvite

        licence(self.service, self.adam)
        _invite, token = RatingInvite.issue(self.ida_session, "ORS", "client", "link",
                                            self.alice)
        path = reverse("fit_rate", args=[token])
        results = at_once(*(self.poster(None, path, lines(total)) for total in (12, 24, 36)))
        self.assertEqual(status(results), [200, 410, 410])
        self.assertEqual(Rating.objects.count(), 1)

    def test_a_pairing_code_used_by_three_apps_at_once_pairs_one(self):
        _row, code = PairingCode.make(self.ida, self.alice)
        body = json.dumps({"code": code, "device_name": "App"})
        results = at_once(*(self.poster(None, "/api/v1/pairing", body,
                                        content_type="application/json") for _ in range(3)))
        self.assertEqual(status(results), [201, 404, 404])
        self.assertEqual(Device.objects.count(), 1)

    def test_the_same_batch_uploaded_three_times_at_once_is_stored_once(self):
        _row, code = PairingCode.make(self.ida, self.alice)
        token = self.client.post("/api/v1/pairing", {"code": code, "device_name": "App"},
                                 content_type="application/json").json()["token"]
        entries = [{"id": str(uuid.uuid4()), "date": f"2026-03-0{d}", "substance": "cannabis",
                    "answer": "used", "amount": 1.0, "unit": "gram"} for d in range(1, 6)]
        body = json.dumps({"entries": entries})
        results = at_once(*(self.poster(None, "/api/v1/entries", body,
                                        content_type="application/json",
                                        HTTP_AUTHORIZATION=f"Bearer {token}")
                            for _ in range(3)))
        self.assertLess(max(status(results)), 500)
        self.assertEqual(DiaryEntry.objects.count(), 5)

    def test_a_talk_request_made_a_contact_by_three_counsellors_at_once_makes_one(self):
        talk = TalkRequest.objects.create(service=self.service, nickname="Kiwi", age=16,
                                          reach="i_call")
        path = reverse("talk_request_convert", args=[talk.pk])
        status(at_once(*(self.poster(user, path) for user in (self.alice, self.carl,
                                                              self.lene))))
        self.assertEqual(Client.objects.filter(pseudonym="Kiwi").count(), 1)
        self.assertEqual(Course.objects.filter(client__pseudonym="Kiwi").count(), 1)
