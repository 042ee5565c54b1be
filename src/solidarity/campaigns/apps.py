from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "solidarity.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # Imported here: these load models, which exist only once the app registry is ready.
        from solidarity.campaigns import invite, sms, walk
        from solidarity.campaigns.access import may_hear_campaign
        from solidarity.core.live import CHANNELS
        from solidarity.core.timers import TIMER_HANDLERS
        from solidarity.messaging.keywords import HANDLERS, READERS, Command

        # How the URL walk and the API fuzz make a real object for each URL keyword of the campaigns'.
        walk.register()
        # Calling by text: CALL / LLAMAR gives an office to call, and the 1-5 that follows counts (campaigns.sms).
        HANDLERS.register(Command.CALL, sms.answer_call)
        READERS.register("campaigns.outcomes", sms.read_outcome)
        # Invitations (campaigns.invite): the one reminder, when an office of the campaign is open.
        TIMER_HANDLERS.register(invite.REMINDER_TIMER, invite.remind)
        # The organisers' page hears its tallies and numbers' statuses live ("campaign:<uuid>": its group's members).
        CHANNELS.register("campaign", may_hear_campaign)
