"""Who works in which programme.

Parent courses and outreach belong to teams of their kind: their pages are for the
members of such a team and for leaders. The day team's young people are found through
`Client.objects.visible_to`, like every other client; consultancy holds no personal data
and is open to every role that works with young people.
"""

from django.db import models

from spor.accounts.models import Team, may_see_clients, works_in


class ServiceScoped(models.QuerySet):
    """Objects of the user's service. `kind` names the team kind that does the work;
    without it, every role that works with young people sees them."""

    kind = ""

    def visible_to(self, user):
        allowed = works_in(user, self.kind) if self.kind else may_see_clients(user)
        return self.filter(service_id=user.service_id) if allowed else self.none()


def teams_of_kind(user, kind: str):
    """The teams of this kind a user may file work under: all of them for a leader."""
    teams = Team.objects.filter(service_id=user.service_id, kind=kind)
    if user.is_leader:
        return teams
    return teams.filter(pk__in=user.teams.values("pk"))
