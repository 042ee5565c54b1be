"""The keyring file: created owner-only on first start, read strictly."""

import json
from pathlib import Path

import pytest

from solidarity.config import env
from solidarity.core import keyring


def test_a_new_home_gets_a_complete_keyring(tmp_path: Path) -> None:
    ring = keyring.load(env.keyring(tmp_path))
    assert len(ring.aead.primary_key) == 32
    assert len(ring.index.primary_key) == 32
    assert ring.aead.primary_key != ring.index.primary_key
    signature = ring.signing_key.sign(b"head")
    ring.signing_key.public_key().verify(signature, b"head")


def test_the_keyring_is_kept_across_starts(tmp_path: Path) -> None:
    first = keyring.load(env.keyring(tmp_path))
    assert keyring.load(env.keyring(tmp_path)) == first


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [
        (lambda data: "not json", "not valid JSON"),
        (lambda data: json.dumps(data | {"version": 9}), "unknown keyring version"),
        (lambda data: json.dumps(data | {"aead": {"primary": "x", "keys": {}}}), "no aead keys"),
        (lambda data: json.dumps(data | {"signing": "c2hvcnQ="}), "not a 32-byte key"),
        (lambda data: json.dumps(data | {"index": data["index"] | {"primary": "gone"}}), "primary index key"),
    ],
)
def test_a_damaged_keyring_is_refused_with_a_reason(tmp_path: Path, mangle: object, problem: str) -> None:
    path = env.keyring(tmp_path)
    data = json.loads(path.read_text())
    assert callable(mangle)
    path.write_text(mangle(data))
    with pytest.raises(keyring.KeyringError, match=problem):
        keyring.load(path)
