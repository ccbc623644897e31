"""The use diary as a clinician meets it: the rules of an answer, the week grid, the
numbers of the client page, pairing and revoking an app, and the import."""

import datetime
import decimal
import io
import tempfile
import zoneinfo
from pathlib import Path

import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from spor.audit.models import AccessLog
from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.tracking import grid, summary
from spor.tracking.models import Answer, Device, DiaryEntry, PairingCode, Source
from spor.tracking.testing import paired_device_for
from spor.treatment.models import Course

D = decimal.Decimal
NOW = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Copenhagen"))
TODAY = NOW.date()


def day(n, month=3):
    return datetime.date(2026, month, n)


def record(client, date, amount=None, unit="", answer=Answer.USED, substance="cannabis",
           source=Source.APP, **fields):
    return DiaryEntry.objects.create(client=client, date=date, substance=substance,
                                     answer=answer, amount=amount, unit=unit, source=source,
                                     **fields)


@time_machine.travel(NOW, tick=False)
class AnswerRuleTests(PersonaTestCase):
    def errors(self, **fields):
        entry = DiaryEntry(client=self.ida, date=day(1), substance="cannabis",
                           answer="used", **fields)
        try:
            entry.clean()
        except ValidationError as e:
            return e.message_dict
        return {}

    def test_grams_come_in_steps_of_five_hundredths(self):
        self.assertEqual(self.errors(amount=D("0.35"), unit="gram"), {})
        self.assertIn("amount", self.errors(amount=D("0.33"), unit="gram"))

    def test_a_standard_drink_is_for_alcohol_and_a_gram_is_not(self):
        self.assertIn("unit", self.errors(amount=D(2), unit="standard_drink"))
        entry = DiaryEntry(client=self.ida, date=day(1), substance="alcohol", answer="used",
                           amount=D(2), unit="gram")
        with self.assertRaises(ValidationError) as caught:
            entry.clean()
        self.assertIn("genstand", caught.exception.message_dict["unit"][0])

    def test_absurd_negative_or_zero_amounts_are_refused(self):
        for amount in (D(51), D(-1), D(0)):
            self.assertIn("amount", self.errors(amount=amount, unit="gram"), amount)

    def test_not_used_and_not_known_carry_no_amount(self):
        for answer in (Answer.NOT_USED, Answer.NOT_KNOWN):
            entry = DiaryEntry(client=self.ida, date=day(1), substance="cannabis",
                               answer=answer, amount=D(1), unit="gram")
            with self.assertRaises(ValidationError) as caught:
                entry.clean()
            self.assertEqual(set(caught.exception.message_dict), {"amount", "unit"})

    def test_days_in_the_future_or_before_birth_are_impossible(self):
        entry = DiaryEntry(client=self.ida, substance="cannabis", answer="not_used")
        for date in (day(16), datetime.date(2010, 3, 4)):
            entry.date = date
            with self.assertRaises(ValidationError):
                entry.clean()

    def test_the_database_refuses_an_amount_without_a_unit(self):
        from django.db import IntegrityError, transaction

        with self.assertRaises(IntegrityError), transaction.atomic():
            record(self.ida, day(1), amount=D(1), unit="")


@time_machine.travel(NOW, tick=False)
class SummaryTests(PersonaTestCase):
    def test_days_of_use_count_days_not_entries_and_come_with_the_known_days(self):
        record(self.ida, day(10), D("0.5"), "gram")
        record(self.ida, day(10), D(1), "joint")
        record(self.ida, day(11), D(3), "standard_drink", substance="alcohol")
        record(self.ida, day(12), answer=Answer.NOT_USED)
        record(self.ida, day(13), answer=Answer.NOT_KNOWN)
        record(self.ida, day(1, 2), D(1), "gram")  # more than 30 days ago
        record(self.dan, day(10), D(1), "gram")
        found = summary.last_30_days(Client.objects.all(), TODAY)
        self.assertEqual(found[self.ida.pk], (2, 4))
        self.assertEqual(found[self.dan.pk], (1, 1))
        self.assertNotIn(self.anon.pk, found)

    def test_the_clinicians_answer_for_a_day_replaces_the_apps(self):
        record(self.ida, day(10), D(2), "gram")
        record(self.ida, day(10), answer=Answer.NOT_USED, source=Source.CLINICIAN)
        record(self.ida, day(11), D(1), "gram")
        self.assertEqual(summary.last_30_days(Client.objects.all())[self.ida.pk], (1, 2))

    def test_weeks_run_monday_to_sunday_with_amounts_per_unit(self):
        record(self.ida, day(2), D("1.5"), "gram")  # Monday
        record(self.ida, day(8), D("0.5"), "gram")  # Sunday, same week
        record(self.ida, day(9), D(1), "joint")
        weeks = summary.weeks(self.ida, day(1), TODAY)
        self.assertEqual([w.start for w in weeks], [day(23, 2), day(2), day(9)])
        self.assertEqual([w.use_days for w in weeks], [0, 2, 1])
        self.assertEqual(weeks[1].amounts, {("cannabis", "gram"): D("2.00")})
        self.assertEqual(weeks[2].amounts, {("cannabis", "joint"): D("1.00")})

    def test_intake_is_the_thirty_days_before_the_start_and_now_the_last_thirty(self):
        # Ida's course started 1 February: intake is 2–31 January, now is 14 Feb–15 March.
        for n in (2, 10, 20, 31):
            record(self.ida, day(n, 1), D("1.5"), "gram", source=Source.CLINICIAN)
        record(self.ida, datetime.date(2026, 1, 1), D(1), "gram")  # 31 days before
        record(self.ida, day(1, 2), D(5), "gram")  # the start day belongs to neither
        record(self.ida, day(20, 2), D("0.5"), "gram")
        record(self.ida, day(21, 2), answer=Answer.NOT_USED)
        record(self.ida, day(14, 2), D(1), "joint")
        use = summary.course_use(Course.objects.all(), TODAY)
        ida = use[self.ida_course.pk]
        self.assertEqual((ida.intake.use_days, ida.intake.known_days), (4, 4))
        self.assertEqual((ida.recent.use_days, ida.recent.known_days), (2, 3))
        self.assertEqual(ida.change, -2)
        # Per week over the days answered: 6 g in 4 days, 0.5 g and 1 joint in 3 days.
        self.assertEqual(ida.intake.per_week, {("cannabis", "gram"): D("10.50")})
        self.assertEqual(ida.recent.per_week, {("cannabis", "gram"): D("1.17"),
                                               ("cannabis", "joint"): D("2.33")})
        self.assertEqual((ida.intake.first, ida.intake.last), (day(2, 1), day(31, 1)))

    def test_an_ended_course_is_measured_up_to_its_end(self):
        self.ida_course.end_date = day(28, 2)
        self.ida_course.save()
        record(self.ida, day(27, 2), D(1), "gram")
        record(self.ida, day(5), D(1), "gram")
        ida = summary.course_use(Course.objects.filter(pk=self.ida_course.pk))[
            self.ida_course.pk]
        self.assertEqual((ida.recent.last, ida.recent.use_days), (day(28, 2), 1))

    def test_many_courses_cost_the_same_few_queries(self):
        record(self.ida, day(10), D(1), "gram")
        with CaptureQueriesContext(connection) as one:
            summary.course_use(Course.objects.filter(pk=self.ida_course.pk))
        for n in range(5):
            Course.objects.create(client=self.dan, team=self.team_b, kind="individual",
                                  start_date=day(1 + n, 1))
        with CaptureQueriesContext(connection) as many:
            found = summary.course_use(Course.objects.all())
        self.assertEqual(len(one), len(many))
        self.assertEqual(len(found), 8)


@time_machine.travel(NOW, tick=False)
class GridTests(PersonaTestCase):
    def test_cells_read_amounts_units_and_the_short_answers(self):
        parse = grid.parse_cell
        self.assertIsNone(parse(" ", "cannabis", "gram"))
        self.assertEqual(parse("0", "cannabis", "gram").answer, "not_used")
        self.assertEqual(parse("-", "cannabis", "gram").answer, "not_used")
        self.assertEqual(parse("?", "cannabis", "gram").answer, "not_known")
        used = parse("+", "cannabis", "gram")
        self.assertEqual((used.answer, used.amount), ("used", None))
        comma = parse("1,5", "cannabis", "gram")
        self.assertEqual((comma.amount, comma.unit), (D("1.5"), "gram"))
        joints = parse("2 j", "cannabis", "gram")
        self.assertEqual((joints.amount, joints.unit), (D(2), "joint"))
        self.assertEqual(parse("4genstande", "alcohol", "standard_drink").unit,
                         "standard_drink")
        for bad in ("lots", "2 kg", "1.5.2"):
            with self.assertRaises(ValidationError):
                parse(bad, "cannabis", "gram")

    def test_a_cell_shows_the_answer_in_the_grids_unit_or_with_its_own(self):
        entry = DiaryEntry(answer="used", amount=D("1.50"), unit="gram")
        self.assertEqual(grid.cell_text(entry, "gram"), "1,5")
        self.assertEqual(grid.cell_text(entry, "joint"), "1,5 g")

    def test_a_month_is_weeks_of_seven_days_with_the_future_closed(self):
        sheet = grid.build(self.ida, grid.month_days(day(1)), ["cannabis"], {})[0]
        self.assertEqual(len(sheet.weeks), 6)  # March 2026 starts on a Sunday
        self.assertEqual(sheet.weeks[0].cells[:6], [None] * 6)
        cells = sheet.cells()
        self.assertEqual(len(cells), 31)
        self.assertEqual([c.day.day for c in cells if not c.open], list(range(16, 32)))

    def test_the_grid_opens_on_the_last_thirty_days_whatever_the_day_of_the_month(self):
        days = grid.recent_days()
        self.assertEqual((len(days), days[0], days[-1]), (30, day(14, 2), TODAY))
        sheet = grid.build(self.ida, days, ["cannabis"], {})[0]
        self.assertTrue(all(c.open for c in sheet.cells()))
        self.assertEqual(sheet.weeks[0].cells[:5], [None] * 5)  # 14 February is a Saturday

    def test_a_day_where_the_interview_and_the_app_disagree_is_flagged_and_counts_as_the_interview(
            self):
        record(self.ida, day(2), D(3), "gram")  # the app: 3 g
        record(self.ida, day(2), D(1), "gram", source=Source.CLINICIAN)  # the interview: 1 g
        record(self.ida, day(3), D(1), "gram")  # both say 1 g: no conflict
        record(self.ida, day(3), D(1), "gram", source=Source.CLINICIAN)
        record(self.ida, day(4), D(2), "gram")  # the app alone
        cells = {c.day: c for c in grid.build(self.ida, grid.recent_days(), ["cannabis"],
                                               {})[0].cells()}
        self.assertEqual([d for d, c in cells.items() if c.conflict], [day(2)])
        self.assertTrue(cells[day(2)].others[0].overruled)
        self.assertFalse(cells[day(4)].others[0].overruled)
        # The summary (and the chart drawn from its weeks) reads the same rule.
        week = summary.weeks(self.ida, day(2), day(4))[0]
        self.assertEqual(week.amounts[("cannabis", "gram")], D(1) + D(1) + D(2))


@time_machine.travel(NOW, tick=False)
class DiaryPageTests(PersonaTestCase):
    def url(self, month="2026-02", extra=""):
        return f"/clients/{self.ida.pk}/diary/?month={month}{extra}"

    def test_the_grid_offers_the_courses_substances_with_the_apps_entries_beside(self):
        self.ida_course.secondary_substances = ["alcohol"]
        self.ida_course.save()
        record(self.ida, day(3, 2), D(2), "joint", device=paired_device_for(self.ida)[0])
        self.login(self.alice)
        response = self.client.get(self.url())
        self.assertContains(response, 'name="cannabis-2026-02-03"')
        self.assertContains(response, 'name="alcohol-2026-02-03"')
        self.assertContains(response, "App: 2 joints")
        log = AccessLog.objects.get(client=self.ida)
        self.assertEqual((log.what, log.purpose), ("Use diary form", "registration"))

    def test_a_month_is_typed_in_and_saved_with_one_answer_per_day(self):
        self.login(self.alice)
        data = {"unit-cannabis": "gram", "cannabis-2026-02-02": "1,5",
                "cannabis-2026-02-03": "0", "cannabis-2026-02-04": "?",
                "cannabis-2026-02-05": "2 j", "cannabis-2026-02-06": "+"}
        response = self.client.post(self.url(extra="&substance=cannabis"), data)
        self.assertEqual(response.status_code, 302)
        saved = {e.date.day: (e.answer, e.amount, e.unit, e.source, e.recorded_by)
                 for e in DiaryEntry.objects.filter(client=self.ida)}
        self.assertEqual(saved[2], ("used", D("1.5"), "gram", "clinician", self.alice))
        self.assertEqual(saved[3][0], "not_used")
        self.assertEqual(saved[4][0], "not_known")
        self.assertEqual(saved[5][1:3], (D(2), "joint"))
        self.assertEqual(saved[6][:3], ("used", None, ""))
        self.assertTrue(AccessLog.objects.filter(client=self.ida,
                                                 what="Use diary entered").exists())
        # Saved again with a change and an emptied cell: updated and removed, not doubled.
        data.update({"cannabis-2026-02-02": "1", "cannabis-2026-02-03": ""})
        self.client.post(self.url(extra="&substance=cannabis"), data)
        self.assertEqual(DiaryEntry.objects.filter(client=self.ida).count(), 4)
        self.assertEqual(DiaryEntry.objects.get(date=day(2, 2)).amount, 1)

    def test_one_bad_cell_saves_nothing_and_names_the_day(self):
        self.login(self.alice)
        response = self.client.post(self.url(extra="&substance=cannabis"), {
            "unit-cannabis": "gram", "cannabis-2026-02-02": "1",
            "cannabis-2026-02-03": "0.33", "cannabis-2026-02-04": "lots"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'href="#cannabis-2026-02-03"')
        self.assertContains(response, "trin på 0,05 gram")
        self.assertContains(response, 'href="#cannabis-2026-02-04"')
        self.assertContains(response, 'value="lots"')
        self.assertFalse(DiaryEntry.objects.exists())

    def test_without_a_month_the_page_is_the_last_thirty_days_and_flags_a_conflict(self):
        record(self.ida, day(2), D(3), "gram")
        record(self.ida, day(2), D(1), "gram", source=Source.CLINICIAN)
        self.login(self.alice)
        response = self.client.get(f"/clients/{self.ida.pk}/diary/")
        self.assertContains(response, "de sidste 30 dage (14. februar–15. marts 2026)")
        self.assertContains(response, 'name="cannabis-2026-02-14"')
        self.assertContains(response, 'name="cannabis-2026-03-15"')
        self.assertNotContains(response, 'name="cannabis-2026-02-13"')
        self.assertContains(response, "1 dag, hvor samtalen og appen er uenige")
        self.assertContains(response, "Samtalens svar gælder.")
        self.assertContains(response, "<s>App: 3 g</s>", html=False)
        self.assertContains(response, f"/clients/{self.ida.pk}/diary/?month=2026-02")
        # Saving the thirty days keeps the app's entry and the interview's answer.
        self.client.post(f"/clients/{self.ida.pk}/diary/?substance=cannabis",
                         {"unit-cannabis": "gram", "cannabis-2026-02-14": "0",
                          "cannabis-2026-03-02": "1"})
        self.assertEqual(DiaryEntry.objects.filter(client=self.ida).count(), 3)

    def test_future_days_cannot_be_posted(self):
        self.login(self.alice)
        self.client.post(self.url("2026-03", "&substance=cannabis"),
                         {"cannabis-2026-03-20": "1"})
        self.assertFalse(DiaryEntry.objects.exists())

    def test_the_apps_entries_are_never_changed_by_the_grid(self):
        apps = record(self.ida, day(2, 2), D(3), "gram")
        self.login(self.alice)
        self.client.post(self.url(extra="&substance=cannabis"),
                         {"cannabis-2026-02-02": "1"})
        apps.refresh_from_db()
        self.assertEqual(apps.amount, 3)
        self.assertEqual(DiaryEntry.objects.count(), 2)


@time_machine.travel(NOW, tick=False)
class ClientPagePanelTests(PersonaTestCase):
    def test_the_client_page_shows_use_intake_against_now_and_the_paired_apps(self):
        for n in (5, 12, 19, 26):
            record(self.ida, day(n, 1), D(2), "gram", source=Source.CLINICIAN)
        record(self.ida, day(10), D("0.5"), "gram")
        device, _token = paired_device_for(self.ida, "Hashtrack, iPhone")
        self.login(self.alice)
        response = self.client.get(f"/clients/{self.ida.pk}/")
        self.assertContains(response, "1 dag med forbrug")
        self.assertContains(response, "4 dage med forbrug (4 besvaret)")
        self.assertContains(response, "Hashtrack, iPhone")
        self.assertContains(response, f"/devices/{device.pk}/revoke/")
        self.assertContains(response, "<svg", count=1)
        self.assertContains(response, "Dage med forbrug pr. uge")
        self.assertContains(response, "1 dag med forbrug (1 besvaret)")
        self.assertContains(response, "gennemsnit over de besvarede dage")

    def test_a_diary_nobody_asked_about_says_so_instead_of_zero_days(self):
        self.login(self.alice)
        response = self.client.get(f"/clients/{self.ida.pk}/")
        self.assertContains(response, "Sidste 30 dage: ikke spurgt")
        self.assertNotContains(response, "0 dage med forbrug")

    def test_the_panel_costs_the_same_queries_for_a_long_history(self):
        self.login(self.alice)
        url = f"/clients/{self.ida.pk}/"
        record(self.ida, day(10), D(1), "gram")
        self.client.get(url)  # each visit counted sees the FIT panels kept from the last
        with CaptureQueriesContext(connection) as short:
            self.client.get(url)
        for n in range(1, 29):
            record(self.ida, day(n, 2), D(1), "gram", source=Source.CLINICIAN)
            paired_device_for(self.ida)
        Course.objects.create(client=self.ida, team=self.team_a, kind="individual",
                              start_date=day(1, 1), end_date=day(20, 1))
        self.client.get(url)
        with CaptureQueriesContext(connection) as long:
            self.client.get(url)
        self.assertEqual(len(short), len(long))


class TimelineChartTests(TestCase):
    def test_outcome_totals_are_drawn_above_use_on_one_time_axis(self):
        weeks = [summary.Week(day(2), use_days=3, known_days=6),
                 summary.Week(day(9), use_days=1, known_days=7)]
        ratings = [{"date": day(3), "instrument": "ORS", "total": 18.5},
                   {"date": day(10), "instrument": "ORS", "total": 24.0}]
        from spor.tracking import chart

        svg = chart.timeline_svg(weeks, ratings)
        self.assertTrue(svg.startswith("<svg"))
        self.assertIn('role="img"', svg)
        self.assertIn("3/6, 1/7", svg)  # the weeks in words, for screen readers
        self.assertIn("18,5", svg)  # the totals too
        self.assertEqual(svg.count("<title "), 1)
        use_only = chart.timeline_svg(weeks)
        self.assertNotIn("ORS", use_only)
        self.assertEqual(chart.timeline_svg([summary.Week(day(2))]), "")


@time_machine.travel(NOW, tick=False)
class PairingPageTests(PersonaTestCase):
    def test_a_clinician_makes_a_code_shown_once_with_a_qr_and_logged(self):
        self.login(self.alice)
        response = self.client.post(f"/clients/{self.ida.pk}/pairing/")
        code = response.context["code"]
        self.assertRegex(code, r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
        self.assertContains(response, code)
        self.assertContains(response, "<svg")
        self.assertContains(response, "12:15")  # expires in 15 minutes
        pairing = PairingCode.objects.get()
        self.assertNotIn(code.replace("-", ""), pairing.code_hash)
        self.assertEqual(PairingCode.open_for(code), pairing)
        log = AccessLog.objects.get(client=self.ida)
        self.assertEqual((log.what, log.purpose, log.user), ("App pairing code made", "app",
                                                             self.alice))
        self.assertEqual(self.client.get(f"/clients/{self.ida.pk}/pairing/").context["code"],
                         None)

    def test_revoking_an_app_stops_its_token_at_once(self):
        device, token = paired_device_for(self.ida)
        self.login(self.carl)
        self.assertEqual(self.client.get(f"/devices/{device.pk}/revoke/").status_code, 405)
        response = self.client.post(f"/devices/{device.pk}/revoke/")
        self.assertRedirects(response, f"/clients/{self.ida.pk}/")
        device.refresh_from_db()
        self.assertEqual((device.is_active, device.revoked_by), (False, self.carl))
        self.assertIsNone(Device.for_token(token))
        self.assertTrue(AccessLog.objects.filter(what="App device revoked").exists())

    def test_a_clinician_of_another_team_cannot_pair_or_revoke(self):
        device, token = paired_device_for(self.ida)
        self.login(self.bob)
        self.assertEqual(self.client.post(f"/clients/{self.ida.pk}/pairing/").status_code, 404)
        self.assertEqual(self.client.post(f"/devices/{device.pk}/revoke/").status_code, 404)
        self.assertFalse(PairingCode.objects.exclude(device=device).exists())
        self.assertIsNotNone(Device.for_token(token))


USE_DIARY = """client_ref,date,substance,amount,unit
c1,2014-02-01,cannabis,1.5,gram
c1,2014-02-02,cannabis,0,gram
c1,2014-02-02,alcohol,4,standard_drink
"""
CLIENTS = "client_ref,anonymous,birth_year\nc1,true,1998\n"
COURSES = "course_ref,client_ref,kind,start_date\nk1,c1,anonymous_counselling,2014-02-01\n"


class ImportTests(TestCase):
    def run_import(self, diary):
        folder = Path(tempfile.mkdtemp())
        for name, text in (("clients.csv", CLIENTS), ("courses.csv", COURSES),
                           ("use_diary.csv", diary)):
            (folder / name).write_text(text)
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import", str(folder), stdout=out, stderr=err)
        except CommandError:
            return err.getvalue()
        return out.getvalue()

    def test_the_diary_imports_once_and_zero_means_not_used(self):
        self.assertIn("use_diary.csv: 3 created", self.run_import(USE_DIARY))
        self.assertIn("use_diary.csv: 3 unchanged", self.run_import(USE_DIARY))
        entries = {(e.date.day, e.substance): e for e in DiaryEntry.objects.all()}
        self.assertEqual(entries[(1, "cannabis")].amount, D("1.5"))
        self.assertEqual(entries[(2, "cannabis")].answer, "not_used")
        self.assertEqual({e.source for e in entries.values()}, {"import"})
        changed = USE_DIARY.replace("1.5,gram", "2,gram")
        self.assertIn("1 updated", self.run_import(changed))

    def test_bad_rows_are_reported_by_line_and_column_and_nothing_is_written(self):
        bad = USE_DIARY + ("c1,2014-02-03,alcohol,2,gram\n"
                           "c1,2014-02-04,cannabis,0.33,gram\n"
                           "c2,2014-02-04,cannabis,1,gram\n"
                           "c1,2014-02-01,cannabis,1,gram\n"
                           "c1,1997-12-31,cannabis,1,joint\n")
        err = self.run_import(bad)
        self.assertIn("use_diary.csv:5: unit: Alcohol is counted in", err)
        self.assertIn("use_diary.csv:6: amount: Enter the amount in steps of 0.05", err)
        self.assertIn("use_diary.csv:7: client_ref: unknown client 'c2'", err)
        self.assertIn("use_diary.csv:8: date: the same client, date, substance and unit", err)
        self.assertIn("use_diary.csv:9: date: The date is before the young person was born",
                      err)
        self.assertFalse(DiaryEntry.objects.exists())
