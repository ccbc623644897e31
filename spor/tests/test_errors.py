"""403, 404 and 500 pages in Danish or English, with the menu and a way back."""

from django.test import override_settings
from django.urls import path, reverse

from spor.lib.testing import BrowserTestCase, PersonaTestCase, make_user
from spor.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, path("broken/", broken)]


@override_settings(ROOT_URLCONF=__name__)
class ErrorPageTests(PersonaTestCase):
    def test_a_missing_page_is_danish_with_the_menu_and_a_way_back(self):
        self.login(self.alice)
        page = self.client.get("/nowhere/", HTTP_REFERER="http://testserver/caseload/")
        self.assertEqual(page.status_code, 404)
        self.assertContains(page, "Siden findes ikke", status_code=404)
        self.assertContains(page, "Mine forløb", status_code=404)
        self.assertContains(page, 'href="http://testserver/caseload/"', status_code=404)
        self.assertContains(page, f'href="{reverse("home")}"', status_code=404)

    def test_a_back_link_never_leads_to_another_site(self):
        page = self.client.get("/nowhere/", HTTP_REFERER="https://evil.example/")
        self.assertNotContains(page, "evil.example", status_code=404)
        self.assertContains(page, f'href="{reverse("login")}"', status_code=404)

    def test_the_error_page_speaks_english_when_english_is_chosen(self):
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        page = self.client.get("/nowhere/")
        self.assertContains(page, "The page does not exist", status_code=404)

    def test_a_page_of_another_role_says_why_in_danish(self):
        self.login(self.ali)  # the analyst sees statistics only
        page = self.client.get(reverse("caseload"))
        self.assertContains(page, "Du har ikke adgang til denne side", status_code=403)
        self.assertContains(page, "Statistik", status_code=403)

    def test_a_server_error_shows_the_product_page_not_the_bug(self):
        self.client.raise_request_exception = False
        self.login(self.alice)
        page = self.client.get("/broken/")
        self.assertContains(page, "Noget gik galt", status_code=500)
        self.assertContains(page, "Mine forløb", status_code=500)
        self.assertNotContains(page, "a bug", status_code=500)

    def test_the_api_answers_its_errors_in_json(self):
        response = self.client.get("/api/v1/nowhere/")
        self.assertEqual(response.status_code, 404)
        self.assertIn("message", response.json())


class ErrorPageInTheBrowserTests(BrowserTestCase):
    def test_a_clinician_who_follows_a_dead_link_gets_back_to_work(self):
        from spor.accounts.models import Service, Team, User

        service = Service.objects.create(name="Helsingung")
        make_user(service, "alice", User.Role.CLINICIAN,
                  [Team.objects.create(service=service, name="Rådgivning")])
        self.log_in("alice")
        self.visit(reverse("client_search"))
        self.page.evaluate("location.href = '/clients/00000000-0000-0000-0000-000000000000/'")
        self.page.wait_for_load_state()
        self.assertEqual(self.page.locator("h1").inner_text(), "Siden findes ikke")
        self.assertTrue(self.page.get_by_role("link", name="Mine forløb").is_visible())
        self.page.get_by_role("link", name="Tilbage til siden, du kom fra").click()
        self.page.wait_for_load_state()
        self.assertTrue(self.page.url.endswith(reverse("client_search")))
        self.page.get_by_role("button", name="English").click()
        self.page.wait_for_load_state()
        self.visit("/nowhere/")
        self.assertEqual(self.page.locator("h1").inner_text(), "The page does not exist")
