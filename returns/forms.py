"""The filing form (one field per asked item) and the admin form defining a return."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal.models import Industry, Region
from portal.scoping import scope_for
from returns.items import GROUP_LABELS, item_choices, ordered


def field_name(key: str) -> str:
    return "add__" + key.replace(".", "__")


class FilingForm(forms.Form):
    """Additional activity, one optional decimal per item the form asks, and the note."""

    note = forms.CharField(
        label=_("补报说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明系统未逐条记录的活动：时间、内容、人数的来源。"),
    )

    def __init__(self, *args, return_form, filing, recorded: dict[str, Decimal], **kwargs):
        initial = {field_name(k): v for k, v in filing.additional.items()}
        initial["note"] = filing.note
        super().__init__(*args, initial=initial, **kwargs)
        self.items = ordered(return_form.items)
        self.recorded = recorded
        for item in self.items:
            self.fields[field_name(item.key)] = forms.DecimalField(
                label=item.label,
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=item.places,
                widget=forms.NumberInput(
                    attrs={"step": str(item.step), "min": "0", "inputmode": "decimal"}
                ),
            )
        if not filing.is_editable:
            for field in self.fields.values():
                field.disabled = True

    def additional(self) -> dict[str, Decimal | None]:
        return {item.key: self.cleaned_data.get(field_name(item.key)) for item in self.items}

    def groups(self) -> list[dict]:
        """The rows of the form by section: item, recorded, field, total (recorded + additional)."""
        out: dict[str, dict] = {}
        for item in self.items:
            bound = self[field_name(item.key)]
            recorded = self.recorded.get(item.key, Decimal(0))
            value = bound.value()
            try:
                additional = Decimal(str(value)) if value not in (None, "") else Decimal(0)
            except ArithmeticError:
                additional = Decimal(0)
            group = out.setdefault(item.group, {"label": GROUP_LABELS[item.group], "rows": []})
            group["rows"].append(
                {
                    "item": item,
                    "field": bound,
                    "recorded": recorded,
                    "total": recorded + additional,
                }
            )
        return list(out.values())


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )


class ReturnFormAdminForm(WagtailAdminModelForm):
    industries = forms.MultipleChoiceField(
        label=_("填报行业"),
        choices=Industry.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("不选则不限行业。"),
    )
    items = forms.MultipleChoiceField(
        label=_("填报项目"), choices=item_choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        scope = scope_for(for_user)
        if scope.kind == scope.Kind.REGION:
            if "region" in self.fields:
                self.fields["region"].queryset = Region.objects.filter(
                    pk=scope.region.pk, level=Region.Level.DISTRICT
                )
            if "streets" in self.fields:
                self.fields["streets"].queryset = Region.objects.filter(
                    level=Region.Level.STREET, path__startswith=scope.region.path
                )
        if "streets" in self.fields:
            self.fields["streets"].widget = forms.CheckboxSelectMultiple()
            self.fields["streets"].widget.choices = self.fields["streets"].choices

    def clean(self):
        data = super().clean()
        region, streets = data.get("region"), data.get("streets")
        if region is not None and streets:
            outside = [s.name for s in streets if not s.path.startswith(region.path)]
            if outside:
                self.add_error(
                    "streets",
                    _("以下街道不属于发布区域：%(s)s") % {"s": "、".join(outside)},
                )
        return data
