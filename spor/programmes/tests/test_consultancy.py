import datetime
from decimal import Decimal

import time_machine
from django.urls import reverse

from spor.programmes.figures import consultancy_year
from spor.programmes.models import CaseConference, ConferenceCase, ConsultancyActivity
from spor.programmes.tests.helpers import ProgrammeTestCase, errors_of
from spor.programmes.tests.test_parents import EnglishMixin

TODAY = datetime.date(2026, 5, 20)


def cases_formset(*cases, initial=0):
    data = {"cases-TOTAL_FORMS": max(len(cases), 1), "cases-INITIAL_FORMS": initial,
            "cases-MIN_NUM_FORMS": 0, "cases-MAX_NUM_FORMS": 1000}
    for i, (summary, advice) in enumerate(cases):
        data |= {f"cases-{i}-summary": summary, f"cases-{i}-advice": advice}
    return data


@time_machine.travel(TODAY)
class ConsultancyTests(EnglishMixin, ProgrammeTestCase):
    def test_a_clinician_registers_supervision_for_a_partner(self):
        self.login(self.alice)
        response = self.client.post(reverse("consultancy_new"), {
            "date": "2026-05-19", "kind": "supervision", "partner": "UU Øresund",
            "hours": "2", "attendees": 6, "staff": [self.alice.pk],
            "topic": "Motivation og rusmidler"})
        self.assertRedirects(response, reverse("consultancy"))
        activity = ConsultancyActivity.objects.get()
        self.assertEqual((activity.partner, activity.hours), ("UU Øresund", Decimal("2")))

    def test_a_bad_activity_names_its_fields(self):
        self.login(self.alice)
        response = self.client.post(reverse("consultancy_new"), {
            "date": "2026-06-01", "kind": "lecture", "hours": "0"})
        for field in ("date", "kind", "partner", "hours"):
            self.assertContains(response, f'href="#id_{field}"')

    def test_the_forms_warn_against_names(self):
        self.login(self.alice)
        for url in (reverse("consultancy_new"), reverse("case_conference_new")):
            self.assertContains(self.client.get(url), "Write no names")

    def test_a_case_conference_is_saved_with_its_anonymised_cases(self):
        self.login(self.lene)
        response = self.client.post(reverse("case_conference_new"), {
            "date": "2026-05-12", "units_present": "Lokalcentret, Myndighed, SSPK, Helsingung",
            **cases_formset(("Dreng, 15 år, hash dagligt, ude af skolen.",
                             "Familiesamtale; skolen til netværksmøde."),
                            ("Pige, 17 år, festrusmidler.", "Anonym rådgivning først."))})
        self.assertRedirects(response, reverse("consultancy"))
        conference = CaseConference.objects.get()
        self.assertEqual(conference.cases.count(), 2)

    def test_a_case_needs_both_summary_and_advice(self):
        self.login(self.lene)
        response = self.client.post(reverse("case_conference_new"), {
            "date": "2026-05-12", "units_present": "SSPK",
            **cases_formset(("Dreng, 15 år.", ""))})
        self.assertContains(response, 'href="#id_cases-0-advice"')
        self.assertFalse(CaseConference.objects.exists())

    def test_the_year_shows_which_months_had_a_conference(self):
        for month in (1, 2, 4):
            CaseConference.objects.create(service=self.service, units_present="SSPK",
                                          date=datetime.date(2026, month, 10))
        self.login(self.tina)
        months = dict(self.client.get(reverse("consultancy")).context["months"])
        self.assertEqual([d.month for d, held in months.items() if held], [1, 2, 4])

    def test_another_services_activity_is_not_found_and_analysts_are_refused(self):
        activity = ConsultancyActivity.objects.create(
            service=self.service, date=TODAY, kind="course", partner="SSPK", hours=3)
        self.login(self.olga)
        self.assertEqual(self.client.get(reverse("consultancy_edit", args=[activity.pk]))
                         .status_code, 404)
        self.login(self.ali)
        self.assertEqual(self.client.get(reverse("consultancy")).status_code, 403)

    def test_a_date_ahead_is_refused(self):
        activity = ConsultancyActivity(service=self.service, date=datetime.date(2026, 6, 1),
                                       kind="course", partner="SSPK", hours=3)
        self.assertEqual(errors_of(activity), {"date"})


class ConsultancyYearTests(ProgrammeTestCase):
    def test_the_years_figures_count_kinds_hours_partners_and_cases(self):
        d = datetime.date
        for day, kind, partner, hours, attendees in [
                (d(2026, 1, 5), "supervision", "Klub Nord", "2", 5),
                (d(2026, 2, 5), "supervision", "Klub Nord", "1.5", None),
                (d(2026, 3, 5), "staff_day", "Lokalcentret", "6", 80),
                (d(2025, 12, 5), "course", "SSPK", "3", 20)]:
            ConsultancyActivity.objects.create(service=self.service, date=day, kind=kind,
                                               partner=partner, hours=Decimal(hours),
                                               attendees=attendees)
        for month, n_cases in ((1, 2), (2, 3), (2, 1)):
            conference = CaseConference.objects.create(
                service=self.service, date=d(2026, month, 10 + n_cases), units_present="x")
            ConferenceCase.objects.bulk_create(
                [ConferenceCase(conference=conference, summary="s", advice="a")
                 for _ in range(n_cases)])
        with self.assertNumQueries(4):
            figures = consultancy_year(self.service, 2026)
        self.assertEqual((figures["activities"], figures["hours"], figures["partners"]),
                         (3, Decimal("9.5"), 2))
        self.assertEqual(figures["by_kind"]["supervision"],
                         {"activities": 2, "hours": Decimal("3.5"), "attendees": 5})
        self.assertEqual(figures["by_kind"]["course"]["activities"], 0)
        self.assertEqual((figures["case_conferences"], figures["months_with_conference"],
                          figures["cases"]), (3, 2, 6))
