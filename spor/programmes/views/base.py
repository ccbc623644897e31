from django.core.exceptions import PermissionDenied

from spor.accounts.models import Team, User, works_in
from spor.audit.models import AccessLog

P = AccessLog.Purpose
CLIENT_ROLES = tuple(User.CLIENT_ROLES)
PARENTS, DAY_TEAM, OUTREACH = Team.Kind.PARENTS, Team.Kind.DAY_TEAM, Team.Kind.OUTREACH
# Lists of a year's outreach contacts or consultancy activities come in pages of this size.
PAGE_SIZE = 100


def require(user, kind) -> None:
    """403 for work that belongs to a team kind the user is not part of (leaders are)."""
    if not works_in(user, kind):
        raise PermissionDenied


def year_param(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 2000 <= year <= 2100 else default
