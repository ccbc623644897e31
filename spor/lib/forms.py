from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ModelForm(forms.ModelForm):
    """A ModelForm with native date pickers whose model errors always name a field.

    Model.clean() may raise errors for fields the form does not show; they are kept as
    form-wide errors that start with the field's name instead of crashing the form.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            moved = []
            for name in [n for n in errors.error_dict if n != NON_FIELD_ERRORS]:
                if name not in self.fields:
                    label = self._meta.model._meta.get_field(name).verbose_name \
                        if name in {f.name for f in self._meta.model._meta.fields} else name
                    moved += [ValidationError(f"{str(label).capitalize()}: {m}")
                              for e in errors.error_dict.pop(name) for m in e.messages]
            if moved:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(moved)
        super()._update_errors(errors)
