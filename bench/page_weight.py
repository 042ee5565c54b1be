"""What the public pages cost a phone: each page and every asset it loads.

    uv run python bench/page_weight.py

Starts `solidarity up` on an empty home, fetches the home page as a browser would (gzip
accepted), follows every stylesheet, script and icon the HTML names, and prints bytes on the
wire against the 100 KB budget (a ratio), plus the uncompressed size. Then it loads the demo
and a directory of DIRECTORY_SIZE fictional public resources (each with two phones, zones and a
dated session: a big network's directory), and weighs the public pages people reach from a
flyer or a text: the home page with its pinned resources, the directory unfiltered and filtered
by need, a resource's page, and the public report form.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 100 * 1024
DIRECTORY_SIZE = 120
PAGES = (
    "/en/",
    "/es/",
    "/en/resources/",
    "/es/resources/",
    "/es/resources/?kind=dental",
    "/es/resources/demo-campus-dental/",
    "/es/flyers/",
    "/es/report/",
)

# A big directory, written through the directory's own services (fictional organisations, 555-01xx numbers).
FILL = f"""
from datetime import timedelta
from django.utils import timezone
from solidarity.accounts.models import User, WorkingGroup
from solidarity.directory.models import Kind
from solidarity.directory.services import ResourceValues, do_add_phone, do_add_session, do_save_resource
group = WorkingGroup.objects.get(slug="rapid-response")
keeper = User.objects.get(username="rosa.ejemplo")
kinds = [kind for kind in Kind.values if kind != "sanctuary"]
for number in range({DIRECTORY_SIZE}):
    values = ResourceValues(
        slug=f"bench-{{number}}", kind=kinds[number % len(kinds)],
        name_en=f"Neighbourhood resource number {{number}} (bench)",
        name_es=f"Recurso del barrio número {{number}} (bench)",
        offers_en="Free help, in English and Spanish, for anyone who asks; no ID asked.",
        offers_es="Ayuda gratis, en inglés y en español, para quien la pida; no piden identificación.",
        is_free=True, no_id_asked=True, languages=("en", "es"), is_public=True, zones=("east-durham",),
        hours_en="Monday to Friday, 9 am to 5 pm", hours_es="De lunes a viernes, de 9 a 17",
    )
    resource = do_save_resource(group, values, by=keeper)
    do_add_phone(resource, f"+1919555{{number % 100:04d}}", by=keeper, is_24h=number % 3 == 0)
    do_add_phone(resource, f"+1984555{{number % 100:04d}}", by=keeper)
    do_add_session(resource, timezone.localdate() + timedelta(days=number % 30), by=keeper, note_en="Open day")
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOLIDARITY_", "DJANGO_"))}
        env["SOLIDARITY_HOME"] = home
        up = subprocess.Popen(
            [sys.executable, "-m", "solidarity", "up", "--port", "8791"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client = httpx.Client(base_url="http://127.0.0.1:8791", headers={"accept-encoding": "gzip, br"})
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code in {200, 503}:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            for page in ("/en/", "/es/"):
                measure(client, page)
            load(env)
            for page in PAGES:
                measure(client, page)
        finally:
            up.terminate()
            up.wait(timeout=30)


def load(env: dict[str, str]) -> None:
    """The demo (its pinned resources), then a big directory."""
    for command in (["demo"], ["manage", "shell", "-c", FILL]):
        subprocess.run(
            [sys.executable, "-m", "solidarity", *command], env=env, cwd=ROOT, check=True, capture_output=True
        )


def measure(client: httpx.Client, page: str) -> None:
    response = client.get(page)
    urls = [page, *re.findall(r'(?:href|src)="(/static/[^"]+)"', response.text)]
    wire = raw = 0
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        wire += int(asset.headers.get("content-length") or len(asset.content))
        raw += len(asset.content)
        print(
            f"  {url}: {asset.headers.get('content-encoding', 'identity')}, "
            f"{int(asset.headers.get('content-length') or 0)} bytes on the wire"
        )
    print(
        f"{page}: {len(urls)} requests, {wire / 1024:.1f} KB on the wire ({wire / BUDGET:.2f} of the 100 KB budget),"
        f" {raw / 1024:.1f} KB uncompressed"
    )


if __name__ == "__main__":
    main()
