from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    """Parent courses, day team, outreach and consultancy."""

    name = "spor.programmes"
    label = "programmes"
    verbose_name = _("Programmes")
