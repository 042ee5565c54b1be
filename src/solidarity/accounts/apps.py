from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "solidarity.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported here: both modules load models, which exist only once the app registry is ready.
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from solidarity.accounts.access import audit_head_recipients, role_in_group
        from solidarity.accounts.sessions import signed_in, signed_out
        from solidarity.core.permissions import register_role_lookup
        from solidarity.core.tasks import register_head_recipients

        # core's permission declarations ask accounts who holds which role (core cannot import accounts).
        register_role_lookup(role_in_group)
        # The daily signed audit head goes to the coordinators and admins (core cannot import accounts).
        register_head_recipients(audit_head_recipients)
        # Django's sign-in and sign-out are the one place every path passes (allauth's views, an
        # invitation's acceptance, the test client): accounts' own session rules hook in there.
        user_logged_in.connect(signed_in, dispatch_uid="solidarity.accounts.signed_in")
        user_logged_out.connect(signed_out, dispatch_uid="solidarity.accounts.signed_out")
        register_retention()


def register_retention() -> None:
    from django.db.models import Q

    from solidarity.accounts.models import Invitation
    from solidarity.core import retention

    retention.register(
        retention.Rule(
            name="accounts.spent-invitations",
            model=Invitation,
            what="An invitation (the invitee's email), once used or expired.",
            default_days=30,
            due=lambda cutoff: Invitation.objects.filter(Q(used_at__lt=cutoff) | Q(expires_at__lt=cutoff)),
        )
    )
