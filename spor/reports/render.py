"""The yearly report in every output format, all from the same suppressed document."""

import base64
import csv
import io
import json

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spor.lib import charts
from spor.lib.pdf import render_pdf
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
    counts = {k: table[k]["count"] if isinstance(table[k], dict) else table[k] for k in keys}
    shown = [(label(k), count) for k, count in counts.items() if count]
    if None in counts.values() and table.get(total):
        shown.append((_("Small numbers (hidden)"),
                      table[total] - sum(count for _l, count in shown)))
    if not shown:
        return ""
    return charts.pie(title, [lbl for lbl, _c in shown], [c for _l, c in shown])


def chart_svgs(doc):
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
        result[f"age_{group}"] = charts.bars(
            f"{TITLES['age_distribution']}: {GROUPS[group]}",
            [label(k) for k in doc["age_bands"]], [table[k] for k in doc["age_bands"]])
    return result


def context(doc, service_name, compare=None, as_images=False):
    svgs = chart_svgs(doc)
    if as_images:  # WeasyPrint draws SVG best as images
        svgs = {name: _image(svg) for name, svg in svgs.items()}
    return {"doc": doc, "compare": compare, "service_name": service_name,
            "charts": svgs, "tables": tables(doc, compare)}


def _image(svg):
    if not svg:
        return ""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img alt="" src="data:image/svg+xml;base64,{data}">'



def group_title(path):
    """"followup_3m.child_use" -> "Follow-up after 3 months · Has your son's…"."""
    return " · ".join(str(GROUPS.get(part) or ITEMS.get(part, part))
                      for part in path.split(".") if part)


def tables(doc, compare=None):
    """(section, title, [(group title, [row])]) where a row is (label, count, percent,
    hidden, text) followed by the same four figures of the compared year, if any."""
    other = {(s, g, i): (c, p, h) for s, g, i, c, p, h, _t in rows(compare)} if compare else {}
    result = []
    for section in SECTIONS:
        groups = {}
        for _s, group, item, count, pct, hidden, text in rows(doc):
            if _s == section:
                groups.setdefault(group, []).append(
                    (label(item), count, pct, hidden, text,
                     *other.get((section, group, item), (None, None, False))))
        result.append((section, str(TITLES[section]),
                       [(group_title(g), items) for g, items in groups.items()]))
    return result


def to_html(doc, service_name, compare=None, standalone=True):
    template = "reports/standalone.html" if standalone else "reports/_report.html"
    return render_to_string(template, context(doc, service_name, compare))


def to_pdf(doc, service_name, compare=None):
    return render_pdf("reports/print.html", context(doc, service_name, compare, as_images=True))


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
