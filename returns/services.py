"""Filing and reviewing returns, and who may do what with one.

    visible_filings(user) -> QuerySet[Filing]             manager: own enterprise; supervisor: region
    visible_forms(user) -> QuerySet[ReturnForm]           the forms a user may open
    open_forms_for(enterprise_id) -> list[ReturnForm]     published forms that ask this enterprise
    filing_for(form, enterprise) -> Filing                the existing one, or a new unsaved draft
    can_fill(user, filing) / can_pass / can_accept / can_return / can_edit_form
    save_filing(*, filing, user, additional, note, submit, now) -> Filing     raises ReturnError
    review(*, filing, user, action, reason, now) -> Filing                      raises ReturnError

A filing moves draft → submitted → passed (street) → accepted (district); the street (from
submitted) or the district (from submitted or passed) may return it with a reason, and the
enterprise edits it again and resubmits. Submitted, passed and accepted filings are locked.
Every change of a figure, the note, the status or the reason is kept as a FilingChange.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portal.models import Enterprise, Region
from portal.scoping import Scope, scope_enterprise_q, scope_for
from returns.items import ITEMS, drill_items, ordered
from returns.models import (
    EDITABLE,
    Filing,
    FilingChange,
    FilingStatus,
    ReturnForm,
    parse_value,
)
from returns.prefill import recorded_values


class ReturnErrorCode(StrEnum):
    LOCKED = "locked"
    INVALID = "invalid"
    NOT_ALLOWED = "not_allowed"
    WRONG_STATE = "wrong_state"


class ReturnError(Exception):
    def __init__(self, code: ReturnErrorCode, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = problems or []


# --------------------------------------------------------------------------- who may


def visible_filings(user) -> QuerySet[Filing]:
    scope = scope_for(user)
    if not scope.is_staff_scope:
        return Filing.objects.none()
    return Filing.objects.filter(scope_enterprise_q(scope, "enterprise"))


def visible_forms(user) -> QuerySet[ReturnForm]:
    """Supervisors: the forms of their district (a street's supervisor sees the district's forms);
    managers: published forms (each view then checks the form asks their enterprise)."""
    scope = scope_for(user)
    if scope.kind == Scope.Kind.ALL:
        return ReturnForm.objects.all()
    if scope.kind == Scope.Kind.REGION:
        from portal.ownership import ancestor_paths

        paths = ancestor_paths(scope.region.path)
        return ReturnForm.objects.filter(
            Q(region__isnull=True)
            | Q(region__path__in=paths)
            | Q(region__path__startswith=scope.region.path)
        )
    if scope.kind == Scope.Kind.ENTERPRISE:
        return ReturnForm.objects.filter(is_open=True)
    return ReturnForm.objects.none()


def can_edit_form(user, form: ReturnForm | None = None) -> bool:
    """Forms are defined by the district's supervisors (and superusers)."""
    scope = scope_for(user)
    if scope.kind == Scope.Kind.ALL:
        return True
    if scope.kind != Scope.Kind.REGION or scope.region.level != Region.Level.DISTRICT:
        return False
    return form is None or form.region is None or form.region.path.startswith(scope.region.path)


def can_fill(user, filing: Filing) -> bool:
    scope = scope_for(user)
    return scope.kind == Scope.Kind.ENTERPRISE and filing.enterprise_id == scope.enterprise_id


def _covers(user, filing: Filing, level: str) -> bool:
    scope = scope_for(user)
    if scope.kind == Scope.Kind.ALL:
        return True
    if scope.kind != Scope.Kind.REGION or scope.region.level != level:
        return False
    return filing.enterprise.street.path.startswith(scope.region.path)


def can_pass(user, filing: Filing) -> bool:
    """The street's supervisor passes a submitted return."""
    return filing.status == FilingStatus.SUBMITTED and _covers(user, filing, Region.Level.STREET)


def can_accept(user, filing: Filing) -> bool:
    """The district's supervisor accepts a return the street passed."""
    return filing.status == FilingStatus.PASSED and _covers(user, filing, Region.Level.DISTRICT)


def can_return(user, filing: Filing) -> bool:
    if filing.status == FilingStatus.SUBMITTED:
        return _covers(user, filing, Region.Level.STREET) or _covers(
            user, filing, Region.Level.DISTRICT
        )
    return filing.status == FilingStatus.PASSED and _covers(user, filing, Region.Level.DISTRICT)


def open_forms_for(enterprise_id: int) -> list[ReturnForm]:
    """Published forms asking this enterprise (queries: the forms with their streets, then one
    per form to check its targets)."""
    forms = ReturnForm.objects.filter(is_open=True).select_related("region")
    forms = forms.prefetch_related("streets")
    return [form for form in forms if form.targets().filter(pk=enterprise_id).exists()]


def filing_for(form: ReturnForm, enterprise: Enterprise) -> Filing:
    filing = Filing.objects.filter(form=form, enterprise=enterprise).first()
    return filing or Filing(form=form, enterprise=enterprise)


# --------------------------------------------------------------------------- filing


def _text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def check_values(form: ReturnForm, additional: dict[str, Decimal | None]) -> list[str]:
    """Chinese problems with a return's additional figures (every one, not the first)."""
    problems = []
    asked = set(form.items)
    for key, value in additional.items():
        item = ITEMS.get(key)
        if item is None or key not in asked:
            problems.append(_("“%(k)s”不是本报表的填报项目。") % {"k": key})
            continue
        if value is None:
            continue
        if value < 0:
            problems.append(_("“%(i)s”不能为负数。") % {"i": item.label})
        elif value != value.quantize(item.step):
            problems.append(
                _("“%(i)s”最多保留 %(p)s 位小数。") % {"i": item.label, "p": item.places}
                if item.places
                else _("“%(i)s”须为整数。") % {"i": item.label}
            )
    for measure, label in (
        ("count", _("场次")),
        ("person_times", _("参演人次")),
        ("money", _("投入资金")),
    ):
        by_form = [k for k in drill_items("form", measure) if k in asked]
        by_level = [k for k in drill_items("level", measure) if k in asked]
        if not by_form or not by_level:
            continue
        total_form = sum((additional.get(k) or Decimal(0) for k in by_form), Decimal(0))
        total_level = sum((additional.get(k) or Decimal(0) for k in by_level), Decimal(0))
        if total_form != total_level:
            problems.append(
                _("补报演练%(m)s按形式合计 %(a)s，按级别合计 %(b)s，两者须相等。")
                % {"m": label, "a": _text(total_form), "b": _text(total_level)}
            )
    return problems


def _log(filing, user, now, action, field="", old="", new="") -> FilingChange:
    return FilingChange(
        filing=filing, user=user, at=now, action=action, field=field, old=old, new=new
    )


def save_filing(
    *,
    filing: Filing,
    user,
    additional: dict[str, Decimal | None],
    note: str,
    submit: bool,
    now: datetime,
    action: str = FilingChange.Action.SAVE,
) -> Filing:
    """Save a draft (or a returned filing) and, with submit, send it for review. Locked filings
    and bad figures are refused with every problem listed; nothing is changed then."""
    problems = check_values(filing.form, additional)
    note = (note or "").strip()
    if submit and not note and any(v for v in additional.values()):
        problems.append(_("填写了补报数时，请在补报说明中写明这些活动（时间、内容、人数来源）。"))
    if problems:
        raise ReturnError(ReturnErrorCode.INVALID, _("填报有误，未保存。"), problems)
    with transaction.atomic():
        if filing.pk:
            filing = (
                Filing.objects.select_for_update()
                .select_related("form", "enterprise")
                .get(pk=filing.pk)
            )
        if filing.status not in EDITABLE:
            raise ReturnError(ReturnErrorCode.LOCKED, _("该填报已提交，不能再修改。"))
        new_values = {k: _text(v) for k, v in additional.items() if v is not None}
        changes = []
        for item in ordered(set(filing.additional) | set(new_values)):
            old, new = filing.additional.get(item.key, ""), new_values.get(item.key, "")
            if parse_value(old) != parse_value(new):
                changes.append((str(item.label), old, new))
        if note != filing.note:
            changes.append((_("补报说明"), filing.note, note))
        filing.additional = new_values
        filing.note = note
        old_status = filing.status
        if submit:
            recorded = recorded_values(filing.enterprise_id, filing.form.period)
            filing.recorded = {k: _text(v) for k, v in recorded.items() if k in filing.form.items}
            filing.status = FilingStatus.SUBMITTED
            filing.submitted_at = now
            filing.reason = ""
        filing.save()
        log = [_log(filing, user, now, action, f, o, n) for f, o, n in changes]
        if filing.status != old_status:
            log.append(
                _log(
                    filing,
                    user,
                    now,
                    FilingChange.Action.SUBMIT,
                    _("状态"),
                    FilingStatus(old_status).label,
                    FilingStatus(filing.status).label,
                )
            )
        FilingChange.objects.bulk_create(log)
    return filing


# --------------------------------------------------------------------------- review


def review(*, filing: Filing, user, action: str, reason: str = "", now: datetime) -> Filing:
    """pass (street), return with a reason (street or district), accept (district)."""
    reason = (reason or "").strip()
    if action == "return" and not reason:
        raise ReturnError(ReturnErrorCode.INVALID, _("退回时请填写退回原因，企业将看到该原因。"))
    with transaction.atomic():
        filing = (
            Filing.objects.select_for_update()
            .select_related("form", "enterprise__street")
            .get(pk=filing.pk)
        )
        allowed = {"pass": can_pass, "accept": can_accept, "return": can_return}.get(action)
        if allowed is None:
            raise ReturnError(ReturnErrorCode.INVALID, _("未知的审核操作。"))
        if not allowed(user, filing):
            raise ReturnError(
                ReturnErrorCode.WRONG_STATE,
                _("该填报当前为“%(s)s”，您不能执行此操作。")
                % {"s": FilingStatus(filing.status).label},
            )
        old = filing.status
        filing.status = {
            "pass": FilingStatus.PASSED,
            "accept": FilingStatus.ACCEPTED,
            "return": FilingStatus.RETURNED,
        }[action]
        log_action = {
            "pass": FilingChange.Action.PASS,
            "accept": FilingChange.Action.ACCEPT,
            "return": FilingChange.Action.RETURN,
        }[action]
        log = [
            _log(
                filing,
                user,
                now,
                log_action,
                _("状态"),
                FilingStatus(old).label,
                FilingStatus(filing.status).label,
            )
        ]
        if action == "return":
            log.append(_log(filing, user, now, log_action, _("退回原因"), filing.reason, reason))
            filing.reason = reason
        if action == "accept":
            filing.accepted_at = now
        filing.save()
        FilingChange.objects.bulk_create(log)
    return filing
