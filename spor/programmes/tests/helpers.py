"""The programmes' part of the cast, on top of the personas of spor/lib/testing.py.

Carl also works in the parent course team and Alice in the outreach team; Bob and Tina
are the day team. Parents: Pia Petersen (Ida's mother at the course, linked to Ida) and
Per Poulsen (whose son is not a client).
"""

import datetime

from django.core.exceptions import ValidationError

from spor.accounts.models import Team
from spor.lib.testing import PersonaTestCase
from spor.programmes.models import DayTeamEnrolment, Exam, ParentCourse, ParentParticipant


def errors_of(obj) -> set:
    try:
        obj.full_clean()
    except ValidationError as e:
        return set(e.message_dict)
    return set()


def make_parent_course(service, team, start, **fields) -> ParentCourse:
    course = ParentCourse.objects.create(service=service, team=team, start_date=start,
                                         **fields)
    course.plan_evenings()
    return course


class ProgrammePersonas:
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.team_p = Team.objects.create(service=cls.service, name="Forældreaftener",
                                         kind=Team.Kind.PARENTS)
        cls.team_o = Team.objects.create(service=cls.service, name="Opsøgende team",
                                         kind=Team.Kind.OUTREACH)
        cls.carl.teams.add(cls.team_p)
        cls.alice.teams.add(cls.team_o)
        # Four Tuesdays from 3 March 2026 and a follow-up evening four weeks later, 21 April.
        cls.course = make_parent_course(cls.service, cls.team_p, datetime.date(2026, 3, 3),
                                        name="Forår 2026")
        cls.pia = ParentParticipant.objects.create(
            course=cls.course, name="Pia Petersen", relation="mother", phone="22334455",
            young_person=cls.ida)
        cls.per = ParentParticipant.objects.create(
            course=cls.course, name="Per Poulsen", relation="father", young_person_age=16,
            young_person_gender="male")


class ProgrammeTestCase(ProgrammePersonas, PersonaTestCase):
    pass


# For the outsider test of spor/clients/tests: Ida's day team place and her exam, made
# on first use so that the shared test needs no fixture of this app.

def ida_enrolment(t) -> DayTeamEnrolment:
    enrolment, _ = DayTeamEnrolment.objects.get_or_create(
        client=t.ida, defaults={"start_date": datetime.date(2026, 2, 2)})
    return enrolment


def ida_exam(t) -> Exam:
    exam, _ = Exam.objects.get_or_create(enrolment=ida_enrolment(t), subject="danish",
                                         form="written")
    return exam
