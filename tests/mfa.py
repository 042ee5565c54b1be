"""A second factor for test accounts, through allauth's own TOTP code."""

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from solidarity.accounts.models import User


def totp_code(secret: str) -> str:
    """What an authenticator app shows now (RFC 6238, 30-second steps)."""
    code: str = format_hotp_value(hotp_value(secret, int(time.time() // 30)))
    return code


def add_totp(user: User) -> str:
    secret: str = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
