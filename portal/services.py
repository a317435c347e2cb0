"""Services of the portal app: roster import and export (logins and passwords: portal.accounts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import progress
from portal.accounts import AccountError, InitialCredential, ensure_login
from portal.columns import clean_row
from portal.models import Enterprise, Person, PersonCategory, SpecialOperation, User
from portal.scoping import administers_enterprise, scope_for, visible_people
from portal.validators import (
    mask_id_number,
    normalize_id_number,
)
from portal.xlsx import (
    ImportReport,
    RowError,
    SpreadsheetError,
    build_workbook,
    read_rows,
)

ROSTER_COLUMNS = [
    "姓名",
    "身份证号",
    "手机号",
    "人员类别",
    "特种作业类别",
    "操作项目",
    "岗位",
    "入职日期",
]
ROSTER_REQUIRED = ["姓名", "身份证号", "人员类别"]


@dataclass
class RosterImportReport(ImportReport):
    """An import's report plus the first passwords of the logins it created, to be shown once to
    the manager who imported (never stored)."""

    credentials: list[InitialCredential] = field(default_factory=list)


def _unchanged(person: Person, data: dict) -> bool:
    """Whether the row would leave the person as they are (and on the roster)."""
    operation = data["special_operation"]
    return (
        person.is_active
        and person.special_operation_id == (operation.pk if operation else None)
        and all(getattr(person, k) == v for k, v in data.items() if k != "special_operation")
    )


conflict_message = gettext_lazy("该身份证号不能导入本企业，请联系监管人员办理调动")


def _conflicts(
    *, enterprise: Enterprise, ids: list[str], existing: dict[str, Person], actor: User | None
) -> dict[str, str]:
    """身份证号 -> why the row cannot be imported into `enterprise`, for the 身份证号 that only a
    supervisor can sort out: registered in another enterprise (a transfer), or already the username
    of a login that is not this person's. Whoever may not see the other record (a manager) gets one
    message for all of them, which tells neither where nor whether; a supervisor whose region holds
    the other record, and the operator's command (actor None), are told what it is."""
    taken = set(User.objects.filter(username__in=ids).values_list("username", flat=True))
    elsewhere = {i for i, p in existing.items() if p.enterprise_id != enterprise.pk}
    clash = {i for i in taken - elsewhere if i not in existing or existing[i].user_id is None}
    if not (elsewhere or clash):
        return {}
    if actor is None:
        seen = elsewhere
    else:
        seen = set(
            visible_people(actor)
            .filter(id_number__in=elsewhere)
            .values_list("id_number", flat=True)
        )
    supervising = actor is None or scope_for(actor).is_supervising
    generic = str(conflict_message)
    reasons = {}
    for id_number in elsewhere:
        if id_number in seen:
            other = existing[id_number]
            reasons[id_number] = _(
                "该身份证号已登记在%(enterprise)s（%(state)s），调动请在“从业人员”中修改其所属企业"
            ) % {
                "enterprise": other.enterprise.name,
                "state": _("在职") if other.is_active else _("离职"),
            }
        else:
            reasons[id_number] = generic
    for id_number in clash:
        reasons[id_number] = (
            _("该身份证号已是另一个登录账号的用户名（未关联本人员），请由系统管理员核实")
            if supervising
            else generic
        )
    return reasons


def import_people(
    *,
    enterprise: Enterprise,
    upload,
    actor: User | None,
    dry_run: bool = False,
    create_logins: bool = True,
) -> RosterImportReport:
    """Imports a roster sheet (ROSTER_COLUMNS) into `enterprise` for `actor` (None: the operator's
    command).

    Any bad row and nothing is saved; the report lists every bad row with its number and reason.
    People already known (by 身份证号) in this enterprise are updated, never duplicated. A person
    registered in another enterprise is refused (see `_conflicts`). New logins get a random first
    password, returned once in `report.credentials` (not on a dry run, which creates none).
    """
    report = RosterImportReport(dry_run=dry_run)
    try:
        rows = list(read_rows(upload, ROSTER_COLUMNS, required=ROSTER_REQUIRED))
    except SpreadsheetError as exc:
        report.errors.append(RowError(1, str(exc)))
        return report
    if not rows:
        report.errors.append(RowError(2, _("表格中没有数据行。")))
        return report

    operations = {
        (op.category.name, op.name): op
        for op in SpecialOperation.objects.select_related("category")
    }
    operation_categories = {category for category, _name in operations}
    ids = [normalize_id_number(r.text("身份证号")) for r in rows]
    existing = {
        p.id_number: p
        for p in Person.objects.filter(id_number__in=ids).select_related("enterprise")
    }

    conflicts = _conflicts(enterprise=enterprise, ids=ids, existing=existing, actor=actor)

    seen: dict[str, int] = {}
    parsed: list[tuple[int, dict]] = []
    for row in rows:
        values, problems = clean_row(row, ROSTER_COLUMNS, required=ROSTER_REQUIRED)
        id_number = values["身份证号"]
        if id_number:
            if id_number in seen:
                problems.append(_("身份证号与第%(row)s行重复") % {"row": seen[id_number]})
            seen.setdefault(id_number, row.number)
            if id_number in conflicts:
                problems.append(conflicts[id_number])
        category = values["人员类别"]
        op_category, op_name = values["特种作业类别"], values["操作项目"]
        operation = None
        if op_category or op_name:
            if op_category not in operation_categories:
                problems.append(_("特种作业类别“%(value)s”不在目录中") % {"value": op_category})
            else:
                operation = operations.get((op_category, op_name))
                if operation is None:
                    problems.append(
                        _("操作项目“%(op)s”不属于特种作业类别“%(cat)s”")
                        % {"op": op_name, "cat": op_category}
                    )
        if category == PersonCategory.SPECIAL_OPERATOR and not (op_category and op_name):
            problems.append(_("特种作业人员须填写特种作业类别和操作项目"))
        if problems:
            report.errors.append(RowError(row.number, "；".join(problems)))
            continue
        parsed.append(
            (
                row.number,
                {
                    "name": values["姓名"],
                    "id_number": id_number,
                    "mobile": values["手机号"],
                    "category": category,
                    "special_operation": operation,
                    "position": values["岗位"],
                    "hired_on": values["入职日期"],
                },
            )
        )

    if report.errors:
        return report

    with transaction.atomic():
        for number, data in parsed:
            progress.row_written()
            person = existing.get(data["id_number"])
            if person is None:
                person = Person(enterprise=enterprise, **data)
                report.created += 1
                person.save()
            elif _unchanged(person, data) and (person.user_id or not create_logins):
                report.unchanged += 1
                continue
            else:
                for key, value in data.items():
                    setattr(person, key, value)
                person.is_active = True
                report.updated += 1
                person.save()
            if create_logins and not dry_run:
                try:
                    credential = ensure_login(person=person)
                except AccountError:  # a login took the username since the check above
                    report.errors.append(RowError(number, str(conflict_message)))
                    report.credentials.clear()
                    transaction.set_rollback(True)
                    return report
                if credential is not None:
                    report.credentials.append(credential)
        if dry_run:
            transaction.set_rollback(True)
    return report


def roster_importer(batch, user):
    """The roster import's runner (portal.registry.ImportRunner): a manager of the batch's
    enterprise, or a supervisor above it, with the right to add people."""
    enterprise = batch.enterprise
    if (
        enterprise is None
        or not user.has_perm("portal.add_person")
        or not administers_enterprise(user, enterprise)
    ):
        raise PermissionDenied
    return partial(import_people, enterprise=enterprise, actor=user)


def export_people(*, people: Iterable[Person], full_id_numbers: bool) -> bytes:
    """The roster as .xlsx with the import's columns. ID numbers are masked unless the caller may
    see them in full (supervisors)."""
    rows = []
    for p in people:
        operation = p.special_operation
        rows.append(
            [
                p.name,
                p.id_number if full_id_numbers else mask_id_number(p.id_number),
                p.mobile,
                p.get_category_display(),
                operation.category.name if operation else "",
                operation.name if operation else "",
                p.position,
                p.hired_on,
            ]
        )
    return build_workbook(ROSTER_COLUMNS, rows, title="人员名册")


def roster_template() -> bytes:
    example = [
        [
            "张三",
            "110101199003074514",
            "13800138000",
            "其他从业人员",
            "",
            "",
            "操作工",
            "2024-03-01",
        ],
        [
            "李四",
            "110101198507124314",
            "13900139000",
            "特种作业人员",
            "电工作业",
            "低压电工作业",
            "电工",
            "2019-07-15",
        ],
    ]
    return build_workbook(ROSTER_COLUMNS, example, title="人员名册")
