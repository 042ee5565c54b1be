import hashlib
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.db import connections

from solidarity.accounts.services import do_issue_setup_link, needs_first_admin
from solidarity.core.commands import Command as SolidarityCommand
from solidarity.core.commands import Database, reach_database
from solidarity.core.processes import Supervisor, on_stop_signal
from solidarity.messaging.sms_settings import configured_backends
from solidarity.web import serving


class Command(SolidarityCommand):
    help = "Run Solidarity: prepare the data folder and database, then the web server and the worker, in one command."
    examples = (
        "  solidarity up\n"
        "  solidarity up --port 8080\n"
        "  solidarity up --host 0.0.0.0 --port 8443 --tls-cert cert.pem --tls-key key.pem\n"
    )

    database = Database.NONE  # prepare() below: migrations and static files, on every start

    def add_arguments(self, parser: CommandParser) -> None:
        serving.add_listen_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        listen = serving.listen_from(options)
        started = time.monotonic()
        prepare_apart()
        sock = serving.bind(listen)
        self.announce(listen, time.monotonic() - started)
        supervisor = Supervisor(["worker"], "the worker")
        on_stop_signal(supervisor.stop)  # Ctrl-C or SIGTERM: uvicorn handles it while it serves, then hands it back
        supervisor.start()
        try:
            serving.serve(listen, sock)
        finally:
            supervisor.stop()
            self.stdout.write("Solidarity stopped.")

    def announce_sms(self) -> None:
        names = [backend.name for backend in configured_backends()]
        if not names:
            self.stdout.write(
                "SMS not configured: no text messages go out or come in (an admin can enter a provider "
                "in Settings, Text messages; or see SOLIDARITY_SMS_BACKEND)."
            )
        elif "loopback" in names:
            self.stderr.write(
                "WARNING: LOOPBACK SMS. Texts are written in the clear to "
                f"{Path(settings.HOME) / 'sms-outbox.jsonl'} and never leave this computer. For trying Solidarity "
                "out only: never with real people's numbers."
            )
        else:
            self.stdout.write(f"SMS through: {', '.join(names)}")

    def announce(self, listen: serving.Listen, seconds: float) -> None:
        self.stdout.write(f"Solidarity is running at {listen.url} (ready in {seconds:.1f} s; Ctrl-C stops it)")
        self.stdout.write(f"Data folder: {settings.HOME}")
        if not listen.is_local and not listen.tls_cert:
            self.stderr.write(
                "WARNING: listening beyond this computer without HTTPS. Browsers refuse passkeys and secure "
                "cookies over plain HTTP, and anyone on the network can read what is sent. Use --tls-cert and "
                "--tls-key, or a reverse proxy with HTTPS (see README)."
            )
        self.announce_sms()
        if needs_first_admin():
            base = listen.url.rstrip("/").replace("0.0.0.0", "127.0.0.1")  # noqa: S104  (a link, not a bind)
            link = do_issue_setup_link().link(base_url=base)
            self.stdout.write("")
            self.stdout.write("No admin yet. Open this one-time link to set up the network and its first admin:")
            self.stdout.write(f"  {link}")
            self.stdout.write("")
        self.stdout.flush()


def prepare() -> None:
    """Bring the database and static files up to date. Quiet unless something is wrong."""
    reach_database()
    call_command("migrate", interactive=False, verbosity=0)  # also creates the database cache's table
    collect_static()


def prepare_apart() -> None:
    """prepare() in a child process, forked before the server loads anything more: what it loads and leaves
    behind (the migration graph, and on a first start the migrations run and the static files compressed)
    goes with the child instead of staying in the web server (measured: 6 MB PSS on a start with nothing to
    do, 80 MB on a first start).
    A CommandError in the child is raised here, in the same words."""
    sys.stdout.flush()
    sys.stderr.flush()
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running the parent's exit handlers
        os.close(reading)
        problem = ""
        try:
            prepare()
        except CommandError as error:
            problem = str(error) or "preparing the database failed"
        except BaseException:
            traceback.print_exc()
            problem = "preparing the database or the static files failed (the error is above)"
        finally:
            connections.close_all()
            os.write(writing, problem.encode())
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        problem = pipe.read().decode()
    _pid, status = os.waitpid(pid, 0)
    if not problem and os.waitstatus_to_exitcode(status):
        problem = f"preparing the database or the static files stopped ({os.waitstatus_to_exitcode(status)})"
    if problem:
        raise CommandError(problem)


def static_fingerprint() -> str:
    """Names, sizes and times of every static source file: unchanged means nothing to collect."""
    digest = hashlib.sha256()
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            stat = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static() -> None:
    """Collect and compress static files, only when they changed since the last start."""
    stamp = Path(settings.STATIC_ROOT) / ".fingerprint"
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
