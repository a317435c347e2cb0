"""Admin forms of the portal app, limited to what the user may see."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal.models import Region
from portal.scoping import visible_enterprises, visible_regions


class PersonAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "enterprise" in self.fields:
            enterprises = visible_enterprises(for_user)
            self.fields["enterprise"].queryset = enterprises
            if not self.instance.pk and enterprises.count() == 1:
                self.fields["enterprise"].initial = enterprises.first()


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
    dry_run = forms.BooleanField(label=_("仅检查，不导入"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = visible_enterprises(user)
        self.fields["enterprise"].queryset = enterprises
        if enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first()
            self.fields["enterprise"].widget = forms.HiddenInput()
