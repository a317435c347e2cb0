from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    name = "operators"
    verbose_name = _("持证上岗")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from operators import wiring

        wiring.install()
