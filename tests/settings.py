"""Test settings: the real settings, with a throwaway home, cheap hashing and inline jobs."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

if "SOLIDARITY_HOME" not in os.environ and "mypy" in sys.modules:
    # mypy's Django plugin reads these settings and exits without running atexit: one home it reuses.
    os.environ["SOLIDARITY_HOME"] = str(Path(__file__).resolve().parent.parent / ".mypy_cache" / "solidarity-home")
elif "SOLIDARITY_HOME" not in os.environ:
    # A home of this run's own, gone when the process that made it ends (commands the tests start inherit it).
    _home = tempfile.mkdtemp(prefix="solidarity-test-")
    os.environ["SOLIDARITY_HOME"] = _home
    atexit.register(shutil.rmtree, _home, ignore_errors=True)

from solidarity.config.settings import *  # noqa: F403
from solidarity.config.settings import DATABASES, HOME

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; production uses Argon2
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": HOME / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Django's test set-up turns every mailer into locmem; tests/conftest.py puts the outbox back in front.
MAILERS = {
    "default": {"BACKEND": "solidarity.messaging.mail.OutboxBackend"},
    "transport": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
}

# On SQLite the test database is a file, so a worker started by a test can open it.
if "sqlite" in str(DATABASES["default"]["ENGINE"]):  # Django's backend, or core.sqlite (its, with a writer lock)
    DATABASES["default"]["TEST"] = {"NAME": str(HOME / "test.sqlite3")}

(HOME / "static").mkdir(exist_ok=True)

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405  (a model that carries every sensitive field)

# Cheap proof-of-work challenges: the tests solve them in Python (production: core.public.DEFAULT_POW_COST).
PUBLIC_POW_COST = 100
SOLIDARITY_KDF = {
    "time_cost": 1,
    "memory_cost": 8,
    "parallelism": 1,
}  # cheap key derivation; production: Argon2id 64 MiB
