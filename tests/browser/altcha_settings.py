"""A server for the public-form browser test: the test settings, with the test app's URLs."""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.urls"
SERVESTATIC_USE_FINDERS = True  # serve static files straight from the apps: no collectstatic for a test
