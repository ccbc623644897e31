"""Questionnaires as definitions in code: items, wording in Danish and English, scoring.

A new questionnaire is a new `Instrument` in `REGISTRY`, not new tables or views: answers
are validated by `Instrument.clean(answers)` and stored as a JSON object keyed by item
code, and forms are built from the definition by `Instrument.form_class()`.
"""

import dataclasses
import decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language


@dataclasses.dataclass(frozen=True)
class Text:
    """Wording in both languages; Danish is the default."""

    da: str
    en: str

    def __str__(self):
        return self.en if (get_language() or "da").startswith("en") else self.da


@dataclasses.dataclass(frozen=True)
class Scale:
    """A visual analogue line scored 0–10 with one decimal, with an anchor at each end."""

    code: str
    label: Text
    low: Text
    high: Text
    required: bool = True

    def clean(self, value):
        if value is None or value == "":
            if self.required:
                raise ValidationError({self.code: "a mark on the line is required"})
            return None
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            raise ValidationError({self.code: f"{value!r} is not a number"}) from None
        if not number.is_finite() or not 0 <= number <= 10:
            raise ValidationError({self.code: "must be between 0 and 10"})
        if number != number.quantize(decimal.Decimal("0.1")):
            raise ValidationError({self.code: "at most one decimal"})
        return float(number)

    def form_field(self):
        return forms.DecimalField(label=str(self.label), min_value=0, max_value=10,
                                  decimal_places=1, required=self.required)


@dataclasses.dataclass(frozen=True)
class Choice:
    """One answer from a list. Not answered (None) is kept apart from "don't know"."""

    code: str
    label: Text
    options: tuple  # ((value, Text), ...)
    required: bool = False

    def clean(self, value):
        if value is None or value == "":
            if self.required:
                raise ValidationError({self.code: "an answer is required"})
            return None
        if value not in [v for v, _label in self.options]:
            allowed = ", ".join(v for v, _label in self.options)
            raise ValidationError({self.code: f"{value!r} is not one of {allowed}"})
        return value

    def form_field(self):
        return forms.ChoiceField(label=str(self.label), required=self.required,
                                 widget=forms.RadioSelect,
                                 choices=[(v, str(label)) for v, label in self.options])


@dataclasses.dataclass(frozen=True)
class FreeText:
    code: str
    label: Text
    max_length: int = 2000
    required: bool = False

    def clean(self, value):
        value = (value or "").strip()
        if self.required and not value:
            raise ValidationError({self.code: "an answer is required"})
        if len(value) > self.max_length:
            raise ValidationError({self.code: f"at most {self.max_length} characters"})
        return value or None

    def form_field(self):
        return forms.CharField(label=str(self.label), required=self.required,
                               max_length=self.max_length,
                               widget=forms.Textarea(attrs={"rows": 3}))


@dataclasses.dataclass(frozen=True)
class Instrument:
    code: str
    title: Text
    items: tuple
    kind: str = "survey"  # "outcome", "alliance" or "survey"
    intro: Text | None = None
    source: str = ""

    @property
    def scales(self):
        return [item for item in self.items if isinstance(item, Scale)]

    def clean(self, answers: dict) -> dict:
        """Validated answers keyed by item code; unknown items and bad values are errors."""
        if not isinstance(answers, dict):
            raise ValidationError("answers must be an object keyed by item code")
        codes = {item.code for item in self.items}
        errors = {code: "unknown item" for code in answers if code not in codes}
        cleaned = {}
        for item in self.items:
            try:
                cleaned[item.code] = item.clean(answers.get(item.code))
            except ValidationError as e:
                errors.update(e.message_dict)
        if errors:
            raise ValidationError({k: v if isinstance(v, list) else [v]
                                   for k, v in errors.items()})
        return cleaned

    def score(self, answers: dict) -> float | None:
        """Total of the scales (0–40 for the four-line measures), None without scales."""
        values = [answers.get(item.code) for item in self.scales]
        if not values or any(v is None for v in values):
            return None
        return round(sum(values), 1)

    def form_class(self):
        fields = {item.code: item.form_field() for item in self.items}
        return type(f"{self.code}Form", (forms.Form,), fields)


REGISTRY: dict[str, Instrument] = {}


def register(instrument: Instrument) -> Instrument:
    REGISTRY[instrument.code] = instrument
    return instrument


def get(code: str) -> Instrument:
    return REGISTRY[code]


CHILD_USE = (
    ("unchanged", Text("Uændret", "Unchanged")),
    ("larger", Text("Blevet større", "Larger")),
    ("smaller", Text("Blevet mindre", "Smaller")),
    ("stopped", Text("Ophørt", "Stopped")),
    ("dont_know", Text("Ved ikke", "Don't know")),
)
YES_NO_DONT_KNOW = (
    ("yes", Text("Ja", "Yes")),
    ("no", Text("Nej", "No")),
    ("dont_know", Text("Ved ikke", "Don't know")),
)

PARENT_FOLLOWUP = register(Instrument(
    code="PARENT_FOLLOWUP",
    kind="survey",
    title=Text("Opfølgning på forældreforløbet", "Parent course follow-up"),
    intro=Text("Tak fordi du vil svare. Dine svar hjælper os med at gøre forældreaftenerne "
               "bedre.",
               "Thank you for answering. Your answers help us make the parent evenings "
               "better."),
    items=(
        Choice("child_use", Text("Har din søns eller datters forbrug af rusmidler ændret sig?",
                                 "Has your son's or daughter's use of substances changed?"),
               CHILD_USE),
        Choice("uses_new_options",
               Text("Bruger du stadig de nye handlemuligheder, du lærte?",
                    "Do you still use the new ways of acting you learned?"),
               YES_NO_DONT_KNOW),
        FreeText("comment", Text("Kommentar", "Comment")),
    ),
))
