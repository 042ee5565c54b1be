"""How long call-in campaigns keep what they keep only for a while (core.retention reads RULES).

Closing a campaign already deletes the person's name and identifiers, the callers by text and the people its
invitations reached (campaigns.services.do_close_campaign). These rules catch what closing does not: a number
texting CALL is forgotten a day after its last text, whether or not the campaign closed; the people an
invitation reached go once the campaign's calls end, even if it is never closed; and a campaign itself goes a
year after its calls ended or it closed (what it was about, its offices, scripts, counts, who was credited
with a call, its invitations): a year is long enough to look back on a campaign, and a record of who pressed
which office for whom should not outlive its use.
"""

from solidarity.campaigns.invite_models import Invitee
from solidarity.campaigns.models import Campaign, SmsCaller
from solidarity.core.retention import Rule

RULES = (
    Rule(
        name="campaigns.sms-callers",
        model=SmsCaller,
        what="Someone calling a campaign by text (their number, the offices they were given), a day after their "
        "last text.",
        default_days=1,
        after="last_seen_at",
    ),
    Rule(
        # Kept for an invitation's one reminder only: gone once it went, when the campaign closes, or here.
        name="campaigns.invitees",
        model=Invitee,
        what="Who an invitation to a call-in campaign reached by skill and zone (a person's id), once the "
        "campaign's calls ended.",
        default_days=0,
        after="invitation__campaign__ends_at",
    ),
    Rule(
        name="campaigns.old",
        model=Campaign,
        what="A call-in campaign (its texts, offices, scripts, numbers, counts, who chose to be credited with a "
        "call, its invitations), after its calls ended or it closed.",
        default_days=365,
        after=("ends_at", "closed_at"),
    ),
)
