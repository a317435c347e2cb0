from __future__ import annotations

from datetime import date

from operators.models import OperatorCertificate, OperatorKind, Position, Scheme


def equipment_kind(code: str = "N1") -> OperatorKind:
    return OperatorKind.objects.get(scheme=Scheme.SPECIAL_EQUIPMENT, code=code)


def operation_kind(name: str = "低压电工作业") -> OperatorKind:
    return OperatorKind.objects.get(scheme=Scheme.SPECIAL_OPERATION, name=name)


def certificate(person, kind=None, *, issued: date, **fields) -> OperatorCertificate:
    return OperatorCertificate.objects.create(
        person=person,
        kind=kind or equipment_kind(),
        number=fields.pop("number", f"C-{person.pk}-{issued:%Y%m%d}"),
        first_issued_on=issued,
        **fields,
    )


def position(enterprise, name: str, *kinds) -> Position:
    p = Position.objects.create(enterprise=enterprise, name=name)
    p.required_kinds.set(kinds)
    return p
