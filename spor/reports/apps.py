from importlib import import_module

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _changed(sender, raw=False, **kwargs):
    """Parent courses, day team, outreach, teams and national figures have no stored state
    to fingerprint (spor.reports.kept): a change to them forgets the kept reports."""
    if raw or sender._meta.app_label != "programmes" and sender._meta.label not in (
            "reports.NationalFigure", "accounts.Team"):
        return
    from spor.reports import kept

    kept.forget()


def triggers_back(using=DEFAULT_DB_ALIAS, **kwargs):
    """After every migrate, the statistics change record's triggers are made again on SQLite
    where a migration took them away. SQLite makes a table anew for most changes of its
    columns, and the new table has none of the old one's triggers: upgrading a database
    through such a migration (measures 0008 makes the ratings table anew) would have left
    its writes uncounted, and a kept report shown after they changed it."""
    connection = connections[using]
    if connection.vendor != "sqlite" or ("reports", "0003_report_change") not in \
            MigrationRecorder(connection).applied_migrations():
        return
    change = import_module("spor.reports.migrations.0003_report_change")
    with connection.cursor() as cursor:
        for table in change.COLUMNS:
            for statement in change.sqlite(table):
                cursor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))


class ReportsConfig(AppConfig):
    """Yearly statistics and exports."""

    name = "spor.reports"
    label = "reports"
    verbose_name = _("Statistics")

    def ready(self):
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(_changed, dispatch_uid=f"reports-kept-{signal}")
        post_migrate.connect(triggers_back, sender=self, dispatch_uid="reports-triggers-back")
