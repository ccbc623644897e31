import dataclasses
import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import BaseModelFormSet
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import Team, User
from spor.clients.models import Client
from spor.lib import grid
from spor.lib.dates import not_in_future, today
from spor.lib.forms import DateInput, ModelForm
from spor.programmes.models import (
    CaseConference,
    ConferenceCase,
    ConsultancyActivity,
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    FundingSource,
    Grant,
    OutreachContact,
    ParentAttendance,
    ParentCourse,
    ParentEvening,
    ParentParticipant,
    TeachingWeek,
    TimetableSlot,
    Volunteer,
)
from spor.programmes.models.common import teams_of_kind
from spor.programmes.survey import PARENT_FOLLOWUP
from spor.treatment.models import Course


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def staff_of(service):
    return User.objects.filter(service=service, is_active=True, role__in=User.CLIENT_ROLES)


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.birth_year})"


# Parent courses ---------------------------------------------------------------------

class ParentCourseForm(ModelForm):
    class Meta:
        model = ParentCourse
        fields = ["name", "team", "start_date", "end_date", "staff", "note"]
        widgets = {"staff": forms.CheckboxSelectMultiple,
                   "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        course = self.instance
        if course._state.adding:
            course.service = user.service
            del self.fields["end_date"]
            self.fields["start_date"].help_text = _(
                "The other evenings are planned weekly from here, with the follow-up "
                "evening after them; you can change every date afterwards.")
        elif course.evenings.exists():
            # The evenings decide the dates; they are changed on the course page.
            del self.fields["start_date"], self.fields["end_date"]
        self.fields["team"].queryset = teams_of_kind(user, Team.Kind.PARENTS)
        self.fields["staff"].queryset = staff_of(course.service)


class EveningForm(ModelForm):
    class Meta:
        model = ParentEvening
        fields = ["date", "followup"]


class BaseEveningFormSet(BaseModelFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() and form.instance._state.adding:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            day = form.cleaned_data.get("date")
            if day in seen:
                form.add_error("date", _("Two evenings on the same day."))
            seen.add(day)


EveningFormSet = forms.modelformset_factory(
    ParentEvening, form=EveningForm, formset=BaseEveningFormSet, extra=1, can_delete=True)


class ParticipantForm(ModelForm):
    """A participant; the young person is linked by a search, never chosen from a list of
    names, so that the form shows no young person the user did not ask for."""

    find_young_person = forms.CharField(
        label=_("link to a young person in Spor"), required=False, max_length=100,
        help_text=_("Optional, and only if the young person is registered here: their full "
                    "CPR number, or their name. Leave empty otherwise."))
    unlink = forms.BooleanField(label=_("remove the link to the young person"),
                                required=False)

    class Meta:
        model = ParentParticipant
        fields = ["name", "relation", "phone", "email", "young_person_age",
                  "young_person_gender"]

    def __init__(self, *args, course, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.course = course
        self.user = user
        self.fields["relation"].required = True
        self.linked = None
        if self.instance.young_person_id:
            self.linked = Client.objects.visible_to(user).filter(
                pk=self.instance.young_person_id).first()
            self.fields["find_young_person"].label = _("link to another young person")
        else:
            del self.fields["unlink"]

    def clean_find_young_person(self):
        text = self.cleaned_data["find_young_person"].strip()
        self.found = None
        if not text:
            return text
        matches = list(Client.objects.visible_to(self.user).filter(anonymous=False)
                       .search(text)[:2])
        if not matches:
            raise ValidationError(_("No registered young person you may see matches. Leave "
                                    "the field empty if they are not registered here."))
        if len(matches) > 1:
            raise ValidationError(_("Several young people match: give the full CPR number."))
        self.found = matches[0]
        return text

    def save(self, commit=True):
        participant = super().save(commit=False)
        if self.cleaned_data.get("unlink"):
            participant.young_person = None
        if getattr(self, "found", None):
            participant.young_person = self.found
        if commit:
            participant.save()
        return participant


SURVEY_NOT_ANSWERED = _("Not answered")


def survey_form_class(staff: bool):
    """The PARENT_FOLLOWUP questionnaire as a form; for staff with the answer date and an
    explicit "not answered" option, since a chosen radio button cannot be unchosen."""
    base = PARENT_FOLLOWUP.form_class()
    if not staff:
        return base

    class StaffSurveyForm(base):
        answered_on = forms.DateField(label=_("answered on"), widget=DateInput(),
                                      validators=[not_in_future])

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                if isinstance(field, forms.ChoiceField) and not field.required:
                    field.choices = [("", SURVEY_NOT_ANSWERED), *field.choices]

        def answers(self):
            return {k: v for k, v in self.cleaned_data.items() if k != "answered_on"}

    return StaffSurveyForm


# Day team -------------------------------------------------------------------------------

def day_team_candidates(user):
    """Identified young people the user sees, who belong to the day team or have an
    active day team course."""
    return (Client.objects.visible_to(user).filter(anonymous=False)
            .filter(Q(team__kind=Team.Kind.DAY_TEAM)
                    | Q(pk__in=Course.objects.filter(kind=Course.Kind.DAY_TEAM,
                                                     end_date__isnull=True).values("client")))
            .order_by("first_name", "last_name"))


class EnrolmentForm(ModelForm):
    class Meta:
        model = DayTeamEnrolment
        fields = ["client", "start_date", "end_date", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.fields["client"] = ClientChoiceField(
                queryset=day_team_candidates(user), label=_("young person"),
                help_text=_("Young people of the day team, or with an active day team "
                            "course, whom you may see."))
        else:
            del self.fields["client"]


class ExamForm(ModelForm):
    class Meta:
        model = Exam
        fields = ["subject", "form", "exam_date", "grade"]

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.enrolment = enrolment
        self.fields["grade"].help_text = _("The 7-point scale. Empty until the result is known.")


class TimetableSlotForm(ModelForm):
    class Meta:
        model = TimetableSlot
        fields = ["weekday", "starts", "ends", "activity", "label"]
        widgets = {"starts": TimeInput(), "ends": TimeInput()}

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service


# Outreach -------------------------------------------------------------------------------

class OutreachContactForm(ModelForm):
    class Meta:
        model = OutreachContact
        fields = ["date", "place_kind", "place", "staff", "volunteers", "other_volunteers",
                  "young_people", "families", "referrals_service", "referrals_other",
                  "hours", "funding", "note"]
        widgets = {"staff": forms.CheckboxSelectMultiple,
                   "volunteers": forms.CheckboxSelectMultiple,
                   "funding": forms.CheckboxSelectMultiple,
                   "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        contact = self.instance
        contact.service = service
        self.fields["staff"].queryset = staff_of(service)
        chosen = (Volunteer.objects.none() if contact._state.adding
                  else contact.volunteers.all())
        self.fields["volunteers"].queryset = Volunteer.objects.filter(
            Q(active=True) | Q(pk__in=chosen.values("pk")), service=service)
        self.fields["funding"].queryset = FundingSource.objects.filter(service=service)
        if contact._state.adding and "funding" not in self.initial:
            self.initial["funding"] = list(OutreachContact.sources_on(service, today()))

    def clean(self):
        data = super().clean()
        if not (data.get("staff") or data.get("volunteers") or data.get("other_volunteers")):
            self.add_error("staff", _("Say who went: staff, volunteers or both."))
        return data


class VolunteerForm(ModelForm):
    class Meta:
        model = Volunteer
        fields = ["name", "active"]

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service


class FundingSourceForm(ModelForm):
    class Meta:
        model = FundingSource
        fields = ["name", "kind", "giver", "reference"]

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service


class GrantForm(ModelForm):
    class Meta:
        model = Grant
        fields = ["starts", "ends", "amount", "note"]


GrantFormSet = forms.inlineformset_factory(FundingSource, Grant, form=GrantForm, extra=1,
                                           can_delete=True)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("from"), widget=DateInput())
    end = forms.DateField(label=_("to"), widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it begins."))
        elif start and end and (end - start).days > 3 * 366:
            self.add_error("end", _("Choose a period of at most three years."))
        return data


# Consultancy ---------------------------------------------------------------------------

class ConsultancyActivityForm(ModelForm):
    class Meta:
        model = ConsultancyActivity
        fields = ["date", "kind", "partner", "hours", "attendees", "staff", "topic"]
        widgets = {"staff": forms.CheckboxSelectMultiple,
                   "partner": forms.TextInput(attrs={"list": "partners"})}

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service
        self.fields["staff"].queryset = staff_of(service)


class CaseConferenceForm(ModelForm):
    class Meta:
        model = CaseConference
        fields = ["date", "units_present"]
        widgets = {"units_present": forms.TextInput(attrs={"list": "units"})}

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service


class ConferenceCaseForm(ModelForm):
    class Meta:
        model = ConferenceCase
        fields = ["summary", "advice"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}),
                   "advice": forms.Textarea(attrs={"rows": 3})}


CaseFormSet = forms.inlineformset_factory(CaseConference, ConferenceCase,
                                          form=ConferenceCaseForm, extra=3, can_delete=True)


def week_of(value: str | None) -> datetime.date:
    """The Monday of the week given as YYYY-MM-DD, or of this week."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        day = today()
    return day - datetime.timedelta(days=day.weekday())


@dataclasses.dataclass
class AttendanceCell(grid.Cell):
    """One young person's weekday in the week grid (see spor.lib.grid)."""

    enrolment: object = None
    found: object = None  # the DayTeamAttendance stored for the day, if any
    label: str = ""
    field: object = None  # the bound form field of an open cell, for the template


def week_rows(enrolments, days, may_edit: bool) -> list[dict]:
    """A row per place and a cell per weekday of `days` [(label, day)]; a cell is open to
    one who may edit, on a day the place runs, up to today."""
    existing = {(a.enrolment_id, a.date): a for a in DayTeamAttendance.objects.filter(
        enrolment__in=enrolments, date__gte=days[0][1], date__lte=days[-1][1])}
    now = today()
    return [{"enrolment": enrolment, "cells": [
        AttendanceCell(day, f"s_{enrolment.pk.hex}_{i}", enrolment=enrolment,
                       found=existing.get((enrolment.pk, day)),
                       label=f"{enrolment.client.display_name}, {label}",
                       open=may_edit and enrolment.is_active_on(day) and day <= now)
        for i, (label, day) in enumerate(days)]} for enrolment in enrolments]


class WeekForm(forms.Form):
    """A day team week: the attendance grid (one field per open cell of `rows`, see
    week_rows) and the week's teaching hours."""

    hours = forms.DecimalField(label=_("teaching hours this week"), required=False,
                               min_value=0, max_value=40, decimal_places=1,
                               widget=forms.NumberInput(attrs={"step": "0.1", "class": "narrow"}))

    def __init__(self, *args, rows, teaching, **kwargs):
        super().__init__(*args, initial={"hours": teaching.hours if teaching else None},
                         **kwargs)
        self.teaching = teaching
        self.cells = [cell for row in rows for cell in row["cells"] if cell.open]
        for cell in self.cells:
            self.fields[cell.name] = forms.ChoiceField(
                label=cell.label, required=False,
                initial=cell.found.status if cell.found else "",
                choices=[("", "–"), *DayTeamAttendance.Status.choices])

    def save(self, service, monday: datetime.date) -> None:
        """Write what changed, in one transaction the caller opens."""
        data = self.cleaned_data
        grid.write(DayTeamAttendance,
                   stored={c.name: c.found for c in self.cells if c.found is not None},
                   wanted={c.name: DayTeamAttendance(enrolment=c.enrolment, date=c.day,
                                                     status=data[c.name])
                           if data.get(c.name) else None for c in self.cells},
                   compare=("status",))
        hours = data.get("hours")
        if hours is None and self.teaching is not None:
            self.teaching.delete()
        elif hours is not None:
            TeachingWeek.objects.update_or_create(service=service, monday=monday,
                                                  defaults={"hours": hours})


class AttendanceForm(forms.Form):
    """Who came on which evening of a parent course held so far, the whole grid at once: a
    checkbox per participant and evening, named "a:<participant>:<evening>". Evenings
    still to come have no cell, so a tick for one is ignored as an unknown field."""

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        evenings = list(course.evenings.filter(date__lte=today()))
        self.cells = {f"a:{p.pk}:{e.pk}": (p, e)
                      for p in course.participants.all() for e in evenings}
        for name in self.cells:
            self.fields[name] = forms.BooleanField(required=False)
        self.evenings = evenings

    def save(self) -> None:
        """Write what changed, in one transaction the caller opens."""
        grid.write(ParentAttendance,
                   stored={f"a:{a.participant_id}:{a.evening_id}": a for a in
                           ParentAttendance.objects.filter(evening__in=self.evenings)},
                   wanted={name: ParentAttendance(participant=p, evening=e)
                           if self.cleaned_data[name] else None
                           for name, (p, e) in self.cells.items()},
                   compare=())
