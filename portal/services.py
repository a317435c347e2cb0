"""Services of the portal app: roster import and export, logins for people, password resets."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Enterprise, Person, PersonCategory, SpecialOperation, User
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


def initial_password(person: Person) -> str:
    """The first password of an imported or reset login: the last six characters of the 身份证号.
    It must be changed at the first login (User.must_change_password)."""
    return person.id_number[-6:]


def ensure_login(*, person: Person) -> User:
    """The person's login, created when missing (username = 身份证号, forced password change)."""
    if person.user_id:
        return person.user
    user = User.objects.filter(username=person.id_number).first()
    if user is None:
        user = User(username=person.id_number, first_name=person.name, must_change_password=True)
        user.set_password(initial_password(person))
        user.save()
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return user


def reset_password(*, person: Person) -> None:
    """A manager's reset: back to the initial password, to be changed at the next login."""
    user = ensure_login(person=person)
    user.set_password(initial_password(person))
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])


def _category_by_label() -> dict[str, str]:
    mapping = {str(label): value for value, label in PersonCategory.choices}
    mapping.update({value: value for value in PersonCategory.values})
    return mapping


def import_people(
    *, enterprise: Enterprise, upload, dry_run: bool = False, create_logins: bool = True
) -> ImportReport:
    """Imports a roster sheet (ROSTER_COLUMNS) into `enterprise`.

    Any bad row and nothing is saved; the report lists every bad row with its number and reason.
    People already known (by 身份证号) in this enterprise are updated, never duplicated.
    """
    report = ImportReport(dry_run=dry_run)
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
            other = existing.get(id_number)
            if other is not None and other.enterprise_id != enterprise.pk:
                problems.append(_("该身份证号已登记在其他企业，请先由原企业办理离职"))
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
        for _number, data in parsed:
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
            if create_logins:
                ensure_login(person=person)
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
