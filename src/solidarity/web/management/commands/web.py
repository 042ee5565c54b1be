from typing import Any

from django.core.management.base import CommandParser

from solidarity.core.commands import Command as SolidarityCommand
from solidarity.web import serving


class Command(SolidarityCommand):
    help = "Run only the web server (scale path: run `solidarity worker` separately, with PostgreSQL and Redis)."
    examples = (
        "  solidarity web --port 8000\n"
        "  solidarity web --host 127.0.0.1 --port 8000 --workers 2   # behind a reverse proxy with HTTPS\n"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        serving.add_listen_arguments(parser)
        parser.add_argument("--workers", type=int, default=1, help="web processes (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        listen = serving.listen_from(options)
        sock = serving.bind(listen)
        self.stdout.write(f"Solidarity web is running at {listen.url}")
        self.stdout.flush()
        serving.serve(listen, sock, workers=max(1, options["workers"]))
