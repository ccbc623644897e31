import datetime

from django.utils.translation import gettext_lazy as _

from spor.operations.jobs import register
from spor.reports import kept

register("report_changes", _("Fold the change record of the kept statistics"),
         kept.fold_all, daily=datetime.time(1, 15))
