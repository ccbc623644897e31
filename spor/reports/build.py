"""The yearly report: counts from the sections, suppressed, in the shape of FORMATS.md."""

import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import gettext_noop

from spor.lib.numbers import percent
from spor.measures import stats
from spor.measures.models import Rating
from spor.programmes import figures
from spor.reports import sections
from spor.reports.suppression import Table, suppress
from spor.treatment.models import Course, Session

# The counting rules, printed in every report (in English in the JSON, translated on pages).
RULES = [
    gettext_noop("A course counts in a year when it ended in that year."),
    gettext_noop("Age is the young person's age when the course started; with a birth year "
                 "only, the start year minus the birth year."),
    gettext_noop("Percentages are of the section's n and rounded half up to whole numbers."),
    gettext_noop("Success is stopped + reduced. A course ended without a recorded outcome "
                 "counts as unknown."),
    gettext_noop("Sessions and other activity count in the year they took place; only "
                 "attended sessions count by kind."),
    gettext_noop("A cell counting fewer persons than the threshold, but more than none, is "
                 "hidden and shown as a dash, and further cells are hidden where a hidden "
                 "one could otherwise be worked out from totals or other cells. Counts of "
                 "activity (sessions, contacts, place days) are not counts of persons and "
                 "are never hidden."),
    gettext_noop("FIT: the year's courses with at least one ORS or CORS by the young person, "
                 "classed by the change from the first to the last rating against the norm "
                 "for the young person's age (reliable change; recovered when the total also "
                 "crossed the clinical cutoff)."),
    gettext_noop("A parent course counts in the year it ended; a follow-up survey counts in "
                 "the year it fell due, and a survey or question not answered counts as not "
                 "answered, never as don't know."),
    gettext_noop("Parent courses, day team and outreach cover the chosen period for the whole "
                 "service (every service in a national report), whichever team is chosen."),
]

# The FIT section's parts of the courses with an ORS: the change classes, then the courses
# that have one rating only or no norm for the young person's age.
FIT_CLASSES = ["recovered", "reliably_improved", "no_change", "deteriorated", "single_rating",
               "no_norm"]


class Scope:
    """Which courses and activity a report covers: services, a team, a period."""

    def __init__(self, year, services=None, team=None, start=None, end=None):
        self.year = year
        self.start = start or datetime.date(year, 1, 1)
        self.end = end or datetime.date(year, 12, 31)
        self.services, self.team = services, team
        # Programme figures cover a whole service (or every service), never one team.
        self.service = services[0] if services and len(services) == 1 else None

    def courses(self, start=None, end=None):
        courses = Course.objects.filter(end_date__gte=start or self.start,
                                        end_date__lte=end or self.end)
        if self.services is not None:
            courses = courses.filter(client__service__in=self.services)
        if self.team is not None:
            courses = courses.filter(team=self.team)
        if self.services is None and self.team is None:
            return courses
        # Picked by id, the ids found from the service's young people through the index on
        # (client, end date): else the planner reads every course of the country that
        # ended in the period and keeps the service's.
        return Course.objects.filter(pk__in=courses.values("pk"))

    def sessions(self, start=None, end=None):
        sessions = Session.objects.filter(date__gte=start or self.start,
                                          date__lte=end or self.end)
        if self.services is not None:
            sessions = sessions.filter(course__client__service__in=self.services)
        if self.team is not None:
            sessions = sessions.filter(course__team=self.team)
        return sessions

    def ratings(self):
        """The ratings of the attended ones of `sessions()`: a rating has its session's
        course and date. Every service's are picked by their date, less those of the few
        sessions not attended; one service's through its attended sessions, not from the
        whole country's by date."""
        attended = Session.Attendance.ATTENDED
        if self.services is not None or self.team is not None:
            return Rating.objects.filter(
                session__in=self.sessions().filter(attendance=attended).values("pk"))
        return Rating.objects.filter(date__gte=self.start, date__lte=self.end).exclude(
            session__in=self.sessions().exclude(attendance=attended).values("pk"))

    def courses_with_previous(self):
        """The courses of the period and of the one before it (`previous`), annotated
        `earlier` for those of the one before: a count of both is asked once, so that one
        service's courses are found once. One range of end dates less the days between the
        two periods (none after a whole year), so that an index on the date is read as one
        range."""
        first, last = self.previous()
        return (self.courses(first, self.end)
                .exclude(end_date__gt=last, end_date__lt=self.start)
                .annotate(earlier=ExpressionWrapper(Q(end_date__lt=self.start),
                                                    output_field=BooleanField())))

    def previous(self):
        """The same dates as many whole years earlier as it takes not to overlap the
        period: the year before a year, 2009–2011 before 2012–2014."""
        def shift(day, years):
            try:
                return day.replace(year=day.year - years)
            except ValueError:  # 29 February
                return day.replace(year=day.year - years, day=28)
        years = 1
        while shift(self.end, years) >= self.start:
            years += 1
        return shift(self.start, years), shift(self.end, years)


def build(scope: Scope, threshold: int, national=None) -> dict:
    before = scope.previous()
    # The period before is shown for its outcomes, anonymous contacts and sessions only.
    both = sections.by_age(scope.courses_with_previous(), "earlier")
    by_age = [row for row in both if not row["earlier"]]
    previous = [row for row in both if row["earlier"]]
    by_category = sections.by_category(scope.courses())
    session_rows = stats.session_counts(scope.sessions())
    fmt = Formatter(threshold)
    outcome = sections.outcome_tables(by_age)
    report = {
        "year": scope.year,
        "period": {"from": scope.start.isoformat(), "to": scope.end.isoformat()},
        "suppression_threshold": threshold,
        "outcomes": {group: fmt.outcome(outcome[group]) for group in ("under_18", "all")},
        "main_substance": fmt.categories(sections.substance_table(by_category)),
        "age_distribution": {group: fmt.plain(table) for group, table
                             in sections.age_tables(by_age).items()},
        "age_bands": [key for key, _low, _high in sections.AGE_BANDS],
        "anonymous_contacts": fmt.change(sections.anonymous_count(by_age),
                                         sections.anonymous_count(previous)),
        "referral_sources": fmt.categories(sections.referral_table(by_category)),
        "in_school": fmt.in_school(sections.in_school_table(by_category)),
        "sessions": {name: fmt.activity(table) for name, table
                     in sections.session_tables(session_rows).items()},
        "fit": fit_section(scope, fmt, session_rows),
        "parent_courses": fmt.parent_courses(figures.parent_courses_in(
            scope.service, scope.start, scope.end)),
        "day_team": fmt.day_team(figures.day_team_in(scope.service, scope.start, scope.end)),
        "outreach": numbers(figures.outreach_in(scope.service, scope.start, scope.end)),
        "national_comparison": national_comparison(national, outcome["all"], fmt),
        "rules": RULES,
    }
    report["key_figures"] = key_figures(scope, before, report, previous, fmt)
    return report


def key_figures(scope, before, report, previous, fmt) -> dict:
    """The period against the one before it (`Scope.previous`), for the first page: each
    figure as {"this_year", "previous_year", "change_percent"} (percent points for the
    success rates), suppressed by the same rules as its section."""
    then = sections.outcome_tables(previous)
    outcomes = {group: fmt.outcome(then[group]) for group in ("under_18", "all")}
    # Of the period before, only the counts shown here: one query each.
    parents_then = fmt.participants(figures.parent_participants(
        figures.parent_courses_ended(scope.service, *before)).count())
    attended = scope.sessions(*before).filter(attendance="attended").count()
    outreach_then = figures.outreach_contacts(scope.service, *before).count()
    now = report["outcomes"]

    def shares(group):
        this_year = now[group]["success_percent"]
        previous_year = outcomes[group]["success_percent"]
        both = None not in (this_year, previous_year)
        result = {"this_year": this_year, "previous_year": previous_year,
                  "change_points": this_year - previous_year if both else None}
        if now[group].get("suppressed") or outcomes[group].get("suppressed"):
            result["suppressed"] = True
        return result

    return {
        "previous_period": {"from": before[0].isoformat(), "to": before[1].isoformat()},
        "courses": fmt.change(now["all"]["n"], outcomes["all"]["n"]),
        "anonymous_contacts": report["anonymous_contacts"],
        "success_percent_under_18": shares("under_18"),
        "success_percent": shares("all"),
        "sessions": fmt.change(report["sessions"]["by_kind"]["n"], attended, persons=False),
        "parent_participants": fmt.change(report["parent_courses"]["participants"],
                                          parents_then),
        "outreach_contacts": fmt.change(report["outreach"]["contacts"], outreach_then,
                                        persons=False),
    }


def fit_section(scope, fmt, session_rows):
    """Change classes of the year's courses with outcome ratings, and the share of the
    year's attended sessions that were rated (activity, not persons)."""
    counts = stats.stored_change_class_counts(scope.courses())
    cells = {"courses_with_ors": counts["courses_with_ors"],
             **{name: counts[name] for name in FIT_CLASSES}}
    result = fmt.plain(Table(cells, sums={"courses_with_ors": FIT_CLASSES}),
                       total="courses_with_ors")
    attended = sum(row["sessions"] for row in session_rows if row["attendance"] == "attended")
    shares = stats.rated_session_shares(scope.sessions(), scope.ratings(), attended)
    result["sessions_rated"] = {
        "sessions": shares["sessions"],
        "with_ors_percent": percent(shares["with_outcome"], shares["sessions"]),
        "with_srs_percent": percent(shares["with_alliance"], shares["sessions"]),
        "with_parent_ors_percent": percent(shares["with_parent_outcome"], shares["sessions"]),
    }
    return result


def numbers(value):
    """Decimals as JSON numbers, all the way down."""
    if isinstance(value, dict):
        return {k: numbers(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _hides(value) -> bool:
    """Whether anything in a formatted section is suppressed."""
    return isinstance(value, dict) and (bool(value.get("suppressed")) or any(
        _hides(item) for item in value.values()))


def national_comparison(national, table, fmt):
    """The service's own entered national figure and its source; nothing invented."""
    own = fmt.outcome(table)["success_percent"]
    if national is None:
        return {"success_percent_national": None, "source": None,
                "success_percent_service": own}
    return {"success_percent_national": national.success_percent, "source": national.source,
            "success_percent_service": own}


class Formatter:
    """Turns tables of counts into the JSON shape, hiding suppressed cells."""

    def __init__(self, threshold):
        self.threshold = threshold

    def cell(self, table, hidden, name):
        if name in hidden:
            return {"count": None, "percent": None, "suppressed": True}
        n = None if "n" in hidden else table.cells.get("n")
        return {"count": table.cells[name], "percent": percent(table.cells[name], n)}

    def categories(self, table: Table) -> dict:
        hidden = suppress(table, self.threshold)
        result = {"n": None if "n" in hidden else table.cells["n"]}
        if "n" in hidden:
            result["suppressed"] = True
        for name in table.cells:
            if name not in ("n", "success"):
                result[name] = self.cell(table, hidden, name)
        return result

    def outcome(self, table: Table) -> dict:
        result = self.categories(table)
        hidden = suppress(table, self.threshold)
        shown = "success" not in hidden and "n" not in hidden
        result["success_percent"] = (percent(table.cells["success"], table.cells["n"])
                                     if shown else None)
        if not shown:
            result["suppressed"] = True
        return result

    def plain(self, table: Table, total="n") -> dict:
        """Counts only, e.g. {"15-17": 12, "18-20": null, "suppressed": true}; the total
        is written too when it is not "n"."""
        hidden = suppress(table, self.threshold)
        names = ([] if total == "n" else [total]) + table.sums[total]
        result = {name: None if name in hidden else table.cells[name] for name in names}
        if hidden:
            result["suppressed"] = True
        return result

    def answers(self, counts: dict, due: int) -> dict:
        """One survey question: a count and percent of the due surveys per answer."""
        table = Table({**counts, "n": due}, sums={"n": list(counts)})
        return self.categories(table)

    def participants(self, count: int) -> int | None:
        """The parents at parent courses, None when too few to show."""
        return None if suppress(Table({"participants": count}), self.threshold) else count

    def parent_courses(self, found: dict) -> dict:
        participants = self.participants(found["participants"])
        result = {"courses": found["courses"], "participants": participants}
        if participants is None:
            result["suppressed"] = True
        for key in ("followup_3m", "followup_1y"):
            section = found[key]
            due, answered = section["due"], section["answered"]
            questions = {code: self.answers(section[code], due)
                         for code in ("child_use", "uses_new_options")}
            # Who answered is shown only when neither it, nor who did not, is a small
            # cell, and no answer is hidden: it would bound the hidden "not answered".
            small = any(0 < count < self.threshold for count in (answered, due - answered))
            hide = small or any(_hides(question) for question in questions.values())
            result[key] = {"due": due, "answered": None if hide else answered, **questions}
            if hide:
                result[key]["suppressed"] = True
        return result

    def day_team(self, found: dict) -> dict:
        """Places and attendance as they are; young people and exams suppressed."""
        found = numbers(found)
        people = Table({"young_people": found["young_people"], "started": found["started"],
                        "ended": found["ended"]})
        hidden = suppress(people, self.threshold)
        exams = found["exams"]
        graded = Table({"exams": exams["exams"], "passed": exams["passed"],
                        "failed": exams["exams"] - exams["passed"],
                        "young_people": exams["young_people"]},
                       sums={"exams": ["passed", "failed"]})
        subjects = {subject: row["exams"] for subject, row in exams["by_subject"].items()}
        by_subject = Table({**subjects, "exams": exams["exams"]}, sums={"exams": list(subjects)})
        subjects_hidden = suppress(by_subject, self.threshold)
        exams_hidden = suppress(graded, self.threshold) | (subjects_hidden & {"exams"})
        if exams_hidden & {"exams", "young_people"}:
            # Without the total, the shown subjects must not add up to it either.
            exams_hidden |= set(graded.cells)
            shown = [name for name in subjects if name not in subjects_hidden and subjects[name]]
            if shown and not subjects_hidden & set(subjects):
                subjects_hidden.add(min(shown, key=lambda name: subjects[name]))
        result = {**found, **{name: None if name in hidden else found[name]
                              for name in people.cells}}
        result["exams"] = {
            **{name: None if name in exams_hidden else graded.cells[name]
               for name in ("exams", "young_people", "passed")},
            "average_grade": None if exams_hidden else exams["average_grade"],
            "by_subject": {subject: row if subject not in subjects_hidden
                           else {"exams": None, "average": None, "suppressed": True}
                           for subject, row in exams["by_subject"].items()},
        }
        if hidden:
            result["suppressed"] = True
        if exams_hidden or subjects_hidden:
            result["exams"]["suppressed"] = True
        return result

    def change(self, this_year, previous_year, persons=True):
        """A count against the one before; None (already hidden) stays hidden. Counts of
        activity (persons=False) are never hidden."""
        if None in (this_year, previous_year):
            hidden = {name for name, value in (("this_year", this_year),
                                               ("previous_year", previous_year))
                      if value is None}
            this_year, previous_year = this_year or 0, previous_year or 0
        else:
            table = Table({"this_year": this_year, "previous_year": previous_year})
            hidden = suppress(table, self.threshold) if persons else set()
        result = {"this_year": None if "this_year" in hidden else this_year,
                  "previous_year": None if "previous_year" in hidden else previous_year,
                  "change_percent": None}
        if hidden:
            result["suppressed"] = True
        elif previous_year:
            result["change_percent"] = percent(this_year - previous_year, previous_year)
        return result

    def in_school(self, table: Table) -> dict:
        """In school at the end, of the courses with a status at the end (n), and at the
        start, of those that also have one at the start (n_start)."""
        hidden = suppress(table, self.threshold)
        cells = table.cells
        result = {}
        for total, part in (("n", "at_end"), ("n_start", "at_start")):
            result[total] = None if total in hidden else cells[total]
            result[part] = ({"count": None, "percent": None, "suppressed": True}
                            if part in hidden else
                            {"count": cells[part], "percent": percent(
                                cells[part], None if total in hidden else cells[total])})
        if hidden:
            result["suppressed"] = True
        return result

    @staticmethod
    def activity(table: Table) -> dict:
        """Counts of activity (not of persons): shown as they are."""
        n = table.cells["n"]
        result = {"n": n}
        for name in table.sums["n"]:
            result[name] = {"count": table.cells[name], "percent": percent(table.cells[name], n)}
        return result


def make_report(year, service=None, team=None, start=None, end=None, threshold=None):
    """The suppressed report of one service (or of every service when None)."""
    from spor.accounts.models import Service
    from spor.reports.models import NationalFigure

    services = None if service is None else [service]
    if threshold is None:
        chosen = [service] if service else Service.objects.all()
        threshold = max([s.small_cell_threshold for s in chosen] or [5])
    national = (NationalFigure.objects.filter(service=service, year=year).first()
                if service else None)
    scope = Scope(year, services, team, start, end)
    if connection.vendor != "postgresql":
        return build(scope, max(threshold, 3), national)
    # Each of the report's queries is planned for its period and service, even when
    # prepared: a generic plan guesses that a date range holds half a percent of the rows,
    # where a year holds a sixth, and so reads the whole country's sessions of the year to
    # count one service's, five times the work. Only the rest of this transaction keeps
    # the setting, never the connection.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        return build(scope, max(threshold, 3), national)
