"""Questionnaires as definitions in code: items, wording in Danish and English, scoring.

A new questionnaire is a new `Instrument` in `REGISTRY`, not new tables or views: answers
are validated by `Instrument.clean(answers)` and stored as a JSON object keyed by item
code, and forms are built from the definition by `Instrument.form_class()`.
"""

import dataclasses
import decimal
import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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
    # The line as a parent (or another person) rates it: about the young person, not "I".
    about: Text | None = None

    def label_for(self, rater: str) -> Text:
        """The wording for who rates: the young person's own, or `about` for the others."""
        return self.label if rater == "client" or self.about is None else self.about

    def clean(self, value):
        if value is None or value == "":
            if self.required:
                raise ValidationError({self.code: _("a mark on the line is required")})
            return None
        try:
            return mark(value if isinstance(value, str) else str(value))
        except ValidationError as e:
            raise ValidationError({self.code: e.messages}) from None

    def form_field(self):
        return forms.DecimalField(label=str(self.label), min_value=0, max_value=10,
                                  decimal_places=1, required=self.required)


@functools.lru_cache(maxsize=4096)
def mark(text: str) -> float:
    """A mark on a line, 0–10 with at most one decimal, from its text. Forms, the API and
    the import all give text, and the same few hundred marks come again and again: each
    is worked out once (a refused one raises every time, and is not kept)."""
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValidationError(_("%(value)r is not a number (use a point for decimals)") % {
            "value": text}) from None
    if not number.is_finite() or not 0 <= number <= 10:
        raise ValidationError(_("must be between 0 and 10"))
    if number != number.quantize(decimal.Decimal("0.1")):
        raise ValidationError(_("at most one decimal"))
    return float(number)


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
                raise ValidationError({self.code: _("an answer is required")})
            return None
        if value not in [v for v, _label in self.options]:
            allowed = ", ".join(v for v, _label in self.options)
            raise ValidationError({self.code: _("%(value)r is not one of %(allowed)s") % {
                "value": value, "allowed": allowed}})
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
            raise ValidationError({self.code: _("an answer is required")})
        if len(value) > self.max_length:
            raise ValidationError({self.code: _("at most %(n)s characters") % {
                "n": self.max_length}})
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
    # Copyrighted measures: the digital rating screens need the service's licence;
    # scores from paper can always be entered and imported.
    licensed: bool = False
    # The ages the measure is made for, inclusive; None is open-ended.
    min_age: int | None = None
    max_age: int | None = None
    # For group sessions (Group SRS).
    group: bool = False

    @functools.cached_property
    def scales(self) -> tuple:
        """The items scored on a line, worked out once per measure (the import asks for
        them on every rating)."""
        return tuple(item for item in self.items if isinstance(item, Scale))

    @functools.cached_property
    def codes(self) -> frozenset:
        return frozenset(item.code for item in self.items)

    @property
    def is_session_measure(self) -> bool:
        """Rated at a session: outcome at the start, alliance at the end."""
        return self.kind in ("outcome", "alliance")

    def suits(self, age: int) -> bool:
        return ((self.min_age is None or age >= self.min_age)
                and (self.max_age is None or age <= self.max_age))

    def clean(self, answers: dict) -> dict:
        """Validated answers keyed by item code; unknown items and bad values are errors."""
        if not isinstance(answers, dict):
            raise ValidationError(_("answers must be an object keyed by item code"))
        errors = {code: _("unknown item") for code in answers if code not in self.codes}
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


def of_kind(kind: str) -> list[Instrument]:
    return [i for i in REGISTRY.values() if i.kind == kind]


def outcome_for(age: int) -> Instrument:
    """ORS from 13, CORS for children 6–12."""
    return CORS if CORS.suits(age) else ORS


def alliance_for(age: int, group: bool = False) -> Instrument:
    """Group SRS in a group session, else SRS from 13 and CSRS for children."""
    if group:
        return GSRS
    return CSRS if CSRS.suits(age) else SRS


# The four-line measures of Miller and Duncan. The wording is the service's own Danish
# and English rendering of the items; the scoring (each line 0–10 with one decimal,
# total 0–40) is the authors'. Digital use needs a licence (see docs/fit.md).
LOW, HIGH = Text("Dårligt", "Badly"), Text("Godt", "Well")

ORS = register(Instrument(
    code="ORS",
    kind="outcome",
    licensed=True,
    min_age=13,
    title=Text("Hvordan går det? (ORS)", "How are things going? (ORS)"),
    intro=Text("Tænk tilbage på den sidste uge, i dag medregnet. Sæt et mærke på hver linje: "
               "jo længere mod venstre, jo dårligere; jo længere mod højre, jo bedre.",
               "Think back over the last week, including today. Put a mark on each line: "
               "the further to the left, the worse; the further to the right, the better."),
    source="Outcome Rating Scale, Miller & Duncan 2000; Miller et al. 2003, Journal of Brief "
           "Therapy 2(2). Licensed by the authors for digital use.",
    items=(
        Scale("individually", Text("Personligt (hvordan jeg har det)",
                                   "Individually (personal well-being)"), LOW, HIGH,
              about=Text("Personligt (hvordan den unge har det)",
                         "Individually (the young person's personal well-being)")),
        Scale("interpersonally", Text("Familie og nære relationer",
                                      "Interpersonally (family, close relationships)"),
              LOW, HIGH, about=Text("Familie og nære relationer (den unges)",
                                    "Interpersonally (the young person's family, close "
                                    "relationships)")),
        Scale("socially", Text("Socialt (skole, arbejde, venner)",
                               "Socially (school, work, friendships)"), LOW, HIGH,
              about=Text("Socialt (den unges skole, arbejde, venner)",
                         "Socially (the young person's school, work, friendships)")),
        Scale("overall", Text("Alt i alt (hvordan det går generelt)",
                              "Overall (general sense of well-being)"), LOW, HIGH,
              about=Text("Alt i alt (hvordan det går for den unge generelt)",
                         "Overall (the young person's general sense of well-being)")),
    ),
))

SAD, HAPPY = Text("☹ Trist", "☹ Sad"), Text("☺ Glad", "☺ Happy")

CORS = register(Instrument(
    code="CORS",
    kind="outcome",
    licensed=True,
    min_age=6,
    max_age=12,
    title=Text("Hvordan går det? (CORS)", "How are things going? (CORS)"),
    intro=Text("Hvordan har du haft det i den sidste uge? Sæt et mærke på hver linje: ved det "
               "triste ansigt, hvis det har været skidt, ved det glade, hvis det har været godt.",
               "How have you been doing in the last week? Put a mark on each line: near the sad "
               "face if it has been bad, near the happy face if it has been good."),
    source="Child Outcome Rating Scale, Duncan, Miller & Sparks 2003; Duncan et al. 2006. "
           "Licensed by the authors for digital use.",
    items=(
        Scale("me", Text("Mig (hvordan har jeg det?)", "Me (how am I doing?)"), SAD, HAPPY,
              about=Text("Barnet (hvordan har barnet det?)",
                         "The child (how is the child doing?)")),
        Scale("family", Text("Familie (hvordan går det i min familie?)",
                             "Family (how are things in my family?)"), SAD, HAPPY,
              about=Text("Familie (hvordan går det i barnets familie?)",
                         "Family (how are things in the child's family?)")),
        Scale("school", Text("Skole (hvordan går det i skolen?)",
                             "School (how am I doing at school?)"), SAD, HAPPY,
              about=Text("Skole (hvordan går det for barnet i skolen?)",
                         "School (how is the child doing at school?)")),
        Scale("everything", Text("Det hele (hvordan går det hele?)",
                                 "Everything (how is everything going?)"), SAD, HAPPY,
              about=Text("Det hele (hvordan går det hele for barnet?)",
                         "Everything (how is everything going for the child?)")),
    ),
))

SRS = register(Instrument(
    code="SRS",
    kind="alliance",
    licensed=True,
    min_age=13,
    title=Text("Hvordan var samtalen? (SRS)", "How was the session? (SRS)"),
    intro=Text("Sæt et mærke på hver linje, der passer med din oplevelse af samtalen i dag. "
               "Dit svar hjælper os med at gøre det bedre.",
               "Put a mark on each line that fits how you found today's session. Your answer "
               "helps us do better."),
    source="Session Rating Scale 3.0, Johnson, Miller & Duncan 2000; Duncan et al. 2003, "
           "Journal of Brief Therapy 3(1). Licensed by the authors for digital use.",
    items=(
        Scale("relationship", Text("Relationen", "Relationship"),
              Text("Jeg følte mig ikke hørt, forstået og respekteret.",
                   "I did not feel heard, understood and respected."),
              Text("Jeg følte mig hørt, forstået og respekteret.",
                   "I felt heard, understood and respected.")),
        Scale("goals", Text("Mål og emner", "Goals and topics"),
              Text("Vi talte ikke om det, jeg gerne ville tale om.",
                   "We did not work on or talk about what I wanted to."),
              Text("Vi talte om det, jeg gerne ville tale om.",
                   "We worked on and talked about what I wanted to.")),
        Scale("approach", Text("Måden vi arbejder på", "Approach or method"),
              Text("Behandlerens måde at arbejde på passer ikke til mig.",
                   "The clinician's approach is not a good fit for me."),
              Text("Behandlerens måde at arbejde på passer godt til mig.",
                   "The clinician's approach is a good fit for me.")),
        Scale("overall", Text("Alt i alt", "Overall"),
              Text("Der manglede noget i samtalen i dag.",
                   "There was something missing in the session today."),
              Text("Alt i alt var samtalen i dag rigtig for mig.",
                   "Overall, today's session was right for me.")),
    ),
))

CSRS = register(Instrument(
    code="CSRS",
    kind="alliance",
    licensed=True,
    min_age=6,
    max_age=12,
    title=Text("Hvordan var det i dag? (CSRS)", "How was it today? (CSRS)"),
    intro=Text("Sæt et mærke på hver linje, der passer med, hvordan det var i dag.",
               "Put a mark on each line that fits how today was."),
    source="Child Session Rating Scale, Duncan, Miller, Sparks & Johnson 2003. Licensed by "
           "the authors for digital use.",
    items=(
        Scale("listening", Text("Lytte", "Listening"),
              Text("☹ Den voksne lyttede ikke altid til mig.",
                   "☹ The grown-up did not always listen to me."),
              Text("☺ Den voksne lyttede til mig.", "☺ The grown-up listened to me.")),
        Scale("important", Text("Hvor vigtigt", "How important"),
              Text("☹ Det, vi lavede og talte om, var ikke så vigtigt for mig.",
                   "☹ What we did and talked about was not really important to me."),
              Text("☺ Det, vi lavede og talte om, var vigtigt for mig.",
                   "☺ What we did and talked about was important to me.")),
        Scale("what_we_did", Text("Det vi lavede", "What we did"),
              Text("☹ Jeg kunne ikke lide det, vi lavede i dag.",
                   "☹ I did not like what we did today."),
              Text("☺ Jeg kunne godt lide det, vi lavede i dag.",
                   "☺ I liked what we did today.")),
        Scale("overall", Text("Alt i alt", "Overall"),
              Text("☹ Jeg ville ønske, vi lavede noget andet.",
                   "☹ I wish we could do something different."),
              Text("☺ Jeg håber, vi laver det samme næste gang.",
                   "☺ I hope we do the same kind of things next time.")),
    ),
))

GSRS = register(Instrument(
    code="GSRS",
    kind="alliance",
    licensed=True,
    min_age=13,
    group=True,
    title=Text("Hvordan var gruppen i dag? (Group SRS)", "How was the group today? (Group SRS)"),
    intro=Text("Sæt et mærke på hver linje, der passer med din oplevelse af gruppen i dag.",
               "Put a mark on each line that fits how you found the group today."),
    source="Group Session Rating Scale, Duncan & Miller 2007. Licensed by the authors for "
           "digital use.",
    items=(
        Scale("relationship", Text("Relationen", "Relationship"),
              Text("Jeg følte mig ikke forstået, respekteret og accepteret af lederen og "
                   "gruppen.",
                   "I did not feel understood, respected and accepted by the leader and the "
                   "group."),
              Text("Jeg følte mig forstået, respekteret og accepteret af lederen og gruppen.",
                   "I felt understood, respected and accepted by the leader and the group.")),
        Scale("goals", Text("Mål og emner", "Goals and topics"),
              Text("Vi talte ikke om det, jeg gerne ville tale om.",
                   "We did not work on or talk about what I wanted to."),
              Text("Vi talte om det, jeg gerne ville tale om.",
                   "We worked on and talked about what I wanted to.")),
        Scale("approach", Text("Måden vi arbejder på", "Approach or method"),
              Text("Lederens og gruppens måde at arbejde på passer ikke til mig.",
                   "The leader's and the group's approach is not a good fit for me."),
              Text("Lederens og gruppens måde at arbejde på passer godt til mig.",
                   "The leader's and the group's approach is a good fit for me.")),
        Scale("overall", Text("Alt i alt", "Overall"),
              Text("Der manglede noget i gruppen i dag; jeg følte mig ikke som en del af den.",
                   "Something was missing in the group today; I did not feel part of it."),
              Text("Alt i alt var gruppen i dag rigtig for mig; jeg følte mig som en del af den.",
                   "Overall, today's group was right for me; I felt part of it.")),
    ),
))
