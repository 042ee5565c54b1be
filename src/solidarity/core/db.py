"""Direct PostgreSQL connections, beside Django's pool: for LISTEN and for start-up probes."""

from typing import Any

from django.db import connection


def psycopg_params() -> dict[str, Any]:
    """Keyword arguments for psycopg.connect() to the database Django uses now (tests included)."""
    db = connection.settings_dict
    return {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
