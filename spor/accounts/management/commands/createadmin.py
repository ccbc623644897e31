"""Create a new installation's first administrator, and the service if there is none.

For the operator, once, after `spor migrate`. The password is asked twice without echo
(or read from standard input when it is not a terminal, for scripted installs) and held
to the same rules as every password. Since administrators need a second factor, the
command ends by printing the single-use enrolment code for the authenticator app.
"""

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from spor.accounts.models import AccountEvent, Service, User


class Command(BaseCommand):
    help = "Create the first administrator (and the service, if there is none)."
    stealth_options = ("stdin",)  # where the password is read when not a terminal

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--service", help="the service's name (made if it does not exist; "
                            "needed when the installation has none or several)")
        parser.add_argument("--municipality", default="", help="for a new service")

    def handle(self, username, service=None, municipality="", **options):
        if User.objects.filter(username=username).exists():
            raise CommandError(f"username: {username!r} is taken")
        if service is None and Service.objects.count() != 1:
            raise CommandError("--service: name the service (the installation has "
                               f"{Service.objects.count()})")
        password = self.password(options.get("stdin") or sys.stdin)
        with transaction.atomic():
            found = (Service.objects.get_or_create(
                name=service, defaults={"municipality": municipality})[0]
                if service else Service.objects.get())
            user = User(username=username, role=User.Role.ADMIN, service=found)
            try:
                validate_password(password, user)
            except ValidationError as e:
                raise CommandError("password: " + " ".join(e.messages)) from None
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:  # made at the same moment by another run
                raise CommandError(f"username: {username!r} is taken") from None
            AccountEvent.write(None, user, AccountEvent.What.CREATED, "spor createadmin")
        self.stdout.write(f"Administrator {username!r} of {found.name!r} is created. "
                          "The enrolment code for the authenticator app:")
        call_command("enrolment_code", username, stdout=self.stdout)

    def password(self, stdin) -> str:
        if not stdin.isatty():
            return stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise CommandError("password: the two passwords differ")
        return first
