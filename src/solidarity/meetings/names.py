"""How a meeting shows people and times: an account's name as the room and the minutes see it, and a clock."""

from solidarity.accounts.models import User
from solidarity.meetings.models import NAME_LENGTH


def display_name(user: User) -> str:
    """An account's person's display name, else its user name (as short as a name the room sees)."""
    person = getattr(user, "person", None)
    shown = getattr(person, "display_name", "") if person is not None else ""
    return str(shown or user.get_username())[:NAME_LENGTH]


def clock(seconds: int) -> str:
    """Minutes and seconds as a clock shows them: "12:05"."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"
