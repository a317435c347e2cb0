"""Django's makemessages, also extracting the dashboard's `_g` gettext alias (Django's command has
no option for extra keywords: they are a class attribute)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_g"]
