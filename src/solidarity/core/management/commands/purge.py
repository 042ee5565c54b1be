from typing import Any

from django.core.management.base import CommandParser

from solidarity.core import retention
from solidarity.core.commands import Command as SolidarityCommand


class Command(SolidarityCommand):
    help = "Delete personal data whose retention period is over (the worker also does this daily)."
    examples = "  solidarity purge --dry-run   # counts of what would go\n  solidarity purge\n"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what is due; delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        results = retention.purge(dry_run=options["dry_run"])
        verb = "would purge" if options["dry_run"] else "purged"
        for result in results:
            self.stdout.write(f"{result.rule}: {verb} {result.count}")
        if not results:
            self.stdout.write("No retention rules are registered.")
