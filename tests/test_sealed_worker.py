"""A sealed network after a reboot: texts that came while it was locked are answered once it is unlocked.

Through the real commands, as an operator runs them: a running `solidarity worker` and
`solidarity keys unlock` (or another process's unlock, which runs no after-unlock step), over the
test's database and Redis; the reply leaves through the loopback SMS backend of the worker.
"""

import json
import subprocess
import time
from pathlib import Path

import pytest

from solidarity.core import keyring
from solidarity.messaging.inbound import do_receive
from solidarity.messaging.keywords import Command
from solidarity.messaging.models import Inbound, InboundState
from solidarity.messaging.sms import InboundSms
from tests.conftest import require_services, run_solidarity, solidarity, worker_env

NEIGHBOUR = "+19195550169"  # 555-01xx: fictional
PASSPHRASE = "an operator passphrase for the worker test"
LOOPBACK = {"SOLIDARITY_SMS_BACKEND": "loopback", "SOLIDARITY_LOOPBACK_TOKEN": "a-long-loopback-token-for-tests"}


def texts_to(outbox: Path, number: str) -> list[str]:
    if not outbox.exists():
        return []
    return [sent["body"] for line in outbox.read_text().splitlines() if (sent := json.loads(line))["to"] == number]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("unlocked_by", ["keys-unlock", "another-process"])
def test_a_text_sent_to_a_locked_network_is_answered_soon_after_the_unlock(
    own_home: Path, tmp_path: Path, stop_processes: list[subprocess.Popen[str]], unlocked_by: str
) -> None:
    require_services()
    keyring.seal(PASSPHRASE)
    keyring.lock()  # as after a reboot
    env = {**worker_env(), **LOOPBACK}
    texts = [
        do_receive("loopback", InboundSms(sender=NEIGHBOUR, body=body, provider_id=f"SM{n}"))
        for n, body in enumerate(["AYUDA", "hay agentes en la escuela"])
    ]
    assert [text.state for text in texts if text] == [InboundState.SEALED, InboundState.SEALED]
    stop_processes.append(solidarity("worker", env=env))  # it waits for the keys

    if unlocked_by == "keys-unlock":
        passphrase = tmp_path / "passphrase"
        passphrase.write_text(PASSPHRASE + "\n")
        unlocked = run_solidarity("keys", "unlock", "--passphrase-file", str(passphrase), env=env)
        assert unlocked.returncode == 0, unlocked.stdout + unlocked.stderr
    else:
        keyring.unlock(PASSPHRASE)  # no after-unlock step here: the worker must open them

    outbox = own_home / "sms-outbox.jsonl"
    deadline = time.monotonic() + 60  # not a timing assert: a hang must fail, not block the suite
    while len(texts_to(outbox, NEIGHBOUR)) < 2:
        assert time.monotonic() < deadline, f"no replies from the worker: {texts_to(outbox, NEIGHBOUR)}"
        time.sleep(0.2)

    # One answer to each text; the worker may send the two in either order (both wait in the same lane).
    replies = texts_to(outbox, NEIGHBOUR)
    [help_reply] = [reply for reply in replies if "REPORTE" in reply]
    [unmatched_reply] = [reply for reply in replies if reply != help_reply]
    assert "una persona lo va a leer" in unmatched_reply
    routed = Inbound.objects.order_by("received_at", "pk")
    assert [(text.command, text.state) for text in routed] == [
        (Command.HELP, InboundState.UNMATCHED),
        (Command.UNMATCHED, InboundState.UNMATCHED),
    ]
    assert [str(text.body) for text in routed] == ["AYUDA", "hay agentes en la escuela"]
