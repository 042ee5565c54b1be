from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

from solidarity.core.services import get_network_settings

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def site(request: HttpRequest) -> dict[str, Any]:
    """The network and the language switcher, on every page."""
    network = get_network_settings()
    current = get_language() or settings.LANGUAGE_CODE
    offered = network.languages or [code for code, _ in settings.LANGUAGES]
    return {
        "network": network,
        "other_languages": [
            {"code": code, "name": LANGUAGE_NAMES[code], "url": translate_url(request.get_full_path(), code)}
            for code in offered
            if code != current and code in LANGUAGE_NAMES
        ],
    }
