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

        for _number in range(1, 6):
            page.get_by_role("link", name="Registrér samtale").first.click()
            page.select_option("#id_kind", "individual")
            page.get_by_role("button", name="Gem").click()
            page.wait_for_load_state()
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
