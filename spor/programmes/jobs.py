import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spor.operations.jobs import register
from spor.programmes.models import ParentFollowup


def end_expired_survey_links() -> str:
    """A parent survey link past its days stops existing: its token's hash is removed (the
    survey stays, open for a new link or staff entry)."""
    ended = ParentFollowup.objects.filter(link_expires_at__lte=timezone.now()).update(
        token_hash="", link_expires_at=None)
    return f"Ended {ended} expired parent survey links."


register("expired_survey_links", _("End expired parent survey links"),
         end_expired_survey_links, every=datetime.timedelta(hours=1))
