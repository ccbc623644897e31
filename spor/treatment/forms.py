from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import Team, User
from spor.lib import forms as widgets
from spor.lib.dates import today
from spor.lib.forms import ModelForm
from spor.treatment.models import Course, FollowUp, Goal, Session, Substance


class CourseForm(ModelForm):
    secondary_substances = forms.MultipleChoiceField(
        label=_("other substances"), choices=Substance.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Up to four."))

    class Meta:
        model = Course
        fields = ["kind", "team", "clinician", "request_date", "start_date", "referral",
                  "main_substance", "secondary_substances", "occupation_at_start",
                  "end_date", "end_reason", "outcome", "occupation_at_end"]

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.client = client
        service = client.service
        self.fields["team"].queryset = Team.objects.filter(service=service)
        self.fields["clinician"].queryset = User.objects.filter(
            service=service, is_active=True, role__in=User.CLIENT_ROLES)
        if client.anonymous:
            self.fields["kind"].choices = [(Course.Kind.ANONYMOUS, Course.Kind.ANONYMOUS.label)]
            self.fields["kind"].help_text = _(
                "To enrol the young person in a course, first record who they are.")


class SessionForm(ModelForm):
    class Meta:
        model = Session
        fields = ["date", "kind", "attendance", "duration_min", "staff", "participants",
                  "others_present", "note"]
        # Drawn in Python: the form of every session, its checkboxes the slowest part.
        widgets = {"date": widgets.FastDateInput, "kind": widgets.Select,
                   "attendance": widgets.Select, "duration_min": widgets.NumberInput,
                   "staff": widgets.CheckboxSelectMultiple,
                   "participants": widgets.CheckboxSelectMultiple,
                   "others_present": widgets.TextInput,
                   "note": widgets.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.course = course
        # Staff present: the course's team and clinician, whoever registers the session
        # and whoever was recorded on it before, not every colleague of the service.
        recorded = [getattr(user, "pk", user) for user in self.initial.get("staff") or []]
        self.fields["staff"].queryset = User.objects.filter(
            Q(teams=course.team_id) | Q(pk=course.clinician_id) | Q(pk__in=recorded),
            service=course.client.service, is_active=True,
            role__in=User.CLIENT_ROLES).distinct()
        self.fields["participants"].queryset = course.client.relatives.all()
        if self.instance._state.adding and not self.initial.get("date"):
            self.initial["date"] = today()

    def clean(self):
        data = super().clean()
        self.instance.attendance = data.get("attendance") or self.instance.attendance
        try:
            self.instance.check_anonymous_limit()
        except ValidationError as e:
            self.add_error(None, e)
        return data

    def save(self, commit=True):
        self.created = self.instance._state.adding
        session = super().save(commit)
        if commit:
            session.start_course_if_waiting()
        return session

    def _save_m2m(self):
        if not self.created:
            return super()._save_m2m()
        # A session just made has no staff or participants yet: they are added, without
        # first reading the empty lists that set() would compare them with.
        for field in self.instance._meta.many_to_many:
            if self.cleaned_data.get(field.name):
                getattr(self.instance, field.name).add(*self.cleaned_data[field.name])


class GoalForm(ModelForm):
    class Meta:
        model = Goal
        fields = ["text", "set_on", "status"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.course = course


class FollowUpForm(ModelForm):
    class Meta:
        model = FollowUp
        fields = ["months", "observed_on", "use", "occupation", "note"]

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.course = course


class DecisionForm(ModelForm):
    """The decision taken with the young person when the anonymous sessions run out."""

    class Meta:
        model = Course
        fields = ["decision", "decision_parents", "decision_note"]
        widgets = {"decision": forms.RadioSelect, "decision_parents": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].required = True
        self.fields["decision"].choices = Course.Decision.choices
        self.fields["decision_parents"].choices = Course.Parents.choices
        self.parents_required = self.instance.parents_must_be_told()
        self.fields["decision_parents"].required = self.parents_required
        if self.parents_required:
            self.fields["decision_parents"].help_text = _(
                "The young person is under 18: parents must be informed or involved.")
        else:
            self.fields["decision_parents"].required = False
