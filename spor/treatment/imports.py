from spor.clients.models import Client
from spor.lib import csvimport as c
from spor.treatment.models import (
    Course,
    Occupation,
    Outcome,
    Session,
    Substance,
    course_errors,
    session_errors,
)


class CoursesFile(c.CsvFile):
    name = "courses.csv"
    key = "course_ref"
    required = ("course_ref", "client_ref", "kind", "start_date")
    optional = ("end_date", "referral", "main_substance", "outcome", "in_school_at_end")
    model, kind = Course, "course"
    parent = ("client_ref", "client", ("team_id",))
    stored = ("client_id", "kind", "start_date", "end_date", "referral", "main_substance",
              "outcome", "occupation_at_end")
    column_of = {"occupation_at_end": "in_school_at_end", "client": "client_ref"}
    course_of = "id"

    def existing(self, service):
        return (Course.objects.filter(client__service=service).exclude(ref="")
                .values_list("ref", "pk"))

    def parse(self, r):
        in_school = r.boolean("in_school_at_end")
        return {
            "kind": r.choice("kind", Course.Kind, required=True),
            "start_date": r.date("start_date", required=True),
            "end_date": r.date("end_date"),
            "referral": r.choice("referral", Course.Referral,
                                 default=Course.Referral.UNKNOWN),
            "main_substance": r.choice("main_substance", Substance,
                                       default=Substance.UNKNOWN),
            "outcome": r.choice("outcome", Outcome),
            "occupation_at_end": {True: Occupation.SCHOOL, False: Occupation.NOT_IN_SCHOOL,
                                  None: ""}[in_school],
        }

    def new(self, ctx, r, client, pk=None):
        fields = self.parse(r)
        if r.problems:
            return None
        for field, message in course_errors(fields, ctx.today).items():
            r.problem(self.column_of.get(field, field), message)
        return {**fields, "ref": r.text("course_ref", 64, required=True),
                "client_id": client["pk"], "team_id": client["team_id"]}

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        ref = r.text("course_ref", 64, required=True)
        client = r.refer("client_ref", "client", lambda ref: Client.objects.filter(
            service=ctx.service, ref=ref).first())
        fields = {"client": client, **self.parse(r)}
        r.check()
        course = find_course(ctx.service, ref)
        if course is None:
            course = Course(ref=ref, team=client.team)
        elif course.client_id != client.pk:
            raise c.Problem("client_ref", "the course already belongs to another client")
        outcome = c.save(course, fields, self.column_of)
        ctx.refs["course"][ref] = course
        return outcome


class SessionsFile(c.CsvFile):
    name = "sessions.csv"
    key = "session_ref"
    required = ("session_ref", "course_ref", "date", "kind")
    optional = ("duration_min", "attendance")
    model, kind = Session, "session"
    parent = ("course_ref", "course", ("request_date", "start_date", "end_date"))
    stored = ("course_id", "date", "kind", "duration_min", "attendance")
    course_of = "course_id"

    def existing(self, service):
        return (Session.objects.filter(course__client__service=service).exclude(ref="")
                .values_list("ref", "pk"))

    def parse(self, r):
        return {
            "date": r.date("date", required=True),
            "kind": r.choice("kind", Session.Kind, required=True),
            "duration_min": r.integer("duration_min", 1, 600),
            "attendance": r.choice("attendance", Session.Attendance,
                                   default=Session.Attendance.ATTENDED),
        }

    def new(self, ctx, r, course, pk=None):
        fields = self.parse(r)
        if r.problems:
            return None
        for field, message in session_errors(fields, course, ctx.today).items():
            r.problem(field, message)
        return {**fields, "ref": r.text("session_ref", 64, required=True),
                "course_id": course["pk"]}

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        ref = r.text("session_ref", 64, required=True)
        fields = {"course": r.refer("course_ref", "course",
                                    lambda ref: find_course(ctx.service, ref)),
                  **self.parse(r)}
        r.check()
        session = Session.objects.filter(course__client__service=ctx.service, ref=ref).first()
        if session is None:
            session = Session(ref=ref)
        elif session.course_id != fields["course"].pk:
            raise c.Problem("course_ref", "the session already belongs to another course")
        outcome = c.save(session, fields, {"course": "course_ref"})
        ctx.refs["session"][ref] = session
        return outcome


def find_course(service, ref):
    return Course.objects.filter(client__service=service, ref=ref).select_related(
        "client__service").first()
