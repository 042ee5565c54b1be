"""The one registry of hooks lower tiers call upward: answered once, refused twice, checked at start-up."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from solidarity.core import hooks
from solidarity.core.hooks import AlreadyRegistered, Hook, NotRegistered, Registry


def test_a_hook_without_an_answer_fails_loudly_and_one_with_a_closed_answer_refuses() -> None:
    loud = Hook[str]("tests.loud", required=False)
    closed = Hook[frozenset[str]]("tests.closed", closed=frozenset())
    try:
        with pytest.raises(NotRegistered):
            loud.get()
        assert closed.get() == frozenset()
        closed.register(frozenset({"coordinator"}))
        assert closed.get() == {"coordinator"}
    finally:
        del hooks.HOOKS["tests.loud"], hooks.HOOKS["tests.closed"]


def test_a_hook_takes_one_answer_and_a_registry_one_entry_per_key() -> None:
    one = Hook[str]("tests.one")
    many = Registry[str, str]("tests.many")
    try:
        one.register("a")
        one.register("a")  # the same answer again (a module imported twice) is harmless
        with pytest.raises(AlreadyRegistered):
            one.register("b")
        one.register("b", replace=True)
        assert one.get() == "b"

        many.register("go", "first")
        many.register("go", "first")
        with pytest.raises(AlreadyRegistered):
            many.register("go", "second")
        many.register("no", "third")
        assert many.items() == [("go", "first"), ("no", "third")]
        assert many.get("join") is None
        with pytest.raises(NotRegistered):
            many["join"]
    finally:
        del hooks.HOOKS["tests.one"], hooks.HOOKS["tests.many"]


def test_two_hooks_cannot_share_a_name() -> None:
    with pytest.raises(AlreadyRegistered):
        Hook[str]("core.role-lookup")


def test_every_hook_the_lower_tiers_declare_is_answered_once_the_apps_are_ready() -> None:
    assert hooks.missing() == []
    assert {"core.role-lookup", "core.sms-backends", "core.audit-head-recipients"} <= set(hooks.HOOKS)
    assert {"core.retention-rules", "core.periodic-jobs", "messaging.keyword-handlers"} <= set(hooks.HOOKS)
    assert {"core.url-walk-fillers", "core.live-channels", "core.roles", "core.timer-handlers"} <= set(hooks.HOOKS)


@pytest.mark.django_db  # the model checks read the database's features (conditional constraints)
def test_start_up_refuses_a_required_hook_nobody_answers() -> None:
    orphan = Hook[str]("tests.orphan")
    try:
        with pytest.raises(SystemCheckError, match=r"solidarity\.E003.*tests\.orphan"):
            call_command("check")
    finally:
        del hooks.HOOKS["tests.orphan"]
    assert orphan.name == "tests.orphan"
