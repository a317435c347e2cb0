"""Administrator forms: manual issue, bulk issue, revoke, reissue."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from certificates.models import CertificateTemplate
from portal.models import PersonCategory
from portal.scoping import visible_enterprises, visible_people
from portal.validators import normalize_id_number

MAX_BULK = 5000


def _templates():
    return CertificateTemplate.objects.filter(is_active=True).order_by("name")


class ManualIssueForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("证书模板"), queryset=CertificateTemplate.objects.none()
    )
    id_number = forms.CharField(label=_("持证人身份证号"), max_length=18)
    subject = forms.CharField(label=_("课程或考试名称"), max_length=200)
    score = forms.CharField(label=_("成绩"), max_length=20, required=False)
    reason = forms.CharField(
        label=_("发证原因"),
        max_length=255,
        help_text=_("必填，记入操作日志，如“线下培训考核合格，补录证书”。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["template"].queryset = _templates()

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data["id_number"])
        person = visible_people(self.user).filter(id_number=value).first()
        if person is None:
            raise ValidationError(_("未找到该身份证号对应的人员，或您无权为其发证。"))
        self.cleaned_data["person"] = person
        return value

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError(_("请填写发证原因。"))
        return value


class BulkIssueForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("证书模板"), queryset=CertificateTemplate.objects.none()
    )
    subject = forms.CharField(label=_("课程或考试名称"), max_length=200)
    reason = forms.CharField(label=_("发证原因"), max_length=255)
    enterprise = forms.ModelChoiceField(
        label=_("按企业（全部在职人员）"),
        queryset=None,
        required=False,
    )
    category = forms.ChoiceField(
        label=_("人员类别（可选）"),
        choices=[("", _("全部类别"))] + list(PersonCategory.choices),
        required=False,
    )
    id_numbers = forms.CharField(
        label=_("或按名单：身份证号，每行一个"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("填写名单时忽略“按企业”。任何一行有误，整批都不会发证，并列出每一个错误行。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["template"].queryset = _templates()
        self.fields["enterprise"].queryset = visible_enterprises(user).order_by("name")

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("id_numbers") or "").splitlines()]
        people = []
        if any(lines):
            wanted = {}
            errors = []
            for number, line in enumerate(lines, start=1):
                if not line:
                    continue
                value = normalize_id_number(line)
                if value in wanted:
                    errors.append((number, _("第%(n)s行：身份证号 %(v)s 重复。")))
                    continue
                wanted[value] = number
            found = {p.id_number: p for p in visible_people(self.user).filter(id_number__in=wanted)}
            for value, number in wanted.items():
                if value not in found:
                    errors.append(
                        (
                            number,
                            _("第%(n)s行：未找到身份证号 %(v)s 对应的人员，或您无权为其发证。"),
                        )
                    )
            if errors:
                raise ValidationError(
                    [
                        msg % {"n": n, "v": normalize_id_number(lines[n - 1])}
                        for n, msg in sorted(errors)
                    ]
                )
            people = [found[v] for v in wanted]
        elif data.get("enterprise"):
            qs = visible_people(self.user).active().filter(enterprise=data["enterprise"])
            if data.get("category"):
                qs = qs.filter(category=data["category"])
            people = list(qs.order_by("name"))
            if not people:
                raise ValidationError(_("该企业没有符合条件的在职人员。"))
        else:
            raise ValidationError(_("请选择企业，或填写身份证号名单。"))
        if len(people) > MAX_BULK:
            raise ValidationError(_("一次最多为%(n)s人发证，请分批进行。") % {"n": MAX_BULK})
        data["people"] = people
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError(_("请填写原因。"))
        return value


class ReissueForm(ReasonForm):
    title = forms.CharField(label=_("证书名称"), max_length=200)
    subject = forms.CharField(label=_("课程或考试名称"), max_length=200)
    score = forms.CharField(label=_("成绩"), max_length=20, required=False)
