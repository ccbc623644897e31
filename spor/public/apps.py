from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    """The public page for young people."""

    name = "spor.public"
    label = "public"
    verbose_name = _("Public page")

    def ready(self):
        from spor.public import checks  # noqa: F401
