from django.shortcuts import render
from django.utils.translation import gettext as _

from spor.accounts.decorators import staff_required
from spor.accounts.models import User
from spor.operations import jobs


@staff_required(User.Role.ADMIN)
def job_list(request):
    """The scheduled jobs of the installation: last run, next, recent failures."""
    rows = jobs.overview()
    return render(request, "operations/jobs.html", {
        "title": _("Scheduled jobs"), "rows": rows,
        "failures": any(row["failures"] for row in rows)})
