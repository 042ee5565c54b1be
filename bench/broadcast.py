"""One personalised announcement to many email recipients: Solidarity's outbox against a plain smtplib loop.

    uv run python bench/broadcast.py [--recipients 10000] [--senders 1] [--latency-ms 0] [--runs 1]
        [--profile [tottime|cumulative]] [--skip-openpgp] [--keys N] [--serve [--openpgp]]

Self-contained: a throwaway SOLIDARITY_HOME with a fresh SQLite database, and an aiosmtpd
sink on 127.0.0.1 in a process of its own, as a mail server is (it counts each message and
discards it; --latency-ms makes it wait before each 250 OK, like a distant relay). Every
recipient gets the same announcement with an unsubscribe link of its own (in the text, the
HTML and List-Unsubscribe), text + HTML, about 3 KB.

Phases, each timed and reported in messages per second:
  a. baseline: build each message with the standard library's MIME classes and send it with
     smtplib over one reused connection; and the same with Django's EmailMultiAlternatives
     (`email_content`'s builder) for reference; and Mailman 3's bulk mode without Mailman: one
     message, not personalised, to 10 recipients per SMTP transaction (bench/mailman.py times
     Mailman itself);
  b. outbox enqueue: each message's content filled in from one `EmailTemplate`, as lists'
     broadcasts do (and, for reference, each built whole by `email_content`), then
     `enqueue_many` them all in one transaction;
  c. outbox send-out: `pump.drain` (one sender, one connection) until all are sent; then a
     second broadcast sent by the worker's own loop, `pump.run_forever`, with
     OUTBOX_EMAIL_SENDERS=--senders;
  d-f. the same with OpenPGP: every address has a public key of its own (Cv25519, made with
     `openpgp.generate_network_key`; --keys makes fewer, shared round-robin). The baseline
     builds, encrypts with `openpgp.Encryptor` and sends with smtplib.
"vs baseline" divides a phase's rate by its baseline's (a for b and c, d for e and f).

--serve is for bench/mailman.py, which alternates Mailman's runs with Solidarity's: after the
set-up it prints "ready", then for each line read from standard input runs b + c once (the
template enqueue, then the worker with --senders) and prints the seconds each took; with --openpgp,
to the addresses with a key of their own (e and f), so that two builds can be compared on it.
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import smtplib
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy
from email.message import Message as MimeMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import sinks as sink_kinds  # this folder's
from sinks import Sink

# Django and Solidarity are imported inside the functions: settings read the environment (the
# throwaway home, the sink's port) when they are first imported, so main() sets it up first.

FROM = "Red de Apoyo <noreply@network.example.org>"
FROM_ADDRESS = "noreply@network.example.org"
SITE = "https://network.example.org"
CHUNK = 1_000  # messages a big broadcast's enqueue commits at a time, the worker sending meanwhile
BULK = 10  # recipients per SMTP transaction in Mailman 3's bulk mode (its [mta] max_recipients default)


# The announcement.


@dataclass(frozen=True)
class Announcement:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    position: str
    link: str


def announcement(position: int, prefix: str) -> Announcement:
    link = f"{SITE}/es/unsubscribe/{os.urandom(18).hex()}"
    return written(f"{prefix}{position}@example.org", str(position), link)


def written(to: str, position: str, link: str) -> Announcement:
    """The announcement to `to`, greeted by number, with its own unsubscribe link (or a template's markers).

    Without a number it is the one announcement a list sends to all (bench/mailman.py).
    """
    greeting = f"Hola, compañera {position}:" if position else "Hola, compañera:"
    text = (
        f"{greeting}\n\n"
        "La asamblea del jueves será a las 19:00 en el local del sindicato (calle de la Acequia, 12).\n"
        "Hablaremos de la huelga de alquileres, del fondo de resistencia y de la acción del sábado.\n"
        "Trae agua, ánimo y a quien quiera sumarse. Habrá traducción y cuidado de niñas y niños.\n\n"
        + "Orden del día: 1. bienvenida; 2. informe de la comisión; 3. propuestas; 4. turnos.\n" * 3
        + f"\nPara no recibir más anuncios: {link}\n"
    )
    html = (
        f"<p>{greeting}</p>"
        "<p>La <b>asamblea del jueves</b> será a las 19:00 en el local del sindicato "
        "(calle de la Acequia, 12).</p>"
        "<p>Hablaremos de la huelga de alquileres, del fondo de resistencia y de la acción del sábado.</p>"
        "<p>Trae agua, ánimo y a quien quiera sumarse. Habrá traducción y cuidado de niñas y niños.</p>"
        + "<ol><li>bienvenida</li><li>informe de la comisión</li><li>propuestas</li><li>turnos</li></ol>" * 3
        + f'<p><a href="{link}">Dejar de recibir anuncios</a></p>'
    )
    headers = {
        "List-Id": "Anuncios <anuncios.network.example.org>",
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return Announcement(to, "Asamblea del jueves: huelga de alquileres", text, html, headers, position, link)


# Phases.


@dataclass(frozen=True)
class Row:
    name: str
    seconds: float
    count: int
    baseline: str = ""  # the name of the row this one is compared with
    cpu: float = 0.0  # CPU seconds of this process (the sender: the loop, or the outbox's worker threads)
    sink_cpu: float = 0.0  # CPU seconds of the sink's process

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def __add__(self, other: "Row") -> "Row":
        return replace(
            self,
            seconds=self.seconds + other.seconds,
            cpu=self.cpu + other.cpu,
            sink_cpu=self.sink_cpu + other.sink_cpu,
        )


def timed(sink: Sink, name: str, count: int, work: Callable[[], Any], baseline: str, *, sends: int = 0) -> Row:
    """Run one phase; check that the sink received `sends` SMTP transactions (0: the phase sends nothing)."""
    before, sink_before, cpu_before = sink.transactions(), sink.cpu(), time.process_time()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    if sends and not sink.wait_for(before + sends, timeout=10):
        raise SystemExit(f"{name}: the sink received {sink.transactions() - before} transactions, expected {sends}")
    row = Row(name, seconds, count, baseline, time.process_time() - cpu_before, sink.cpu() - sink_before)
    print(f"  {name}: {row.seconds:.2f} s, {row.rate:,.0f} msg/s", flush=True)
    return row


def plain_mime(item: Announcement) -> MimeMessage:
    """The message as a hand-written sender would build it: the standard library's MIME classes."""
    mime = MIMEMultipart("alternative")
    mime["Subject"] = item.subject
    mime["From"] = FROM
    mime["To"] = item.to
    mime["Date"] = formatdate(localtime=True)
    mime["Message-ID"] = make_msgid(domain="network.example.org")
    for name, value in item.headers.items():
        mime[name] = value
    mime["Content-Language"] = "es"
    mime.attach(MIMEText(item.text, "plain", "utf-8"))
    mime.attach(MIMEText(item.html, "html", "utf-8"))
    return mime


def django_mime(item: Announcement) -> MimeMessage:
    """The message as the outbox builds it (mail.email_content): Django's EmailMultiAlternatives."""
    from django.core.mail import EmailMultiAlternatives

    mail = EmailMultiAlternatives(item.subject, item.text, FROM, [item.to], headers=item.headers)
    mail.attach_alternative(item.html, "text/html")
    mime: MimeMessage = mail.message(policy=policy.SMTP)
    mime["Content-Language"] = "es"
    return mime


def smtplib_loop(
    sink: Sink,
    announcements: list[Announcement],
    build: Callable[[Announcement], MimeMessage],
    encrypt: Callable[[str, str], str] | None = None,
) -> None:
    """Build each message and send it over one connection; encrypt its text first if asked."""
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for item in announcements:
            mime = build(item)
            if encrypt is None:
                # SMTP wants CRLF line ends: each message keeps its own policy otherwise.
                data = mime.as_bytes(policy=mime.policy.clone(linesep="\r\n"))
            else:
                data = encrypt(mime.as_string(), item.to).replace("\n", "\r\n").encode()
            smtp.sendmail(FROM_ADDRESS, [item.to], data)


def smtplib_bulk(sink: Sink, announcements: list[Announcement], per_transaction: int = BULK) -> None:
    """Mailman's bulk mode without Mailman: one message, not personalised, to many recipients per transaction."""
    mime = plain_mime(announcements[0])
    data = mime.as_bytes(policy=mime.policy.clone(linesep="\r\n"))
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for start in range(0, len(announcements), per_transaction):
            chunk = announcements[start : start + per_transaction]
            smtp.sendmail(FROM_ADDRESS, [item.to for item in chunk], data)


def enqueue(announcements: list[Announcement], key: str, *, whole: bool = False, chunk: int = 0) -> None:
    """Queue one message per announcement in one transaction (or one per `chunk`), as lists' broadcasts do.

    The message is built once as an `EmailTemplate` and filled in per recipient (its number and
    link); with `whole`, each is built whole by `email_content`, as any single email is.
    """
    from django.db import transaction

    from solidarity.messaging import mail, services
    from solidarity.messaging.models import Channel
    from solidarity.messaging.priority import Priority

    marked = written(mail.slot("to"), mail.slot("n"), mail.slot("link"))
    template = mail.EmailTemplate(
        subject=marked.subject,
        text=marked.text,
        html=marked.html,
        language="es",
        raw_headers=marked.headers,
        from_email=FROM,
        slots=("n", "link"),
    )

    def content(item: Announcement) -> dict[str, Any]:
        if not whole:
            return template.content(item.to, n=item.position, link=item.link)
        return mail.email_content(
            to=item.to,
            subject=item.subject,
            text=item.text,
            html=item.html,
            language="es",
            raw_headers=item.headers,
            from_email=FROM,
        )

    size = chunk or len(announcements)
    for start in range(0, len(announcements), size):
        outgoing = [
            services.Outgoing(
                channel=Channel.EMAIL,
                to=item.to,
                content=content(item),
                idempotency_key=f"bench:{key}:{start + position}",
                language="es",
                priority=Priority.ANNOUNCEMENT,
                batch=f"bench:{key}",
            )
            for position, item in enumerate(announcements[start : start + size])
        ]
        # As lists' job: built and encrypted before the transaction; the addresses are looked at when sent.
        prepared = services.prepare_many(outgoing, check_addresses=False)
        with transaction.atomic():
            prepared.insert()


def overlapped(plan: "Plan", announcements: list[Announcement], key: str, processes: int) -> Callable[[], None]:
    """The worker sending while the messages are queued in committed chunks of CHUNK, as a big broadcast goes.

    Returns the phase's work; the worker's processes are made (and set up) before, off the clock.
    """
    worker = Worker(plan.sink, plan.senders, processes)

    def work() -> None:
        sending = threading.Thread(target=worker.send, args=(len(announcements),))
        sending.start()
        enqueue(announcements, key, chunk=CHUNK)
        sending.join()

    work.worker = worker  # type: ignore[attr-defined]  (its `cpu`, read after)
    return work


def drain() -> None:
    """Send out everything queued with `pump.drain`: one sender, one connection, in this thread."""
    from solidarity.messaging import pump
    from solidarity.messaging.models import Channel

    pump.drain(Channel.EMAIL)


def mail_process(port: int, senders: int, ready: Any, go: Any, stop: Any) -> None:
    """One more process sending the outbox's email, as `solidarity worker --mail-only` does, to the sink on `port`."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    from solidarity.messaging import pump
    from solidarity.messaging.models import Channel

    transport = settings.MAILERS["transport"]
    options = {**transport["OPTIONS"], "host": "127.0.0.1", "port": port}
    mailers = {**settings.MAILERS, "transport": {**transport, "OPTIONS": options}}
    with override_settings(MAILERS=mailers, OUTBOX_EMAIL_SENDERS=senders):
        ready.set()
        go.wait()
        pump.run_forever(Channel.EMAIL, stop)


class Worker:
    """The worker's send-out: `pump.run_forever` in this process and, with `processes` above 1, in more.

    The other processes stand for SOLIDARITY_OUTBOX_EMAIL_PROCESSES: made and set up when this is
    made, before any clock starts, they begin when `send` does. `cpu` is what they spent sending.
    """

    def __init__(self, sink: Sink, senders: int, processes: int = 1) -> None:
        import multiprocessing

        self.sink, self.senders, self.cpu = sink, senders, 0.0
        context = multiprocessing.get_context("spawn")
        self.go, self.stop_others = context.Event(), context.Event()
        self.others = []
        for _ in range(processes - 1):
            ready = context.Event()
            process = context.Process(
                target=mail_process, args=(sink.port, senders, ready, self.go, self.stop_others), daemon=True
            )
            process.start()
            if not ready.wait(60):
                raise SystemExit("a mail process did not start")
            self.others.append(process)

    def send(self, count: int) -> None:
        """Until the sink has counted `count` more messages; then every sending process stops."""
        from django.db import connection
        from django.test import override_settings

        from solidarity.messaging import pump
        from solidarity.messaging.models import Channel

        def run(stop: threading.Event) -> None:
            try:
                pump.run_forever(Channel.EMAIL, stop)
            finally:
                connection.close()

        before = [sink_kinds.cpu_seconds(process.pid or 0) for process in self.others]
        target = self.sink.transactions() + count
        stop = threading.Event()
        with override_settings(OUTBOX_EMAIL_SENDERS=self.senders):
            thread = threading.Thread(target=run, args=(stop,))
            self.go.set()
            thread.start()
            while self.sink.transactions() < target and thread.is_alive():
                time.sleep(0.005)  # at most 5 ms late; a wake-up in the sending process takes Python's lock
            stop.set()
            self.stop_others.set()
            thread.join()
        after = [sink_kinds.cpu_seconds(process.pid or 0) for process in self.others]
        self.cpu = sum(after) - sum(before)
        for process in self.others:
            process.join(timeout=30)


def profiled(work: Callable[[], Any], order: str) -> Callable[[], None]:
    def run() -> None:
        profile = cProfile.Profile()
        profile.runcall(work)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(25)
        print(out.getvalue())

    return run


def check_sent(count: int) -> None:
    from solidarity.messaging.models import Message, State

    unsent = Message.objects.exclude(state=State.SENT).count()
    if unsent or Message.objects.count() != count:
        raise SystemExit(f"{unsent} messages were not sent")


def give_keys(announcements: list[Announcement], keys: int) -> None:
    """An OpenPGP public key for every address (`keys` distinct ones, shared round-robin)."""
    from solidarity.messaging import openpgp
    from solidarity.messaging.models import Address, Channel

    public = [openpgp.generate_network_key("Persona", f"key{n}@example.org").public_armored for n in range(keys)]
    summaries = [openpgp.key_summary(key) for key in public]  # as a confirmed key gets it (messaging.address_keys)
    rows = [
        Address(
            channel=Channel.EMAIL,
            address=item.to,
            openpgp_key=public[position % keys],
            openpgp_summary=summaries[position % keys],
        )
        for position, item in enumerate(announcements)
    ]
    Address.objects.bulk_create(rows, batch_size=500)


def size_the_network(population: int) -> None:
    """Tell the network how many addresses it holds, as its admin would, and rotate the keys to take it up.

    Blind indexes are truncated for the expected population (5,000 unless set): with 20,000
    addresses on the default each look-up would match, and decrypt, about ten rows.
    """
    from solidarity.core import keyring, keys
    from solidarity.core.services import do_update_network_settings, network_values

    do_update_network_settings(**{**network_values(), "expected_population": population})
    before = keyring.current()
    keys.rotate()
    for key_id in (before.aead.primary, before.index.primary):
        keys.retire(key_id)


def machine(database: str = "") -> str:
    """The machine for a table's heading: CPUs, memory, Python, the database (SQLite's version unless named), kernel."""
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024  # MemTotal, in KiB
    return (
        f"{os.cpu_count()} CPUs ({model}), {memory:.0f} GiB, Python {platform.python_version()}, "
        f"{database or f'SQLite {sqlite3.sqlite_version}'}, {platform.system()} {platform.release()}"
    )


def table(rows: list[Row]) -> str:
    rates = {row.name: row.rate for row in rows}
    lines = [
        "| phase | messages | seconds | msg/s | vs baseline | sender CPU, us/msg | sink CPU, us/msg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        ratio = row.rate / rates[row.baseline] if row.baseline else 1.0
        sink = f"{row.sink_cpu / row.count * 1e6:,.0f}" if row.sink_cpu else ""
        lines.append(
            f"| {row.name} | {row.count:,} | {row.seconds:.2f} | {row.rate:,.0f} | {ratio:.2f} | "
            f"{row.cpu / row.count * 1e6:,.0f} | {sink} |"
        )
    return "\n".join(lines)


def medians(runs: list[list[Row]]) -> list[Row]:
    return [
        replace(
            rows[0],
            seconds=statistics.median(row.seconds for row in rows),
            cpu=statistics.median(row.cpu for row in rows),
            sink_cpu=statistics.median(row.sink_cpu for row in rows),
        )
        for rows in zip(*runs, strict=True)
    ]


@dataclass(frozen=True)
class Plan:
    sink: Sink
    recipients: int
    senders: int
    processes: int  # of the worker's send-out (SOLIDARITY_OUTBOX_EMAIL_PROCESSES)
    profile: str  # a pstats sort order, or "" for no profile
    plain: list[Announcement]
    secret: list[Announcement]  # addresses with an OpenPGP key; none when OpenPGP is skipped


def one_run(plan: Plan, run: int) -> list[Row]:
    """Every phase once; the outbox is emptied afterwards."""
    from solidarity.messaging import services
    from solidarity.messaging.models import Address, Message
    from solidarity.messaging.openpgp import Encryptor

    sink, n, plain, secret = plan.sink, plan.recipients, plan.plain, plan.secret
    send = profiled(drain, plan.profile) if plan.profile and run == 0 else drain
    a, b, c = (
        "a. baseline: stdlib email + smtplib, 1 connection",
        "b. outbox enqueue, one template",
        "c. outbox send-out, pump.drain",
    )
    built_whole = "b. outbox enqueue, each message built whole"
    bulk = f"a. bulk: one message to {BULK} recipients per transaction, as Mailman's bulk mode"
    rows = [
        timed(sink, a, n, lambda: smtplib_loop(sink, plain, plain_mime), "", sends=n),
        timed(sink, "a. the same, built by Django", n, lambda: smtplib_loop(sink, plain, django_mime), a, sends=n),
        timed(sink, bulk, n, lambda: smtplib_bulk(sink, plain), a, sends=-(-n // BULK)),
        timed(sink, built_whole, n, lambda: enqueue(plain, f"{run}:w", whole=True), a, sends=0),
    ]
    Message.objects.all().delete()
    rows += [
        timed(sink, b, n, lambda: enqueue(plain, f"{run}:b"), a, sends=0),
        timed(sink, c, n, send, a, sends=n),
    ]
    check_sent(n)
    rows.append(replace(rows[-2] + rows[-1], name="b + c. outbox enqueue + send-out", baseline=a))
    enqueued = next(row for row in rows if row.name == b)
    rows += by_worker(plan, run, plain, "c. outbox send-out", "b + c. outbox enqueue + send-out", enqueued, a)
    if not secret:
        return rows

    keys = {row.address: str(row.openpgp_key) for row in Address.objects.all()}
    encryptor = Encryptor(str(services.network_key().secret))  # fresh: each key is parsed once, as in the outbox

    def encrypt(text: str, to: str) -> str:
        return encryptor.encrypt_text(text, keys[to])

    d, e, f = (
        "d. OpenPGP baseline: stdlib email + encrypt + smtplib",
        "e. OpenPGP outbox enqueue",
        "f. OpenPGP send-out",
    )
    rows += [
        timed(sink, d, n, lambda: smtplib_loop(sink, secret, plain_mime, encrypt), "", sends=n),
        timed(sink, e, n, lambda: enqueue(secret, f"{run}:e"), d, sends=0),
        timed(sink, f"{f}, pump.drain", n, send, d, sends=n),
    ]
    check_sent(n)
    rows.append(replace(rows[-2] + rows[-1], name="e + f. OpenPGP enqueue + send-out", baseline=d))
    enqueued = next(row for row in rows if row.name == e)
    rows += by_worker(plan, run, secret, f, "e + f. OpenPGP enqueue + send-out", enqueued, d)
    return rows


def by_worker(
    plan: Plan, run: int, announcements: list[Announcement], send: str, both: str, enqueued: Row, baseline: str
) -> list[Row]:
    """The send-out by the worker, in one process and then in `plan.processes`; each also added to the enqueue."""
    from solidarity.messaging.models import Message

    rows = []
    n = plan.recipients
    for processes in sorted({1, plan.processes}):
        Message.objects.all().delete()
        enqueue(announcements, f"{run}:{send}:{processes}")
        worker = Worker(plan.sink, plan.senders, processes)
        how = f"worker, {plan.senders} senders" + (f" in each of {processes} processes" if processes > 1 else "")
        row = timed(plan.sink, f"{send}, {how}", n, lambda: worker.send(n), baseline, sends=n)  # noqa: B023
        rows += [replace(row, cpu=row.cpu + worker.cpu), replace(enqueued + row, name=f"{both}, {how}")]
        rows[-1] = replace(rows[-1], cpu=rows[-1].cpu + worker.cpu, baseline=baseline)
        check_sent(n)
        Message.objects.all().delete()
        work = overlapped(plan, announcements, f"{run}:{send}:{processes}:overlapped", processes)
        name = f"{both}, at once: queued {CHUNK:,} at a time while the {how} sends"
        row = timed(plan.sink, name, n, work, baseline, sends=n)
        rows.append(replace(row, cpu=row.cpu + work.worker.cpu))  # type: ignore[attr-defined]
        check_sent(n)
    Message.objects.all().delete()
    return rows


def serve(plan: Plan, *, openpgp: bool = False) -> None:
    """One personalised broadcast per line of standard input: queued in chunks while the worker sends.

    Prints 0 (the enqueue is not timed apart: it overlaps the send-out), the seconds from the enqueue's
    start until the sink counted the last message, and the CPU seconds every sending process spent.
    """
    from solidarity.messaging.models import Message

    print("ready", flush=True)
    for run, _ in enumerate(sys.stdin):
        work = overlapped(plan, plan.secret if openpgp else plan.plain, f"serve:{run}", plan.processes)
        started, cpu = time.perf_counter(), time.process_time()
        work()
        spent = time.process_time() - cpu + work.worker.cpu  # type: ignore[attr-defined]
        seconds = (0.0, time.perf_counter() - started, spent)
        print(" ".join(f"{value:.3f}" for value in seconds), flush=True)
        check_sent(plan.recipients)
        Message.objects.all().delete()


@contextmanager
def delivering_to(sink: Sink) -> Iterator[None]:
    """The outbox's transport pointed at `sink` (MAILERS are read at each connection)."""
    from django.conf import settings
    from django.test import override_settings

    transport: dict[str, Any] = settings.MAILERS["transport"]
    options = {**transport["OPTIONS"], "host": "127.0.0.1", "port": sink.port}
    with override_settings(MAILERS={**settings.MAILERS, "transport": {**transport, "OPTIONS": options}}):
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument(
        "--senders", type=int, default=1, help="OUTBOX_EMAIL_SENDERS (1: the worker's own for a relay on this machine)"
    )
    parser.add_argument(
        "--processes", type=int, default=2, help="processes of the worker's send-out, beside one (1: only one)"
    )
    parser.add_argument("--keys", type=int, default=0, help="distinct OpenPGP keys (default: one per recipient)")
    parser.add_argument("--latency-ms", type=float, default=0, help="the sink waits this long before each 250 OK")
    parser.add_argument("--runs", type=int, default=1, help="repeat every phase; the table shows medians")
    parser.add_argument(
        "--sink", choices=[*sink_kinds.KINDS, "both"], default="both", help="the Python sink, the C one, or both"
    )
    parser.add_argument(
        "--profile", nargs="?", const="tottime", default="", help="print cProfile's top costs of the first send-outs"
    )
    parser.add_argument("--skip-openpgp", action="store_true")
    parser.add_argument("--serve", action="store_true", help="b + c once per line of standard input (bench/mailman.py)")
    parser.add_argument("--openpgp", action="store_true", help="with --serve: e + f instead of b + c")
    args = parser.parse_args()
    n = args.recipients
    kinds = sink_kinds.available(list(sink_kinds.KINDS) if args.sink == "both" else [args.sink])
    if args.serve and len(kinds) > 1:
        raise SystemExit("--serve takes one --sink")
    sinks = [sink_kinds.start(kind, args.latency_ms / 1000) for kind in kinds]

    with tempfile.TemporaryDirectory(prefix="solidarity-bench-") as home:
        for name in ("SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL"):
            os.environ.pop(name, None)
        os.environ["SOLIDARITY_HOME"] = home
        os.environ["SOLIDARITY_EMAIL_URL"] = f"smtp://127.0.0.1:{sinks[0].port}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "solidarity.config.settings"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        size_the_network(4 * n)  # plain and OpenPGP addresses, and room to grow

        print(f"machine: {machine()}")
        where = ", ".join(f"{sink.label} on 127.0.0.1:{sink.port}" for sink in sinks)
        print(f"{n:,} recipients; {where}, {args.latency_ms:g} ms per message; SQLite (WAL) in {home}")
        plain = [announcement(position, "person") for position in range(n)]
        with_keys = args.openpgp if args.serve else not args.skip_openpgp
        secret = [announcement(position, "pgp") for position in range(n)] if with_keys else []
        keys = args.keys or n
        if secret:
            print(f"making {keys:,} OpenPGP keys (Cv25519) for {n:,} addresses...", flush=True)
            give_keys(secret, keys)
        plans = [Plan(sink, n, args.senders, args.processes, args.profile, plain, secret) for sink in sinks]
        if args.serve:
            serve(plans[0], openpgp=args.openpgp)
            sinks[0].close()
            return
        runs: dict[str, list[list[Row]]] = {sink.kind: [] for sink in sinks}
        for run in range(args.runs):
            for plan in plans:  # the sinks take turns, run by run
                print(f"run {run + 1} of {args.runs}, {plan.sink.label}", flush=True)
                with delivering_to(plan.sink):
                    runs[plan.sink.kind].append(one_run(plan, run))
        for sink in sinks:
            sink.close()

    print()
    command = " ".join(["uv run python bench/broadcast.py", *sys.argv[1:]])
    print(f"{datetime.now().astimezone().date().isoformat()}, `{command}`, {machine()}")
    if secret:
        shared = "one key per recipient" if keys == n else f"{keys} keys shared round-robin"
        print(f"OpenPGP: Cv25519 recipient keys, {shared}; every message signed by the network key")
    print(("medians of {args.runs} runs" if args.runs > 1 else "one run").format(args=args))
    for sink in sinks:
        print(f"\n{sink.label}:\n")
        print(table(medians(runs[sink.kind])))


if __name__ == "__main__":
    main()
