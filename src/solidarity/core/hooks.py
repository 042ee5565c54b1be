"""One registry for the hooks that lower tiers call upward.

A lower tier cannot import the parts above it (DESIGN.md), yet it must sometimes ask them
something: core asks accounts who holds which role, messaging asks lists what to do with
JOIN, the worker asks incidents what an escalation timer means. Each such question is a hook
declared where it is asked, and answered by a higher part from its AppConfig.ready:

    ROLE_LOOKUP = Hook[RoleLookup]("core.role-lookup", closed=no_roles)   # core.permissions
    ROLE_LOOKUP.register(roles_held)                                       # accounts.apps

Two shapes:

- `Hook[T]`: one provider for the process (the role look-up, the SMS backends' names). A hook
  with `closed=` falls back to that answer while nothing is registered, and it must be the
  answer that refuses (no roles, no recipients); a hook without it raises `NotRegistered`.
- `Registry[K, V]`: many entries by key (keyword handlers by command, retention rules by
  name, periodic jobs, timer handlers). Two different entries under one key raise
  `AlreadyRegistered`: two parts would both act on one text or one timer.

Every hook and registry is listed in `HOOKS`; the system check `solidarity.E003` fails start-up
when a hook that has no closed answer is still empty once every app is ready, so a missing
registration shows at `solidarity up`, not on the first text of a raid.
"""

import threading
from collections.abc import Iterator
from typing import Any


class NotRegistered(LookupError):
    """Nothing answers this hook, and it has no closed answer to fall back to."""


class AlreadyRegistered(RuntimeError):
    """A second, different answer to a hook that takes one (or to one key of a registry)."""


HOOKS: dict[str, "Hook[Any] | Registry[Any, Any]"] = {}


def _declare(hook: "Hook[Any] | Registry[Any, Any]") -> None:
    if hook.name in HOOKS:
        raise AlreadyRegistered(f"a hook named {hook.name!r} is already declared")
    HOOKS[hook.name] = hook


class Hook[T]:
    """One answer for the process, set by a higher part at start-up."""

    def __init__(self, name: str, *, closed: T | None = None, required: bool = True) -> None:
        """`closed`: the refusing answer while nothing is registered. `required`: the system check wants one."""
        self.name = name
        self.closed = closed
        self.required = required and closed is None
        self._provider: T | None = None
        _declare(self)

    def register(self, provider: T, *, replace: bool = False) -> None:
        if self._provider is not None and self._provider is not provider and not replace:
            raise AlreadyRegistered(f"{self.name} is already answered by {self._provider!r}")
        self._provider = provider

    def unregister(self) -> None:
        """Tests only: the hook answers closed (or raises) again."""
        self._provider = None

    @property
    def is_registered(self) -> bool:
        return self._provider is not None

    def get(self) -> T:
        """The registered answer; the closed one while there is none; NotRegistered when neither."""
        if self._provider is not None:
            return self._provider
        if self.closed is not None:
            return self.closed
        raise NotRegistered(f"nothing answers {self.name}: the part that provides it did not register")

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"


class Registry[K, V]:
    """Many entries by key, added by the parts at start-up; read by the tier that declared it."""

    def __init__(self, name: str, *, required: bool = False) -> None:
        """`required`: the system check wants at least one entry once the apps are ready."""
        self.name = name
        self.required = required
        self._entries: dict[K, V] = {}
        self._lock = threading.Lock()
        _declare(self)

    def register(self, key: K, value: V, *, replace: bool = False) -> None:
        """Add an entry. The same entry again changes nothing; a different one under a taken key raises."""
        with self._lock:
            current = self._entries.get(key)
            if current is not None and current != value and not replace:
                raise AlreadyRegistered(f"{self.name}: {key!r} is already taken by {current!r}")
            self._entries[key] = value

    def unregister(self, key: K) -> None:
        """Tests only."""
        with self._lock:
            self._entries.pop(key, None)

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def __getitem__(self, key: K) -> V:
        found = self.get(key)
        if found is None:
            raise NotRegistered(f"{self.name}: nothing registered for {key!r}")
        return found

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __iter__(self) -> Iterator[K]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def is_registered(self) -> bool:
        return bool(self._entries)

    def items(self) -> list[tuple[K, V]]:
        """The entries in the order they were registered (start-up order: lower tiers first)."""
        with self._lock:
            return list(self._entries.items())

    def values(self) -> list[V]:
        with self._lock:
            return list(self._entries.values())

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self._entries)}>"


def missing() -> list[str]:
    """The hooks that must be answered and are not: what the system check reports."""
    return sorted(name for name, hook in HOOKS.items() if hook.required and not hook.is_registered)
