"""Admin forms of the portal app, limited to what the user may see."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal.models import Region
from portal.scoping import can_see_full_id_number, visible_enterprises, visible_regions
from portal.validators import mask_id_number, normalize_id_number


class PersonAdminForm(WagtailAdminModelForm):
    """A person in the admin. The 身份证号 is shown as the listing, inspect view and export show it:
    masked for whoever may not see it in full (portal.scoping.can_see_full_id_number). Leaving the
    masked value (or nothing) keeps the stored number; typing a new one changes it, validated as
    always (format, check digit, unique)."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "enterprise" in self.fields:
            enterprises = visible_enterprises(for_user)
            self.fields["enterprise"].queryset = enterprises
            if not self.instance.pk and enterprises.count() == 1:
                self.fields["enterprise"].initial = enterprises.first()
        self._stored_id_number = None
        if (
            "id_number" in self.fields
            and self.instance.pk
            and not (for_user is not None and can_see_full_id_number(for_user, self.instance))
        ):
            self._stored_id_number = self.instance.id_number
            self.initial["id_number"] = mask_id_number(self._stored_id_number)
            field = self.fields["id_number"]
            field.required = False
            field.help_text = _(
                "已部分隐藏。如需更改，请输入完整的新身份证号；保持不变或留空则不修改。"
            )

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data.get("id_number"))
        stored = self._stored_id_number
        if stored is not None and value in ("", mask_id_number(stored)):
            return stored
        return value


class EnterpriseAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "street" in self.fields:
            self.fields["street"].queryset = visible_regions(for_user).filter(
                level=Region.Level.STREET
            )
            if not for_user.is_superuser and not visible_regions(for_user).exists():
                # A manager edits their enterprise's details but does not move it to another street.
                self.fields["street"].disabled = True
                self.fields["street"].queryset = Region.objects.filter(pk=self.instance.street_id)


class RosterImportForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("导入到企业"), queryset=None)
    file = forms.FileField(label=_("人员名册（.xlsx）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = visible_enterprises(user)
        self.fields["enterprise"].queryset = enterprises
        if enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first()
            self.fields["enterprise"].widget = forms.HiddenInput()
