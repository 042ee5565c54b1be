"""System checks: the page may load nothing from anywhere but the site itself, and every hook is answered."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from solidarity.core import hooks

ALLOWED_SOURCES = {"'self'", "'none'", "data:", "'nonce'"}


@register("security", deploy=False)
def csp_only_self(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for directive, sources in settings.SECURE_CSP.items():
        for source in sources if isinstance(sources, list | tuple) else [sources]:
            if str(source) not in ALLOWED_SOURCES:
                errors.append(
                    Error(
                        f"Content-Security-Policy {directive} allows {source!r}",
                        hint="Solidarity loads nothing from other hosts: self-host the asset instead.",
                        id="solidarity.E001",
                    )
                )
    return errors


@register()
def hooks_answered(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """A hook a lower tier relies on, left unanswered, is a part that forgot to register (core.hooks)."""
    return [
        Error(
            f"nothing answers the hook {name}",
            hint="The part that provides it registers it in its AppConfig.ready; is the app in INSTALLED_APPS?",
            id="solidarity.E003",
        )
        for name in hooks.missing()
    ]
