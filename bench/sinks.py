"""SMTP sinks for the broadcast benchmarks: each counts what it receives and throws it away.

    python   aiosmtpd in a process of its own (Python: about half a millisecond of CPU for each
             SMTP transaction); counts recipients, transactions and bytes; can wait before each 250 OK
    postfix  Postfix's smtp-sink (C, Debian's postfix package), started on 127.0.0.1 and read through
             its running counter (-c); counts transactions only

Both report the CPU time their process spent, so a table can say how much of the machine the sink took.
"""

import asyncio
import multiprocessing
import os
import shutil
import socket
import subprocess
import tempfile
import time
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path
from typing import Any

KINDS = ("python", "postfix")
LABELS = {"python": "aiosmtpd (Python)", "postfix": "Postfix smtp-sink (C)"}
SMTP_SINK = "/usr/sbin/smtp-sink"
RECIPIENTS, TRANSACTIONS, BYTES = range(3)  # what the Python sink counts, in a shared array


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sink:
    """A running sink on 127.0.0.1:`port`."""

    kind = ""
    port = 0
    pid = 0

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def transactions(self) -> int:
        """SMTP transactions ended with "." so far (a bulk message to ten recipients is one)."""
        raise NotImplementedError

    def recipients(self) -> int | None:
        """Recipients so far, where the sink counts them (None: it does not)."""
        return None

    def bytes(self) -> int | None:
        return None

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def wait_for(self, transactions: int, timeout: float = 600) -> bool:
        """Wait until the sink has counted `transactions` in all; False if `timeout` seconds passed first."""
        deadline = time.monotonic() + timeout
        while self.transactions() < transactions:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def close(self) -> None:
        raise NotImplementedError


class Counter:
    """An aiosmtpd handler that counts recipients, transactions and bytes, after `latency` seconds if asked."""

    def __init__(self, tally: "SynchronizedArray[int]", latency: float) -> None:
        self.tally, self.latency = tally, latency

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.latency:
            await asyncio.sleep(self.latency)
        with self.tally.get_lock():
            self.tally[RECIPIENTS] += len(envelope.rcpt_tos)
            self.tally[TRANSACTIONS] += 1
            self.tally[BYTES] += len(envelope.content)
        return "250 OK"


def run_python_sink(port: int, tally: "SynchronizedArray[int]", latency: float, ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(Counter(tally, latency), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class PythonSink(Sink):
    kind = "python"

    def __init__(self, latency: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self.tally: SynchronizedArray[int] = context.Array("q", 3)
        ready, self.stop = context.Event(), context.Event()
        self.port = free_port()
        self.process = context.Process(
            target=run_python_sink, args=(self.port, self.tally, latency, ready, self.stop), daemon=True
        )
        self.process.start()
        if not ready.wait(30):
            raise SystemExit("the aiosmtpd sink did not start")
        self.pid = self.process.pid or 0

    def transactions(self) -> int:
        return int(self.tally[TRANSACTIONS])

    def recipients(self) -> int | None:
        return int(self.tally[RECIPIENTS])

    def bytes(self) -> int | None:
        return int(self.tally[BYTES])

    def close(self) -> None:
        self.stop.set()
        self.process.join(timeout=10)


class PostfixSink(Sink):
    """smtp-sink -c: its counter line ("sess=N quit=N mesg=N", ended by a carriage return), read from a file.

    smtp-sink writes the line after every message. Read through a pipe, that was a thread waking
    for each message in the benchmark's process, which also sends (its Python lock shared with the
    senders); written to a file, the counter is read only when asked, from the file's last bytes.
    """

    kind = "postfix"

    def __init__(self, latency: float = 0.0) -> None:
        if latency:
            raise SystemExit("the postfix sink cannot wait before each 250 OK here: use --sink python")
        if not Path(SMTP_SINK).exists():
            raise SystemExit(f"{SMTP_SINK} is missing: apt-get install postfix (its smtp-sink is the C sink)")
        self.port = free_port()
        user = ["-u", "nobody"] if os.geteuid() == 0 else []  # smtp-sink refuses to run as root without it
        command = [SMTP_SINK, "-c", *user, "-m", "1000", f"127.0.0.1:{self.port}", "1024"]
        self.counter = tempfile.TemporaryFile()  # noqa: SIM115  (open while the sink runs; closed by close())
        self.process = subprocess.Popen(command, stdout=self.counter, stderr=subprocess.STDOUT)
        self.pid = self.process.pid
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("smtp-sink did not start")

    def transactions(self) -> int:
        size = os.fstat(self.counter.fileno()).st_size
        tail = os.pread(self.counter.fileno(), 256, max(size - 256, 0))
        for line in reversed(tail.split(b"\r")):
            if b"mesg=" in line and line.rsplit(b"mesg=", 1)[1].strip().isdigit():
                return int(line.rsplit(b"mesg=", 1)[1])
        return 0

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.counter.close()


def start(kind: str, latency: float = 0.0) -> Sink:
    if kind == "postfix":
        return PostfixSink(latency)
    return PythonSink(latency)


def available(kinds: list[str]) -> list[str]:
    """The kinds asked for; `postfix` needs Debian's postfix package."""
    if "postfix" in kinds and not Path(SMTP_SINK).exists() and shutil.which("smtp-sink") is None:
        raise SystemExit(f"{SMTP_SINK} is missing: apt-get install postfix (its smtp-sink is the C sink)")
    return kinds
