"""What a process loads: the worker links to pages without building the JSON API, and no process on SQLite
loads the PostgreSQL, Redis, video, image, PDF, QR code, iCalendar, HTTP client or proof-of-work libraries
before it needs them (bench/footprint.py measures the memory)."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, command_env

LOADED = """
import json, sys
import django
django.setup()
from django.urls import reverse
from solidarity.core.processes import settle
settle()  # what the worker and the web load before their first job or request
link = reverse("lists:subscribe", args=["vecinas"])
heavy = ["solidarity.config.api", "av", "redis", "psycopg", "fpdf", "icalendar", "httpx", "PIL", "segno", "altcha"]
print(json.dumps({"link": link, "loaded": [name for name in heavy if name in sys.modules]}))
"""


def loaded(home: Path, **extra: str) -> dict[str, object]:
    env = command_env(home, DJANGO_SETTINGS_MODULE="solidarity.config.settings", **extra)
    done = subprocess.run(
        [sys.executable, "-c", LOADED], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    answer: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return answer


def test_the_worker_links_to_pages_without_loading_the_api(tmp_path: Path) -> None:
    seen = loaded(tmp_path, SOLIDARITY_WORKER="1")
    assert seen["link"] == "/en/lists/vecinas/"
    assert seen["loaded"] == []


def test_a_web_process_on_sqlite_loads_the_api_but_no_postgresql_redis_or_video_library(tmp_path: Path) -> None:
    seen = loaded(tmp_path)
    assert seen["link"] == "/en/lists/vecinas/"
    assert seen["loaded"] == ["solidarity.config.api"]
