from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "solidarity.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported here: both modules load models, which exist only once the app registry is ready.
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from solidarity.accounts import walk
        from solidarity.accounts.access import audit_head_recipients, held_roles
        from solidarity.accounts.sessions import signed_in, signed_out
        from solidarity.core.permissions import ROLE_LOOKUP
        from solidarity.core.tasks import AUDIT_HEAD_RECIPIENTS

        # core's permission declarations ask accounts who holds which role (core cannot import accounts).
        ROLE_LOOKUP.register(held_roles)
        # How the URL walk makes a real object for each URL keyword of accounts's (core.permissions).
        walk.register()
        # The daily signed audit head goes to the coordinators and admins (core cannot import accounts).
        AUDIT_HEAD_RECIPIENTS.register(audit_head_recipients)
        # Django's sign-in and sign-out are the one place every path passes (allauth's views, an
        # invitation's acceptance, the test client): accounts' own session rules hook in there.
        user_logged_in.connect(signed_in, dispatch_uid="solidarity.accounts.signed_in")
        user_logged_out.connect(signed_out, dispatch_uid="solidarity.accounts.signed_out")
