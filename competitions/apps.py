from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("技能竞赛")
    default_auto_field = "django.db.models.BigAutoField"
