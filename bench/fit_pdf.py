"""The course's FIT PDF against the course's FIT page (HTML), in this one run.

    python bench/fit_pdf.py                 # SQLite: the demo, made here
    python bench/fit_pdf.py --save DIR      # also writes the PDFs (Danish and English)

A team leader of the demo's service asks for the course with the most rated sessions: the
page, then its PDF, each the median of 9 after a warm-up, the cache of drawn charts
emptied before each request. Prints both by the clock and by this process's processor
time (steadier on a busy machine; SQLite's work is in it) and the PDF's ratio to the
page. With --save, the outreach funding report's PDF is written too.
"""

import argparse
from pathlib import Path

from pages import timed_get  # sets Django up: first

# isort: split
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from spor.accounts.models import Service, User
from spor.programmes.models import FundingSource
from spor.treatment.models import Course


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--save", type=Path, help="a folder to write the PDFs to")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Service.objects.exists():
        call_command("demo", "--no-server", verbosity=0)
    service = Service.objects.order_by("name").first()
    leader, _new = User.objects.get_or_create(
        username="bench-leader", defaults={"role": User.Role.LEADER, "service": service})
    leader.service, leader.role, leader.is_staff = service, User.Role.LEADER, True
    leader.save()
    browser = Client()
    browser.force_login(leader)
    course = (Course.objects.filter(client__service=service)
              .annotate(rated=Count("sessions__ratings")).order_by("-rated").first())
    page_url = reverse("fit_course", args=[course.pk])
    pdf_url = reverse("fit_course_pdf", args=[course.pk])
    forget = caches["charts"].clear  # each drawn anew
    page, page_cpu, _html = timed_get(browser, page_url, runs=9, before=forget)
    pdf, pdf_cpu, response = timed_get(browser, pdf_url, runs=9, before=forget)
    assert response["Content-Type"] == "application/pdf"
    print(f"{service.name}: a course of {course.rated} ratings; clock (processor)")
    print(f"FIT page (HTML): {page:7.0f} ms ({page_cpu:.0f})")
    print(f"FIT PDF:         {pdf:7.0f} ms ({pdf_cpu:.0f}), {len(response.content) // 1024} kB,"
          f" ratio {pdf / page:.2f} ({pdf_cpu / page_cpu:.2f})")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        source = FundingSource.objects.filter(service=service).order_by("name").first()
        for language in ("da", "en"):
            browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            (args.save / f"fit-{language}.pdf").write_bytes(browser.get(pdf_url).content)
            made = browser.get(reverse("outreach_funding_report", args=[source.pk]),
                               {"format": "pdf"})
            assert made["Content-Type"] == "application/pdf", made.status_code
            (args.save / f"funding-{language}.pdf").write_bytes(made.content)


if __name__ == "__main__":
    main()
