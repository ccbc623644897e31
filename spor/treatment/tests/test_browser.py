from spor.accounts.models import Service, Team, User
from spor.lib.testing import BrowserTestCase, make_user
from spor.treatment.models import Course


class AnonymousCounsellingInTheBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=service, name="Rådgivning")
        make_user(service, "alice", User.Role.CLINICIAN, [team])

    def test_a_clinician_registers_five_anonymous_sessions_and_answers_the_prompt(self):
        page = self.page
        self.log_in("alice")
        page.get_by_role("link", name="Ny anonym henvendelse").click()
        page.fill("#id_pseudonym", "Nova")
        page.fill("#id_birth_year", "2010")
        page.select_option("#id_gender", "female")
        page.get_by_role("button", name="Gem").click()
        page.get_by_text("Den anonyme henvendelse er registreret.").wait_for()
        self.assertIn("Nova", page.locator("h1").inner_text())

        self.assertEqual(page.locator("#id_start_date").count(), 0)
        client_page = page.url
        for number in range(1, 6):
            page.goto(client_page)
            page.get_by_role("link", name="Registrér samtale").first.click()
            page.select_option("#id_kind", "individual")
            page.get_by_role("button", name="Gem").click()
            page.wait_for_load_state()
            if number < 5:  # the ratings are offered as the next step
                page.get_by_text("Næste skridt").wait_for()
        page.get_by_text("Dette var anonym samtale nummer 5").wait_for()
        self.assertEqual(page.locator("h1").inner_text(), "Hvordan fortsætter I sammen?")
        self.assertIn("under 18", page.content())

        # Under 18: the parents' part is required.
        page.get_by_label("Fortsætte anonymt").check()
        page.get_by_role("button", name="Registrér beslutningen").click()
        page.get_by_text("Ret venligst følgende").wait_for()
        page.get_by_label("Forældrene er orienteret").check()
        page.get_by_role("button", name="Registrér beslutningen").click()
        page.get_by_text("Beslutningen er registreret.").wait_for()

        course = Course.objects.get(client__pseudonym="Nova")
        self.assertEqual((course.decision, course.decision_parents), ("continue", "informed"))
        self.assertEqual(course.sessions.count(), 5)
        self.assertFalse(course.decision_due)


class EnrolmentAfterAnonymousCounsellingInTheBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        import datetime

        from spor.clients.models import Client
        from spor.treatment.models import Session

        service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=service, name="Rådgivning")
        alice = make_user(service, "alice", User.Role.CLINICIAN, [team])
        client = Client.objects.create(service=service, team=team, pseudonym="Nova",
                                       birth_year=2010, gender="female")
        self.counselling = Course.objects.create(
            client=client, team=team, clinician=alice, kind=Course.Kind.ANONYMOUS,
            request_date=datetime.date(2026, 1, 2), start_date=datetime.date(2026, 1, 5),
            main_substance="cannabis", referral="school")
        for day in (5, 12, 19, 26, 29):
            Session.objects.create(course=self.counselling, date=datetime.date(2026, 1, day))

    def test_the_decision_to_enrol_leads_through_to_a_course_with_goals_and_consent(self):
        page = self.page
        self.log_in("alice")
        page.get_by_role("link", name="Nova").click()
        page.get_by_role("link", name="Anonym rådgivning").first.click()
        page.get_by_role("link", name="Registrér beslutningen").click()
        page.get_by_label("Indskrives i et forløb").check()
        page.get_by_label("Forældrene er inddraget").check()
        page.get_by_role("button", name="Registrér beslutningen").click()
        # Who the young person is…
        page.fill("#id_first_name", "Nora")
        page.fill("#id_last_name", "Holm")
        page.fill("#id_birth_date", "2010-04-01")
        page.select_option("#id_gender", "female")
        page.get_by_role("button", name="Gem").click()
        # …then the course, filled in from the counselling…
        page.get_by_text("Opret nu forløbet").wait_for()
        self.assertEqual(page.locator("#id_kind").input_value(), "individual")
        self.assertEqual(page.locator("#id_main_substance").input_value(), "cannabis")
        page.get_by_role("button", name="Gem").click()
        # …then the goals in the young person's words.
        page.get_by_text("Næste skridt: den unges mål").wait_for()
        page.fill("#id_text", "Stoppe med at ryge inden sommerferien")
        page.get_by_role("button", name="Gem").click()
        page.wait_for_load_state()
        missing = page.locator(".next-step")
        self.assertIn("Mangler", missing.inner_text())
        self.assertIn("En forælders samtykke", missing.inner_text())
        self.counselling.refresh_from_db()
        self.assertEqual(self.counselling.end_reason, "enrolled")
        # The caseload says what is missing on the new course.
        page.get_by_role("link", name="Mine forløb").click()
        row = page.locator("tr", has_text="Individuelt forløb")
        self.assertIn("samtykke", row.inner_text())
        self.assertEqual(page.locator("tr", has_text="Anonym rådgivning").count(), 0)


class StaffPagesOnAPhoneTests(BrowserTestCase):
    viewport = {"width": 390, "height": 844}

    def setUp(self):
        super().setUp()
        service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=service, name="Rådgivning")
        make_user(service, "alice", User.Role.CLINICIAN, [team])

    def test_the_menu_is_one_line_the_page_fits_and_form_targets_are_44_px(self):
        self.log_in("alice")
        page = self.page
        self.visit("/caseload/")
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 390)
        self.assertLess(page.locator("header.top nav").bounding_box()["height"], 44)
        self.visit("/clients/new/anonymous/")
        for selector in ("#id_gender", "#id_pseudonym", "button[type=submit].primary"):
            self.assertGreaterEqual(page.locator(selector).bounding_box()["height"], 43.5,
                                    selector)


class PhoneWidthTests(BrowserTestCase):
    """A clinician on a 390 px phone, in the demo's data: no page scrolls sideways."""

    viewport = {"width": 390, "height": 844}

    def setUp(self):
        super().setUp()
        from spor.operations.management.commands.demo import Command as Demo

        Demo().populate(2014)

    def assert_fits(self):
        self.page.wait_for_load_state("networkidle")  # the menu's counts arrive after the page
        width = self.page.evaluate("document.documentElement.scrollWidth")
        wide = self.page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > 391)
            .slice(0, 3).map(e => e.tagName + ': ' + e.textContent.slice(0, 40))""")
        self.assertLessEqual(width, 390, f"{self.page.url} {wide}")

    def test_the_caseload_and_the_young_peoples_pages_are_no_wider_than_the_phone(self):
        from spor.lib.demo import DEMO_PASSWORD

        page = self.page
        self.log_in("behandler", DEMO_PASSWORD)
        self.visit("/caseload/")
        self.assert_fits()
        links = page.locator("main table a[href^='/clients/']")
        clients = list(dict.fromkeys(links.nth(i).get_attribute("href")
                                     for i in range(links.count())))
        self.assertGreaterEqual(len(clients), 3)
        fit = []
        for path in clients:
            self.visit(path)
            self.assertIn("Forløb", page.content())
            self.assert_fits()
            links = page.locator("main a[href$='/fit/']")
            fit += [links.nth(i).get_attribute("href") for i in range(links.count())]
        # A course's FIT page, the diary's week grid and the requests for a talk fit too.
        self.assertTrue(fit, "the demo's clinician has courses with ratings")
        self.visit(fit[0])
        self.assertIn("FIT", page.title())
        self.assert_fits()
        self.visit(clients[0])
        self.visit(page.get_by_role("link", name="Udfyld dagbogen (timeline followback)")
                   .get_attribute("href"))
        self.assertIn("Forbrugsdagbog", page.title())
        self.assert_fits()
        self.visit(page.get_by_role("link", name="Samtaleønsker").get_attribute("href"))
        self.assertIn("Samtaleønsker", page.title())
        self.assert_fits()
