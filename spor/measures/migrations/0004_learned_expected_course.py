from django.db import migrations, models


def forget_binned(apps, schema_editor):
    """Expected courses of the old binned kind cannot be read by the trajectory model; they
    are learned again by the next `spor fit_expected` (run nightly)."""
    apps.get_model("measures", "ExpectedCourse").objects.filter(kind="binned").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("measures", "0003_fit_state"),
    ]

    operations = [
        migrations.RunPython(forget_binned, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="expectedcourse",
            name="kind",
            field=models.CharField(choices=[
                ("learned", "Learned from the service's closed courses"),
                ("loglinear", "Trajectory model loaded from a file")], max_length=20),
        ),
        migrations.AddField(
            model_name="expectedcourse",
            name="n_left_out",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
