from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.auth import client_ip, login_locked


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名 / 手机号 / 身份证号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _("账号或密码不正确。"),
        "inactive": _("该账号已停用。"),
        "locked": _("登录失败次数过多，请%(minutes)s分钟后再试。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username", "")
        ip = client_ip(self.request) if self.request else ""
        if username and login_locked(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW // 60},
            )
        # The backend (portal.auth) enforces the throttle too and resets the account's count on
        # success; a failure is counted by its user_login_failed receiver.
        return super().clean()
