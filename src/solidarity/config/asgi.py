import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarity.config.settings")
application = get_asgi_application()

from solidarity.core.processes import settle  # noqa: E402  (after Django is set up)

settle()
