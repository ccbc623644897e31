import datetime
import io
import json
import os
import tempfile
from unittest import mock

import pypdf
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from spor.accounts.models import Service, Team
from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.reports import build, sections
from spor.reports.build import Scope, make_report, percent
from spor.reports.models import NationalFigure
from spor.treatment.models import Course, Session

D = datetime.date
MARCH_2014, OCTOBER_2014 = D(2014, 3, 1), D(2014, 10, 1)


def course(service, team, age, outcome="", kind="individual", substance="cannabis",
           start=MARCH_2014, end=OCTOBER_2014, anonymous=False, referral="self"):
    """A course whose young person is `age` years old at its start."""
    if anonymous:
        client = Client.objects.create(service=service, team=team, pseudonym="x",
                                       birth_year=start.year - age)
    else:
        born = D(start.year - age, start.month, start.day)
        client = Client.objects.create(service=service, team=team, anonymous=False,
                                       first_name="Ung", birth_date=born, birth_year=born.year)
    return Course.objects.create(client=client, team=team, kind=kind, start_date=start,
                                 end_date=end, outcome=outcome, main_substance=substance,
                                 referral=referral)


class DesignedDataTests(TestCase):
    """Sixteen courses ended in 2014 whose true statistics are worked out by hand."""

    @classmethod
    def setUpTestData(cls):
        cls.service = Service.objects.create(name="Designet", small_cell_threshold=3)
        cls.team = Team.objects.create(service=cls.service, name="Rådgivning")
        s, t = cls.service, cls.team
        # Under 18 (9): 3 stopped, 3 reduced, 3 unchanged.
        for outcome in ["stopped"] * 3 + ["reduced"] * 3 + ["unchanged"] * 3:
            course(s, t, 16, outcome, substance="cannabis")
        # 18 and over (7): 3 stopped, 1 unchanged, 3 unknown (one never recorded).
        for outcome in ["stopped"] * 3 + ["unchanged"] + ["unknown", "unknown", ""]:
            course(s, t, 20, outcome, substance="party_drugs" if outcome == "stopped"
                   else "alcohol" if outcome == "unknown" or outcome == "" else "cannabis")
        # Not counted: ended in 2013 or 2015, or still active.
        course(s, t, 16, "stopped", end=D(2013, 12, 31), start=D(2013, 1, 1))
        course(s, t, 16, "stopped", end=D(2015, 1, 1))
        course(s, t, 16, "", end=None)

    def report(self, **kwargs):
        return make_report(2014, self.service, **kwargs)

    def test_outcomes_for_under_18s_and_for_all(self):
        outcomes = self.report()["outcomes"]
        self.assertEqual(outcomes["under_18"], {
            "n": 9, "stopped": {"count": 3, "percent": 33},
            "reduced": {"count": 3, "percent": 33}, "unchanged": {"count": 3, "percent": 33},
            "increased": {"count": 0, "percent": 0}, "unknown": {"count": 0, "percent": 0},
            "success_percent": 67})
        self.assertEqual(outcomes["all"], {
            "n": 16, "stopped": {"count": 6, "percent": 38},
            "reduced": {"count": 3, "percent": 19}, "unchanged": {"count": 4, "percent": 25},
            "increased": {"count": 0, "percent": 0}, "unknown": {"count": 3, "percent": 19},
            "success_percent": 56})

    def test_main_substance_of_the_years_courses(self):
        substance = self.report()["main_substance"]
        self.assertEqual(substance["n"], 16)
        self.assertEqual(substance["cannabis"], {"count": 10, "percent": 63})
        self.assertEqual(substance["party_drugs"], {"count": 3, "percent": 19})
        self.assertEqual(substance["alcohol"], {"count": 3, "percent": 19})
        self.assertEqual(substance["opioids"], {"count": 0, "percent": 0})

    def test_age_is_the_age_at_the_start_of_the_course(self):
        ages = self.report()["age_distribution"]
        self.assertEqual(ages["enrolled"], {"under 15": 0, "15-17": 9, "18-20": 7,
                                            "21-24": 0, "25+": 0})

    def test_a_birthday_on_the_start_day_counts(self):
        t = self.team
        born = D(1996, 6, 15)
        on_birthday = Client.objects.create(service=self.service, team=t, anonymous=False,
                                            first_name="A", birth_date=born, birth_year=1996)
        Course.objects.create(client=on_birthday, team=t, kind="individual",
                              start_date=D(2014, 6, 15), end_date=D(2014, 8, 1))
        day_before = Client.objects.create(service=self.service, team=t, anonymous=False,
                                           first_name="B", birth_date=born, birth_year=1996)
        Course.objects.create(client=day_before, team=t, kind="individual",
                              start_date=D(2014, 6, 14), end_date=D(2014, 8, 1))
        ages = {c.client.first_name: c.age for c in sections.with_age(
            Course.objects.filter(client__first_name__in=["A", "B"]))}
        self.assertEqual(ages, {"A": 18, "B": 17})

    def test_with_a_birth_year_only_age_is_the_start_year_minus_the_birth_year(self):
        course(self.service, self.team, 17, anonymous=True, kind="anonymous_counselling")
        anonymous = self.report()["age_distribution"]["anonymous"]
        self.assertEqual(anonymous["15-17"], None)  # one person: suppressed
        self.assertTrue(anonymous["suppressed"])
        self.assertEqual(sections.with_age(Course.objects.filter(
            kind="anonymous_counselling")).get().age, 17)

    def test_anonymous_contacts_against_the_previous_year(self):
        s, t = self.service, self.team
        for _ in range(6):
            course(s, t, 17, kind="anonymous_counselling", anonymous=True)
        for _ in range(4):
            course(s, t, 17, kind="anonymous_counselling", anonymous=True,
                   start=D(2013, 2, 1), end=D(2013, 5, 1))
        self.assertEqual(self.report()["anonymous_contacts"],
                         {"this_year": 6, "previous_year": 4, "change_percent": 50})

    def test_sessions_count_in_the_year_they_were_held(self):
        first = Course.objects.filter(end_date__year=2014).first()
        for day, kind, attendance in [(D(2014, 4, 1), "individual", "attended"),
                                      (D(2014, 4, 8), "family", "attended"),
                                      (D(2014, 4, 15), "individual", "no_show")]:
            Session.objects.create(course=first, date=day, kind=kind, attendance=attendance)
        sessions = self.report()["sessions"]
        self.assertEqual(sessions["by_kind"]["n"], 2)
        self.assertEqual(sessions["by_kind"]["family"], {"count": 1, "percent": 50})
        self.assertEqual(sessions["attendance"]["no_show"], {"count": 1, "percent": 33})

    def test_a_team_filter_and_a_period(self):
        other = Team.objects.create(service=self.service, name="Dagteam")
        for _ in range(3):
            course(self.service, other, 15, "stopped")
        self.assertEqual(self.report(team=other)["outcomes"]["all"]["n"], 3)
        self.assertEqual(self.report()["outcomes"]["all"]["n"], 19)
        spring = self.report(start=D(2014, 1, 1), end=D(2014, 6, 30))
        self.assertEqual(spring["outcomes"]["all"]["n"], 0)

    def test_the_national_figure_is_the_services_own_with_its_source(self):
        self.assertEqual(self.report()["national_comparison"]["success_percent_national"], None)
        NationalFigure.objects.create(service=self.service, year=2014, success_percent=31,
                                      source="Landsdatabasen, unge over 18, 2014")
        national = self.report()["national_comparison"]
        self.assertEqual((national["success_percent_national"], national["source"],
                          national["success_percent_service"]),
                         (31, "Landsdatabasen, unge over 18, 2014", 56))

    def test_small_cells_are_suppressed_with_the_default_threshold(self):
        outcomes = make_report(2014, self.service, threshold=5)["outcomes"]["under_18"]
        for name in ("stopped", "reduced", "unchanged"):
            self.assertEqual(outcomes[name], {"count": None, "percent": None,
                                              "suppressed": True})
        self.assertEqual(outcomes["n"], 9)
        self.assertIsNone(outcomes["success_percent"])

    def test_an_empty_year_has_every_section_with_nothing_in_it(self):
        doc = make_report(2030, self.service)
        self.assertEqual(doc["outcomes"]["all"]["n"], 0)
        self.assertEqual(doc["outcomes"]["all"]["stopped"], {"count": 0, "percent": None})
        self.assertIsNone(doc["outcomes"]["all"]["success_percent"])
        self.assertEqual(doc["anonymous_contacts"],
                         {"this_year": 0, "previous_year": 0, "change_percent": None})
        self.assertEqual(doc["main_substance"]["n"], 0)


class InSchoolTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        service = Service.objects.create(name="Skole", small_cell_threshold=3)
        team = Team.objects.create(service=service, name="T")
        cls.service = service
        for times, start, end, kind in [(6, "school", "school", "individual"),
                                        (3, "none", "school", "individual"),
                                        (4, "", "school", "individual"),  # imported
                                        (3, "school", "none", "family"),
                                        (2, "work", "", "individual"),  # end unknown
                                        (3, "", "school", "anonymous_counselling")]:
            for _ in range(times):
                c = course(service, team, 17, kind=kind, anonymous=kind.startswith("anon"))
                Course.objects.filter(pk=c.pk).update(occupation_at_start=start,
                                                      occupation_at_end=end)

    def test_in_school_at_end_and_at_start_each_of_the_courses_that_know_it(self):
        self.assertEqual(make_report(2014, self.service)["in_school"], {
            "n": 16, "at_end": {"count": 13, "percent": 81},
            "n_start": 12, "at_start": {"count": 9, "percent": 75}})

    def test_a_small_number_not_in_school_hides_the_number_in_school(self):
        hidden = {"count": None, "percent": None, "suppressed": True}
        self.assertEqual(make_report(2014, self.service, threshold=4)["in_school"], {
            "n": 16, "at_end": hidden, "n_start": 12, "at_start": hidden, "suppressed": True})


class PercentTests(TestCase):
    def test_percentages_round_half_up_to_whole_numbers(self):
        self.assertEqual([percent(1, 8), percent(3, 8), percent(1, 3), percent(2, 3)],
                         [13, 38, 33, 67])
        self.assertIsNone(percent(0, 0))


class AgeBandTests(TestCase):
    def test_each_age_falls_in_the_band_that_holds_it_at_both_ends(self):
        self.assertEqual([sections.age_band(age) for age in (12, 14, 15, 17, 18, 20, 21, 24,
                                                              25, 40)],
                         ["under 15", "under 15", "15-17", "15-17", "18-20", "18-20",
                          "21-24", "21-24", "25+", "25+"])

    def test_a_seventeen_year_old_is_under_18_and_an_eighteen_year_old_is_not(self):
        s = Service.objects.create(name="Grænse")
        t = Team.objects.create(service=s, name="T")
        course(s, t, 17, "stopped")
        course(s, t, 18, "stopped")
        tables = sections.outcomes(Scope(2014, [s]).courses())
        self.assertEqual((tables["under_18"].cells["n"], tables["all"].cells["n"]), (1, 2))


class OneSectionAloneTests(TestCase):
    def test_each_section_runs_alone_on_a_queryset(self):
        service = Service.objects.create(name="Alene")
        team = Team.objects.create(service=service, name="T")
        course(service, team, 16, "stopped")
        courses = Scope(2014, [service]).courses()
        self.assertEqual(sections.outcomes(courses)["all"].cells["stopped"], 1)
        self.assertEqual(sections.main_substance(courses).cells["cannabis"], 1)
        self.assertEqual(sections.referral_sources(courses).cells["self"], 1)
        self.assertEqual(sections.age_distribution(courses)["enrolled"].cells["15-17"], 1)


class ReportCommandTests(DesignedDataTests):
    def run_report(self, *args):
        out = io.StringIO()
        call_command("report", "--year", "2014", "--service", "Designet", *args, stdout=out)
        return out.getvalue()

    def test_the_json_follows_the_documented_shape(self):
        doc = json.loads(self.run_report("--format", "json"))
        for key in ("year", "outcomes", "main_substance", "age_distribution",
                    "anonymous_contacts", "national_comparison"):
            self.assertIn(key, doc)
        self.assertEqual(doc["outcomes"]["all"]["success_percent"], 56)

    def test_the_csv_has_one_row_a_figure(self):
        text = self.run_report("--format", "csv")
        self.assertIn("outcomes,all,stopped,6,38,False,", text)
        self.assertIn("outcomes,under_18,success_percent,,67,False,", text)
        # No exams: no average, which is not a suppressed cell.
        self.assertIn("day_team,exams,average_grade,,,False,", text)

    def test_the_pdf_reads_like_the_seeds_statistics_pages(self):
        path = os.path.join(tempfile.mkdtemp(), "report.pdf")
        call_command("report", "--year", "2014", "--service", "Designet", "--format", "pdf",
                     "--output", path)
        reader = pypdf.PdfReader(path)
        text = "\n".join(page.extract_text() for page in reader.pages)
        for heading in ("Statistik 2014", "Indhold", "Forbrug ved afslutning",
                        "Hovedstof", "Aldersfordeling", "Feedback (FIT)", "Forældreforløb",
                        "Dagteam", "Opsøgende arbejde", "Sådan tælles tallene"):
            self.assertIn(heading, text)
        self.assertIn("56 %", text)
        self.assertIn("Stoppet", text)
        self.assertGreaterEqual(len(reader.pages), 4)
        self.assertEqual(round(reader.pages[0].mediabox.width), 595)  # A4

    def test_the_xlsx_opens_with_a_sheet_of_figures_and_the_rules(self):
        from openpyxl import load_workbook

        path = os.path.join(tempfile.mkdtemp(), "report.xlsx")
        call_command("report", "--year", "2014", "--service", "Designet", "--format", "xlsx",
                     "--output", path)
        book = load_workbook(path)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        self.assertIn(("outcomes.all.stopped"), [row[6] for row in rows])
        self.assertEqual(len(book.worksheets), 2)

    def test_bad_arguments_name_the_option(self):
        from django.core.management import CommandError

        for args, message in [(["--service", "Ukendt"], "--service"),
                              (["--threshold", "2"], "--threshold"),
                              (["--from", "2014-13-01", "--to", "2014-12-31"], "--from")]:
            with self.assertRaisesMessage(CommandError, message):
                call_command("report", "--year", "2014", *args, stdout=io.StringIO())


class StatisticsPageTests(PersonaTestCase):
    def test_analysts_and_leaders_see_statistics_others_do_not(self):
        url = reverse("statistics")
        for user, status in [(self.ali, 200), (self.lene, 200), (self.alice, 403),
                             (self.adam, 403)]:
            self.login(user)
            self.assertEqual(self.client.get(url, {"year": 2026}).status_code, status,
                             user.username)

    def test_the_page_shows_numbers_never_names(self):
        self.ida_course.end_date, self.ida_course.outcome = D(2026, 6, 1), "stopped"
        self.ida_course.save()
        self.login(self.ali)
        page = self.client.get(reverse("statistics"), {"year": 2026})
        self.assertContains(page, "Forbrug ved afslutning")
        for name in ("Ida", "Hansen", "Ræven", "050310"):
            self.assertNotContains(page, name)

    def test_an_analyst_sees_only_their_own_service(self):
        other = Service.objects.create(name="Andet tilbud")
        course(other, Team.objects.create(service=other, name="X"), 16, "stopped",
               start=D(2026, 1, 1), end=D(2026, 5, 1))
        self.login(self.ali)
        page = self.client.get(reverse("statistics"), {"year": 2026, "format": "json"})
        self.assertEqual(json.loads(page.content)["outcomes"]["all"]["n"], 0)

    def test_every_download_format_is_served(self):
        self.login(self.lene)
        for fmt, kind in [("json", "application/json"), ("csv", "text/csv"),
                          ("xlsx", "application/vnd.openxml"), ("pdf", "application/pdf"),
                          ("html", "text/html")]:
            response = self.client.get(reverse("statistics"), {"year": 2026, "format": fmt})
            self.assertTrue(response["Content-Type"].startswith(kind), fmt)

    def test_a_bad_filter_is_named(self):
        self.login(self.ali)
        page = self.client.get(reverse("statistics"), {"year": "abc"})
        self.assertContains(page, 'href="#id_year"')

    def test_a_leader_enters_a_national_figure_with_its_source(self):
        self.login(self.lene)
        response = self.client.post(reverse("national_figures"), {
            "year": 2026, "success_percent": 31, "source": ""})
        self.assertContains(response, 'href="#id_source"')
        self.client.post(reverse("national_figures"), {
            "year": 2026, "success_percent": 31, "source": "Landsdatabasen 2026"})
        self.assertEqual(NationalFigure.objects.get(service=self.service).success_percent, 31)
        self.login(self.ali)
        self.assertEqual(self.client.get(reverse("national_figures")).status_code, 403)


class PlanTests(TestCase):
    def test_the_report_is_planned_for_its_period_and_service(self):
        """A prepared statement's generic plan would count one service's sessions of a year
        by reading the whole country's (build.make_report)."""
        if connection.vendor != "postgresql":
            self.skipTest("plan_cache_mode is PostgreSQL's")
        seen = []

        def building(*args, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SHOW plan_cache_mode")
                seen.append(cursor.fetchone()[0])
            return real(*args, **kwargs)

        real = build.build
        with mock.patch.object(build, "build", building):
            make_report(2014, Service.objects.create(name="Planned"))
        self.assertEqual(seen, ["force_custom_plan"])
