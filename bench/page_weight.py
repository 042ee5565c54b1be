"""What the public home page costs a phone: the page and every asset it loads.

    uv run python bench/page_weight.py

Starts `solidarity up` on an empty home, fetches /en/ and /es/ as a browser would
(gzip accepted), follows every stylesheet, script and icon the HTML names, and
prints bytes on the wire against the 100 KB budget (a ratio), plus the uncompressed size.
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
        finally:
            up.terminate()
            up.wait(timeout=30)


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
