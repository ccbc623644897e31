from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    """Use diary and the API for tracking apps."""

    name = "spor.tracking"
    label = "tracking"
    verbose_name = _("Use diary")
