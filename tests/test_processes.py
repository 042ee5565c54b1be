"""core.processes: how a process of Solidarity's stops when it is told to."""

import os
import signal
import subprocess
import sys
import time

CHILD = """
import threading, time
from solidarity.core.processes import on_stop_signal

stop = threading.Event()
on_stop_signal(stop.set)
print("ready", flush=True)
while not stop.wait(0.001):  # as the outbox's loop waits between polls
    pass
print("stopped", flush=True)
"""


def test_a_burst_of_stop_signals_stops_the_process_once_and_never_hangs_it() -> None:
    """The parent's death and then its stop send two SIGTERMs close together: neither may wedge the other."""
    for _attempt in range(20):  # the old handler (an Event set inside it) hung about one time in twenty
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        for _signal in range(200):
            os.kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if child.poll() is None:
            child.kill()
            raise AssertionError("a burst of SIGTERMs left the process waiting for ever")
        assert child.stdout.read().strip() == "stopped"  # the loop ended through its stop
        # A SIGTERM of the burst that arrives once Python is shutting down (its handlers reset) ends it as SIGTERM
        # would: either way it is gone.
        assert child.returncode in (0, -signal.SIGTERM)
