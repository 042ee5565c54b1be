from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from solidarity.accounts.services import do_create_admin
from solidarity.core.commands import Command as SolidarityCommand


class Command(SolidarityCommand):
    help = "Make a network admin and print a one-time link where they choose a password and a second factor."
    examples = "  solidarity createadmin rosa --email rosa@example.org\n"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True, help="the admin's email address")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, issued = do_create_admin(username=options["username"], email=options["email"])
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            raise CommandError(problems) from None
        self.stdout.write(f"Admin {user.username} created. Send them this one-time link (valid 2 days):")
        self.stdout.write(f"  {issued.link()}")
