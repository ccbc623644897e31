import datetime

from django.utils.translation import gettext_lazy as _

from spor.operations.jobs import command, register

register("purge_public", _("Erase the public page's data past its retention"),
         command("purge_public"), daily=datetime.time(1, 0))
