import datetime

from spor.accounts.models import Service, Team, User
from spor.lib.testing import BrowserTestCase, make_user
from spor.programmes.models import DayTeamEnrolment, ParentFollowup, ParentParticipant
from spor.programmes.tests.test_dayteam import day_team_client


class ParentSurveyInTheBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        service = Service.objects.create(name="Helsingung")
        team = Team.objects.create(service=service, name="Forældreaftener",
                                   kind=Team.Kind.PARENTS)
        make_user(service, "hanne", User.Role.CLINICIAN, [team])

    def test_a_course_is_planned_a_parent_added_and_the_parent_answers_on_a_phone(self):
        page = self.page
        self.log_in("hanne")
        page.get_by_role("link", name="Programmer").click()
        page.get_by_role("link", name="Nyt forældreforløb").click()
        page.fill("#id_name", "Forår")
        page.fill("#id_start_date", "2026-03-03")
        page.get_by_role("button", name="Gem").click()
        page.get_by_text("Forløbet er oprettet med 5 aftener").wait_for()
        self.assertIn("21.04.2026", page.content())  # the follow-up evening, four weeks on

        page.get_by_role("link", name="Tilføj deltager").click()
        page.fill("#id_name", "Mona Holm")
        page.select_option("#id_relation", "mother")
        page.get_by_role("button", name="Gem").click()
        page.get_by_role("link", name="3 måneder: 21.07.2026").click()
        page.get_by_role("button", name="Lav et link til forælderen").click()
        link = page.locator("#survey-link").inner_text()

        phone = self.browser.new_context(viewport={"width": 390, "height": 800},
                                         is_mobile=True, locale="da-DK")
        parent = phone.new_page()
        parent.goto(link)
        self.assertEqual(parent.locator("h1").inner_text(), "Opfølgning på forældreforløbet")
        self.assertNotIn("Mona", parent.content())
        parent.get_by_label("Blevet mindre").check()
        parent.get_by_role("button", name="Send svarene").click()
        parent.get_by_text("Dine svar er modtaget").wait_for()
        parent.goto(link)
        parent.get_by_text("Linket virker ikke").wait_for()
        phone.close()

        survey = ParentFollowup.objects.get(participant__name="Mona Holm", when="3m")
        self.assertEqual((survey.source, survey.answers["child_use"],
                          survey.answers["uses_new_options"]),
                         ("parent_link", "smaller", None))
        self.assertEqual(ParentParticipant.objects.count(), 1)


class DayTeamWeekInTheBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.service = Service.objects.create(name="Helsingung")
        self.team_b = Team.objects.create(service=self.service, name="Dagteam",
                                          kind=Team.Kind.DAY_TEAM)
        make_user(self.service, "tina", User.Role.TEACHER, [self.team_b])
        self.place = DayTeamEnrolment.objects.create(
            client=day_team_client(self, 1), start_date=datetime.date(2026, 1, 5))

    def test_the_teacher_registers_a_day_and_the_weeks_teaching_hours(self):
        page = self.page
        self.log_in("tina")
        self.visit("/programmes/day-team/week/?week=2026-03-09")
        page.get_by_label("Elev1 Dagteam, Mandag").select_option("present")
        page.get_by_label("Elev1 Dagteam, Tirsdag").select_option("notified")
        page.fill("#id_hours", "9.5")
        page.get_by_role("button", name="Gem ugen").click()
        page.get_by_text("Ugen er gemt.").wait_for()
        self.assertEqual(list(self.place.attendance.values_list("status", flat=True)),
                         ["present", "notified"])
        self.assertEqual(page.input_value("#id_hours"), "9.5")

    def test_on_a_phone_the_week_fits_the_screen_with_44_px_choices(self):
        self.page.set_viewport_size({"width": 390, "height": 844})
        self.log_in("tina")
        self.visit("/programmes/day-team/week/?week=2026-03-09")
        self.assertLessEqual(self.page.evaluate("document.documentElement.scrollWidth"), 390)
        choice = self.page.get_by_label("Elev1 Dagteam, Mandag").bounding_box()
        self.assertGreaterEqual(choice["height"], 44)
        self.assertLessEqual(self.page.locator("#id_hours").bounding_box()["width"], 8 * 16)
