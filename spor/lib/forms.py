from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe


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
            if isinstance(field, forms.DateField) and not isinstance(field.widget, DateInput):
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


# Widgets drawn in Python, for the forms filled in most often (the session form): Django
# draws a widget through its template engine, one template per option, which was 4 ms of
# the session form's 11. These write the HTML of Django's own templates
# (django/forms/widgets/*.html), byte for byte; spor/tests/test_widgets.py compares.

def _attrs(attrs):
    return "".join(f" {escape(name)}" if value is True else
                   f' {escape(name)}="{conditional_escape(str(value))}"'
                   for name, value in attrs.items() if value is not False)


def _input(widget):
    value = "" if widget["value"] is None else \
        f' value="{conditional_escape(str(widget["value"]))}"'
    return (f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"'
            f'{value}{_attrs(widget["attrs"])}>')


class PythonRendered:
    """Draws the widget with html() instead of its template (which it must match)."""

    def _render(self, template_name, context, renderer=None):
        return mark_safe(self.html(context["widget"]))  # noqa: S308 (html() escapes)


class TextInput(PythonRendered, forms.TextInput):
    html = staticmethod(_input)


class NumberInput(PythonRendered, forms.NumberInput):
    html = staticmethod(_input)


class FastDateInput(PythonRendered, DateInput):
    html = staticmethod(_input)


class Textarea(PythonRendered, forms.Textarea):
    @staticmethod
    def html(widget):
        value = conditional_escape(widget["value"]) if widget["value"] else ""
        return (f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
                f"{value}</textarea>")


class Select(PythonRendered, forms.Select):
    @staticmethod
    def html(widget):
        out = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group, options, _index in widget["optgroups"]:
            if group:
                out.append(f'\n  <optgroup label="{conditional_escape(group)}">')
            out += [f'\n  <option value="{conditional_escape(str(o["value"]))}"'
                    f'{_attrs(o["attrs"])}>{conditional_escape(o["label"])}</option>\n'
                    for o in options]
            if group:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return "".join(out)


class CheckboxSelectMultiple(PythonRendered, forms.CheckboxSelectMultiple):
    @staticmethod
    def html(widget):
        attrs = widget["attrs"]
        out = ["<div", f' id="{conditional_escape(attrs["id"])}"' if attrs.get("id") else "",
               f' class="{conditional_escape(attrs["class"])}"' if attrs.get("class") else "",
               ">"]
        for group, options, _index in widget["optgroups"]:
            if group:
                out.append(f"\n  <div><label>{conditional_escape(group)}</label>")
            for o in options:
                for_id = o["attrs"].get("id")
                label_for = f' for="{conditional_escape(for_id)}"' if for_id else ""
                out.append(f"<div>\n    <label{label_for}>{_input(o)}\n"
                           f" {conditional_escape(o['label'])}</label>\n\n</div>")
            if group:
                out.append("\n  </div>")
        out.append("\n</div>")
        return "".join(out)
