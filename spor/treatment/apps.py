from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreatmentConfig(AppConfig):
    name = "spor.treatment"
    label = "treatment"
    verbose_name = _("Courses and sessions")
