import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from solidarity.core.audit import CLI
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.incidents.exports import BadBundle, public_key_text, verify_bundle
from solidarity.incidents.models import Incident
from solidarity.incidents.purge import do_purge_incident


class Command(SolidarityCommand):
    help = (
        "Purge one incident: its reports, photos, timeline, alerts and the texts about it are deleted for good "
        "(the audit log keeps that it happened and how many went, never what they said); or check a timeline's "
        "signed export."
    )
    examples = (
        "  solidarity incident purge KE62            # asks you to type the code again\n"
        "  solidarity incident purge KE62 --yes      # no question: for a script\n"
        "  solidarity incident verify-export incident-KE62-timeline.json   # a signed export, checked\n"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        purge = actions.add_parser("purge", help="delete everything about one incident, for good")
        purge.add_argument("code", help="the incident's code, as on the board (KE62)")
        purge.add_argument("--yes", action="store_true", help="do not ask for the code again")
        verify = actions.add_parser("verify-export", help="check a timeline's signed JSON export against this network")
        verify.add_argument("file", help="the downloaded JSON bundle")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify-export":
            self.verify_export(Path(options["file"]))
            return
        code = options["code"].strip().upper()
        incident = Incident.objects.filter(code=code).first()
        if incident is None:
            raise CommandError(f"no incident has the code {code!r}")
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("nothing purged: add --yes, or run it at a terminal to type the code again")
            self.stdout.write(f"This deletes incident {code} ({incident.report_count} reports) and all about it.")
            if input(f"Type {code} to purge it: ").strip().upper() != code:
                raise CommandError("nothing purged: the code typed was not the incident's")
        purged = do_purge_incident(incident, actor=CLI)
        self.stdout.write(
            f"Purged incident {code}: {purged.incidents} incident(s), {purged.reports} reports, "
            f"{purged.alerts} alerts, {purged.entries} timeline entries ({purged.observations} observations, "
            f"{purged.media} photos or videos), {purged.texts_received} texts received, "
            f"{purged.messages_sent} messages sent, {purged.wide_alerts} wide alerts, {purged.cases} closed cases; "
            f"{purged.cases_kept} open cases kept for their families."
        )

    def verify_export(self, path: Path) -> None:
        try:
            digest = verify_bundle(path.read_bytes())
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        except BadBundle as error:
            raise CommandError(f"NOT verified: {error}") from None
        self.stdout.write(f"Verified: signed by this network's key ({public_key_text()}); SHA-256 {digest}.")
