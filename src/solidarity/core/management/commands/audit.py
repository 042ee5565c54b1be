from typing import Any

from django.core.management.base import CommandError, CommandParser

from solidarity.core import audit
from solidarity.core.commands import Command as SolidarityCommand


class Command(SolidarityCommand):
    help = (
        "Verify the audit log's hash chain, or print its signed head to keep elsewhere. "
        "verify exits 1 naming the first entry that was altered, removed, inserted or reordered."
    )
    examples = (
        "  solidarity audit verify\n"
        "  solidarity audit head > audit-head.txt\n"
        '  solidarity audit verify --head "$(cat audit-head.txt)"\n'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verify = actions.add_parser("verify", help="check the whole chain")
        verify.add_argument(
            "--head", help="a line printed by 'audit head' (its signature is checked), or a bare hash, to prove"
        )
        actions.add_parser("head", help="print the latest sequence number and hash, signed, on one line")

    def handle(self, *args: Any, **options: Any) -> None:
        head = None
        if options.get("head"):
            try:
                head = audit.read_head(options["head"])
            except audit.BadHead as error:
                raise CommandError(str(error)) from None
        result = audit.verify(head)
        if result.problem is not None:
            raise CommandError(f"audit chain broken at {result.problem}")
        if options["action"] == "head":
            self.stdout.write(audit.sign_head(result.tip))
            return
        summary = f"{result.count} entries, chain intact"
        if result.start.seq:
            summary += f" (it resumes after pruned entry {result.start.seq})"
        if head is not None:
            summary += f", contains head {head.seq}"
        self.stdout.write(summary)
