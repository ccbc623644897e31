import datetime

from spor.accounts.models import Service, Team, User
from spor.lib.testing import BrowserTestCase, make_user
from spor.reports.tests.test_report import course

D = datetime.date


class StatisticsInTheBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        service = Service.objects.create(name="Helsingung", small_cell_threshold=3)
        team = Team.objects.create(service=service, name="Rådgivning")
        make_user(service, "ali", User.Role.ANALYST)
        # 2014: 3 stopped, 3 reduced, 2 unchanged (hidden, and one more beside them).
        for outcome in ["stopped"] * 3 + ["reduced"] * 3 + ["unchanged"] * 2:
            course(service, team, 16, outcome)
        # 2013: 4 stopped.
        for _ in range(4):
            course(service, team, 16, "stopped", start=D(2013, 2, 1), end=D(2013, 6, 1))

    def row(self, section, label):
        """The cells of the row labelled `label` in the first table of a section."""
        table = self.page.locator(f"#{section} table").first
        row = table.locator("tr", has=self.page.get_by_text(label, exact=True)).first
        return [cell.strip() for cell in row.locator("td").all_inner_texts()]

    def test_an_analyst_reads_the_year_compares_it_and_downloads_the_pdf(self):
        page = self.page
        self.log_in("ali")
        page.get_by_role("link", name="Statistik").first.click()
        page.fill("#id_year", "2014")
        page.get_by_role("button", name="Vis").click()
        page.get_by_role("heading", name="Forbrug ved afslutning").wait_for()

        self.assertEqual(self.row("outcomes", "Stoppet"), ["3", "38 %"])
        # Two unchanged is a small cell; the smallest neighbour is hidden with it.
        self.assertEqual(self.row("outcomes", "Uændret"), ["–", "–"])
        charts = page.locator("#outcomes svg[role=img]")
        self.assertGreaterEqual(charts.count(), 1)
        self.assertIn("Små tal (skjult)", charts.first.inner_html())
        for heading in ("Hovedstof", "Feedback (FIT): forandring ved afslutning",
                        "Forældreforløb", "Dagteam", "Opsøgende arbejde",
                        "Sådan tælles tallene"):
            page.get_by_role("heading", name=heading).wait_for()
        self.assertNotIn("Ung", page.locator("main").inner_text().split())

        page.fill("#id_compare", "2013")
        page.get_by_role("button", name="Vis").click()
        page.get_by_role("heading", name="Forbrug ved afslutning").wait_for()
        self.assertEqual(self.row("outcomes", "Stoppet"), ["3", "38 %", "4", "100 %"])

        # The PDF takes seconds to lay out, more on a busy machine: the page says so while
        # it does, and the message goes when the file has come. What the status line shows
        # is recorded in the page, since a slow test process may look after it has gone.
        page.evaluate("""() => {
            const status = document.getElementById("download-status");
            window.statusShown = [];
            new MutationObserver(() => {
                if (!status.hidden) window.statusShown.push(status.textContent);
            }).observe(status, {attributes: true, childList: true});
        }""")
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("link", name="PDF").click(no_wait_after=True)
        with open(download.value.path(), "rb") as pdf:
            self.assertEqual(pdf.read(5), b"%PDF-")
        self.assertIn("PDF'en sættes op", " ".join(page.evaluate("window.statusShown")))
        self.assertEqual(page.get_attribute("#download-status", "role"), "status")
        page.locator("#download-status").wait_for(state="hidden", timeout=10_000)

    def test_a_bad_year_is_named_and_leads_to_its_field(self):
        self.log_in("ali")
        self.visit("/statistics/?year=abc")
        alert = self.page.get_by_role("alert")
        alert.get_by_role("link", name="År").click()
        self.assertEqual(self.page.evaluate("document.activeElement.id"), "id_year")
        self.assertEqual(self.page.locator("section.report-section").count(), 0)
