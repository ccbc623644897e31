"""Who works in which programme.

Parent courses and outreach belong to teams of their kind: their pages are for the
members of such a team and for leaders. The day team's young people are found through
`Client.objects.visible_to`, like every other client; consultancy holds no personal data
and is open to every role that works with young people.
"""

from spor.accounts.models import Team


def works_in(user, kind: str) -> bool:
    """A leader of the service, or a member of a team of this kind."""
    if not user.is_authenticated or not user.sees_clients or user.service_id is None:
        return False
    return user.is_leader or user.teams.filter(kind=kind, service_id=user.service_id).exists()


def teams_of_kind(user, kind: str):
    """The teams of this kind a user may file work under: all of them for a leader."""
    teams = Team.objects.filter(service_id=user.service_id, kind=kind)
    if user.is_leader:
        return teams
    return teams.filter(pk__in=user.teams.values("pk"))
