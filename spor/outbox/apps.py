from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "spor.outbox"
    label = "outbox"
    verbose_name = _("Messages to young people and parents")

    def ready(self):
        from spor.outbox import checks  # noqa: F401 - registers the system checks
