from django.core.exceptions import ValidationError

from spor.lib import csvimport as c
from spor.measures import instruments
from spor.measures.models import Rating
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

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        session = r.refer("session_ref", "session", lambda ref: Session.objects.filter(
            course__client__service=ctx.service, ref=ref).first())
        code = r.choice("instrument", CODES, required=True)
        rater = r.choice("rater", Rating.Rater.choices, required=True)
        numbers = [r.number(item, 0, 10, places=1, required=True) for item in ITEMS]
        r.check()
        key = (session.pk, code, rater)
        if key in ctx.refs["rating"]:
            raise c.Problem("session_ref", f"a second {code} rating by {rater} for this "
                                           "session; a session has one per measure and rater")
        ctx.refs["rating"][key] = True
        if session.attendance != Session.Attendance.ATTENDED:
            raise c.Problem("session_ref", "ratings belong to sessions the young person "
                                           "attended; this session is marked "
                                           f"{session.attendance}")
        scales = instruments.get(code).scales
        answers = {s.code: float(n) for s, n in zip(scales, numbers, strict=True)}
        rating = Rating.objects.filter(session=session, instrument=code, rater=rater).first()
        if rating is not None and rating.answers == answers:
            return "unchanged"
        try:
            Rating.record(session, code, rater, answers, Rating.Source.IMPORT)
        except ValidationError as e:
            column = {s.code: item for s, item in zip(scales, ITEMS, strict=True)}
            raise ValidationError({column.get(k, k): v for k, v in e.message_dict.items()}) \
                from None
        return "updated" if rating is not None else "created"
