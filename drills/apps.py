from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("应急演练")
    default_auto_field = "django.db.models.BigAutoField"
