"""Child processes never outlive the process that started them, and a long-running one settles in."""

import ctypes
import gc
import os
import signal
import subprocess
import sys
import threading

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to send this process SIGTERM when its parent dies, even by SIGKILL (Linux)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


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
