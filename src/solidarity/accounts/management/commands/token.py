from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import IntegrityError

from solidarity.accounts.models import ApiToken, TokenScope, User
from solidarity.accounts.services import do_create_token, do_revoke_tokens
from solidarity.core.audit import CLI
from solidarity.core.commands import Command as SolidarityCommand


class Command(SolidarityCommand):
    help = "Create, list or revoke API tokens. A new token is printed once; only its hash is kept."
    examples = (
        "  solidarity token create rosa --name backups\n"
        "  solidarity token create rosa --name phone --expires-days 90 --scope read\n"
        "  solidarity token list rosa\n"
        "  solidarity token revoke rosa --name backups\n"
        "  solidarity token revoke rosa --all\n"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="a name to recognise the token (default: cli)")
        create.add_argument("--expires-days", type=int, help="days until the token stops working")
        create.add_argument(
            "--scope", choices=TokenScope.values, default=TokenScope.WRITE, help="read, or write (default: write)"
        )
        listing = actions.add_parser("list", help="list live tokens")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="revoke a token by name, or all of them")
        revoke.add_argument("username")
        which = revoke.add_mutually_exclusive_group(required=True)
        which.add_argument("--name")
        which.add_argument("--all", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        action = options["action"]
        if action == "create":
            days = options["expires_days"]
            if days is not None and days < 1:
                raise CommandError("--expires-days must be 1 or more")
            try:
                issued = do_create_token(
                    user,
                    name=options["name"],
                    lifetime=timedelta(days=days) if days else None,
                    scope=TokenScope(options["scope"]),
                    actor=CLI,
                )
            except IntegrityError:
                raise CommandError(f"{user.username} already has a live token named {options['name']!r}") from None
            self.stdout.write(issued.secret)
            self.stderr.write("Keep this token secret: it is shown only now. Use it as 'Authorization: Bearer …'.")
        elif action == "list":
            for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("created_at"):
                expires = token.expires_at.date().isoformat() if token.expires_at else "never"
                created = f"{token.created_at:%Y-%m-%d}"
                self.stdout.write(f"{token.name}\t{token.prefix}…\t{token.scope}\tcreated {created}\texpires {expires}")
        else:
            count = do_revoke_tokens(user, name=None if options["all"] else options["name"], actor=CLI)
            if count == 0:
                raise CommandError("no live token matched")
            self.stdout.write(f"Revoked {count} token(s).")
