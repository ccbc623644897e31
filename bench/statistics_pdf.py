"""The statistics PDF against the statistics page (HTML) of the same report.

    python bench/statistics_pdf.py                        # SQLite: the demo, made here
    DATABASE_URL=postgres://… python bench/statistics_pdf.py --service "Bench 2014-000"

Both are asked for through the web as an analyst of the service would (the page, then the
same page with format=pdf), each the median of 5 after a warm-up, in this one run. The
PDF is timed laid out afresh (the cache of drawn charts and PDFs emptied before each
request) and as served again for an unchanged report. Prints both and their ratios to
the page (target: the PDF at most 3 times the page), by the clock and by this process's
processor time, which is steadier on a busy machine (SQLite's work is in it). Then both
again as after a change of the data, the kept report forgotten before each request: the
page and the PDF each count the report anew, and the PDF is laid out anew.
"""

import argparse

from pages import timed_get  # sets Django up: first

# isort: split
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client

from spor.accounts.models import Service, User
from spor.reports.models import KeptReport


def forget_drawn():
    """The cache of drawn charts and PDFs emptied."""
    caches["charts"].clear()


def forget_report():
    """The kept report forgotten too, as a change of the data does."""
    forget_drawn()
    KeptReport.objects.all().delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--service", help="the service's name (default: the first one)")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Service.objects.exists():
        call_command("demo", "--no-server", verbosity=0)
    service = (Service.objects.get(name=args.service) if args.service
               else Service.objects.order_by("name").first())
    analyst, _new = User.objects.get_or_create(
        username="bench-analyst", defaults={"role": User.Role.ANALYST, "service": service})
    analyst.service, analyst.role = service, User.Role.ANALYST
    analyst.save()
    browser = Client()
    browser.force_login(analyst)
    query = {"year": args.year}
    pdf_query = {**query, "format": "pdf"}
    page, page_cpu, html = timed_get(browser, "/statistics/", query, before=forget_drawn)
    fresh, fresh_cpu, pdf = timed_get(browser, "/statistics/", pdf_query, before=forget_drawn)
    again, again_cpu, _pdf = timed_get(browser, "/statistics/", pdf_query)
    counted, counted_cpu, _html = timed_get(browser, "/statistics/", query,
                                            before=forget_report)
    both, both_cpu, _pdf = timed_get(browser, "/statistics/", pdf_query, before=forget_report)
    assert pdf["Content-Type"] == "application/pdf"
    print(f"{service.name}, {args.year}; clock (processor)")
    print(f"statistics page (HTML):     {page:7.0f} ms ({page_cpu:.0f}), "
          f"{len(html.content) // 1024} kB")
    print(f"statistics PDF, laid out:   {fresh:7.0f} ms ({fresh_cpu:.0f}), "
          f"{len(pdf.content) // 1024} kB, ratio {fresh / page:.2f} ({fresh_cpu / page_cpu:.2f})"
          "  (target <= 3)")
    print(f"statistics PDF, unchanged:  {again:7.0f} ms ({again_cpu:.0f}), "
          f"ratio {again / page:.2f} ({again_cpu / page_cpu:.2f})")
    print("after a change of the data (the report counted anew):")
    print(f"statistics page (HTML):     {counted:7.0f} ms ({counted_cpu:.0f})")
    print(f"statistics PDF, laid out:   {both:7.0f} ms ({both_cpu:.0f}), "
          f"ratio {both / counted:.2f} ({both_cpu / counted_cpu:.2f})")


if __name__ == "__main__":
    main()
