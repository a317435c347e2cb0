"""Admin forms of the exam engine, limited to what the user may administer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from exams.models import Paper, Question, knowledge_point_q
from exams.question_types import LETTERS, QuestionType, kind_of
from portal.models import PersonCategory


def _limit_owner(form, user) -> None:
    from exams.access import admin_enterprises, admin_regions

    if user is None:
        return
    regions = admin_regions(user)
    if "region" in form.fields:
        form.fields["region"].queryset = regions
    if "enterprise" in form.fields:
        enterprises = admin_enterprises(user)
        form.fields["enterprise"].queryset = enterprises
        if not regions.exists() and "region" in form.fields:
            # a manager owns banks and papers through their enterprise only
            form.fields["region"].widget = forms.HiddenInput()
            if not form.instance.pk and enterprises.count() == 1:
                form.fields["enterprise"].initial = enterprises.first()


class OwnedAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.for_user = for_user
        _limit_owner(self, for_user)


class QuestionBankAdminForm(OwnedAdminForm):
    pass


class QuestionAdminForm(WagtailAdminModelForm):
    option_A = forms.CharField(
        label=_("选项A"),
        required=False,
        help_text=_("判断题可留空（默认为“正确/错误”）；填空题不设选项。"),
    )
    option_B = forms.CharField(label=_("选项B"), required=False)
    option_C = forms.CharField(label=_("选项C"), required=False)
    option_D = forms.CharField(label=_("选项D"), required=False)
    option_E = forms.CharField(label=_("选项E"), required=False)
    option_F = forms.CharField(label=_("选项F"), required=False)
    option_G = forms.CharField(label=_("选项G"), required=False)
    option_H = forms.CharField(label=_("选项H"), required=False)

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        from exams.access import visible_banks

        if for_user is not None and "bank" in self.fields:
            self.fields["bank"].queryset = visible_banks(for_user)
        for i, option in enumerate(self.instance.options or []):
            if i < len(LETTERS):
                self.initial.setdefault(f"option_{LETTERS[i]}", option)
        if "answer" in self.fields:
            self.fields["answer"].help_text = _(
                "单选如 B；多选如 ACD 或 A、C、D；判断填 对/错（或 正确/错误、√/×、A/B）；"
                "填空每空一组答案，用“；”分隔，同一空的多个答案用“|”分隔，如 6|六；3|三"
                "（题干中的空用“___”或“（　）”标出）。"
            )
            if self.instance.pk and self.instance.type in QuestionType.values:
                self.initial["answer"] = kind_of(self.instance.type).export_answer(
                    self.instance.answer
                )

    def clean(self):
        data = super().clean()
        qtype = data.get("type") or ""
        raw = [(data.get(f"option_{c}") or "").strip() for c in LETTERS]
        while raw and not raw[-1]:
            raw.pop()
        if any(not o for o in raw):
            raise forms.ValidationError(_("选项中间有空缺（选项须从A起连续填写）。"))
        if qtype not in QuestionType.values:
            return data  # the type field reports it
        options, answer, problems = kind_of(qtype).clean_question(
            stem=data.get("stem") or "", options=raw, answer=data.get("answer") or ""
        )
        if problems:
            raise forms.ValidationError(problems)
        data["answer"] = answer
        self.instance.options = options
        return data


class PaperAdminForm(OwnedAdminForm):
    audience_categories = forms.MultipleChoiceField(
        label=_("参考人员类别"),
        choices=PersonCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        from exams.access import visible_banks

        if for_user is None:
            return
        banks = visible_banks(for_user)
        if "audience_enterprises" in self.fields:
            from exams.access import admin_enterprises

            self.fields["audience_enterprises"].queryset = admin_enterprises(for_user)
        for name, formset in getattr(self, "formsets", {}).items():
            for form in [*formset.forms, formset.empty_form]:
                if name == "draw_rules" and "bank" in form.fields:
                    form.fields["bank"].queryset = banks
                if name == "paper_questions" and "question" in form.fields:
                    form.fields["question"].queryset = Question.objects.filter(
                        bank__in=banks
                    ).select_related("bank")

    def clean(self):
        data = super().clean()
        selection = data.get("selection")
        formsets = getattr(self, "formsets", {})

        def live(name):
            fs = formsets.get(name)
            if fs is None or not hasattr(fs, "cleaned_data"):
                return []
            return [f for f in fs.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]

        if selection == "fixed" and formsets and not live("paper_questions"):
            self.add_error("selection", _("固定试题方式须至少添加一道试题。"))
        if selection == "draw" and formsets:
            rules = live("draw_rules")
            if not rules:
                self.add_error("selection", _("按规则抽题方式须至少添加一条抽题规则。"))
            for f in rules:
                d = f.cleaned_data
                if d.get("bank") and d.get("type") and d.get("count"):
                    qs = (
                        d["bank"]
                        .questions.active()
                        .filter(
                            type=d["type"],
                            difficulty__gte=d.get("difficulty_min") or 1,
                            difficulty__lte=d.get("difficulty_max") or 5,
                        )
                    )
                    if d.get("knowledge_point"):
                        qs = qs.filter(knowledge_point_q(d["knowledge_point"]))
                    have = qs.count()
                    if have < d["count"]:
                        self.add_error(
                            "selection",
                            _(
                                "抽题规则“%(bank)s · %(type)s”只有%(have)s道可用试题，少于要抽的%(need)s道。"
                            )
                            % {
                                "bank": d["bank"].name,
                                "type": QuestionType(d["type"]).label,
                                "have": have,
                                "need": d["count"],
                            },
                        )
        if data.get("mode") == Paper.Mode.PRACTICE and formsets:
            # practice never serves an exam-only bank's questions (exams.disclosure)
            banks = [f.cleaned_data.get("bank") for f in live("draw_rules")] + [
                getattr(f.cleaned_data.get("question"), "bank", None)
                for f in live("paper_questions")
            ]
            for bank in dict.fromkeys(b for b in banks if b is not None and b.exam_only):
                self.add_error(
                    "mode", _("题库“%(bank)s”仅用于考试，练习试卷不能使用。") % {"bank": bank.name}
                )
        return data


class QuestionImportForm(forms.Form):
    bank = forms.ModelChoiceField(label=_("导入到题库"), queryset=None)
    file = forms.FileField(label=_("试题文件（.xlsx）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from exams.access import visible_banks

        self.fields["bank"].queryset = visible_banks(user)


class ResultFilterForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("企业"), queryset=None, required=False)
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("in_progress", _("答题中")), ("finished", _("已交卷"))],
    )
    passed = forms.ChoiceField(
        label=_("是否及格"),
        required=False,
        choices=[("", _("全部")), ("yes", _("及格")), ("no", _("不及格"))],
    )
    q = forms.CharField(label=_("姓名"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from exams.access import admin_enterprises

        self.fields["enterprise"].queryset = admin_enterprises(user)
