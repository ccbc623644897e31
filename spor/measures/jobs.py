import datetime

from django.utils.translation import gettext_lazy as _

from spor.measures.models import RatingInvite
from spor.operations.jobs import command, register


def delete_expired_invites() -> str:
    deleted = RatingInvite.objects.expired().delete()[0]
    return f"Deleted {deleted} expired rating links and hand-overs."


register("fit_expected", _("Refit each service's expected course"),
         command("fit_expected"), daily=datetime.time(2, 0))
register("expired_rating_links", _("Delete expired rating links and hand-overs"),
         delete_expired_invites, every=datetime.timedelta(hours=1))
