from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from drills import access
from drills.models import (
    HELD_STATES,
    AccidentType,
    Attachment,
    CorrectiveAction,
    Drill,
    EmergencyPlan,
    Finding,
    ParticipantRole,
    ScriptStep,
)
from portal.models import PersonCategory
from portal.scoping import visible_enterprises

DT = {"type": "datetime-local"}

# The drill fields people edit, on the front-end form and (with the summary) in the admin.
DRILL_FIELDS = [
    "title",
    "enterprise",
    "organiser_region",
    "level",
    "is_linked",
    "participating_enterprises",
    "participating_units",
    "headcount",
    "form",
    "content",
    "purpose",
    "accident_type",
    "plan",
    "plan_version",
    "plan_type",
    "planned_start",
    "planned_end",
    "place",
    "budget",
    "spent",
    "campaign",
    "reported_to_regulator",
    "reported_on",
    "training_hours",
    "certificate_template",
]


# What is known only once the drill has been held: asked for from then on, never in the plan
# (the fields are left out of the form, so a posted value is ignored too).
AFTER_HELD_FIELDS = ("spent", "reported_to_regulator", "reported_on")

# The planning form's groups, in order (a field the form does not have is skipped).
DRILL_GROUPS = [
    (
        _("基本信息"),
        ["title", "enterprise", "organiser_region", "level", "form", "purpose", "campaign"],
    ),
    (_("时间和地点"), ["planned_start", "planned_end", "place"]),
    (_("演练场景"), ["accident_type", "content", "plan", "plan_version", "plan_type"]),
    (
        _("参演人员"),
        [
            "is_linked",
            "participating_enterprises",
            "participating_units",
            "headcount",
            "training_hours",
            "certificate_template",
        ],
    ),
    (_("经费"), ["budget", "spent"]),
    (_("报告监管部门"), ["reported_to_regulator", "reported_on"]),
]


def ask_after_held_fields_only_when_held(form) -> None:
    """实际投入 and 已报告监管部门 are facts of a held drill: the planning form (a new drill, or one
    not yet held) leaves them out; the front end and the admin alike."""
    if form.instance.pk is None or form.instance.status not in HELD_STATES:
        for name in AFTER_HELD_FIELDS:
            form.fields.pop(name, None)


class DrillForm(forms.ModelForm):
    class Meta:
        model = Drill
        fields = DRILL_FIELDS
        widgets = {
            "planned_start": forms.DateTimeInput(attrs=DT, format="%Y-%m-%dT%H:%M"),
            "planned_end": forms.DateTimeInput(attrs=DT, format="%Y-%m-%dT%H:%M"),
            "reported_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participating_units": forms.Textarea(attrs={"rows": 3}),
            "participating_enterprises": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        optional_headcount(self)
        ask_after_held_fields_only_when_held(self)
        enterprises = access.organisable_enterprises(user)
        regions = access.organisable_regions(user)
        self.fields["enterprise"].queryset = enterprises
        self.fields["organiser_region"].queryset = regions
        self.fields["participating_enterprises"].queryset = visible_enterprises(user)
        self.fields["plan"].queryset = EmergencyPlan.objects.filter(enterprise__in=enterprises)
        if not regions.exists():
            del self.fields["organiser_region"]
            self.fields["enterprise"].required = True
            if enterprises.count() == 1 and not self.instance.pk:
                self.fields["enterprise"].initial = enterprises.first()
        if not enterprises.exists():
            del self.fields["enterprise"]
            self.fields["organiser_region"].required = True

    def field_groups(self):
        """(title, [bound fields]) of the planning form's groups, empty groups left out."""
        for title, names in DRILL_GROUPS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields

    def clean_headcount(self):
        return headcount_or_zero(self.cleaned_data.get("headcount"))

    def clean(self):
        data = super().clean()
        if data.get("enterprise") and data.get("organiser_region"):
            raise forms.ValidationError(_("组织企业和组织区域只能填写一个。"))
        return data


def optional_headcount(form) -> None:
    """The headcount of people on no roster may be left empty (none): the form and the admin."""
    if "headcount" in form.fields:
        form.fields["headcount"].required = False


def headcount_or_zero(value):
    return 0 if value is None else value


class PlanForm(forms.ModelForm):
    accident_types = forms.MultipleChoiceField(
        label=_("适用事故类型"),
        choices=AccidentType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = EmergencyPlan
        fields = [
            "enterprise",
            "name",
            "plan_type",
            "accident_types",
            "version",
            "file",
            "filing_status",
            "filed_on",
            "next_review_on",
        ]
        widgets = {
            "filed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_review_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        enterprises = access.organisable_enterprises(user)
        self.fields["enterprise"].queryset = enterprises
        if enterprises.count() == 1 and not self.instance.pk:
            self.fields["enterprise"].initial = enterprises.first()

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and hasattr(f, "name") and hasattr(f, "size") and not getattr(f, "_committed", False):
            services_validate_upload(f, Attachment.Kind.PLAN)
        return f


class AddPeopleForm(forms.Form):
    MODE_CHOICES = [
        ("selected", _("按人员选择")),
        ("category", _("按人员类别")),
        ("enterprise", _("整个企业")),
    ]
    mode = forms.ChoiceField(label=_("添加方式"), choices=MODE_CHOICES, initial="selected")
    people = forms.ModelMultipleChoiceField(
        label=_("人员"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    category = forms.ChoiceField(
        label=_("人员类别"), choices=[("", "—")] + list(PersonCategory.choices), required=False
    )
    enterprise = forms.ModelChoiceField(label=_("企业"), queryset=None, required=False)
    role = forms.ChoiceField(
        label=_("角色"), choices=ParticipantRole.choices, initial=ParticipantRole.PLAYER
    )

    def __init__(self, *args, people_qs, enterprises_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.people_qs = people_qs
        self.fields["people"].queryset = people_qs.select_related("enterprise")
        self.fields["people"].label_from_instance = lambda p: (
            f"{p.name}（{p.enterprise.name} · {p.get_category_display()}）"
        )
        self.fields["enterprise"].queryset = enterprises_qs

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == "selected" and not data.get("people"):
            raise forms.ValidationError(_("请至少选择一名人员。"))
        if mode == "category" and not data.get("category"):
            raise forms.ValidationError(_("请选择人员类别。"))
        if mode == "enterprise" and not data.get("enterprise"):
            raise forms.ValidationError(_("请选择企业。"))
        return data

    def selected_people(self):
        data = self.cleaned_data
        if data["mode"] == "selected":
            return self.people_qs.filter(pk__in=[p.pk for p in data["people"]])
        if data["mode"] == "category":
            qs = self.people_qs.filter(category=data["category"])
            if data.get("enterprise"):
                qs = qs.filter(enterprise=data["enterprise"])
            return qs
        return self.people_qs.filter(enterprise=data["enterprise"])


class ExternalParticipantForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.CharField(label=_("单位"), max_length=100)
    role = forms.ChoiceField(
        label=_("角色"), choices=ParticipantRole.choices, initial=ParticipantRole.OBSERVER
    )


class ScriptStepForm(forms.ModelForm):
    class Meta:
        model = ScriptStep
        fields = ["order", "planned_time", "content", "expected_action"]
        widgets = {
            "planned_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "content": forms.Textarea(attrs={"rows": 2}),
            "expected_action": forms.Textarea(attrs={"rows": 2}),
        }


class StepRecordForm(forms.ModelForm):
    class Meta:
        model = ScriptStep
        fields = ["actual_time", "notes"]
        widgets = {
            "actual_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["grade", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ActionForm(forms.ModelForm):
    class Meta:
        model = CorrectiveAction
        fields = ["description", "owner", "owner_name", "due_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, people_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_qs

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not (data.get("owner_name") or "").strip():
            raise forms.ValidationError(_("请选择责任人或填写外部责任人姓名。"))
        return data


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["kind", "file"]

    def clean(self):
        data = super().clean()
        if data.get("file") and data.get("kind"):
            services_validate_upload(data["file"], data["kind"])
        return data


# Allowed extensions and maximum size (MB) per attachment kind.
UPLOAD_RULES = {
    Attachment.Kind.PLAN: ({".pdf", ".doc", ".docx"}, 20),
    Attachment.Kind.SCRIPT: ({".pdf", ".doc", ".docx", ".xlsx", ".xls"}, 20),
    Attachment.Kind.PHOTO: ({".jpg", ".jpeg", ".png", ".webp"}, 10),
    Attachment.Kind.VIDEO: ({".mp4", ".mov", ".webm"}, 200),
    Attachment.Kind.SIGN_IN: ({".pdf", ".jpg", ".jpeg", ".png", ".xlsx"}, 20),
}


_ZIP, _OLE = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
_JPEG = (b"\xff\xd8\xff",)
# What a file of each allowed extension starts with: an .exe renamed .pdf is refused.
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".doc": _OLE,
    ".xls": _OLE,
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".webm": (b"\x1a\x45\xdf\xa3",),
}


def _content_matches(ext: str, head: bytes) -> bool:
    if ext == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext in (".mp4", ".mov"):  # ISO/QuickTime: the first atom's type
        return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")
    return head.startswith(SIGNATURES.get(ext, (b"\x00\x00invalid",)))


def services_validate_upload(f, kind: str) -> None:
    import os

    exts, max_mb = UPLOAD_RULES[kind]
    ext = os.path.splitext(f.name)[1].lower()
    if ext not in exts:
        raise forms.ValidationError(
            _("%(kind)s只接受以下格式：%(exts)s。")
            % {"kind": Attachment.Kind(kind).label, "exts": "、".join(sorted(exts))}
        )
    if f.size > max_mb * 1024 * 1024:
        raise forms.ValidationError(
            _("%(kind)s文件不能超过 %(mb)d MB。")
            % {"kind": Attachment.Kind(kind).label, "mb": max_mb}
        )
    position = f.tell() if hasattr(f, "tell") else 0
    f.seek(0)
    head = f.read(16)
    f.seek(position)
    if not _content_matches(ext, head):
        raise forms.ValidationError(
            _("文件内容与扩展名“%(ext)s”不符，可能已损坏或被改名，请检查后重新上传。")
            % {"ext": ext.lstrip(".")}
        )
