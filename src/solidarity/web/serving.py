"""Serving the ASGI app with uvicorn, for `up` and `web`."""

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from django.core.management.base import CommandError, CommandParser
from uvicorn.supervisors.multiprocess import Multiprocess

APP = "solidarity.config.asgi:application"


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    tls_cert: Path | None
    tls_key: Path | None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/"

    @property
    def is_local(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def add_listen_arguments(parser: CommandParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--tls-cert", type=Path, help="TLS certificate (PEM) to serve HTTPS")
    parser.add_argument("--tls-key", type=Path, help="TLS private key (PEM) to serve HTTPS")


def listen_from(options: dict[str, object]) -> Listen:
    cert, key = options.get("tls_cert"), options.get("tls_key")
    if bool(cert) != bool(key):
        raise CommandError("--tls-cert and --tls-key go together")
    for path in (cert, key):
        if isinstance(path, Path) and not path.is_file():
            raise CommandError(f"{path}: no such file")
    port = options["port"]
    if not isinstance(port, int) or not 0 < port < 65536:
        raise CommandError("--port must be between 1 and 65535")
    return Listen(
        str(options["host"]), port, cert if isinstance(cert, Path) else None, key if isinstance(key, Path) else None
    )


def bind(listen: Listen) -> socket.socket:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listen.host, listen.port))
    except OSError as error:
        sock.close()
        raise CommandError(f"cannot listen on {listen.host}:{listen.port}: {error.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(listen: Listen, sock: socket.socket, workers: int = 1) -> None:
    """Serve until SIGINT or SIGTERM; several processes share the socket when workers > 1."""
    config = uvicorn_config(listen, workers)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


def uvicorn_config(listen: Listen, workers: int) -> uvicorn.Config:
    return uvicorn.Config(
        APP,
        host=listen.host,
        port=listen.port,
        ssl_certfile=str(listen.tls_cert) if listen.tls_cert else None,
        ssl_keyfile=str(listen.tls_key) if listen.tls_key else None,
        workers=workers,
        lifespan="off",
        ws="none",  # live pages use Server-Sent Events: no WebSocket library loaded (1.4 MB), nor its attack surface
        access_log=False,  # an access log would keep addresses and paths: Solidarity keeps neither
        log_config=None,  # uvicorn's messages go through Solidarity's logging, and its filter
        log_level="warning",
        timeout_graceful_shutdown=3,  # live pages hold connections open: do not wait on them
        proxy_headers=False,
    )
