"""How long `solidarity up` takes to serve, against the bare cost of starting Django.

    uv run python bench/startup.py [--runs 3]

Baseline: `solidarity manage check` (interpreter + Django set-up, no server).
Measured: from launching `solidarity up` on an empty SOLIDARITY_HOME (cold: keys,
migrations, static files) and on the same home again (warm) until /healthz answers
200 (database and worker both fine) and /en/ and /es/ answer 200.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def env_for(home: Path) -> dict[str, str]:
    dropped = {"DJANGO_SETTINGS_MODULE", "SOLIDARITY_DATABASE_URL", "SOLIDARITY_REDIS_URL"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env["SOLIDARITY_HOME"] = str(home)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def baseline(home: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "solidarity", "manage", "check"],
        env=env_for(home),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def time_to_serve(home: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    up = subprocess.Popen(
        [sys.executable, "-m", "solidarity", "up", "--port", str(port)],
        env=env_for(home),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - started > 60:
                raise SystemExit("up did not become healthy in 60 s")
            time.sleep(0.05)
        for path in ("/en/", "/es/"):
            assert httpx.get(f"http://127.0.0.1:{port}{path}").status_code == 200
        return time.perf_counter() - started
    finally:
        up.terminate()
        up.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    base, cold, warm = [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder)
            cold.append(time_to_serve(home))
            warm.append(time_to_serve(home))
            base.append(baseline(home))
    b, c, w = statistics.median(base), statistics.median(cold), statistics.median(warm)
    print(f"baseline (manage check): {b:.2f} s")
    print(f"up, empty home, to healthy: {c:.2f} s  ({c / b:.1f}x baseline)")
    print(f"up, warm home, to healthy:  {w:.2f} s  ({w / b:.1f}x baseline)")


if __name__ == "__main__":
    main()
