"""How long accounts keep personal data (core.retention reads RULES)."""

from solidarity.accounts.models import Invitation
from solidarity.core.retention import Rule

RULES = (
    Rule(
        name="accounts.spent-invitations",
        model=Invitation,
        what="An invitation (the invitee's email), once used or expired.",
        default_days=30,
        after=("used_at", "expires_at"),
    ),
)
