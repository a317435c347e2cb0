"""The manager's forms: the induction (person, type, start date …) and one form a level."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from induction.models import Induction, InductionLevel, Level
from induction.services import instructor_candidates
from portal.scoping import visible_people


class InstructorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class InductionForm(forms.ModelForm):
    class Meta:
        model = Induction
        fields = ["person", "reason", "starts_on", "position", "workshop", "team", "notes"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.levels: list[InductionLevel] = []
        if self.instance.pk:
            del self.fields["person"]  # the trainee signs as themself: never moved to another
            self.levels = self.instance.ordered_levels()
        else:
            self.fields["person"].queryset = (
                visible_people(user).active().select_related("enterprise").order_by("name")
            )
            self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.enterprise.name}）"

    def clean(self):
        data = super().clean()
        starts_on = data.get("starts_on")
        if starts_on:
            late = [lv for lv in self.levels if lv.is_signed and lv.held_on >= starts_on]
            if late:
                self.add_error(
                    "starts_on",
                    _("已签字的%(level)s教育日期为 %(d)s，上岗日期须晚于它。")
                    % {"level": late[0].get_level_display(), "d": f"{late[0].held_on:%Y-%m-%d}"},
                )
        person = data.get("person") or (self.instance.person if self.instance.pk else None)
        reason = data.get("reason")
        if person and reason and starts_on:
            clash = Induction.objects.filter(person=person, reason=reason, starts_on=starts_on)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError(_("该人员同一上岗日期的同类三级教育已登记。"))
        return data


class LevelForm(forms.Form):
    held_on = forms.DateField(
        label=_("教育日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    hours = forms.DecimalField(
        label=_("学时"), required=False, min_value=0.5, max_value=99.9, decimal_places=1
    )
    content = forms.CharField(
        label=_("教育内容（每行一项）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    instructor = InstructorChoiceField(queryset=None, label=_("授课人"), required=False)

    def __init__(
        self,
        *args,
        level: InductionLevel | None,
        level_value: int,
        enterprise,
        trainee_user_id,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.level = level
        self.level_value = level_value
        self.label = Level(level_value).label
        self.fields["instructor"].queryset = instructor_candidates(enterprise).exclude(
            pk=trainee_user_id or 0
        )
        self.locked = bool(level and level.is_signed)
        if self.locked:
            for f in self.fields.values():
                f.disabled = True

    def check_against(self, starts_on) -> None:
        """Cross-check with the induction's start date (called after both forms are valid)."""
        held_on = self.cleaned_data.get("held_on")
        if self.locked or not held_on or not starts_on:
            return
        if held_on >= starts_on:
            self.add_error(
                "held_on",
                _("教育日期须早于上岗日期（%(d)s），三级教育须在上岗前完成。")
                % {"d": f"{starts_on:%Y-%m-%d}"},
            )
