from django import forms
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import Team
from spor.lib import forms as widgets
from spor.lib.dates import today
from spor.lib.forms import ModelForm
from spor.reports.models import NationalFigure


class ReportForm(forms.Form):
    # Drawn in Python (spor.lib.forms), the team's choices read as one list: the form is
    # drawn on every visit of the statistics page.
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100,
                              widget=widgets.NumberInput)
    compare = forms.IntegerField(label=_("compare with the year"), min_value=2000,
                                 max_value=2100, required=False, widget=widgets.NumberInput)
    team = forms.ModelChoiceField(label=_("team"), queryset=Team.objects.none(),
                                  required=False, empty_label=_("All teams"),
                                  widget=widgets.Select)
    start = forms.DateField(label=_("from"), required=False, widget=widgets.FastDateInput,
                            help_text=_("Optional: another period than the calendar year."))
    end = forms.DateField(label=_("to"), required=False, widget=widgets.FastDateInput)

    def __init__(self, data, service):
        data = data.copy() if data else {}
        data.setdefault("year", today().year - 1)
        super().__init__(data)
        self.fields["team"].iterator = widgets.ListedChoiceIterator  # before the queryset
        self.fields["team"].queryset = Team.objects.filter(service=service)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The period ends before it starts."))
        if bool(start) != bool(end):
            self.add_error("end" if start else "start", _("Give both ends of the period."))
        return data


class NationalFigureForm(ModelForm):
    class Meta:
        model = NationalFigure
        fields = ["year", "success_percent", "source", "note"]

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service
