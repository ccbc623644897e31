"""Parent courses, the day team, outreach and consultancy: one module per programme."""

from spor.programmes.models.consultancy import CaseConference, ConferenceCase, ConsultancyActivity
from spor.programmes.models.dayteam import (
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    TeachingWeek,
    TimetableSlot,
)
from spor.programmes.models.outreach import FundingSource, Grant, OutreachContact, Volunteer
from spor.programmes.models.parents import (
    ParentAttendance,
    ParentCourse,
    ParentEvening,
    ParentFollowup,
    ParentParticipant,
    ParticipantAccessLog,
    log_participant_access,
)

__all__ = [
    "CaseConference", "ConferenceCase", "ConsultancyActivity", "DayTeamAttendance",
    "DayTeamEnrolment", "Exam", "FundingSource", "Grant", "OutreachContact",
    "ParentAttendance", "ParentCourse", "ParentEvening", "ParentFollowup", "ParentParticipant",
    "ParticipantAccessLog", "TeachingWeek", "TimetableSlot", "Volunteer",
    "log_participant_access",
]
