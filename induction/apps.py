from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InductionConfig(AppConfig):
    name = "induction"
    verbose_name = _("三级安全教育")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from induction import wiring

        wiring.install()
