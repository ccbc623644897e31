from spor.clients.models import Client
from spor.lib import csvimport as c
from spor.tracking.models import MAXIMUM, Answer, DiaryEntry, Source, Unit
from spor.treatment.models import Substance


class UseDiaryFile(c.CsvFile):
    """use_diary.csv of FORMATS.md. A row is keyed by client, date, substance and unit, so
    importing the same file again changes nothing. An amount of 0 means "not used"."""

    name = "use_diary.csv"
    required = ("client_ref", "date", "substance", "amount", "unit")

    def row(self, ctx, values):
        r = c.Row(ctx, values)
        client = r.refer("client_ref", "client", lambda ref: Client.objects.filter(
            service=ctx.service, ref=ref).first())
        day = r.date("date", required=True)
        substance = r.choice("substance", Substance, required=True)
        unit = r.choice("unit", Unit, required=True)
        amount = r.number("amount", 0, max(MAXIMUM.values()), places=2, required=True)
        r.check()
        key = (client.pk, day, substance, unit)
        seen = ctx.refs["use_diary_row"]
        if key in seen:
            raise c.Problem("date", "the same client, date, substance and unit appear on an "
                                    "earlier line")
        seen[key] = True
        entry = (DiaryEntry.objects.filter(client=client, date=day, substance=substance,
                                           unit=unit if amount else "", source=Source.IMPORT)
                 .first() or DiaryEntry(client=client, date=day, substance=substance,
                                        source=Source.IMPORT))
        if amount:
            fields = {"answer": Answer.USED, "amount": amount, "unit": unit}
        else:
            fields = {"answer": Answer.NOT_USED, "amount": None, "unit": ""}
        return save(entry, fields)


def save(entry, fields) -> str:
    """Like csvimport.save, with the diary's own rules (Model.clean only: full_clean would
    also ask the database about uniqueness for every row)."""
    if not entry._state.adding and all(getattr(entry, k) == v for k, v in fields.items()):
        return "unchanged"
    outcome = "created" if entry._state.adding else "updated"
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.clean()
    entry.save()
    return outcome
