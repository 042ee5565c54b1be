from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "solidarity.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Imported here: both modules load models, which exist only once the app registry is ready.
        from solidarity.accounts.access import role_in_group
        from solidarity.core.permissions import register_role_lookup

        # core's permission declarations ask accounts who holds which role (core cannot import accounts).
        register_role_lookup(role_in_group)
