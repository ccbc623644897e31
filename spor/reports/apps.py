from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _changed(sender, raw=False, **kwargs):
    """Parent courses, day team, outreach, teams and national figures have no stored state
    to fingerprint (spor.reports.kept): a change to them forgets the kept reports."""
    if raw or sender._meta.app_label != "programmes" and sender._meta.label not in (
            "reports.NationalFigure", "accounts.Team"):
        return
    from spor.reports import kept

    kept.forget()


class ReportsConfig(AppConfig):
    """Yearly statistics and exports."""

    name = "spor.reports"
    label = "reports"
    verbose_name = _("Statistics")

    def ready(self):
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(_changed, dispatch_uid=f"reports-kept-{signal}")
