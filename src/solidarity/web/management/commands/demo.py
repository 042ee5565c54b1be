from typing import Any

from django.db import transaction

from solidarity.accounts import demo as accounts_demo
from solidarity.core import demo as core_demo
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.lists import demo as lists_demo

# Each part adds its loader here, lowest tier first. Loaders are idempotent.
LOADERS = [("network settings", core_demo.load), ("accounts", accounts_demo.load), ("lists", lists_demo.load)]


class Command(SolidarityCommand):
    help = "Fill the network with a small fictional demo (no real people). Running it again changes nothing."
    examples = "  solidarity demo\n"

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            added = {name: load() for name, load in LOADERS}
        summary = ", ".join(f"{count} {name}" for name, count in added.items())
        self.stdout.write(f"Demo data loaded: {summary} added.")
