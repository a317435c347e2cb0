"""Services of the portal app: roster import and export (logins and passwords: portal.accounts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts import AccountError, InitialCredential, ensure_login
from portal.models import Enterprise, Person, PersonCategory, SpecialOperation, User
from portal.scoping import ScopeKind, scope_for, visible_people
from portal.validators import (
    mask_id_number,
    normalize_id_number,
    validate_id_number,
    validate_mobile,
)
from portal.xlsx import (
    ImportReport,
    RowError,
    SpreadsheetError,
    build_workbook,
    parse_date,
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


def _category_by_label() -> dict[str, str]:
    mapping = {str(label): value for value, label in PersonCategory.choices}
    mapping.update({value: value for value in PersonCategory.values})
    return mapping


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
    supervising = actor is None or scope_for(actor).kind in {ScopeKind.ALL, ScopeKind.REGION}
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

    categories = _category_by_label()
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
        problems: list[str] = []
        name = row.text("姓名")
        if not name:
            problems.append(_("姓名不能为空"))
        elif len(name) > 50:
            problems.append(_("姓名过长（最多50字）"))
        id_number = normalize_id_number(row.text("身份证号"))
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            problems.append(exc.messages[0].rstrip("。"))
        else:
            if id_number in seen:
                problems.append(_("身份证号与第%(row)s行重复") % {"row": seen[id_number]})
            seen.setdefault(id_number, row.number)
            if id_number in conflicts:
                problems.append(conflicts[id_number])
        mobile = row.text("手机号")
        if mobile:
            try:
                validate_mobile(mobile)
            except ValidationError as exc:
                problems.append(exc.messages[0].rstrip("。"))
        category_text = row.text("人员类别")
        category = categories.get(category_text)
        if category is None:
            problems.append(
                _("人员类别“%(value)s”无效，应为：%(choices)s")
                % {
                    "value": category_text,
                    "choices": "、".join(str(label) for label in PersonCategory.labels),
                }
            )
        op_category, op_name = row.text("特种作业类别"), row.text("操作项目")
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
        position = row.text("岗位")
        if len(position) > 50:
            problems.append(_("岗位过长（最多50字）"))
        try:
            hired_on = parse_date(row.values.get("入职日期"))
        except ValueError:
            hired_on = None
            problems.append(
                _("入职日期“%(value)s”无法识别，应为如 2024-03-01")
                % {"value": row.text("入职日期")}
            )
        if problems:
            report.errors.append(RowError(row.number, "；".join(problems)))
            continue
        parsed.append(
            (
                row.number,
                {
                    "name": name,
                    "id_number": id_number,
                    "mobile": mobile,
                    "category": category,
                    "special_operation": operation,
                    "position": position,
                    "hired_on": hired_on,
                },
            )
        )

    if report.errors:
        return report

    with transaction.atomic():
        for number, data in parsed:
            person = existing.get(data["id_number"])
            if person is None:
                person = Person(enterprise=enterprise, **data)
                report.created += 1
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
