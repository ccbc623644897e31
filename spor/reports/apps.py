from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Yearly statistics and exports."""

    name = "spor.reports"
    label = "reports"
    verbose_name = _("Statistics")
