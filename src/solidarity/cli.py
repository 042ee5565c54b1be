"""The `solidarity` command: one entry point for operators."""

import os
import sys

HELP = """\
usage: solidarity COMMAND [options]

Run a Solidarity network. Configuration comes from environment variables
(SOLIDARITY_HOME, SOLIDARITY_DATABASE_URL, ...): see README.md.

commands:
  up            run everything (web server and worker) in one command
  web           run only the web server (the scale path)
  worker        run only the background worker (the scale path)
  createadmin   make a network admin and print a one-time setup link
  token         create, list or revoke API tokens
  keys          show, rotate or retire the encryption keys
  backup        write one encrypted backup; restore brings it back
  audit         verify the tamper-evident audit log; print its signed head
  purge         delete personal data whose retention period is over
  incident      purge one incident and everything about it, for good
  demo          fill the network with fictional demo data
  manage        run any Django management command

examples:
  solidarity up
  solidarity up --host 0.0.0.0 --port 443 --tls-cert cert.pem --tls-key key.pem
  solidarity createadmin rosa --email rosa@example.org
  solidarity token create rosa --name backups
  solidarity manage migrate

Every command takes --help.
"""

COMMANDS = {
    "up",
    "web",
    "worker",
    "createadmin",
    "token",
    "keys",
    "backup",
    "restore",
    "audit",
    "purge",
    "incident",
    "demo",
    "manage",
}


def local_address(rest: list[str]) -> str:
    """Where `up` or `web` answers, for the links it sends while SOLIDARITY_URL is unset: the address they
    listen on (web.serving's arguments and defaults), a server on every interface reached here as 127.0.0.1."""
    from django.core.management.base import CommandError, CommandParser

    from solidarity.web.serving import Listen, add_listen_arguments

    parser = CommandParser(add_help=False)
    add_listen_arguments(parser)
    try:
        given, _rest = parser.parse_known_args(rest)
    except CommandError:  # a bad --port: the command itself says so; the default address meanwhile
        given, _rest = parser.parse_known_args([])
    host = "127.0.0.1" if given.host in {"0.0.0.0", "::", ""} else given.host  # noqa: S104  (every interface)
    return Listen(host, given.port, given.tls_cert, given.tls_key).url.rstrip("/")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(HELP, end="")
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"solidarity: unknown command {command!r}; see 'solidarity --help'", file=sys.stderr)
        return 2
    if command in {"up", "web"} and "--tls-cert" in rest:
        # Serving HTTPS implies secure cookies and HSTS, which settings read at import.
        os.environ["SOLIDARITY_HTTPS"] = "1"
    if command in {"up", "web"} and "SOLIDARITY_URL" not in os.environ:
        os.environ["SOLIDARITY_URL"] = local_address(rest)
    if command == "worker":
        # Settings read it: the worker's URL conf leaves out the JSON API (config.page_urls). Its own mail
        # senders, started as `solidarity worker --mail-only`, inherit it.
        os.environ["SOLIDARITY_WORKER"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarity.config.settings")
    os.umask(0o077)  # the database, keys and uploads are for the operator's eyes only

    import django
    from django.core.management import execute_from_command_line

    from solidarity.config.env import ConfigError

    try:
        django.setup()
    except ConfigError as error:
        print(f"solidarity: {error}", file=sys.stderr)
        return 2
    if command == "manage":
        execute_from_command_line(["solidarity manage", *rest])
    else:
        execute_from_command_line(["solidarity", command, *rest])
    return 0
