"""The yearly report in every output format, all from the same suppressed document."""

import csv
import datetime
import functools
import hashlib
import io
import json

from django.conf import settings
from django.template import Context, Engine
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spor.lib import versions
from spor.lib.numbers import percent
from spor.programmes.models import Exam, OutreachContact
from spor.reports.build import FIT_CLASSES
from spor.treatment.models import Course, Outcome, Session, Substance

SECTIONS = ["outcomes", "main_substance", "age_distribution", "anonymous_contacts",
            "referral_sources", "in_school", "sessions", "fit", "parent_courses", "day_team",
            "outreach", "national_comparison"]
TITLES = {
    "outcomes": gettext_lazy("Use at the end of the course"),
    "main_substance": gettext_lazy("Main substance"),
    "age_distribution": gettext_lazy("Age distribution"),
    "anonymous_contacts": gettext_lazy("Anonymous contacts"),
    "referral_sources": gettext_lazy("Referral sources"),
    "in_school": gettext_lazy("In school or education"),
    "sessions": gettext_lazy("Sessions"),
    "fit": gettext_lazy("Feedback (FIT): change at the end of the course"),
    "parent_courses": gettext_lazy("Parent courses"),
    "day_team": gettext_lazy("Day team"),
    "outreach": gettext_lazy("Outreach"),
    "national_comparison": gettext_lazy("National comparison"),
}
GROUPS = {
    "under_18": gettext_lazy("Young people under 18, anonymous and enrolled"),
    "all": gettext_lazy("All, anonymous and enrolled"),
    "anonymous": gettext_lazy("Anonymous"),
    "enrolled": gettext_lazy("Enrolled"),
    "by_kind": gettext_lazy("Attended sessions by kind"),
    "attendance": gettext_lazy("Attendance"),
    "sessions_rated": gettext_lazy("Attended sessions of the year that were rated"),
    "followup_3m": gettext_lazy("Follow-up after 3 months"),
    "followup_1y": gettext_lazy("Follow-up after 1 year"),
    "child_use": gettext_lazy("Has your son's or daughter's use changed?"),
    "uses_new_options": gettext_lazy("Do you still use the new ways of acting?"),
    "exams": gettext_lazy("Exams"),
    "by_subject": gettext_lazy("Exams by subject"),
    "by_place": gettext_lazy("By kind of place"),
}
ITEMS = {
    **dict(OutreachContact.Place.choices), **dict(Exam.Subject.choices),
    **dict(Outcome.choices), **dict(Substance.choices), **dict(Course.Referral.choices),
    **dict(Session.Kind.choices), **dict(Session.Attendance.choices),
    "n": gettext_lazy("n"), "success_percent": gettext_lazy("Success (stopped + reduced)"),
    "this_year": gettext_lazy("This year"), "previous_year": gettext_lazy("Previous year"),
    "change_percent": gettext_lazy("Change"), "at_start": gettext_lazy("At start"),
    "n_start": gettext_lazy("n with the status at start known"),
    "at_end": gettext_lazy("At end"),
    "success_percent_national": gettext_lazy("National success"),
    "success_percent_service": gettext_lazy("The service's success"),
    "source": gettext_lazy("Source"),
    "under 15": gettext_lazy("under 15"),
    "courses_with_ors": gettext_lazy("Courses with ORS"),
    "sessions": gettext_lazy("Attended sessions"),
    "exams": gettext_lazy("Exams"),
    "recovered": gettext_lazy("Recovered"),
    "reliably_improved": gettext_lazy("Reliably improved"),
    "no_change": gettext_lazy("No reliable change"),
    "deteriorated": gettext_lazy("Reliably deteriorated"),
    "single_rating": gettext_lazy("Only one rating"),
    "no_norm": gettext_lazy("No norm for the age"),
    "with_ors_percent": gettext_lazy("With ORS"),
    "with_srs_percent": gettext_lazy("With SRS"),
    "with_parent_ors_percent": gettext_lazy("With a parent's ORS"),
    "courses": gettext_lazy("Courses"),
    "participants": gettext_lazy("Participants"),
    "due": gettext_lazy("Surveys due"),
    "answered": gettext_lazy("Answered"),
    "larger": gettext_lazy("Larger"),
    "smaller": gettext_lazy("Smaller"),
    "dont_know": gettext_lazy("Don't know"),
    "not_answered": gettext_lazy("Not answered"),
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "places": gettext_lazy("Places"),
    "young_people": gettext_lazy("Young people"),
    "started": gettext_lazy("Started"),
    "ended": gettext_lazy("Ended"),
    "place_days": gettext_lazy("Place days used"),
    "place_days_available": gettext_lazy("Place days available"),
    "occupancy_percent": gettext_lazy("Occupancy"),
    "present": gettext_lazy("Present"),
    "notified": gettext_lazy("Absent, notified"),
    "absent": gettext_lazy("Absent without notice"),
    "registered_days": gettext_lazy("Registered days"),
    "present_percent": gettext_lazy("Present"),
    "teaching_hours": gettext_lazy("Teaching hours"),
    "teaching_weeks": gettext_lazy("Teaching weeks"),
    "passed": gettext_lazy("Passed (02 or better)"),
    "average_grade": gettext_lazy("Average grade"),
    "average": gettext_lazy("Average grade"),
    "contacts": gettext_lazy("Contacts"),
    "hours": gettext_lazy("Hours"),
    "families": gettext_lazy("Families"),
    "referrals_service": gettext_lazy("Referred to the service"),
    "referrals_other": gettext_lazy("Referred to other municipal help"),
    "other_volunteers": gettext_lazy("Volunteers (not named)"),
    "staff_turns": gettext_lazy("Staff turns"),
    "volunteer_turns": gettext_lazy("Volunteer turns"),
}


def label(key):
    return str(ITEMS.get(key, key))


def rows(doc):
    """(section, group, item, count, percent, suppressed, text) for every figure."""
    for section in SECTIONS:
        yield from _walk(section, "", doc[section])


def _walk(section, group, value):
    for key, item in value.items():
        if key == "suppressed":
            continue
        if isinstance(item, dict) and "count" in item:
            yield (section, group, key, item["count"], item["percent"],
                   bool(item.get("suppressed")), "")
        elif isinstance(item, dict):
            yield from _walk(section, f"{group}.{key}" if group else key, item)
        elif "percent" in key:
            yield (section, group, key, None, item, item is None and bool(
                value.get("suppressed")), "")
        elif isinstance(item, str) or key == "source":
            yield (section, group, key, None, None, False, item or "")
        else:
            # None is a hidden cell only where the section says so; else it is "none yet"
            # (an average of no grades).
            yield (section, group, key, item, None,
                   item is None and bool(value.get("suppressed")), "")


HEADER = ["section", "group", "item", "count", "percent", "suppressed", "text"]


def to_json(doc):
    return json.dumps(doc, ensure_ascii=False, indent=2)


def to_csv(doc):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows(doc):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def to_xlsx(doc):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Statistics"))[:31]
    sheet.append([str(_("Section")), str(_("Group")), str(_("Item")), str(_("Count")),
                  str(_("Percent")), str(_("Suppressed")), "key"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for section, group, item, count, pct, hidden, text in rows(doc):
        sheet.append([str(TITLES[section]), group_title(group), label(item),
                      count, pct if not text else text, "x" if hidden else "",
                      f"{section}.{group}.{item}".replace("..", ".")])
    for column, width in zip("ABCDEFG", (30, 40, 30, 10, 10, 10, 40), strict=True):
        sheet.column_dimensions[column].width = width
    rules = book.create_sheet(str(_("Counting rules"))[:31])
    for rule in doc["rules"]:
        rules.append([_(rule)])
    rules.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pie_of(title, table, keys, total="n"):
    """A pie of the shown cells of a section ({"count": ..} cells or plain counts), with
    the hidden ones together as one slice."""
    from spor.lib import charts

    counts = {k: table[k]["count"] if isinstance(table[k], dict) else table[k] for k in keys}
    shown = [(label(k), count) for k, count in counts.items() if count]
    if None in counts.values() and table.get(total):
        shown.append((_("Small numbers (hidden)"),
                      table[total] - sum(count for _l, count in shown)))
    if not shown:
        return ""
    return _drawn(charts.pie, title, [lbl for lbl, _c in shown], [c for _l, c in shown])


def _drawn(draw, title, labels, values, **options):
    """A chart of the report's figures, drawn once for each change of them and shared by
    the page and the PDF (charts.cached): it shows suppressed counts only, the same for
    whoever asks."""
    from spor.lib import charts

    title, labels = str(title), [str(text) for text in labels]
    return charts.cached(f"statistics-{draw.__name__}", "report",
                         (title, labels, values, options),
                         lambda: draw(title, labels, values, **options))


def chart_svgs(doc):
    from spor.lib import charts

    outcome_keys = [o.value for o in Outcome]
    result = {
        "under_18": _pie_of(str(GROUPS["under_18"]), doc["outcomes"]["under_18"],
                            outcome_keys),
        "all": _pie_of(str(GROUPS["all"]), doc["outcomes"]["all"], outcome_keys),
        "main_substance": _pie_of(str(TITLES["main_substance"]), doc["main_substance"],
                                  [s.value for s in Substance]),
        "fit": _pie_of(str(ITEMS["courses_with_ors"]), doc["fit"], FIT_CLASSES,
                       total="courses_with_ors"),
    }
    for group in ("anonymous", "enrolled"):
        table = doc["age_distribution"][group]
        counts = [table[k] for k in doc["age_bands"]]
        result[f"age_{group}"] = _drawn(
            charts.bars, f"{TITLES['age_distribution']}: {GROUPS[group]}",
            [label(k) for k in doc["age_bands"]], counts, total=age_totals(doc)[group])
    return result


def age_totals(doc) -> dict:
    """The courses of each age distribution, as the report shows them elsewhere: the
    anonymous contacts, and the rest of all courses (None where either is hidden)."""
    anonymous = doc["anonymous_contacts"]["this_year"]
    everyone = doc["outcomes"]["all"]["n"]
    return {"anonymous": anonymous,
            "enrolled": None if None in (anonymous, everyone) else everyone - anonymous}


def context(doc, service_name, compare=None):
    return {"doc": doc, "compare": compare, "service_name": service_name,
            "charts": chart_svgs(doc), "tables": tables(doc, compare),
            "period": period_label(doc["period"]), "key_figures": key_figures(doc),
            "first_day": long_date(doc["period"]["from"]),
            "last_day": long_date(doc["period"]["to"])}


def long_date(iso):
    """"2025-01-01" as people write it: "1. januar 2025" in Danish, "1 January 2025" in
    English (DATE_FORMAT of the active language)."""
    return formats.date_format(datetime.date.fromisoformat(iso), "DATE_FORMAT")


def period_label(period):
    """"2025", "2012–2014" for whole years, else "1. marts 2025 – 30. juni 2025"."""
    start = datetime.date.fromisoformat(period["from"])
    end = datetime.date.fromisoformat(period["to"])
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    return f"{long_date(period['from'])} – {long_date(period['to'])}"


KEY_FIGURES = [
    ("courses", gettext_lazy("Courses ended")),
    ("anonymous_contacts", gettext_lazy("Anonymous contacts")),
    ("success_percent_under_18", gettext_lazy("Success, young people under 18")),
    ("success_percent", gettext_lazy("Success, all")),
    ("sessions", gettext_lazy("Attended sessions")),
    ("parent_participants", gettext_lazy("Parents at parent courses")),
    ("outreach_contacts", gettext_lazy("Outreach contacts")),
]


def key_figures(doc):
    """The first page: (this period, the one before) and rows of (label, this, before,
    change) as text, "–" where a figure is hidden."""
    found = doc.get("key_figures")
    if not found:
        return None

    def shown(value, share, hidden):
        if value is None:
            return "–" if hidden else ""
        return f"{value} %" if share else str(value)

    rows = []
    for key, title in KEY_FIGURES:
        figure = found[key]
        share = key.startswith("success")
        if share:
            points = figure["change_points"]
            change = "" if points is None else _("%(points)s points") % {
                "points": f"{points:+d}".replace("-", "−")}
        else:
            pct = figure["change_percent"]
            change = "" if pct is None else f"{pct:+d} %".replace("-", "−")
        hidden = bool(figure.get("suppressed"))
        rows.append((str(title), shown(figure["this_year"], share, hidden),
                     shown(figure["previous_year"], share, hidden), change))
    return {"this": period_label(doc["period"]),
            "before": period_label(found["previous_period"]), "rows": rows}


def group_title(path):
    """"followup_3m.child_use" -> "Follow-up after 3 months · Has your son's…"."""
    return " · ".join(str(GROUPS.get(part) or ITEMS.get(part, part))
                      for part in path.split(".") if part)


# The total of a group of counts that has one: its shares are worked out from it when the
# document gives none, so that every table has its "%" column.
TOTALS = ("n", "courses_with_ors")
# Figures that say what could be used, not what was: a section with nothing else is empty.
CAPACITIES = ("places", "place_days_available")


def _with_shares(items, total=None):
    """Rows of plain counts get their share of the group's total (its "n" row, or the
    total given); rows that have a share keep it."""
    if any(pct is not None for _i, _c, pct, *_rest in items):
        return items
    totals = [count for item, count, *_rest in items if item in TOTALS]
    total = totals[0] if totals else total
    if not total:
        return items
    return [(item, count, percent(count, total) if item not in TOTALS and not text
             and count is not None else pct, hidden, text, *rest)
            for item, count, pct, hidden, text, *rest in items]


def _empty(items) -> bool:
    """Nothing in a group: every count and share is zero or none, nothing hidden, no text
    (capacities aside)."""
    return all(not count and not pct and not hidden and not text
               for item, count, pct, hidden, text, *_rest in items if item not in CAPACITIES)


def tables(doc, compare=None):
    """(section, title, [(group title, [row])], empty) where a row is (label, count,
    percent, hidden, text) followed by the same four figures of the compared year, if
    any. A group with nothing in it has no rows (one line on the page), and a section
    with nothing in any group is `empty`."""
    other = {(s, g, i): (c, p, h) for s, g, i, c, p, h, _t in rows(compare)} if compare else {}
    ages = age_totals(doc)
    by_section = {section: {} for section in SECTIONS}
    for section, group, item, count, pct, hidden, text in rows(doc):
        by_section[section].setdefault(group, []).append(
            (item, count, pct, hidden, text,
             *other.get((section, group, item), (None, None, False))))
    result = []
    for section, groups in by_section.items():
        shaped, empty_groups = [], set()
        for group, items in groups.items():
            items = _with_shares(items, ages.get(group) if section == "age_distribution"
                                 else None)
            if _empty(items) and not compare:
                # One line for an empty group and the questions under it.
                if group.split(".")[0] not in empty_groups:
                    shaped.append((group_title(group), []))
                empty_groups.add(group)
            else:
                shaped.append((group_title(group),
                               [(label(item), *rest) for item, *rest in items]))
        empty = not compare and all(not items for _g, items in shaped)
        result.append((section, str(TITLES[section]), shaped, empty))
    return result


@functools.cache
def documents() -> Engine:
    """The templates of the report's own documents (HTML and PDF files), with only the tag
    library they load. The site's engine first imports every installed app's tag
    libraries, SAML's XML schemas among them: tens of megabytes and seconds for
    `spor report`."""
    return Engine(dirs=[settings.BASE_DIR / "templates"], app_dirs=True,
                  libraries={"i18n": "django.templatetags.i18n"})


def render_document(template, ctx) -> str:
    return documents().get_template(template).render(Context(ctx))


def to_html(doc, service_name, compare=None, standalone=True):
    template = "reports/standalone.html" if standalone else "reports/_report.html"
    return render_document(template, context(doc, service_name, compare))


def on_page(doc, service_name, compare=None):
    """The report as the statistics page shows it (_report.html), drawn once for each
    change of what it shows, as the PDF is (to_pdf): its tables and charts were most of
    the page's work on every visit."""
    from spor.lib import charts

    owner = hashlib.sha256(service_name.encode()).hexdigest()[:16]
    here = settings.BASE_DIR / "reports" / "templates" / "reports"
    layout = versions.digest(here / "_report.html", here / "_key_figures.html")
    return mark_safe(charts.cached(  # noqa: S308 (the template escapes)
        "statistics-html", owner, (doc, compare, service_name, layout),
        lambda: to_html(doc, service_name, compare, standalone=False)))


def to_pdf(doc, service_name, compare=None):
    """The report as PDF, drawn once for each change of what it shows: kept with the
    charts, keyed by the suppressed document itself, so that nothing but its numbers can
    be served."""
    from spor.lib import charts, drawing
    from spor.reports import printed

    owner = hashlib.sha256(service_name.encode()).hexdigest()[:16]  # a key without spaces
    # The code that draws it and the fonts it is set in: a new one is a new PDF.
    layout = versions.digest(printed.__file__, drawing.__file__,
                             *(drawing.FONTS / name for name in drawing.FACES.values()))
    return charts.cached(
        "statistics-pdf", owner, (doc, compare, service_name, layout),
        lambda: printed.statistics_pdf(context(doc, service_name, compare)))


def as_format(doc, fmt, service_name, compare=None):
    """The report in one of the formats: json, csv, xlsx, html or pdf (text or bytes)."""
    if fmt == "json":
        return to_json({**doc, "compare": compare} if compare else doc)
    if fmt == "csv":
        return to_csv(doc)
    if fmt == "xlsx":
        return to_xlsx(doc)
    if fmt == "html":
        return to_html(doc, service_name, compare)
    return to_pdf(doc, service_name, compare)
