"""The real settings, with the bench's timer handlers installed."""

from solidarity.config.settings import *  # noqa: F403
from solidarity.config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "timerbench.apps.TimerBenchConfig"]
