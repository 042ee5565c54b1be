from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
    verbose_name = "Test-only models carrying sensitive fields"

    def ready(self) -> None:
        from solidarity.core import retention
        from tests.testapp.models import Dossier

        retention.register(
            retention.Rule(
                name="testapp.closed-dossiers",
                model=Dossier,
                what="A test dossier, once closed.",
                default_days=30,
                due=lambda cutoff: Dossier.objects.filter(closed_at__lt=cutoff),
            )
        )
