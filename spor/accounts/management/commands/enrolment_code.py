"""Print a single-use enrolment code for a staff member's authenticator app.

For the operator: the first administrator of a new installation gets their code here,
since nobody in the service can make one yet. Written to the account audit trail.
"""

from django.core.management.base import BaseCommand, CommandError

from spor.accounts.models import AccountEvent, User


class Command(BaseCommand):
    help = "Print a single-use enrolment code for a staff member's two-factor login."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"username: no staff member is called {username!r}")
        if user.service_id is None:
            raise CommandError(f"username: {username!r} belongs to no service")
        code = user.new_enrolment_code()
        AccountEvent.write(None, user, AccountEvent.What.ENROLMENT_CODE, "spor enrolment_code")
        self.stdout.write(f"{code}\n(single use, valid for {User.ENROLMENT_CODE_HOURS} hours)")
