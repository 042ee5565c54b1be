"""Key rotation: every value moves to the new key, resumably, and old keys retire."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from solidarity.core import crypto, keyring, keys
from solidarity.core.fields import find_by_index
from solidarity.core.services import get_network_settings
from solidarity.incidents.models import EntryKind, Source
from solidarity.incidents.observation_models import Observation
from solidarity.incidents.observations import ObservationValues, do_add_observation
from solidarity.incidents.services import do_add_note
from tests.factories.incidents import incident_of, report
from tests.testapp.models import Dossier


@pytest.fixture(autouse=True)
def own_keyring(tmp_path: Path, settings: Settings) -> None:
    """Rotate a copy: the suite's other tests keep their keyring."""
    copy = tmp_path / "keyring.json"
    shutil.copy(settings.KEYRING_PATH, copy)
    settings.KEYRING_PATH = copy


def fill(count: int) -> list[Dossier]:
    return [
        Dossier.objects.create(pseudonym=f"d{n}", name=f"Nombre {n}", phone=f"+1 919 555 {2000 + n}", needs={"n": n})
        for n in range(count)
    ]


@pytest.mark.django_db
def test_rotation_moves_every_value_and_index_to_the_new_keys(capsys: pytest.CaptureFixture[str]) -> None:
    fill(450)
    old = keyring.current()

    call_command("keys", "rotate")

    new = keyring.current()
    assert new.aead.primary != old.aead.primary
    assert new.index.primary != old.index.primary
    counts = keys.status()["testapp.Dossier"]
    assert set(counts) == {f"aead:{new.aead.primary}", f"index:{new.index.primary}"}
    assert Dossier.objects.get(pseudonym="d7").name == "Nombre 7"
    assert [d.pseudonym for d in find_by_index(Dossier.objects.all(), "phone_index", "(919) 555-2007")] == ["d7"]
    assert "450/450" in capsys.readouterr().err


@pytest.mark.django_db
def test_an_interrupted_rotation_resumes_without_losing_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    fill(450)
    calls = 0
    real_batch = keys.reencrypt_batch

    def crash_on_second_batch(*args: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return real_batch(*args)  # type: ignore[arg-type]  # passes through the real arguments

    monkeypatch.setattr(keys, "reencrypt_batch", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        keys.rotate()
    monkeypatch.undo()

    halfway = keys.status()["testapp.Dossier"]
    assert len(halfway) == 4  # old and new keys, for values and indexes

    call_command("keys", "rotate", "--resume")

    ring = keyring.current()
    assert set(keys.status()["testapp.Dossier"]) == {f"aead:{ring.aead.primary}", f"index:{ring.index.primary}"}
    assert sorted(d.name for d in Dossier.objects.all())[:2] == ["Nombre 0", "Nombre 1"]
    assert all(d.needs == {"n": int(d.pseudonym[1:])} for d in Dossier.objects.all())


@pytest.mark.django_db
def test_during_a_rotation_lookups_find_rows_under_either_index_key(monkeypatch: pytest.MonkeyPatch) -> None:
    [first, *_] = fill(3)
    keyring.save(keyring.with_new_primaries(keyring.current()))  # rotated, nothing re-encrypted yet
    assert [d.pk for d in find_by_index(Dossier.objects.all(), "phone_index", "919-555-2000")] == [first.pk]


@pytest.mark.django_db
def test_a_grown_network_gets_longer_indexes_at_its_next_rotation_and_finds_everyone_meanwhile() -> None:
    [first, *_] = fill(3)
    old = keyring.current()
    assert first.phone_index.split(":")[1] == str(crypto.index_bits(5000))  # 11 bits: the default population
    network = get_network_settings()
    network.expected_population = 200_000
    network.save()
    cache.clear()

    keyring.save(keyring.with_new_primaries(old, population=network.expected_population))  # rotation begins
    assert [d.pk for d in find_by_index(Dossier.objects.all(), "phone_index", "919-555-2000")] == [first.pk]
    keys.reencrypt()

    first.refresh_from_db()
    new_key, bits, _ = first.phone_index.split(":")
    assert (new_key, int(bits)) == (keyring.current().index.primary, crypto.index_bits(200_000))
    assert int(bits) > crypto.index_bits(5000)
    assert [d.pk for d in find_by_index(Dossier.objects.all(), "phone_index", "919-555-2000")] == [first.pk]
    assert keyring.current().population(old.index.primary) == 5000  # the old key keeps its own sizing


@pytest.mark.django_db
def test_rotate_sizes_the_new_index_key_from_the_network_setting() -> None:
    network = get_network_settings()
    network.expected_population = 40_000
    network.save()
    cache.clear()

    keys.rotate()

    ring = keyring.current()
    assert ring.population(ring.index.primary) == 40_000


@pytest.mark.django_db
def test_an_old_key_retires_only_once_nothing_uses_it() -> None:
    fill(3)
    old = keyring.current().aead.primary
    keyring.save(keyring.with_new_primaries(keyring.current()))
    with pytest.raises(CommandError, match="still use"):
        call_command("keys", "retire", old)

    call_command("keys", "rotate", "--resume")
    call_command("keys", "retire", old)

    assert old not in keyring.current().aead.keys
    assert Dossier.objects.get(pseudonym="d2").name == "Nombre 2"
    assert Path(settings.KEYRING_PATH).stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_status_counts_values_per_key(capsys: pytest.CaptureFixture[str]) -> None:
    fill(2)
    call_command("keys", "status")
    out = capsys.readouterr().out
    primary = keyring.current().aead.primary
    index = keyring.current().index.primary
    assert f"testapp.Dossier: aead:{primary} 6, index:{index} 2" in out  # names, phones, needs; phone indexes


@pytest.mark.django_db
def test_rotation_reencrypts_an_incidents_append_only_timeline() -> None:
    # The timeline refuses any save of a row it holds; re-encrypting is no edit: its words move to the new key.
    incident = incident_of(report("checkpoint", "east-durham"))
    do_add_note(incident, "rotation-canary: a note on the timeline", by=None)
    values = ObservationValues(seen="Two vans", reading="Probably a checkpoint")
    do_add_observation(incident, values, actor="system", source=Source.WEB)

    call_command("keys", "rotate")

    new = keyring.current()
    for label in ("incidents.Entry", "incidents.Observation"):
        assert set(keys.status()[label]) == {f"aead:{new.aead.primary}"}, label
    assert incident.timeline.get(kind=EntryKind.NOTE).text == "rotation-canary: a note on the timeline"
    assert Observation.objects.get().reading == "Probably a checkpoint"


def test_another_processs_rotation_is_seen_once_the_keyring_read_is_no_longer_trusted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file is looked at no more than every TRUSTED_SECONDS; this process's own writes are seen at once."""
    before = keyring.current()
    clock = [1_000.0]
    monkeypatch.setattr(keyring, "monotonic", lambda: clock[0])
    keyring.look_again()
    assert keyring.current() is before  # looked at the file: unchanged, now trusted for TRUSTED_SECONDS

    # Another process rotates: it replaces the file (here without this process's write_private).
    rotated = keyring.with_new_primaries(before)
    path = Path(settings.KEYRING_PATH)
    staging = path.with_suffix(".other")
    staging.write_text(keyring.dump(rotated))
    staging.replace(path)

    clock[0] += keyring.TRUSTED_SECONDS / 2
    assert keyring.current() is before
    clock[0] += keyring.TRUSTED_SECONDS
    assert keyring.current().aead.primary == rotated.aead.primary

    keyring.save(keyring.with_new_primaries(keyring.current()))  # this process's own rotation: seen at once
    assert keyring.current().aead.primary not in (before.aead.primary, rotated.aead.primary)
