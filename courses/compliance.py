"""The legal training hours per person and year (docs/rules.md): the compliance rows of a set of
people and their .xlsx workbook. The figures themselves are courses.statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from courses.statistics import requirement_people
from portal import xlsx
from portal.models import Person


@dataclass
class ComplianceRow:
    person: Person
    required: Decimal | None
    hours: Decimal
    initial: bool
    review_on: date | None = None  # 特种作业: the certificate review the hours are due before

    @property
    def has_requirement(self) -> bool:
        return self.required is not None

    @property
    def is_compliant(self) -> bool:
        """达标: a requirement, met. People with no requirement are neither 达标 nor 未达标."""
        return self.required is not None and self.hours >= self.required

    @property
    def is_short(self) -> bool:
        return self.required is not None and self.hours < self.required

    @property
    def shortfall(self) -> Decimal:
        if self.required is None:
            return Decimal("0")
        return max(Decimal("0"), self.required - self.hours)

    @property
    def requirement_label(self) -> str:
        if self.required is None:
            return str(_("无要求"))
        if self.review_on is not None:
            return str(_("复审前培训（%(day)s 复审）") % {"day": f"{self.review_on:%Y-%m-%d}"})
        return str(_("初次培训")) if self.initial else str(_("年度再培训"))


def compliance_rows(*, people: QuerySet[Person], year: int) -> list[ComplianceRow]:
    """Each person's training hours in `year` against their requirement, as defined once in
    `courses.statistics.requirement_people`. Two queries: the requirement table, the people
    (with enterprise, requirement and hours annotated)."""
    annotated = requirement_people(people.select_related("enterprise"), year).order_by(
        "enterprise__name", "name"
    )
    return [
        ComplianceRow(
            person=p,
            required=p.required,
            hours=p.got,
            initial=p.initial,
            review_on=_day_of_key(p.review_key),
        )
        for p in annotated
    ]


def _day_of_key(key: int | None) -> date | None:
    """yyyymmdd → the date; 29 February in a common year is 28 February."""
    if key is None:
        return None
    year, month, day = key // 10000, key // 100 % 100, key % 100
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def compliance_workbook(rows: list[ComplianceRow], *, year: int, summary=None) -> bytes:
    """The people with their requirement, hours and status; with `summary` (a
    courses.statistics.ComplianceCounts) a first sheet with the 学时达标率 figures."""
    columns = [
        str(_("企业")),
        str(_("姓名")),
        str(_("人员类别")),
        str(_("要求类型")),
        str(_("要求学时")),
        str(_("%(year)s年已完成学时") % {"year": year}),
        str(_("差额")),
        str(_("是否达标")),
    ]
    data = [
        [
            row.person.enterprise.name,
            row.person.name,
            row.person.get_category_display(),
            row.requirement_label,
            float(row.required) if row.required is not None else "",
            float(row.hours),
            float(row.shortfall),
            str(_("无要求"))
            if not row.has_requirement
            else str(_("达标"))
            if row.is_compliant
            else str(_("未达标")),
        ]
        for row in rows
    ]
    people = xlsx.Sheet(
        title=str(_("培训学时达标")),
        columns=columns,
        rows=data,
        formats={4: xlsx.ONE_PLACE, 5: xlsx.ONE_PLACE, 6: xlsx.ONE_PLACE},
    )
    if summary is None:
        return xlsx.build_sheets([people])
    figures = xlsx.Sheet(
        title=str(_("汇总")),
        columns=[str(_("项目")), str(_("数值"))],
        rows=[
            [str(_("有学时要求人数")), summary.required],
            [str(_("学时达标人数")), summary.compliant],
            [str(_("学时达标率（%）")), float(summary.rate) if summary.rate is not None else "—"],
            [str(_("无学时要求人数")), summary.no_requirement],
        ],
        formats={1: xlsx.INTEGER},
        row_formats={2: xlsx.PERCENT},
    )
    return xlsx.build_sheets([people, figures])
