from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "solidarity.funds"
    label = "funds"
    verbose_name = "Funds"
