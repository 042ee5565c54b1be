import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarity.config.settings")
django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from solidarity.core.live import ASGIHandler  # noqa: E402  (after Django is set up)
from solidarity.core.processes import settle  # noqa: E402

# Django's handler, which lets a live stream write to its socket itself (core.live.LiveResponse).
application = ASGIHandler()

settle()
