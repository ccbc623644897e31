import datetime

from spor.accounts.models import Service, Team, User
from spor.clients.models import Client
from spor.lib.dates import add_months, today
from spor.lib.testing import BrowserTestCase, make_user
from spor.tracking.models import DiaryEntry
from spor.treatment.models import Course


class WeekGridInTheBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=service, name="Rådgivning")
        alice = make_user(service, "alice", User.Role.CLINICIAN, [team])
        self.kiwi = Client.objects.create(service=service, team=team, pseudonym="Kiwi",
                                          birth_year=2008)
        Course.objects.create(client=self.kiwi, team=team, clinician=alice,
                              kind="anonymous_counselling", start_date=today(),
                              main_substance="cannabis", secondary_substances=["alcohol"])

    def test_a_clinician_types_last_month_from_the_keyboard(self):
        month = add_months(today().replace(day=1), -1)
        first = month.strftime("%Y-%m-%d")
        page = self.page
        self.log_in("alice")
        self.visit(f"/clients/{self.kiwi.pk}/")
        page.get_by_role("link", name="Udfyld dagbogen (timeline followback)").click()
        page.get_by_role("link", name="Forrige måned").click()
        page.wait_for_load_state()

        page.focus(f"#cannabis-{first}")
        page.keyboard.type("1,5")
        page.keyboard.press("Enter")  # next day
        page.keyboard.type("0")
        page.keyboard.press("ArrowDown")  # a week later
        page.keyboard.type("2 j")
        page.keyboard.press("ArrowUp")  # back up: the text is selected, typing replaces it
        page.keyboard.type("?")
        page.focus(f"#alcohol-{first}")
        page.keyboard.type("5")
        page.get_by_role("button", name="Gem måneden").click()
        page.get_by_text("Gemt (4 ændret).").wait_for()

        day = lambda n: month + datetime.timedelta(days=n)  # noqa: E731
        saved = {(e.date, e.substance): (e.answer, e.amount, e.unit)
                 for e in DiaryEntry.objects.filter(client=self.kiwi)}
        self.assertEqual(saved, {
            (day(0), "cannabis"): ("used", 1.5, "gram"),
            (day(1), "cannabis"): ("not_known", None, ""),
            (day(8), "cannabis"): ("used", 2, "joint"),
            (day(0), "alcohol"): ("used", 5, "standard_drink"),
        })
        # The saved month comes back as typed, in the grid's unit or with its own.
        self.assertEqual(page.input_value(f"#cannabis-{first}"), "1,5")
        self.assertEqual(page.input_value(f"#cannabis-{day(8):%Y-%m-%d}"), "2 j")

    def test_the_diary_opens_on_the_last_thirty_days_and_flags_where_the_app_disagrees(self):
        now = today()
        first = now - datetime.timedelta(days=29)
        DiaryEntry.objects.create(client=self.kiwi, date=now, substance="cannabis",
                                  answer="used", amount=3, unit="gram", source="app")
        DiaryEntry.objects.create(client=self.kiwi, date=now, substance="cannabis",
                                  answer="used", amount=1, unit="gram", source="clinician")
        page = self.page
        self.log_in("alice")
        self.visit(f"/clients/{self.kiwi.pk}/")
        page.get_by_role("link", name="Udfyld dagbogen (timeline followback)").click()
        page.wait_for_load_state()
        self.assertIn("de sidste 30 dage", page.locator("h1").inner_text())
        for day in (first, now):  # thirty days to type in, whatever today's date
            self.assertTrue(page.locator(f"#cannabis-{day:%Y-%m-%d}").is_enabled())
        self.assertEqual(page.locator(f"#cannabis-{first - datetime.timedelta(days=1):%Y-%m-%d}")
                         .count(), 0)
        cell = page.locator("td.conflict")
        self.assertEqual(cell.count(), 1)  # today's cannabis; the alcohol sheet agrees
        self.assertEqual(cell.locator("input").get_attribute("id"), f"cannabis-{now:%Y-%m-%d}")
        self.assertEqual(cell.locator("input").input_value(), "1")
        self.assertIn("1 dag, hvor samtalen og appen er uenige",
                      page.locator(".conflicts").inner_text())
        self.assertIn("gælder samtalens svar", page.locator(".counting-rule").inner_text())
        self.assertEqual(cell.locator("s").inner_text(), "App: 3 g")

    def test_a_mistake_is_named_and_kept_in_its_cell(self):
        month = add_months(today().replace(day=1), -1)
        page = self.page
        self.log_in("alice")
        self.visit(f"/clients/{self.kiwi.pk}/diary/?month={month:%Y-%m}")
        page.fill(f"#cannabis-{month:%Y-%m-%d}", "masser")
        page.get_by_role("button", name="Gem måneden").click()
        page.get_by_text("Ret venligst følgende").wait_for()
        self.assertEqual(page.input_value(f"#cannabis-{month:%Y-%m-%d}"), "masser")
        self.assertEqual(page.get_attribute(f"#cannabis-{month:%Y-%m-%d}", "aria-invalid"),
                         "true")
        self.assertFalse(DiaryEntry.objects.exists())
