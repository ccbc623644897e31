from spor.accounts.models import IdpRole, Team, User
from spor.lib.demo import DEMO_PASSWORD

TEAMS = [
    ("counselling", "Rådgivning og behandling", Team.Kind.COUNSELLING),
    ("day_team", "Dagteam", Team.Kind.DAY_TEAM),
    ("parents", "Forældreaftener", Team.Kind.PARENTS),
    ("outreach", "Opsøgende team", Team.Kind.OUTREACH),
]

# username, first name, last name, role, teams
STAFF = [
    ("leder", "Lene", "Holm", User.Role.LEADER, ["counselling", "day_team", "parents"]),
    ("behandler", "Tony", "Berg", User.Role.CLINICIAN, ["counselling", "parents"]),
    ("mette", "Mette", "Lund", User.Role.CLINICIAN, ["counselling"]),
    ("anders", "Anders", "Kjær", User.Role.CLINICIAN, ["counselling", "outreach"]),
    ("sara", "Sara", "Özdemir", User.Role.CLINICIAN, ["counselling", "outreach"]),
    ("jakob", "Jakob", "Friis", User.Role.CLINICIAN, ["counselling"]),
    ("pia", "Pia", "Mogensen", User.Role.CLINICIAN, ["day_team"]),
    ("kim", "Kim", "Dahl", User.Role.CLINICIAN, ["day_team", "counselling"]),
    ("laerer", "Louise", "Skov", User.Role.TEACHER, ["day_team"]),
    ("hanne", "Hanne", "Bech", User.Role.CLINICIAN, ["parents", "counselling"]),
    ("analytiker", "Ali", "Nasser", User.Role.ANALYST, []),
    ("admin", "Birgit", "Vang", User.Role.ADMIN, []),
]


def populate(ctx):
    for key, name, kind in TEAMS:
        ctx.teams[key] = Team.objects.create(service=ctx.service, name=name, kind=kind)
    for username, first, last, role, teams in STAFF:
        user = User(username=username, first_name=first, last_name=last, role=role,
                    service=ctx.service, email=f"{username}@spor.example")
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.teams.set([ctx.teams[t] for t in teams])
        ctx.staff[username] = user
    # An example for the "roles from the identity provider" page (the demo has no provider).
    example = IdpRole.objects.create(service=ctx.service, role=User.Role.CLINICIAN,
                                     name="http://spor.example/roles/jobrole/behandler/1")
    example.teams.set([ctx.teams["counselling"]])
