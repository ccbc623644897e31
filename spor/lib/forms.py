from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


BIGGEST_ID = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no database column can hold as an unknown choice; the query for them
    would fail (OverflowError on SQLite) instead of finding nothing."""

    def _check_values(self, value):
        pk = self.queryset.model._meta.get_field(self.to_field_name or
                                                 self.queryset.model._meta.pk.name)
        if isinstance(pk, models.IntegerField):
            for v in value:
                try:
                    number = int(str(v))
                except ValueError:
                    continue  # not a number: refused by Django's own check
                if abs(number) > BIGGEST_ID:
                    raise ValidationError(self.error_messages["invalid_pk_value"],
                                          code="invalid_pk_value", params={"pk": v})
        return super()._check_values(value)


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a model field read as one list, kept for the form: Django reads them
    through iterator(), which on PostgreSQL is a cursor on the server, three round trips
    and a copy of the rows, for lists as short as a team's staff."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelForm(forms.ModelForm):
    """A ModelForm with native date pickers whose model errors always name a field, and
    whose model choices are read as lists (ListedChoiceIterator).

    Model.clean() may raise errors for fields the form does not show; they are kept as
    form-wide errors that start with the field's name instead of crashing the form.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            if type(field) is forms.ModelMultipleChoiceField:
                field.__class__ = ModelMultipleChoiceField
            if isinstance(field, forms.ModelChoiceField):
                field.iterator = ListedChoiceIterator

    def validate_unique(self):
        """Also check the constraints on fields the form sets itself (the service, the
        course): a second volunteer of the same name is refused with a message, not by
        the database."""
        super().validate_unique()
        exclude = self._get_validation_exclusions()
        context = {f.name for f in self.instance._meta.fields
                   if f.is_relation and f.name in exclude and f.name not in self.fields
                   and getattr(self.instance, f.attname) is not None}
        if context and not self._errors:
            try:
                self.instance.validate_constraints(exclude=exclude - context)
            except ValidationError as e:
                self._update_errors(e)

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
