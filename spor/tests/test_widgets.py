"""The widgets drawn in Python write exactly the HTML of Django's templates."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from spor.lib import forms as ours

CHOICES = [("a", "A & <b>"), ("", "---------"), (3, gettext_lazy("Yes")), ("q\"'", "Q")]
GROUPED = [("x", "X"), ("Group <1>", [("g1", "G1"), ("g2", "G2")]), ("y", "Y")]

CASES = [
    # (ours, Django's, constructor arguments, (value, attrs)...)
    (ours.TextInput, forms.TextInput, {"attrs": {"maxlength": 200}},
     [(None, {"id": "id_t"}), ("<script>&", {"id": "id_t", "required": True}),
      (mark_safe("&amp;"), {"disabled": False, "data-x": 'a"b'}), ("", None)]),
    (ours.NumberInput, forms.NumberInput, {"attrs": {"min": 0}},
     [(None, {"id": "id_n"}), (45, {"id": "id_n", "required": True}), ("x", None)]),
    (ours.FastDateInput, ours.DateInput, {},
     [(None, {"id": "id_d", "required": True}), ("2026-01-05", None),
      (__import__("datetime").date(2026, 1, 5), {"id": "id_d"}), ("nonsense", None)]),
    (ours.Textarea, forms.Textarea, {"attrs": {"rows": 3}},
     [(None, {"id": "id_x"}), ("", None), ("line 1\n<line 2> & 'q'", {"id": "id_x"})]),
    (ours.Select, forms.Select, {"choices": CHOICES},
     [(None, {"id": "id_s"}), ("a", {"id": "id_s", "required": True}), (3, None),
      ("nothing", None), ('q"\'', {"class": "c"})]),
    (ours.Select, forms.Select, {"choices": GROUPED}, [("g2", {"id": "id_s"}), (None, None)]),
    (ours.CheckboxSelectMultiple, forms.CheckboxSelectMultiple, {"choices": CHOICES},
     [(None, {"id": "id_c"}), (["a", "3"], {"id": "id_c", "class": "cls"}), ([], None),
      (["", 'q"\''], {"id": "id_c", "required": True})]),
    (ours.CheckboxSelectMultiple, forms.CheckboxSelectMultiple, {"choices": GROUPED},
     [(["g1", "y"], {"id": "id_c"}), (None, None)]),
]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(("fast", "django", "kwargs", "values"), CASES)
def test_same_html_as_the_templates(fast, django, kwargs, values, language):
    with override(language):
        for value, attrs in values:
            expected = django(**kwargs).render("name<&>", value, attrs)
            assert fast(**kwargs).render("name<&>", value, attrs) == expected


def test_the_session_form_uses_them():
    from spor.treatment.forms import SessionForm

    for name, field in SessionForm.base_fields.items():
        assert isinstance(field.widget, ours.PythonRendered), name
