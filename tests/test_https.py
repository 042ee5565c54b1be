"""Beyond localhost, Solidarity serves HTTPS itself: secure cookies and HSTS follow."""

import datetime
import ipaddress
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from solidarity.web.serving import Listen
from tests.conftest import command_env, free_port, migrated, solidarity


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.mark.slow
def test_up_with_a_certificate_serves_https_with_hsts_and_secure_cookies(
    tmp_path: Path, stop_processes: list[subprocess.Popen[str]]
) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    up = solidarity(
        "up", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key), env=command_env(migrated(tmp_path))
    )
    stop_processes.append(up)
    client = httpx.Client(verify=False, base_url=f"https://127.0.0.1:{port}")  # noqa: S501  (our own test certificate)
    for _ in range(300):
        try:
            response = client.get("/en/accounts/login/")
            break
        except httpx.TransportError:
            subprocess.run(["sleep", "0.1"], check=True)
    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=")
    cookies = response.headers.get_list("set-cookie")
    assert cookies
    assert all("Secure" in cookie for cookie in cookies)
    up.send_signal(signal.SIGTERM)
    output, _ = up.communicate(timeout=30)
    assert f"https://127.0.0.1:{port}/" in output


@pytest.mark.parametrize(
    ("host", "local"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.0.0.5", False)],  # noqa: S104
)
def test_up_knows_when_it_listens_beyond_this_computer(host: str, local: bool) -> None:
    assert Listen(host, 8000, None, None).is_local is local
