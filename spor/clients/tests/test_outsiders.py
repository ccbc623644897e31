"""Generated over every URL pattern that takes an object id: outsiders never get the data,
and the one who may see it leaves a row in the access log."""

import datetime

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from spor.audit.models import AccessLog
from spor.lib.testing import PersonaTestCase
from spor.programmes.tests.helpers import ida_enrolment, ida_exam
from spor.public.testing import converted_request_for
from spor.tracking.testing import device_for
from spor.treatment.models import Course, FollowUp

# URL parameter name -> the object of Ida (alice's team) that it names. Add new names here.
OBJECTS = {
    "client": lambda t: t.ida,
    "course": lambda t: t.ida_course,
    "session": lambda t: t.ida_session,
    "relative": lambda t: t.ida_mother,
    "consent": lambda t: t.ida_consent,
    "goal": lambda t: t.ida_goal,
    "followup": lambda t: t.ida_followup,
    # A request for a talk that became Ida: its pages show her contact details.
    "talk_request": lambda t: converted_request_for(t.ida),
    "enrolment": lambda t: ida_enrolment(t),
    "exam": lambda t: ida_exam(t),
    "device": lambda t: device_for(t.ida),  # an app paired to Ida
}
# Parameters that do not name a client's data, each tested where it is defined.
NOT_CLIENT_DATA = {
    "staff": "staff members, scoped to the administrator's service (accounts tests)",
    "team": "teams, scoped to the administrator's service (accounts tests)",
    "mapping": "a role from the identity provider, scoped to the administrator's service "
               "(accounts test_sso_rules)",
    "service_slug": "a service's public page for young people, open to all (public tests)",
    "gallery_item": "young people's gallery posts, never linked to a client; moderated by "
                    "the service's counselling team (public tests)",
    "token": "a single-use rating or survey token, not a client id; it shows only the form "
             "(measures and programmes tests: expired, used twice, wrong token, rate limit)",
    "instrument": "a measure's code (ORS, SRS…) on the administrator's FIT settings "
                  "(measures tests)",
    "parent_course": "parent courses: their team and leaders (programmes test_outsiders)",
    "participant": "parent course participants, not clients (programmes test_outsiders)",
    "survey": "parent follow-up surveys (programmes test_outsiders)",
    "slot": "the day team's timetable, no personal data (programmes test_outsiders)",
    "contact": "outreach contacts, numbers only (programmes test_outsiders)",
    "funding": "outreach funding sources (programmes test_outsiders)",
    "volunteer": "outreach volunteers (programmes test_outsiders)",
    "activity": "consultancy activities, no personal data (programmes test_outsiders)",
    "conference": "anonymised case conferences (programmes test_outsiders)",
    "entry_id": "diary entries in the app API: reached only with a device token, scoped to "
                "its young person (tracking API tests)",
}
# Pages that, for Ida, only redirect and show nothing.
REDIRECT_ONLY = {"client_convert": "Ida is identified already; nothing to convert"}


def patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from patterns(entry, route)
        elif isinstance(entry, URLPattern) and entry.pattern.converters:
            yield entry, route


def object_patterns():
    found = []
    for entry, route in patterns():
        names = set(entry.pattern.converters)
        if names & set(NOT_CLIENT_DATA):
            continue
        found.append((entry.name, sorted(names), route))
    return found


class OutsiderTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        old = Course.objects.create(
            client=cls.ida, team=cls.team_a, kind=Course.Kind.INDIVIDUAL,
            start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 6, 1),
            outcome="reduced")
        cls.ida_followup = FollowUp.objects.create(
            course=old, months=3, observed_on=datetime.date(2024, 9, 3), use="stopped")

    def url_for(self, name, params):
        return reverse(name, kwargs={p: OBJECTS[p](self).pk for p in params})

    def test_every_id_in_a_url_is_known_to_this_test(self):
        for _name, params, route in object_patterns():
            for param in params:
                self.assertIn(param, OBJECTS, f"{route}: add {param!r} to OBJECTS or "
                                              "NOT_CLIENT_DATA")

    def test_outsiders_get_404_or_403_and_never_the_data(self):
        self.assertGreater(len(object_patterns()), 10)
        for outsider in (self.bob, self.tina, self.ali, self.adam, self.olga):
            self.login(outsider)
            for name, params, route in object_patterns():
                url = self.url_for(name, params)
                for method in (self.client.get, self.client.post):
                    response = method(url)
                    self.assertIn(response.status_code, (403, 404),
                                  f"{outsider.username} {method.__name__} {route}")
                    self.assertNotContains(response, "Hansen", status_code=response.status_code)
        self.assertFalse(AccessLog.objects.filter(client=self.ida).exists())

    def test_logged_out_visitors_are_sent_to_the_login(self):
        for name, params, route in object_patterns():
            response = self.client.get(self.url_for(name, params))
            self.assertEqual(response.status_code, 302, route)
            self.assertTrue(response["Location"].startswith(reverse("login")), route)

    def test_every_page_that_shows_a_client_writes_the_access_log(self):
        self.login(self.lene)
        for name, params, route in object_patterns():
            before = AccessLog.objects.filter(client=self.ida, user=self.lene).count()
            response = self.client.get(self.url_for(name, params))
            if response.status_code == 405 or name in REDIRECT_ONLY:
                continue  # POST-only actions are logged by what they show afterwards
            self.assertEqual(response.status_code, 200, route)
            after = AccessLog.objects.filter(client=self.ida, user=self.lene)
            self.assertEqual(after.count(), before + 1, f"{route} wrote no access log row")
            self.assertTrue(after.first().purpose, route)
