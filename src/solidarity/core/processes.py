"""Child processes never outlive the process that started them, and a long-running one settles in."""

import contextlib
import ctypes
import gc
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to send this process SIGTERM when its parent dies, even by SIGKILL (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def on_stop_signal(act: Callable[[], object]) -> None:
    """Run `act` once SIGTERM or SIGINT arrives: from a thread of its own, never inside the signal handler.

    Python runs a handler between two bytecodes of the main thread, wherever it is. A handler that set
    an Event itself was interrupted by a second signal (the parent's death, then its stop) while it
    held the event's lock, and the second waited on that lock for ever: a mail process outlived its
    worker by 39 minutes in CI. Here the handler only writes a byte to a pipe.
    """
    read, write = os.pipe()
    os.set_blocking(write, False)

    def relay() -> None:
        os.read(read, 1)
        act()

    threading.Thread(target=relay, name="stop signal", daemon=True).start()

    def handle(signum: int, frame: object) -> None:
        with contextlib.suppress(BlockingIOError):  # the pipe is full: a stop is on its way already
            os.write(write, b"!")

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def settle() -> None:
    """Load what the first request would (the URL conf and every view it names), then keep what is loaded
    out of the garbage collector's way: a full collection walks every object, and with Django's some
    million of them it paused a web process 50-140 ms, in the middle of a stack keeper's tap."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (loading is the point)
    gc.collect()
    gc.freeze()
    trim_heap()


def trim_heap() -> None:
    """Give the C heap's free pages back to the system: loading frees much of what it allocated, and glibc
    keeps the pages (measured after start-up: 3 MB in the web process, 3-6 MB in the worker). A C library
    without the call (musl) has nothing to give back this way."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


class Supervisor:
    """Runs `solidarity <command...>` as a child process and starts it again if it dies, until stopped."""

    def __init__(self, command: list[str], name: str) -> None:
        self.command, self.name = command, name
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self.watch, name=f"supervisor: {self.name}", daemon=True).start()

    def spawn(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "solidarity", *self.command]  # ours, never a user's words
        return subprocess.Popen(command, preexec_fn=die_with_parent, env=os.environ.copy())  # noqa: S603

    def watch(self) -> None:
        while not self.stopping.is_set():
            self.child = self.spawn()
            code = self.child.wait()
            if self.stopping.is_set():
                return
            sys.stderr.write(f"solidarity: {self.name} stopped (exit {code}); restarting it\n")
            sys.stderr.flush()
            self.stopping.wait(1.0)

    def stop(self) -> None:
        self.stopping.set()
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
