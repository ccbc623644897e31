from django.db import migrations, models

# fit.SEVERITY as it stands here: the most serious first.
SEVERITY = ("worse", "off_track", "alliance", "no_change")


def rank_stored_alarms(apps, schema_editor):
    """The rank of each stored state's most serious unanswered alarm, from the alarms already
    stored and the responses to them (what state.py keeps from now on)."""
    FitState = apps.get_model("measures", "FitState")
    AlarmResponse = apps.get_model("measures", "AlarmResponse")
    answered = set(AlarmResponse.objects.values_list("course_id", "kind", "session"))
    for state in FitState.objects.only("course", "alarms").iterator():
        ranks = [SEVERITY.index(a["kind"]) for a in state.alarms
                 if a["kind"] in SEVERITY
                 and (state.course_id, a["kind"], a.get("session")) not in answered]
        if ranks:
            FitState.objects.filter(pk=state.pk).update(alarm_rank=min(ranks))


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0006_rating_report_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='fitstate',
            name='alarm_rank',
            field=models.PositiveSmallIntegerField(null=True),
        ),
        migrations.RunPython(rank_stored_alarms, migrations.RunPython.noop),
    ]
