from typing import Any

from django.db import transaction

from solidarity.accounts import demo as accounts_demo
from solidarity.campaigns import demo as campaigns_demo
from solidarity.core import demo as core_demo
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.core.commands import Database
from solidarity.directory import demo as directory_demo
from solidarity.events import demo as events_demo
from solidarity.funds import demo as funds_demo
from solidarity.incidents import demo as incidents_demo
from solidarity.lists import demo as lists_demo
from solidarity.meetings import demo as meetings_demo
from solidarity.messaging import demo as messaging_demo
from solidarity.people import demo as people_demo
from solidarity.supplies import demo as supplies_demo
from solidarity.trainings import demo as trainings_demo

# Each part adds its loader here, lowest tier first. Loaders are idempotent.
LOADERS = [
    ("network settings", core_demo.load),
    ("texts", messaging_demo.load),
    ("accounts, groups and memberships", accounts_demo.load),
    ("zones, lists and subscriptions", lists_demo.load),
    ("people", people_demo.load),
    ("trainings", trainings_demo.load),
    ("incident reports", incidents_demo.load),
    ("resources", directory_demo.load),
    ("supply items", supplies_demo.load),
    ("meetings", meetings_demo.load),
    ("gifts to the funds", funds_demo.load),
    ("call-in campaigns", campaigns_demo.load),
    ("actions", events_demo.load),
]


class Command(SolidarityCommand):
    help = (
        "Fill the network with a small fictional demo (no real people), and make each admin a member of its "
        "groups so they can see it. Running it again changes nothing."
    )
    examples = "  solidarity demo\n"
    database = Database.PREPARE  # a newcomer's first command: it sets the database up as `up` does

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            added = {name: load() for name, load in LOADERS}
            joined = accounts_demo.admins_join()
            people_demo.admins_keep_roster([admin for admin, _groups in joined])
        summary = "; ".join(f"{count} {name}" for name, count in added.items())
        self.stdout.write(f"Demo data loaded: {summary} added.")
        if not joined:
            self.stdout.write(
                "No admin yet: open the setup link that `solidarity up` prints, create your admin, then run "
                "`solidarity demo` again to join the demo's groups."
            )
        for admin, groups in joined:
            held = "; ".join(
                f"{group.name} ({', '.join(role.label for role in roles) or 'member'})" for group, roles in groups
            )
            self.stdout.write(f"{admin.username} is in the demo's groups: {held}; and keeps the roster of people.")
        if joined:
            self.stdout.write(
                "Sign in where `solidarity up` runs and open /en/dashboard/ (or /es/dashboard/) to walk through it."
            )
