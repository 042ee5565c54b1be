# Mailman is installed in a venv of its own, not the project's: mypy cannot see it.
# mypy: disable-error-code="import-not-found"
"""GNU Mailman 3.3.10 delivering one announcement to many list members, timed on this machine.

    uv run python bench/mailman.py [--recipients 10000] [--runs 3] [--personalised-runs 1] [--wide 500]
        [--senders 1]

For comparison with bench/broadcast.py in the same run on the same machine: Mailman as a normal
install runs it, with every runner started by `mailman start` (master, in, pipeline, out, ...),
SQLite in a throwaway var dir, and the outgoing MTA pointed at an aiosmtpd sink on 127.0.0.1 in
a process of its own (as in bench/broadcast.py: it counts `len(envelope.rcpt_tos)` for each DATA
and throws the message away).

Self-contained: Mailman needs Python 3.9-3.12, so it is installed (`pip install mailman==3.3.10`)
into a venv of its own under ~/.cache/solidarity-bench, made once and reused. This file is also
the helper that runs inside that venv (`--inside setup|inject`), with Mailman's own API after
`mailman.core.initialize`, as `mailman shell` does.

Setup, not timed in the table: a domain and an announcement list, whose 10,000 members are
subscribed through `IMailingList.subscribe` with pre-verified addresses, regular delivery and no
welcome message; the sender is an accepted nonmember. A second list of one member warms the
runners up and shows they are running.

Timed: from the moment the helper has put the message in the 'in' queue (`inject_message`, as
`mailman inject` does) until the sink has counted every recipient. That takes in the runners'
polling (each sleeps 1 s when its queue is empty, the default: runs vary by a second or two), the
pipeline (rules, header cooking, the recipients read from the database, digest, ...), and the
delivery by the 'out' runner, which Mailman times itself in smtp.log ("SMTP delivery" in the
table: decorating, copying and sending; the rest is queues and pipeline). The modes:
  - bulk: the list not personalised; one message, `[mta] max_recipients` recipients per SMTP
    transaction (10, Mailman 3's default) over one connection;
  - bulk, --wide recipients per transaction (`max_recipients: 500`, Mailman 2's SMTP_MAX_RCPTS,
    as bench/broadcast.py's "Mailman's bulk mode" row assumes); 0 skips it;
  - personalised: the list's `personalize` set to `Personalization.full`: one message per member,
    each a deep copy decorated (footer) for that member, with the member in To:.
Solidarity, in the same run: between Mailman's bulk runs (max_recipients 10), bench/broadcast.py
--serve sends its personalised broadcast (each recipient greeted by number, with an unsubscribe
link of its own) to the same number of addresses through a sink of the same kind: the template
enqueue, then the worker with --senders senders, timed from the enqueue's start until its sink
counted the last message. Alternating the two keeps a machine that speeds up or slows down during
the run from favouring either; the table gives each run and the medians' ratio.
Everything else is Mailman's default: mailman.cfg sets only the paths, the sink as SMTP host, free
ports for the LMTP and REST runners, and the null MTA for incoming mail (no Postfix maps).
The announcement is bench/broadcast.py's, text + HTML in Spanish, about 3 KB, not greeted by
number (the list sends the same one to all).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path

import sinks as sink_kinds  # this folder's: the sinks, the machine and the text bench/broadcast.py uses
from broadcast import machine, written
from sinks import Sink, free_port

VERSION = "3.3.10"
VENV = Path.home() / ".cache" / "solidarity-bench" / f"mailman-{VERSION}"
DOMAIN = "network.example.org"
LIST = f"anuncios@{DOMAIN}"
WARMUP = f"calentamiento@{DOMAIN}"
FROM = f"Red de Apoyo <noreply@{DOMAIN}>"
FROM_ADDRESS = f"noreply@{DOMAIN}"


# The announcement.


def announcement(to: str) -> bytes:
    """bench/broadcast.py's announcement, not greeted by number, as one posting to the list `to` (about 3 KB)."""
    item = written(to, "", f"https://{DOMAIN}/es/unsubscribe")
    mime = MIMEMultipart("alternative")
    mime["Subject"] = item.subject
    mime["From"] = FROM
    mime["To"] = to
    mime["Date"] = formatdate(localtime=True)
    mime["Message-ID"] = make_msgid(domain=DOMAIN)
    mime["Content-Language"] = "es"
    mime.attach(MIMEText(item.text, "plain", "utf-8"))
    mime.attach(MIMEText(item.html, "html", "utf-8"))
    return mime.as_bytes()


# Inside Mailman's venv: `python bench/mailman.py --inside COMMAND CONFIG ...`, Mailman's own API.


def inside(command: str, config_path: str, argv: list[str]) -> None:
    here = Path(__file__).resolve().parent  # this file's folder is first on sys.path: it would shadow Mailman
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    from mailman.core.initialize import initialize

    initialize(config_path)
    if command == "setup":
        setup(int(argv[0]))
    elif command == "inject":
        inject(argv[0], argv[1])
    else:
        raise SystemExit(f"unknown command {command}")


def setup(recipients: int) -> None:
    """A domain, the announcement list with `recipients` members, and a warm-up list of one."""
    from mailman.app.lifecycle import create_list
    from mailman.config import config
    from mailman.interfaces.action import Action
    from mailman.interfaces.domain import IDomainManager
    from mailman.interfaces.member import DeliveryMode, MemberRole
    from mailman.interfaces.usermanager import IUserManager
    from mailman.utilities.datetime import now
    from zope.component import getUtility

    getUtility(IDomainManager).add(DOMAIN)
    users = getUtility(IUserManager)
    verified = now()
    sender = users.create_address(FROM_ADDRESS, "Red de Apoyo")
    sender.verified_on = verified
    for fqdn, members in ((LIST, [f"persona{n}@example.org" for n in range(recipients)]), (WARMUP, [f"warm@{DOMAIN}"])):
        mlist = create_list(fqdn)
        mlist.send_welcome_message = False
        mlist.admin_notify_mchanges = False
        mlist.subscribe(sender, MemberRole.nonmember).moderation_action = Action.accept
        for email in members:
            address = users.create_address(email)
            address.verified_on = verified
            member = mlist.subscribe(address, MemberRole.member, send_welcome_message=False)
            member.preferences.delivery_mode = DeliveryMode.regular
    config.db.commit()


def inject(fqdn: str, personalize: str) -> None:
    """Set the list's personalisation, then put the announcement in the 'in' queue; print when, and its Message-ID."""
    from email import message_from_bytes

    from mailman.app.inject import inject_message
    from mailman.config import config
    from mailman.email.message import Message
    from mailman.interfaces.listmanager import IListManager
    from mailman.interfaces.mailinglist import Personalization
    from zope.component import getUtility

    mlist = getUtility(IListManager).get(fqdn)
    mlist.personalize = Personalization[personalize]
    config.db.commit()
    msg = message_from_bytes(announcement(fqdn), Message)
    started = time.monotonic()  # one clock for every process on Linux
    inject_message(mlist, msg)
    print(started, msg["Message-ID"], flush=True)


# The benchmark, under the project's Python.


def mailman_venv() -> Path:
    """Mailman's venv, made with a Python it supports (3.9-3.12) the first time, reused after."""
    if (VENV / "bin" / "mailman").exists():
        return VENV
    check = "import sys, venv; sys.exit(not (3, 9) <= sys.version_info[:2] <= (3, 12))"
    candidates = [shutil.which(name) for name in ("python3.12", "python3.11", "python3.10")] + ["/usr/bin/python3"]
    fits = [c for c in candidates if c and subprocess.run([c, "-c", check], capture_output=True).returncode == 0]
    if not fits:
        raise SystemExit("Mailman 3.3.10 needs Python 3.9 to 3.12, with venv; none was found")
    python = fits[0]
    print(f"installing mailman=={VERSION} into {VENV} with {python}...", flush=True)
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    install = subprocess.run([VENV / "bin" / "pip", "install", f"mailman=={VERSION}"], capture_output=True, text=True)
    if install.returncode:
        raise SystemExit(f"pip install mailman=={VERSION} failed:\n{install.stdout}{install.stderr}")
    return VENV


def write_config(home: Path, smtp_port: int, max_recipients: int | None) -> Path:
    """mailman.cfg: everything under `home`, the sink as MTA, no MTA integration for incoming mail."""
    lines = [
        "[mailman]",
        "layout: here",
        f"site_owner: owner@{DOMAIN}",
        "[paths.here]",
        f"var_dir: {home / 'var'}",
        "[mta]",
        "incoming: mailman.mta.null.NullMTA",
        "smtp_host: 127.0.0.1",
        f"smtp_port: {smtp_port}",
        f"lmtp_port: {free_port()}",
        *([f"max_recipients: {max_recipients}"] if max_recipients is not None else []),
        "[webservice]",
        f"port: {free_port()}",
    ]
    path = home / "mailman.cfg"
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass(frozen=True)
class Delivery:
    seconds: float  # from injection until the sink counted the last transaction
    smtp_seconds: float  # of which the 'out' runner's delivery, as Mailman logs it in smtp.log
    transactions: int
    sink_cpu: float  # seconds of CPU the sink spent on it


@dataclass(frozen=True)
class Row:
    mode: str
    recipients: int
    runs: list[Delivery]

    @property
    def seconds(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def smtp_seconds(self) -> float:
        return statistics.median(run.smtp_seconds for run in self.runs)


def helper(venv: Path, home: Path, *argv: str) -> "subprocess.Popen[str]":
    """This file run inside Mailman's venv (`--inside COMMAND`), on the configuration under `home`."""
    command = [str(venv / "bin" / "python"), __file__, "--inside", argv[0], str(home / "mailman.cfg"), *argv[1:]]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=home)


class Bench:
    """Mailman under `home`, delivering to `sink`."""

    def __init__(self, venv: Path, home: Path, sink: Sink) -> None:
        self.venv, self.home, self.sink = venv, home, sink
        self.config = home / "mailman.cfg"

    def helper(self, *argv: str) -> "subprocess.Popen[str]":
        return helper(self.venv, self.home, *argv)

    def mailman(self, *argv: str) -> None:
        root = ["--run-as-root"] if os.geteuid() == 0 else []  # Mailman refuses root without it
        command = [str(self.venv / "bin" / "mailman"), "-C", str(self.config), *root, *argv]
        log = self.home / "mailman-command.log"  # not a pipe: the master it starts would hold it open
        with log.open("w") as out:
            failed = subprocess.run(command, cwd=self.home, stdout=out, stderr=subprocess.STDOUT).returncode
        if failed:
            raise SystemExit(f"{' '.join(command)} failed:\n{log.read_text()}")

    def start(self, max_recipients: int | None) -> None:
        """`mailman start` (the master and all its runners), then a posting to the warm-up list."""
        write_config(self.home, self.sink.port, max_recipients)
        self.mailman("start")
        self.deliver(WARMUP, "none", 1, 1, timeout=120)

    def stop(self) -> None:
        self.mailman("stop")
        pid = self.home / "var" / "master.pid"
        deadline = time.monotonic() + 60
        while pid.exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(f"{p.name}:\n{p.read_text()[-3000:]}" for p in (self.home / "var" / "logs").glob("*.log"))

    def deliver(self, fqdn: str, personalize: str, count: int, transactions: int, timeout: float = 600) -> Delivery:
        """Inject one posting to `fqdn` and wait until the sink has counted its `transactions` to `count` recipients.

        A sink that counts recipients (the Python one) checks them too; the C sink counts transactions only.
        """
        before, recipients, cpu = self.sink.transactions(), self.sink.recipients(), self.sink.cpu()
        process = self.helper("inject", fqdn, personalize)
        if not self.sink.wait_for(before + transactions, timeout):
            counted = self.sink.transactions() - before
            raise SystemExit(f"{fqdn}: the sink counted {counted} of {transactions} transactions\n{self.logs()}")
        finished = time.monotonic()
        out, _ = process.communicate(timeout=60)
        if process.returncode:
            raise SystemExit(f"injecting into {fqdn} failed")
        started, message_id = out.split(maxsplit=1)
        time.sleep(1)  # nothing more should come, and smtp.log should have its line
        counted = self.sink.transactions() - before
        if counted != transactions:
            raise SystemExit(f"{fqdn}: the sink counted {counted} transactions, expected {transactions}")
        now = self.sink.recipients()
        if now is not None and recipients is not None and now - recipients != count:
            raise SystemExit(f"{fqdn}: the sink counted {now - recipients} recipients, expected {count}")
        return Delivery(
            finished - float(started), self.smtp_seconds(message_id.strip()), counted, self.sink.cpu() - cpu
        )

    def smtp_seconds(self, message_id: str) -> float:
        """How long the 'out' runner took to deliver `message_id`, by smtp.log ('... completed in N seconds')."""
        log = (self.home / "var" / "logs" / "smtp.log").read_text()
        found = re.findall(rf"{re.escape(message_id)} smtp to \S+ for \d+ recips, completed in ([\d.]+) seconds", log)
        if len(found) != 1:
            raise SystemExit(f"smtp.log has {len(found)} deliveries of {message_id}\n{self.logs()}")
        return float(found[0])

    def runs(
        self, mode: str, personalize: str, n: int, per_transaction: int, runs: int, between: "Solidarity | None" = None
    ) -> Row:
        """Mailman's `runs` deliveries in one mode; with `between`, Solidarity's broadcast after each."""
        row = Row(mode, n, [])
        for run in range(runs):
            done = self.deliver(LIST, personalize, n, -(-n // per_transaction))
            row.runs.append(done)
            print(
                f"  {mode}, run {run + 1} of {runs}: {done.seconds:.2f} s (SMTP delivery {done.smtp_seconds:.2f} s), "
                f"{done.transactions:,} SMTP transactions",
                flush=True,
            )
            if between is not None:
                between.run(run, runs)
        return row


class Solidarity:
    """bench/broadcast.py --serve: Solidarity's personalised broadcast to `n` addresses, once per `run`."""

    def __init__(self, n: int, senders: int, processes: int, sink: str) -> None:
        self.n, self.senders, self.processes = n, senders, processes
        self.runs: list[tuple[float, float, float]] = []  # (enqueue, send-out, CPU) seconds
        script = Path(__file__).with_name("broadcast.py")
        command = [sys.executable, str(script), "--serve", "--recipients", str(n), "--senders", str(senders)]
        command += ["--processes", str(processes), "--sink", sink]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == "ready":
                return
        raise SystemExit("bench/broadcast.py --serve did not start")

    def run(self, run: int, runs: int) -> None:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().split()
        if len(answer) != 3:
            raise SystemExit("bench/broadcast.py --serve failed")
        enqueue, send, cpu = (float(value) for value in answer)
        self.runs.append((enqueue, send, cpu))
        print(f"  Solidarity, run {run + 1} of {runs}: {enqueue + send:.2f} s (enqueue {enqueue:.2f} s)", flush=True)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)

    @property
    def seconds(self) -> float:
        return statistics.median(enqueue + send for enqueue, send, _cpu in self.runs)

    def row(self) -> str:
        """Solidarity's line for `table`: the same columns, SMTP delivery being its send-out."""
        runs = ", ".join(f"{enqueue + send:.2f}" for enqueue, send, _cpu in self.runs)
        send = statistics.median(send for _, send, _cpu in self.runs)
        cpu = statistics.median(cpu for _, _, cpu in self.runs) / self.n * 1e6
        how = f"{self.senders} senders" + (f" in each of {self.processes} processes" if self.processes > 1 else "")
        return (
            f"| Solidarity, personalised (enqueue + worker, {how}) | {self.n:,} | {self.n:,} | "
            f"{self.seconds:.2f} | {self.n / self.seconds:,.0f} | {send:.2f} | {runs} | {cpu:,.0f} |"
        )


def table(rows: list[Row], solidarity: Solidarity | None) -> str:
    lines = [
        "| mode | recipients | SMTP transactions | seconds | msg/s | of which SMTP delivery, s | runs, s "
        "| Solidarity's CPU, us/msg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for row in rows:
        if not row.runs:
            continue
        runs = ", ".join(f"{run.seconds:.2f}" for run in row.runs)
        lines.append(
            f"| {row.mode} | {row.recipients:,} | {row.runs[0].transactions:,} | {row.seconds:.2f} | "
            f"{row.recipients / row.seconds:,.0f} | {row.smtp_seconds:.2f} | {runs} |  |"
        )
    if solidarity is not None and solidarity.runs:
        lines.append(solidarity.row())
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--inside":
        inside(sys.argv[2], sys.argv[3], sys.argv[4:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each bulk mode; the table shows medians")
    parser.add_argument("--personalised-runs", type=int, default=1)
    parser.add_argument("--wide", type=int, default=500, help="max_recipients of the second bulk mode; 0 skips it")
    parser.add_argument(
        "--senders",
        type=int,
        default=1,
        help="Solidarity's OUTBOX_EMAIL_SENDERS (1: its own for a local relay; 0: Mailman only)",
    )
    parser.add_argument("--processes", type=int, default=1, help="Solidarity's SOLIDARITY_OUTBOX_EMAIL_PROCESSES")
    parser.add_argument(
        "--sink", choices=[*sink_kinds.KINDS, "both"], default="both", help="the Python sink, the C one, or both"
    )
    args = parser.parse_args()
    n = args.recipients
    kinds = sink_kinds.available(list(sink_kinds.KINDS) if args.sink == "both" else [args.sink])
    venv = mailman_venv()
    version = subprocess.run([venv / "bin" / "python", "--version"], capture_output=True, text=True).stdout.strip()
    mailman = f"Mailman {VERSION} on {version}"

    tables: list[tuple[Sink, list[Row], Solidarity | None]] = []
    with tempfile.TemporaryDirectory(prefix="mailman-bench-") as directory:
        home = Path(directory)
        print(f"machine: {machine()}; {mailman}; Mailman's home (SQLite) in {home}")
        started = time.monotonic()
        write_config(home, free_port(), None)
        if helper(venv, home, "setup", str(n)).wait():
            raise SystemExit("setting up the list failed")
        print(f"list of {n:,} members set up in {time.monotonic() - started:.1f} s", flush=True)
        for kind in kinds:  # one sink after the other, Mailman and Solidarity alternating against each
            sink = sink_kinds.start(kind)
            print(f"{sink.label} on 127.0.0.1:{sink.port}", flush=True)
            bench = Bench(venv, home, sink)
            solidarity = Solidarity(n, args.senders, args.processes, kind) if args.senders else None
            rows: list[Row] = []
            bench.start(None)
            try:
                default = "bulk, max_recipients 10 (the default)"
                rows.append(bench.runs(default, "none", n, 10, args.runs, solidarity))
                personalised = "personalised (Personalization.full)"
                rows.append(bench.runs(personalised, "full", n, 1, args.personalised_runs))
            finally:
                bench.stop()
            if args.wide:
                bench.start(args.wide)
                try:
                    rows.append(bench.runs(f"bulk, max_recipients {args.wide}", "none", n, args.wide, args.runs))
                finally:
                    bench.stop()
            if solidarity is not None:
                solidarity.close()
            sink.close()
            tables.append((sink, rows, solidarity))

    print()
    command = " ".join(["uv run python bench/mailman.py", *sys.argv[1:]])
    print(f"{datetime.now().astimezone().date().isoformat()}, `{command}`, {machine()}; {mailman}")
    print(
        "seconds: from the posting put in Mailman's 'in' queue until the sink counted its last transaction "
        + ("(median)" if args.runs > 1 else "(one run)")
        + "; SMTP delivery: the 'out' runner's, from smtp.log"
    )
    for sink, rows, solidarity in tables:
        print(f"\n{sink.label}:\n")
        print(table(rows, solidarity))
        if solidarity is not None and rows[0].runs:
            print(
                f"\nMailman's default bulk mode / Solidarity personalised, medians of the alternating runs: "
                f"{rows[0].seconds:.2f} s / {solidarity.seconds:.2f} s = {rows[0].seconds / solidarity.seconds:.2f}"
            )


if __name__ == "__main__":
    main()
