from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    """Feedback Informed Treatment: instruments, ratings, curves, alarms."""

    name = "spor.measures"
    label = "measures"
    verbose_name = _("Feedback (FIT)")
