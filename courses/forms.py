from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from portal.models import PersonCategory


class AssignForm(forms.Form):
    MODE_ALL = "all"
    MODE_CATEGORY = "category"
    MODE_SELECTION = "selection"

    course = forms.ModelChoiceField(label=_("课程"), queryset=CoursePage.objects.none())
    mode = forms.ChoiceField(
        label=_("指派对象"),
        choices=[
            (MODE_CATEGORY, _("按人员类别")),
            (MODE_SELECTION, _("逐个选择人员")),
            (MODE_ALL, _("本单位全体在职人员")),
        ],
        widget=forms.RadioSelect,
        initial=MODE_CATEGORY,
    )
    categories = forms.MultipleChoiceField(
        label=_("人员类别"),
        choices=PersonCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    people = forms.ModelMultipleChoiceField(
        label=_("人员"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    due_on = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["people"].queryset = people_qs
        self.fields["people"].label_from_instance = lambda p: (
            f"{p.name}（{p.enterprise.name} · {p.get_category_display()}）"
        )
        self.people_qs = people_qs

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("完成期限不能早于今天。"))
        return due_on

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == self.MODE_CATEGORY and not data.get("categories"):
            self.add_error("categories", _("请至少选择一个人员类别。"))
        if mode == self.MODE_SELECTION and not data.get("people"):
            self.add_error("people", _("请至少选择一名人员。"))
        return data

    def selected_people(self):
        data = self.cleaned_data
        active = self.people_qs.filter(is_active=True)
        if data["mode"] == self.MODE_CATEGORY:
            return active.filter(category__in=data["categories"])
        if data["mode"] == self.MODE_SELECTION:
            return self.people_qs.filter(pk__in=[p.pk for p in data["people"]])
        return active


class XlsxUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
