from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from operators.models import CertificateEvent, OperatorKind
from portal.scoping import visible_enterprises, visible_people
from portal.storage import PrivateFileInput

SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def validate_scan(upload) -> None:
    """A scanned copy: a PDF, PNG or JPEG (by its first bytes), at most 10 MB."""
    if upload.size > SCAN_MAX_BYTES:
        raise ValidationError(
            _("文件过大（%(size)s），最大 %(max)s。")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(SCAN_MAX_BYTES)}
        )
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(SCAN_SIGNATURES):
        raise ValidationError(_("扫描件只接受 PDF、PNG 或 JPEG 文件。"))


class CertificateAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "person" in self.fields:
            self.fields["person"].queryset = (
                visible_people(for_user).active().select_related("enterprise")
            )
        if "kind" in self.fields:
            self.fields["kind"].queryset = OperatorKind.objects.active()
        if "scan" in self.fields:
            self.fields["scan"].widget = PrivateFileInput()
        if "expires_on" in self.fields:
            self.fields["expires_on"].required = False

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if scan and "scan" in self.changed_data:
            validate_scan(scan)
        return scan


class PositionAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and "enterprise" in self.fields:
            enterprises = visible_enterprises(for_user)
            self.fields["enterprise"].queryset = enterprises
            if not self.instance.pk and enterprises.count() == 1:
                self.fields["enterprise"].initial = enterprises.first()
        if "required_kinds" in self.fields:
            self.fields["required_kinds"].queryset = OperatorKind.objects.active()
            self.fields["required_kinds"].widget = forms.CheckboxSelectMultiple()
            self.fields["required_kinds"].widget.choices = self.fields["required_kinds"].choices


class RenewalForm(forms.Form):
    action = forms.ChoiceField(label=_("事项"), choices=CertificateEvent.Action.choices)
    on = forms.DateField(label=_("复审/换证日期"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(
        label=_("新有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("换证时填写；留空则按有效期规则推算。"),
    )
    number = forms.CharField(
        label=_("新证书编号"), required=False, max_length=40, help_text=_("换发新证时填写。")
    )


class CertificateImportForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("导入到企业"), queryset=None)
    file = forms.FileField(label=_("持证记录（.xlsx）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = visible_enterprises(user)
        self.fields["enterprise"].queryset = enterprises
        if enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.first()
            self.fields["enterprise"].widget = forms.HiddenInput()
