"""What the dashboard tells an admin about the running system."""

from typing import TypedDict

from django.conf import settings
from django.db import connection

from solidarity.core.services import key_custody
from solidarity.messaging.sms_sender import BackendStatus, sms_status


class SystemStatus(TypedDict):
    jobs_backend: str
    live_backend: str
    database: str
    https: bool
    keys: str
    sms: list[BackendStatus]
    is_loopback: bool


def system_status() -> SystemStatus:
    sms = sms_status()  # one row per configured backend: is_loopback reads them rather than asking again
    return {
        "jobs_backend": "Redis" if settings.REDIS_URL else connection.display_name,
        "live_backend": "Redis" if settings.LIVE_BACKEND == "redis" else connection.display_name,
        "database": connection.display_name,
        "https": settings.HTTPS,
        "keys": key_custody()["mode"],
        "sms": sms,
        "is_loopback": any(row["name"] == "loopback" for row in sms),
    }
