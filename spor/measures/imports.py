from django.core.exceptions import ValidationError
from django.db.models import F, Value
from django.db.models.functions import Concat

from spor.lib import bulk
from spor.lib import csvimport as c
from spor.measures import instruments
from spor.measures.models import Rating, checked_rating
from spor.treatment.models import Session

ITEMS = ("item1", "item2", "item3", "item4")
CODES = ("ORS", "CORS", "SRS", "CSRS", "GSRS")


class RatingsFile(c.CsvFile):
    """ratings.csv: one rating per row, the four lines in the order of the paper form.

    A session has one rating per measure and rater, so (session_ref, instrument, rater)
    is the key: a second import updates it or reports it unchanged. Scores come from
    paper forms or another system, so no licence is needed.
    """

    name = "ratings.csv"
    required = ("session_ref", "instrument", "rater", *ITEMS)
    model, kind = Rating, "rating"
    parent = ("session_ref", "session", ("course_id", "date", "attendance"))
    stored = ("answers",)
    course_of = "course_id"

    def key_of(self, values):
        return "|".join((values.get(k) or "").strip()
                        for k in ("session_ref", "instrument", "rater"))

    def existing(self, service):
        return (Rating.objects.filter(session__course__client__service=service)
                .exclude(session__ref="")
                .values_list(Concat(F("session__ref"), Value("|"), F("instrument"), Value("|"),
                                    F("rater")), "pk"))

    def twice(self, key, first):
        session, code, rater = key.split("|")
        return c.Problem("session_ref", f"a second {code} rating by {rater} for this session "
                                        f"(first on line {first}); a session has one per "
                                        "measure and rater")

    def parse(self, r):
        """The measure, the rater and the four lines' text: the lines are checked once, by
        the measure's own rules, in `checked`."""
        code = r.choice("instrument", CODES, required=True)
        rater = r.choice("rater", Rating.Rater, required=True)
        texts = [(r.values.get(item) or "").strip() for item in ITEMS]
        if code is None:  # no measure to check the lines by: the marks given, by its rule
            for item, text in zip(ITEMS, texts, strict=True):
                try:
                    if text:
                        instruments.mark(text)
                except ValidationError as e:
                    r.problem(item, e.messages[0])
        return code, rater, texts

    def checked(self, code, texts, attendance):
        """(answers, total) by the model's rules, with problems named by column."""
        scales = instruments.get(code).scales
        answers = dict(zip((s.code for s in scales), texts, strict=True))
        try:
            return checked_rating(code, answers, attendance)
        except ValidationError as e:
            column = {s.code: item for s, item in zip(scales, ITEMS, strict=True)}
            column["session"] = "session_ref"
            raise ValidationError({column.get(k, k): v for k, v in e.message_dict.items()}) \
                from None

    def new(self, ctx, r, session, pk=None):
        code, rater, texts = self.parse(r)
        if code is not None:
            try:
                answers, total = self.checked(code, texts, session["attendance"])
            except ValidationError as e:
                for column, messages in e.message_dict.items():
                    for message in messages:
                        r.problem(column, message)
        if r.problems:
            return None
        return {"session_id": session["pk"], "course_id": session["course_id"],
                "date": session["date"], "instrument": code, "rater": rater,
                "answers": bulk.encoded(answers), "total": total,
                "source": Rating.Source.IMPORT}

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        session = r.refer("session_ref", "session", lambda ref: Session.objects.filter(
            course__client__service=ctx.service, ref=ref).first())
        code, rater, texts = self.parse(r)
        r.check()
        answers, _total = self.checked(code, texts, session.attendance)
        rating = Rating.objects.filter(session=session, instrument=code, rater=rater).first()
        if rating is not None and rating.answers == answers:
            return "unchanged"
        Rating.record(session, code, rater, answers, Rating.Source.IMPORT)
        return "updated" if rating is not None else "created"
