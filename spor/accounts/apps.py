from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "spor.accounts"
    label = "accounts"
    verbose_name = _("Staff and access")

    def ready(self):
        from spor.accounts import checks, sso  # noqa: F401
