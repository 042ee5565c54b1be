"""How long campaigns keep who called by text (core.retention reads RULES).

A campaign, its offices and its counted calls are the network's record and stay; a call says nothing of
who made it. Someone calling by text is known by their number (models.SmsCaller) only while they call:
it goes a day after they last texted (and at once when the campaign closes).
"""

from solidarity.campaigns.models import SmsCaller
from solidarity.core.retention import Rule

RULES = (
    Rule(
        name="campaigns.sms_callers",
        model=SmsCaller,
        what="Someone calling in a campaign by text (their number, language and the offices given them), a day "
        "after they last texted.",
        default_days=1,
        after="last_seen_at",
    ),
)
