"""Open FIT alarms with the responses recorded to them: the one place behind the caseload's
order, the course page, the leader's list for the team's FIT meeting and
`spor fit_alarms`.

An alarm is named by its kind and the session whose rating raised it (numbered among
attended sessions). A response answers that alarm; when a later rating raises the same
kind again, that is a new alarm, open until it is answered in its turn.
"""

import csv
import dataclasses
import io
from collections import defaultdict

from spor.measures.fit import SEVERITY, Alarm, AlarmKind, most_serious_first
from spor.measures.models import AlarmResponse, FitState

# The alarms that put a course on the list for the team's FIT meeting: the young person is
# worse than at intake, or below the expected course.
OFF_TRACK_KINDS = (AlarmKind.WORSE, AlarmKind.OFF_TRACK)


@dataclasses.dataclass
class OpenAlarm:
    alarm: Alarm
    responses: list

    @property
    def kind(self) -> str:
        return self.alarm.kind

    @property
    def session(self):
        return self.alarm.session

    @property
    def message(self) -> str:
        return self.alarm.message

    @property
    def rank(self) -> int:
        return self.alarm.rank

    @property
    def answered(self) -> bool:
        return bool(self.responses)

    @property
    def key(self) -> str:
        """The value that names this alarm in a form."""
        return f"{self.kind}:{'' if self.session is None else self.session}"


def attach(alarms, responses) -> list[OpenAlarm]:
    """The alarms of one course, most serious first, each with its responses."""
    by_key = defaultdict(list)
    for response in responses:
        by_key[response.key].append(response)
    return [OpenAlarm(a, by_key.get((a.kind, a.session), []))
            for a in most_serious_first(alarms)]


def open_alarms(course_ids) -> dict:
    """{course id: [OpenAlarm, …]} from the stored FIT state: two queries for any number of
    courses. A course without alarms maps to an empty list."""
    course_ids = list(course_ids)
    states = {s.course_id: s for s in FitState.objects.filter(course__in=course_ids).only(
        "course", "alarms")}
    return _answered({pk: states[pk].alarm_list if pk in states else [] for pk in course_ids})


def stored_alarms(courses) -> dict:
    """open_alarms of courses read with select_related("fit_state"): one query, for the
    responses."""
    from spor.measures.state import state_of

    return _answered({c.pk: state_of(c).alarm_list for c in courses})


def _answered(found: dict) -> dict:
    """{course id: [OpenAlarm, …]} from {course id: [Alarm, …]}, with the responses
    recorded to them (one query)."""
    responses = defaultdict(list)
    for response in AlarmResponse.objects.filter(course__in=list(found)).select_related(
            "recorded_by"):
        responses[response.course_id].append(response)
    return {pk: attach(listed, responses[pk]) for pk, listed in found.items()}


def unanswered(alarms) -> list[OpenAlarm]:
    return [a for a in alarms if not a.answered]


def order_key(alarms) -> tuple:
    """Courses with unanswered alarms first, the most serious first (fit.SEVERITY); courses
    whose alarms are all answered are work done and keep their place among the rest."""
    return (min((a.rank for a in unanswered(alarms)), default=len(SEVERITY)),)


def is_off_track(alarms) -> bool:
    return any(a.kind in OFF_TRACK_KINDS for a in alarms)


def service_courses(service, courses=None):
    """The service's active courses (or these of them), in a fixed order."""
    from spor.treatment.models import Course

    found = courses if courses is not None else Course.objects.all()
    return (found.filter(client__service=service).active()
            .select_related("client", "team", "clinician")
            .order_by("ref", "start_date", "created_at", "pk"))


def listing(service, courses=None) -> list[tuple]:
    """Every active course of the service (or of `courses`, a queryset already scoped to
    the user) with its open alarms: [(course, [OpenAlarm, …]), …]. The leader's meeting
    list and `spor fit_alarms` both read this."""
    listed = list(service_courses(service, courses))
    alarms = open_alarms([c.pk for c in listed])
    return [(course, alarms[course.pk]) for course in listed]


def response_dict(response) -> dict:
    # The note stays on the pages: it is free text and may name people.
    return {"action": response.action, "date": response.responded_on.isoformat(),
            "by_team": response.by_team}


def as_json(rows) -> list[dict]:
    """The documented JSON of `spor fit_alarms`: a list of {course_ref, alarms}."""
    return [{"course_ref": course.ref, "alarms": [
        {"kind": a.kind, "session": a.session, "value": a.alarm.value,
         "expected": a.alarm.expected, "responses": [response_dict(r) for r in a.responses]}
        for a in alarms]} for course, alarms in rows]


CSV_COLUMNS = ["course_ref", "kind", "session", "value", "expected", "response_date",
               "response", "by_team"]


def as_csv(rows) -> str:
    """One line per response; an alarm without a response and a course without an alarm
    each get one line with the rest empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for course, alarms in rows:
        if not alarms:
            writer.writerow([course.ref] + [""] * (len(CSV_COLUMNS) - 1))
        for a in alarms:
            head = [course.ref, a.kind, _text(a.session), _text(a.alarm.value),
                    _text(a.alarm.expected)]
            if not a.responses:
                writer.writerow(head + ["", "", ""])
            for r in a.responses:
                writer.writerow(head + [r.responded_on.isoformat(), r.action,
                                        "true" if r.by_team else "false"])
    return out.getvalue()


def _text(value) -> str:
    return "" if value is None else str(value)


def with_responses(fits) -> None:
    """Set `open_alarms` on each CourseFit (progress.course_fits): its alarms with their
    responses, for the client and course pages. One query, none when no course has an
    alarm: a response is shown only under the alarm it answers."""
    fits = list(fits)
    responses = defaultdict(list)
    alarmed = [f.course.pk for f in fits if f.alarms]
    for response in AlarmResponse.objects.filter(course__in=alarmed).select_related(
            "recorded_by") if alarmed else ():
        responses[response.course_id].append(response)
    for fit in fits:
        fit.open_alarms = attach(fit.alarms, responses[fit.course.pk])
