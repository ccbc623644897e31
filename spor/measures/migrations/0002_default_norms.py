"""The default norms and SRS flag rules, each with its source. Services may replace them."""

from decimal import Decimal

from django.db import migrations

RCI = ("Reliable change 5 points (Miller & Duncan 2004; Duncan 2012). Some services use 6; "
       "the English youth programme (CYP IAPT) uses 6.6.")
NORMS = [
    ("ORS", 13, 17, "28", "5", "Clinical cutoff 28 for young people 13–17: Duncan, Sparks, "
     "Miller, Bohanske & Claud (2006), Giving youth a voice, Journal of Brief Therapy 5(2). "
     + RCI),
    ("ORS", 18, None, "25", "5", "Clinical cutoff 25 for adults: Miller, Duncan, Brown, Sparks "
     "& Claud (2003), The Outcome Rating Scale, Journal of Brief Therapy 2(2). " + RCI),
    ("CORS", 6, 12, "32", "5", "Clinical cutoff 32 for children 6–12: Duncan, Sparks, Miller, "
     "Bohanske & Claud (2006), Journal of Brief Therapy 5(2); others use 28. " + RCI),
]
SRS_SOURCE = ("Flag a total below 36, any line below 9, or a drop of 1 point or more from the "
              "previous session: Duncan, Miller, Sparks et al. (2003), The Session Rating "
              "Scale, Journal of Brief Therapy 3(1); ICCE manuals.")


def load(apps, schema_editor):
    Norm = apps.get_model("measures", "Norm")
    AllianceRule = apps.get_model("measures", "AllianceRule")
    for instrument, low, high, cutoff, rci, source in NORMS:
        Norm.objects.get_or_create(
            service=None, instrument=instrument, min_age=low,
            defaults={"max_age": high, "cutoff": Decimal(cutoff),
                      "reliable_change": Decimal(rci), "source": source})
    for instrument in ("SRS", "CSRS", "GSRS"):
        AllianceRule.objects.get_or_create(
            service=None, instrument=instrument,
            defaults={"total_below": Decimal(36), "item_below": Decimal(9),
                      "drop_by": Decimal(1), "source": SRS_SOURCE})


def unload(apps, schema_editor):
    apps.get_model("measures", "Norm").objects.filter(service=None).delete()
    apps.get_model("measures", "AllianceRule").objects.filter(service=None).delete()


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
