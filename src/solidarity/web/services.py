"""What the dashboard tells an admin about the running system."""

from typing import TypedDict

from django.conf import settings
from django.db import connection

from solidarity.core.services import key_custody
from solidarity.messaging.sms_sender import BackendStatus, sms_status
from solidarity.messaging.sms_settings import configured_backends


class SystemStatus(TypedDict):
    jobs_backend: str
    live_backend: str
    database: str
    https: bool
    keys: str
    sms: list[BackendStatus]
    is_loopback: bool


def system_status() -> SystemStatus:
    return {
        "jobs_backend": "Redis" if settings.REDIS_URL else connection.display_name,
        "live_backend": "Redis" if settings.LIVE_BACKEND == "redis" else connection.display_name,
        "database": connection.display_name,
        "https": settings.HTTPS,
        "keys": key_custody()["mode"],
        "sms": sms_status(),
        "is_loopback": any(backend.name == "loopback" for backend in configured_backends()),
    }
