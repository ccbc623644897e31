"""A kept report's document as the JSON text it was built as: jsonb sorted the keys of its
objects, so a report read back listed its rows in another order than a new build. The
reports kept so far are forgotten (their order is already lost): each is built anew when
next asked for."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_report_change'),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM reports_keptreport", migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='keptreport',
            name='doc',
            field=models.TextField(null=True),
        ),
        migrations.AlterField(
            model_name='keptreport',
            name='compare',
            field=models.TextField(null=True),
        ),
    ]
