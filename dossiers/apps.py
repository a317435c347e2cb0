from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("培训档案")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dossiers import wiring

        wiring.install()
