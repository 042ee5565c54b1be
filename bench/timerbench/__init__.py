"""bench/timers.py's handlers, installed in the bench's worker (timerbench.settings)."""
