import csv
import datetime
import io
from decimal import Decimal

import pypdf
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spor.programmes.figures import outreach_year
from spor.programmes.models import FundingSource, Grant, OutreachContact, Volunteer
from spor.programmes.tests.helpers import ProgrammeTestCase, errors_of
from spor.programmes.tests.test_parents import EnglishMixin

TODAY = datetime.date(2026, 6, 30)


class OutreachData:
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.pool = FundingSource.objects.create(service=cls.service, name="Satspuljen",
                                                kind="ministry_pool", giver="Ministeriet",
                                                reference="J.nr. 42")
        Grant.objects.create(source=cls.pool, starts=datetime.date(2026, 1, 1),
                             ends=datetime.date(2026, 12, 31), amount=Decimal("450000"))
        cls.fund = FundingSource.objects.create(service=cls.service, name="TrygFonden",
                                                kind="foundation")
        cls.ayse = Volunteer.objects.create(service=cls.service, name="Ayşe Demir")
        cls.omar = Volunteer.objects.create(service=cls.service, name="Omar Khalil")
        cls.club = cls.contact(datetime.date(2026, 2, 3), "club", 12, 1, 2, 0, [cls.pool],
                               staff=[cls.alice], volunteers=[cls.ayse, cls.omar], other=1,
                               hours="2.5")
        cls.visit = cls.contact(datetime.date(2026, 3, 4), "family_visit", 2, 1, 0, 1,
                                [cls.pool, cls.fund], staff=[cls.alice, cls.lene],
                                volunteers=[cls.ayse], hours="1.5")
        cls.street = cls.contact(datetime.date(2026, 4, 5), "street", 6, 0, 0, 0, [],
                                 volunteers=[cls.omar])
        cls.last_year = cls.contact(datetime.date(2025, 12, 30), "club", 20, 0, 1, 0,
                                    [cls.pool], staff=[cls.alice])

    @classmethod
    def contact(cls, day, kind, young, families, to_service, to_other, funding, staff=(),
                volunteers=(), other=0, hours=None):
        contact = OutreachContact.objects.create(
            service=cls.service, date=day, place_kind=kind, young_people=young,
            families=families, referrals_service=to_service, referrals_other=to_other,
            other_volunteers=other, hours=Decimal(hours) if hours else None)
        contact.staff.set(staff)
        contact.volunteers.set(volunteers)
        contact.funding.set(funding)
        return contact


@time_machine.travel(TODAY)
class OutreachRuleTests(EnglishMixin, OutreachData, ProgrammeTestCase):
    def post(self, **fields):
        self.login(self.alice)
        data = {"date": "2026-06-29", "place_kind": "school", "young_people": 25,
                "families": 0, "referrals_service": 0, "referrals_other": 0,
                "other_volunteers": 0, "staff": [self.alice.pk]}
        return self.client.post(reverse("outreach_contact_new"), {**data, **fields})

    def test_a_contact_is_registered_with_its_funding_and_counts(self):
        response = self.post(funding=[self.pool.pk], volunteers=[self.ayse.pk],
                             place="Nordvestskolen", referrals_service=2)
        self.assertRedirects(response, reverse("outreach"))
        contact = OutreachContact.objects.get(place="Nordvestskolen")
        self.assertEqual((contact.young_people, contact.referrals_service), (25, 2))
        self.assertEqual(list(contact.funding.all()), [self.pool])

    def test_someone_must_have_gone(self):
        response = self.post(staff=[])
        self.assertContains(response, 'href="#id_staff"')
        self.assertEqual(self.post(staff=[], other_volunteers=2).status_code, 302)

    def test_referrals_cannot_exceed_those_reached_and_dates_not_lie_ahead(self):
        self.assertContains(self.post(young_people=1, referrals_service=1, referrals_other=1),
                            'href="#id_referrals_service"')
        self.assertContains(self.post(date="2026-07-01"), 'href="#id_date"')
        contact = OutreachContact(service=self.service, date=TODAY, place_kind="town_hall")
        self.assertIn("place_kind", errors_of(contact))

    def test_the_form_suggests_the_sources_whose_grant_covers_today(self):
        self.login(self.alice)
        form = self.client.get(reverse("outreach_contact_new")).context["form"]
        self.assertEqual(list(form.initial["funding"]), [self.pool])

    def test_outreach_is_for_the_outreach_team_and_leaders(self):
        for user, status in ((self.alice, 200), (self.lene, 200), (self.carl, 403),
                             (self.tina, 403), (self.ali, 403), (self.adam, 403)):
            self.login(user)
            self.assertEqual(self.client.get(reverse("outreach")).status_code, status, user)
        self.login(self.olga)  # she leads another service: its outreach, not this one's
        self.assertEqual(self.client.get(reverse("outreach")).context["totals"]["contacts"], 0)
        for outsider in (self.carl, self.olga):
            self.login(outsider)
            self.assertEqual(self.client.get(reverse("outreach_contact_edit",
                                                     args=[self.club.pk])).status_code, 404)


@time_machine.travel(TODAY)
class FundingReportTests(EnglishMixin, OutreachData, ProgrammeTestCase):
    def report(self, fmt="", start="2026-01-01", end="2026-06-30"):
        self.login(self.alice)
        return self.client.get(reverse("outreach_funding_report", args=[self.pool.pk]),
                               {"start": start, "end": end, **({"format": fmt} if fmt else {})})

    def test_the_report_counts_what_the_source_paid_for_in_the_period(self):
        totals = self.report().context["report"]["totals"]
        self.assertEqual((totals["contacts"], totals["young_people"], totals["families"]),
                         (2, 14, 2))
        self.assertEqual((totals["referrals_service"], totals["referrals_other"]), (2, 1))
        self.assertEqual(totals["hours"], Decimal("4.0"))
        self.assertEqual((totals["staff_turns"], totals["volunteer_turns"]), (3, 4))
        self.assertEqual(totals["by_place"]["family_visit"]["families"], 1)
        self.assertEqual(totals["by_place"]["school"]["contacts"], 0)

    def test_the_csv_holds_the_grant_and_a_row_per_kind_of_place(self):
        response = self.report("csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertIn(["Funding source", "Satspuljen"], rows)
        self.assertIn(["Grant", "2026-01-01", "2026-12-31", "450000.00"], rows)
        self.assertIn(["Youth club", "1", "12", "1", "2", "0", "2.5"], rows)
        self.assertIn(["Total", "2", "14", "2", "2", "1", "4.0"], rows)
        self.assertIn(["Volunteer turns", "4"], rows)

    def test_the_pdf_is_a_real_pdf_with_the_numbers(self):
        response = self.report("pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        self.assertIn("Satspuljen", text)
        self.assertIn("J.nr. 42", text)
        self.assertIn("450,000.00", text)
        self.assertRegex(text, r"Total\s+2\s+14\s+2\s+2\s+1\s+4")
        self.assertIn("Staff took part 3 times and volunteers 4 times.", " ".join(text.split()))
        self.assertIn("1 / 1", text)

    def test_a_bad_period_is_refused_by_name_and_no_file_is_made(self):
        response = self.report("csv", start="2026-06-30", end="2026-01-01")
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")
        self.assertContains(response, 'href="#id_end"')

    def test_another_teams_report_is_not_found(self):
        self.login(self.carl)
        self.assertEqual(self.client.get(reverse("outreach_funding_report",
                                                 args=[self.pool.pk])).status_code, 404)

    def test_a_funding_source_is_saved_with_its_grants(self):
        self.login(self.alice)
        response = self.client.post(reverse("outreach_funding_new"), {
            "name": "Kommunen", "kind": "municipality",
            "grants-TOTAL_FORMS": 2, "grants-INITIAL_FORMS": 0, "grants-MIN_NUM_FORMS": 0,
            "grants-MAX_NUM_FORMS": 1000,
            "grants-0-starts": "2026-01-01", "grants-0-ends": "2026-12-31",
            "grants-0-amount": "100000"})
        self.assertRedirects(response, reverse("outreach_funding"))
        source = FundingSource.objects.get(name="Kommunen")
        self.assertEqual(source.grants.get().amount, Decimal("100000"))
        response = self.client.post(reverse("outreach_funding_new"), {
            "name": "Bad", "kind": "other", "grants-TOTAL_FORMS": 1,
            "grants-INITIAL_FORMS": 0, "grants-MIN_NUM_FORMS": 0, "grants-MAX_NUM_FORMS": 1000,
            "grants-0-starts": "2026-12-31", "grants-0-ends": "2026-01-01",
            "grants-0-amount": "-5"})
        self.assertContains(response, 'href="#id_grants-0-ends"')
        self.assertContains(response, 'href="#id_grants-0-amount"')
        self.assertFalse(FundingSource.objects.filter(name="Bad").exists())


@time_machine.travel(TODAY)
class OutreachListTests(EnglishMixin, OutreachData, ProgrammeTestCase):
    def test_the_year_list_comes_in_pages_with_the_years_totals(self):
        self.login(self.alice)
        few = self.queries(year=2026)
        OutreachContact.objects.bulk_create([
            OutreachContact(service=self.service, date=datetime.date(2026, 5, 1),
                            place_kind="street", young_people=1) for _ in range(150)])
        first = self.client.get(reverse("outreach"), {"year": 2026})
        self.assertEqual(len(first.context["page"].object_list), 100)
        self.assertEqual(first.context["totals"]["contacts"], 153)
        second = self.client.get(reverse("outreach"), {"year": 2026, "page": 2})
        self.assertEqual(len(second.context["page"].object_list), 53)
        self.assertEqual(self.queries(year=2026), few)
        self.assertEqual(self.queries(year=2026, page=2), few)

    def queries(self, **params):
        with CaptureQueriesContext(connection) as queries:
            self.client.get(reverse("outreach"), params)
        return len(queries)


class OutreachYearTests(OutreachData, ProgrammeTestCase):
    def test_the_years_totals_are_set_based(self):
        with self.assertNumQueries(4):
            figures = outreach_year(self.service, 2026)
        self.assertEqual((figures["contacts"], figures["young_people"], figures["families"]),
                         (3, 20, 2))
        self.assertEqual(figures["referrals_service"] + figures["referrals_other"], 3)
        self.assertEqual(figures["by_place"]["street"]["young_people"], 6)
        self.assertEqual(figures["volunteer_turns"], 5)
        self.assertEqual(outreach_year(self.service, 2025)["contacts"], 1)
        self.assertEqual(outreach_year(self.other_service, 2026)["contacts"], 0)
