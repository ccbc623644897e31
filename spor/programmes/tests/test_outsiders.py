"""Every programmes URL that names an object which is not a client's: outsiders get 403 or
404 and never the content; the team that owns it gets the page; logged-out visitors the
login. (Day team places and exams are clients' data: spor/clients/tests/test_outsiders.)"""

import datetime

from django.urls import reverse

from spor.programmes import urls
from spor.programmes.models import (
    CaseConference,
    ConsultancyActivity,
    FundingSource,
    OutreachContact,
    ParticipantAccessLog,
    TimetableSlot,
    Volunteer,
)
from spor.programmes.tests.helpers import ProgrammeTestCase

PERSON = "Pia Petersen"  # a participant's name
PLACE = "Klub Hemmelig"  # shown on outreach pages
CASE = "Sag om en dreng fra Nordvest"  # an anonymised case summary


# Pages of a parent course that name no participant, and so log nothing.
NAMES_NO_ONE = {"parent_course_edit", "parent_course_evenings", "participant_new"}
# A participant's access log (GDPR art. 15) is for leaders only.
LEADERS_ONLY = {"participant_access_log"}


def routes(param):
    return [p.name for p in urls.urlpatterns if param in p.pattern.converters]


class ProgrammeOutsiderTests(ProgrammeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        TimetableSlot.ensure_default(cls.service)
        cls.volunteer = Volunteer.objects.create(service=cls.service, name="Ayşe Demir")
        cls.source = FundingSource.objects.create(service=cls.service, name="Satspuljen",
                                                  kind="ministry_pool")
        cls.contact = OutreachContact.objects.create(
            service=cls.service, date=datetime.date(2026, 1, 5), place_kind="club",
            place=PLACE, young_people=5)
        cls.contact.volunteers.add(cls.volunteer)
        cls.activity = ConsultancyActivity.objects.create(
            service=cls.service, date=datetime.date(2026, 1, 5), kind="course",
            partner="SSPK", hours=2, topic=CASE)
        cls.conference = CaseConference.objects.create(
            service=cls.service, date=datetime.date(2026, 1, 13), units_present="SSPK")
        cls.conference.cases.create(summary=CASE, advice="Netværksmøde")
        # parameter -> (the object, what must not leak, who may, who may not)
        parents = (cls.carl, cls.lene), (cls.alice, cls.bob, cls.tina, cls.ali, cls.adam,
                                          cls.olga)
        outreach = (cls.alice, cls.lene), (cls.carl, cls.bob, cls.tina, cls.ali, cls.adam,
                                           cls.olga)
        service = (cls.alice, cls.tina, cls.lene), (cls.ali, cls.adam, cls.olga)
        cls.table = {
            "parent_course": (cls.course, PERSON, *parents),
            "participant": (cls.pia, PERSON, *parents),
            "survey": (cls.pia.followups.get(when="3m"), PERSON, *parents),
            "contact": (cls.contact, PLACE, *outreach),
            "funding": (cls.source, "Satspuljen", *outreach),
            "volunteer": (cls.volunteer, "Ayşe Demir", *outreach),
            "activity": (cls.activity, CASE, *service),
            "conference": (cls.conference, CASE, *service),
            "slot": (TimetableSlot.objects.filter(service=cls.service).first(), "09.00",
                     (cls.tina, cls.bob, cls.lene), (cls.ali, cls.adam, cls.olga)),
        }

    def urls(self):
        for param, (obj, secret, insiders, outsiders) in self.table.items():
            names = routes(param)
            self.assertTrue(names, param)
            for name in names:
                who = [u for u in insiders if u.is_leader] if name in LEADERS_ONLY else insiders
                yield reverse(name, kwargs={param: obj.pk}), secret, who, outsiders

    def test_every_object_parameter_of_the_programmes_is_in_this_table(self):
        params = {p for pattern in urls.urlpatterns for p in pattern.pattern.converters}
        self.assertEqual(params - {"token", "enrolment", "exam"}, set(self.table))

    def test_outsiders_get_403_or_404_and_never_the_content(self):
        for url, secret, _insiders, outsiders in self.urls():
            for outsider in outsiders:
                self.login(outsider)
                for method in (self.client.get, self.client.post):
                    response = method(url)
                    self.assertIn(response.status_code, (403, 404, 405),
                                  f"{outsider.username} {method.__name__} {url}")
                    self.assertNotContains(response, secret, status_code=response.status_code)
        self.assertFalse(ParticipantAccessLog.objects.exists())

    def test_the_team_that_owns_the_object_gets_the_page(self):
        for url, _secret, insiders, _outsiders in self.urls():
            for insider in insiders:
                self.login(insider)
                response = self.client.get(url)
                self.assertIn(response.status_code, (200, 405), f"{insider.username} {url}")

    def test_pages_that_name_participants_log_each_look(self):
        self.login(self.lene)
        for param in ("parent_course", "participant", "survey"):
            for name in set(routes(param)) - NAMES_NO_ONE:
                before = ParticipantAccessLog.objects.filter(participant=self.pia).count()
                obj = self.table[param][0]
                response = self.client.get(reverse(name, kwargs={param: obj.pk}))
                if response.status_code == 405:
                    continue
                self.assertEqual(ParticipantAccessLog.objects.filter(participant=self.pia)
                                 .count(), before + 1, name)

    def test_logged_out_visitors_are_sent_to_the_login(self):
        for url, _secret, _insiders, _outsiders in self.urls():
            response = self.client.get(url)
            if response.status_code == 405:
                continue
            self.assertEqual(response.status_code, 302, url)
            self.assertTrue(response["Location"].startswith(reverse("login")), url)
