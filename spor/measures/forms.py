from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from spor.lib.dates import not_in_future, today
from spor.lib.forms import ModelForm
from spor.measures import instruments
from spor.measures.models import AlarmResponse, AllianceRule, Licence, Norm, PlanChange, Rating


def session_measures(kind=None):
    return [(i.code, str(i.title)) for i in instruments.REGISTRY.values()
            if i.is_session_measure and (kind is None or i.kind == kind)]


class InviteForm(forms.Form):
    """Which measure, rated by whom, for a hand-over or a personal link."""

    instrument = forms.ChoiceField(label=_("measure"))
    rater = forms.ChoiceField(label=_("rated by"), choices=Rating.Rater.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = session_measures()


class PaperForm(forms.Form):
    """Scores copied from a paper form: who rated, and each line as the ruler measured it
    (0–10 cm, one decimal)."""

    # Chosen by a link above the form: the lines' wording follows who rated.
    rater = forms.ChoiceField(label=_("rated by"), choices=Rating.Rater.choices,
                              widget=forms.HiddenInput)

    def __init__(self, *args, definition, rater, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for scale in definition.scales:
            self.fields[scale.code] = forms.DecimalField(
                label=str(scale.label_for(rater)), min_value=0, max_value=10, decimal_places=1,
                max_digits=3, help_text=_("centimetres from the left end, 0–10"),
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))

    def clean(self):
        data = super().clean()
        answers = {s.code: data.get(s.code) for s in self.definition.scales}
        if all(v is not None for v in answers.values()):
            try:
                self.answers = self.definition.clean(answers)
            except ValidationError as e:
                for field, messages in e.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data


class PlanChangeForm(ModelForm):
    class Meta:
        model = PlanChange
        fields = ["note"]


class LicenceForm(ModelForm):
    class Meta:
        model = Licence
        fields = ["holder", "reference", "granted_on", "valid_until"]

    def __init__(self, *args, service, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service, self.instance.recorded_by = service, user
        self.initial.setdefault("granted_on", today())


class AllianceRuleForm(ModelForm):
    class Meta:
        model = AllianceRule
        fields = ["total_below", "item_below", "drop_by", "source"]
        widgets = {"source": forms.Textarea(attrs={"rows": 3})}


class BaseNormFormSet(BaseModelFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        bands = sorted(
            (f.cleaned_data["min_age"], f.cleaned_data.get("max_age"))
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE"))
        if not bands:
            raise ValidationError(_("Keep at least one age band."))
        for (low, high), (next_low, _next_high) in zip(bands, bands[1:], strict=False):
            if high is None or high >= next_low:
                raise ValidationError(_("The age bands %(a)s and %(b)s overlap.") % {
                    "a": f"{low}–{high if high is not None else ''}", "b": next_low})


NormFormSet = modelformset_factory(
    Norm, formset=BaseNormFormSet, fields=["min_age", "max_age", "cutoff", "reliable_change",
                                           "source"],
    extra=1, can_delete=True,
    widgets={"source": forms.Textarea(attrs={"rows": 2})})


class ModelFileForm(forms.Form):
    file = forms.FileField(label=_("trajectory model (JSON)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = "application/json,.json"



class AlarmResponseForm(ModelForm):
    """What was done about one of a course's open alarms, and when. `alarms` are the
    course's open alarms (alarms.OpenAlarm); the one answered is chosen by its key."""

    alarm = forms.ChoiceField(label=_("alarm"))

    class Meta:
        model = AlarmResponse
        fields = ["alarm", "action", "responded_on", "note"]
        widgets = {"action": forms.RadioSelect}

    def __init__(self, *args, alarms, by_team=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.alarms = {a.key: a for a in alarms}
        self.fields["alarm"].choices = [(a.key, a.message) for a in alarms]
        if len(alarms) == 1 and not self.initial.get("alarm"):
            self.initial["alarm"] = alarms[0].key
        if not self.initial.get("responded_on"):
            self.initial["responded_on"] = today()
        self.instance.by_team = by_team
        self.fields["action"].choices = [  # radios: no empty choice
            c for c in AlarmResponse.Action.choices
            if not (by_team and c[0] == AlarmResponse.Action.TEAM)]
        if by_team:
            self.fields["note"].label = _("what the team decided")
            self.fields["note"].required = True
        self.fields["responded_on"].validators.append(not_in_future)

    def clean(self):
        data = super().clean()
        chosen = self.alarms.get(data.get("alarm"))
        if chosen is not None:
            self.instance.kind, self.instance.session = chosen.kind, chosen.session
        return data
