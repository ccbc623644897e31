"""The parent course files of the import folder (FORMATS.md).

Imported courses have no evening dates: a participant's attendance comes as a count, and
the follow-up surveys fall due 3 months and 1 year after the course's end date.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from spor.accounts.models import Team
from spor.lib import csvimport as c
from spor.programmes.models import ParentCourse, ParentFollowup, ParentParticipant
from spor.programmes.survey import PARENT_FOLLOWUP


def parents_team(service) -> Team:
    """The service's first team for parent courses, made (in the service's language) if
    there is none yet."""
    team = service.teams.filter(kind=Team.Kind.PARENTS).order_by("pk").first()
    if team is None:
        with translation.override(settings.LANGUAGE_CODE):
            team = Team.objects.create(service=service, name=_("Parent courses"),
                                       kind=Team.Kind.PARENTS)
    return team


def find_course(service, ref):
    return ParentCourse.objects.filter(service=service, ref=ref).first()


def find_participant(service, ref):
    return (ParentParticipant.objects.filter(course__service=service, ref=ref)
            .select_related("course__service").first())


class ParentCoursesFile(c.CsvFile):
    name = "parent_courses.csv"
    key = "parent_course_ref"
    required = ("parent_course_ref", "start_date")
    optional = ("end_date",)

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        ref = r.text("parent_course_ref", 64, required=True)
        fields = {"start_date": r.date("start_date", required=True),
                  "end_date": r.date("end_date")}
        r.check()
        course = find_course(ctx.service, ref)
        if course is None:
            course = ParentCourse(service=ctx.service, team=parents_team(ctx.service), ref=ref)
        elif course.evenings.exists() and (course.start_date, course.end_date) != (
                fields["start_date"], fields["end_date"]):
            raise c.Problem("start_date", "the course has evenings registered in Spor; its "
                                          "dates follow them and are not imported")
        outcome = c.save(course, fields)
        if outcome == "updated":
            course.update_survey_due_dates()
        ctx.refs["parent_course"][ref] = course
        return outcome


class ParentParticipantsFile(c.CsvFile):
    name = "parent_participants.csv"
    key = "participant_ref"
    required = ("participant_ref", "parent_course_ref")
    optional = ("relation", "evenings_attended")

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        ref = r.text("participant_ref", 64, required=True)
        fields = {
            "course": r.refer("parent_course_ref", "parent_course",
                              lambda ref: find_course(ctx.service, ref)),
            "relation": r.choice("relation", ParentParticipant.Relation),
            "evenings_attended": r.integer("evenings_attended", 0, 25),
        }
        r.check()
        participant = find_participant(ctx.service, ref)
        if participant is None:
            participant = ParentParticipant(ref=ref)
        elif participant.course_id != fields["course"].pk:
            raise c.Problem("parent_course_ref",
                            "the participant already belongs to another course")
        outcome = c.save(participant, fields, {"course": "parent_course_ref"})
        ctx.refs["participant"][ref] = participant
        return outcome


class ParentFollowupsFile(c.CsvFile):
    """One answered (or unanswered) survey per row; an empty answer is "not answered"."""

    name = "parent_followups.csv"
    key = ""  # a participant has two rows, one per survey: pairs are checked below
    required = ("participant_ref", "when")
    optional = ("child_use", "uses_new_options")

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        participant = r.refer("participant_ref", "participant",
                              lambda ref: find_participant(ctx.service, ref))
        when = r.choice("when", ParentFollowup.When, required=True)
        items = {item.code: item for item in PARENT_FOLLOWUP.items}
        given = {code: r.choice(code, items[code].options)
                 for code in ("child_use", "uses_new_options")}
        r.check()
        seen = ctx.refs["parent_followup"]
        if (participant.pk, when) in seen:
            raise c.Problem("when", f"{when!r} of {participant.ref!r} appears twice")
        seen[(participant.pk, when)] = True
        survey = ParentFollowup.objects.filter(participant=participant, when=when).first()
        if survey is None:
            survey = ParentFollowup(participant=participant, when=when,
                                    due_date=participant.course.survey_due(when))
        # The file has no comment column: a comment already stored is kept.
        answers = PARENT_FOLLOWUP.clean({**{k: v or None for k, v in given.items()},
                                         "comment": survey.answers.get("comment")})
        if survey.is_answered and survey.answers == answers:
            return "unchanged"
        return c.save(survey, {"answers": answers, "source": ParentFollowup.Source.IMPORT,
                               "closed_at": None}, {"participant": "participant_ref"},
                      changed=True)
