"""Admin forms: every choice limited to what the user may see."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from competitions import services
from portal.models import Region
from portal.ownership import ancestor_paths
from portal.scoping import scope_for, visible_enterprises, visible_people, visible_regions


def theory_papers(user):
    """Papers a competition may use: those the user administers and those owned by the regions
    above theirs (a street competition may use the district's paper)."""
    from exams.access import admin_owner_q
    from exams.models import Paper

    q = admin_owner_q(user)
    scope = scope_for(user)
    if scope.is_region:
        q |= Q(region__path__in=ancestor_paths(scope.region.path))
    return Paper.objects.filter(q, practice_for__isnull=True).order_by("-created_at")


def judge_candidates(user, competition=None):
    """Accounts a supervisor may make judges: active accounts of their region's people and
    enterprises, their region's staff, and accounts tied to no enterprise or region (outside
    experts). A superuser may pick anyone. The competition's current judges stay choices (a
    superuser may have added one from elsewhere; the supervisor can still save or remove them)."""
    users = get_user_model().objects.all()
    scope = scope_for(user)
    if scope.is_all:
        return users.filter(is_active=True).order_by("username")
    if not scope.is_region:
        return users.none()
    path = scope.region.path
    q = Q(is_active=True) & (
        Q(region__path__startswith=path)
        | Q(enterprise__street__path__startswith=path)
        | Q(person__enterprise__street__path__startswith=path)
        | Q(region__isnull=True, enterprise__isnull=True, person__isnull=True)
    )
    if competition is not None and competition.pk:
        from competitions.models import Judge

        q |= Q(pk__in=Judge.objects.filter(competition=competition).values("user_id"))
    return users.filter(q).order_by("username")


class CompetitionAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is None:
            return
        if "region" in self.fields:
            self.fields["region"].queryset = visible_regions(for_user).exclude(
                level=Region.Level.COMMUNITY
            )
        if "theory_paper" in self.fields:
            self.fields["theory_paper"].queryset = theory_papers(for_user)
        formset = getattr(self, "formsets", {}).get("judges")
        if formset is not None:
            _limit_judges(formset, judge_candidates(for_user, self.instance))

    def clean(self):
        data = super().clean()
        competition = self.instance
        formset = getattr(self, "formsets", {}).get("judges")
        if formset is None or not competition.pk:
            return data
        if competition.status not in ("closed", "published"):
            return data
        from competitions.models import Judge, Score

        # once closed, the judges who scored stay: removing one would change the results
        gone = set()
        for form in formset.forms:
            if not form.instance.pk:
                continue
            if form in formset.deleted_forms or "user" in form.changed_data:
                gone.add(form.instance.pk)
        if gone:
            removed = Judge.objects.filter(pk__in=gone, competition=competition).values("user_id")
            if Score.objects.filter(team__competition=competition, judge__in=removed).exists():
                self.add_error(None, _("竞赛已结束，已评分的裁判不能移除或更换。"))
        return data


def _limit_judges(formset, candidates) -> None:
    """Limits the judge choices of every form of the inline formset, including `empty_form` (the
    template for "add a judge", built afresh on each access)."""

    def limit(form):
        if "user" in form.fields:
            form.fields["user"].queryset = candidates
        return form

    for form in formset.forms:
        limit(form)
    base = type(formset)
    formset.__class__ = type(
        base.__name__, (base,), {"empty_form": property(lambda fs: limit(base.empty_form.fget(fs)))}
    )


class TeamAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.for_user = for_user
        if for_user is None:
            return
        competitions = services.registrable_competitions(for_user)
        if self.instance.pk:
            competitions = competitions | type(self.instance.competition).objects.filter(
                pk=self.instance.competition_id
            )
        self.fields["competition"].queryset = competitions.distinct()
        self.fields["enterprise"].queryset = visible_enterprises(for_user)
        self.fields["members"].queryset = (
            visible_people(for_user).filter(is_active=True).select_related("enterprise")
        )
        self.fields["members"].widget = forms.CheckboxSelectMultiple()
        self.fields["members"].widget.choices = self.fields["members"].choices

    def clean(self):
        data = super().clean()
        competition = data.get("competition")
        enterprise = data.get("enterprise")
        members = data.get("members") or []
        if competition and enterprise:
            if not competition.covers(enterprise):
                self.add_error("enterprise", _("该企业不在竞赛主办区域内。"))
            if competition.status not in ("draft", "open"):
                self.add_error("competition", _("竞赛已结束，不能报名或修改队伍。"))
        if enterprise:
            outsiders = [p.name for p in members if p.enterprise_id != enterprise.pk]
            if outsiders:
                self.add_error(
                    "members",
                    _("队员须为本企业人员：%(names)s") % {"names": "、".join(outsiders)},
                )
        if competition and members:
            taken = (
                type(self.instance)
                .members.through.objects.filter(
                    team__competition=competition, person__in=[p.pk for p in members]
                )
                .exclude(team_id=self.instance.pk)
                .select_related("person", "team")
                .order_by("person__name")
            )
            if taken:
                self.add_error(
                    "members",
                    _("以下人员已在本竞赛的其他队伍中：%(names)s")
                    % {"names": "、".join(f"{t.person.name}（{t.team.name}）" for t in taken)},
                )
        if not members:
            self.add_error("members", _("请至少选择一名队员。"))
        return data
