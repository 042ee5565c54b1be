"""A `solidarity worker` started by a test: the real settings, with the test app and its timer handlers."""

from solidarity.config.settings import *  # noqa: F403
from solidarity.config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
TIMER_LEASE_SECONDS = 2  # a worker killed mid-fire leaves its timer to another this soon
