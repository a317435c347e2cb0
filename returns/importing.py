"""Bulk entry of paper returns: an .xlsx with one row per enterprise, for one form.

    import_columns(form) -> list[str]          统一社会信用代码, 企业名称, 补报说明, then the items
    TEMPLATE_COLUMNS                            the columns of the standard annual form (registry)
    import_returns(*, upload, user, form, dry_run=False) -> ImportReport

All or nothing: any bad row and nothing is saved, every bad row listed in Chinese. An enterprise is
matched by its 统一社会信用代码 (portal.columns) among those the importer may see and the form asks;
a 企业名称 beside it must be the enterprise's. An enterprise whose return was already submitted is
refused (its street reviews it instead); a draft or a returned one is overwritten. Imported returns
are entered by the street from the enterprises' signed paper forms: they are recorded as passed by
the street (待区采纳) with the recorded figures of the period, each change kept as 批量导入.
The import runs through portal.importing.run_import (preview, history, undo).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import xlsx
from portal.columns import clean_row
from portal.importing import record_created
from portal.scoping import visible_enterprises
from returns.items import ITEMS, STANDARD_ANNUAL, ordered
from returns.models import EDITABLE, Filing, FilingChange, FilingStatus, ReturnForm, parse_value
from returns.prefill import recorded_values
from returns.services import check_values

CODE, NAME, NOTE = "统一社会信用代码", "企业名称", "补报说明"


def import_columns(form: ReturnForm) -> list[str]:
    return [CODE, NAME, NOTE, *(str(item.label) for item in ordered(form.items))]


TEMPLATE_COLUMNS = (CODE, NAME, NOTE, *(str(ITEMS[k].label) for k in STANDARD_ANNUAL))


def _number(item, raw) -> tuple[Decimal | None, str]:
    text = xlsx.cell_text(raw)
    if text == "":
        return None, ""
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None, _("%(i)s“%(v)s”不是数字") % {"i": item.label, "v": text}
    if not value.is_finite():
        return None, _("%(i)s“%(v)s”不是数字") % {"i": item.label, "v": text}
    return value, ""


def import_returns(*, upload, user, form: ReturnForm, dry_run: bool = False) -> xlsx.ImportReport:
    report = xlsx.ImportReport(dry_run=dry_run)
    columns = import_columns(form)
    try:
        rows = list(xlsx.read_rows(upload, columns, required=[CODE]))
    except xlsx.SpreadsheetError as exc:
        report.errors.append(xlsx.RowError(row=1, message=str(exc)))
        return report
    if not rows:
        report.errors.append(xlsx.RowError(row=2, message=_("表格中没有数据行。")))
        return report
    codes = {r.text(CODE).upper() for r in rows}
    enterprises = {
        e.credit_code: e
        for e in visible_enterprises(user).filter(credit_code__in=codes).select_related("street")
    }
    asked = set(
        form.targets()
        .filter(pk__in=[e.pk for e in enterprises.values()])
        .values_list("pk", flat=True)
    )
    filings = {
        f.enterprise_id: f for f in Filing.objects.filter(form=form, enterprise_id__in=asked)
    }
    items = ordered(form.items)
    seen: dict[str, int] = {}
    parsed = []
    for row in rows:
        values, problems = clean_row(row, [CODE, NAME, NOTE], required=[CODE])
        code = values[CODE]
        enterprise = enterprises.get(code) if code else None
        if code and enterprise is None:
            problems.insert(
                0, _("找不到统一社会信用代码为 %(c)s 的企业（或无权查看）") % {"c": code}
            )
        elif enterprise is not None:
            if code in seen:
                problems.insert(0, _("与第%(n)s行是同一企业") % {"n": seen[code]})
            seen.setdefault(code, row.number)
            name = values[NAME]
            if name and name != enterprise.name:
                problems.append(
                    _("企业名称“%(given)s”与系统中的“%(real)s”不一致")
                    % {"given": name, "real": enterprise.name}
                )
            if enterprise.pk not in asked:
                problems.append(_("本报表不要求该企业填报"))
            existing = filings.get(enterprise.pk)
            if existing is not None and existing.status not in EDITABLE:
                problems.append(
                    _("该企业已提交本期报表（%(s)s），不能导入覆盖")
                    % {"s": existing.get_status_display()}
                )
        additional: dict[str, Decimal | None] = {}
        for item in items:
            value, problem = _number(item, row.values.get(str(item.label)))
            if problem:
                problems.append(problem)
            additional[item.key] = value
        if not problems:
            problems += check_values(form, additional)
        if problems:
            report.errors.append(
                xlsx.RowError(row=row.number, message="；".join(str(p) for p in problems))
            )
        else:
            parsed.append((enterprise, additional, values[NOTE]))
    if report.errors:
        return report
    for enterprise, _additional, _note in parsed:
        if enterprise.pk in filings:
            report.updated += 1
        else:
            report.created += 1
    if dry_run:
        return report
    now = timezone.now()
    with transaction.atomic():
        log = []
        for enterprise, additional, note in parsed:
            filing = filings.get(enterprise.pk) or Filing(form=form, enterprise=enterprise)
            new = {
                k: f"{v.normalize():f}" if v == v.to_integral() else f"{v:f}"
                for k, v in additional.items()
                if v is not None
            }
            changes = [
                (str(item.label), filing.additional.get(item.key, ""), new.get(item.key, ""))
                for item in items
                if parse_value(filing.additional.get(item.key)) != parse_value(new.get(item.key))
            ]
            old_status = filing.status if filing.pk else FilingStatus.DRAFT
            recorded = recorded_values(enterprise.pk, form.period)
            filing.additional = new
            filing.note = note
            filing.recorded = {
                k: f"{v.normalize():f}" if v == v.to_integral() else f"{v:f}"
                for k, v in recorded.items()
                if k in form.items
            }
            filing.status = FilingStatus.PASSED
            filing.submitted_at = now
            filing.reason = ""
            filing.save()
            log += [
                FilingChange(
                    filing=filing,
                    user=user if user.pk else None,
                    at=now,
                    action=FilingChange.Action.IMPORT,
                    field=f,
                    old=o,
                    new=n,
                )
                for f, o, n in [
                    *changes,
                    (
                        _("状态"),
                        str(FilingStatus(old_status).label),
                        str(FilingStatus.PASSED.label),
                    ),
                ]
            ]
        # recorded in the import's batch, so an undo takes them back with their filings
        record_created(FilingChange.objects.bulk_create(log))
    return report


def credit_code(value) -> str:
    """The 统一社会信用代码 column of the vocabulary (portal.columns)."""
    from django.core.exceptions import ValidationError

    from portal.columns import CellError
    from portal.validators import validate_credit_code

    code = xlsx.cell_text(value).upper()
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        raise CellError(exc.messages[0].rstrip("。")) from None
    return code


def filings_importer(batch, user):
    """The paper returns' runner (portal.registry.ImportRunner: the page and, for a big file, the
    task cluster): a supervisor (or superuser) who still sees the form of the batch and at least
    one of the enterprises it asks."""
    from portal.scoping import Scope, scope_for
    from returns.services import visible_forms

    prefix, _sep, pk = batch.target.partition(":")
    if prefix != "returns.form" or not pk.isdigit():
        raise PermissionDenied
    if scope_for(user).kind not in (Scope.Kind.REGION, Scope.Kind.ALL):
        raise PermissionDenied
    form = visible_forms(user).filter(pk=int(pk)).first()
    if form is None or not visible_enterprises(user).filter(form.targets_q()).exists():
        raise PermissionDenied
    return partial(import_returns, user=user, form=form)
