"""The register's work: who works without a valid required certificate (无证上岗), reviews and
renewals with their history, reminders, the .xlsx import and export.

unlicensed(people, on) -> list[Unlicensed]          2 to 6 queries whatever the number of people
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from operators.models import (
    CertificateEvent,
    OperatorCertificate,
    OperatorKind,
    Position,
    Scheme,
    ValidityRule,
    add_years,
)
from portal import notices, xlsx
from portal.columns import clean_row, match_person
from portal.models import Person, User
from portal.roles import MANAGER

KIND_OPERATORS = notices.KIND_CERTIFICATES


def rules_by_scheme() -> dict[str, ValidityRule]:
    return {r.scheme: r for r in ValidityRule.objects.all()}


# ---- 无证上岗


@dataclass
class Unlicensed:
    person: Person
    missing: list[OperatorKind] = field(default_factory=list)

    @property
    def missing_text(self) -> str:
        return "、".join(k.name for k in self.missing)


def _positions(people: QuerySet[Person]) -> dict[tuple[int, str], set[int]]:
    """(enterprise id, position name) -> the kinds it needs, for the enterprises of `people`."""
    positions: dict[tuple[int, str], set[int]] = defaultdict(set)
    through = Position.required_kinds.through.objects.filter(
        position__enterprise_id__in=people.values("enterprise_id")
    ).values_list("position__enterprise_id", "position__name", "operatorkind_id")
    for enterprise_id, name, kind_id in through:
        positions[(enterprise_id, name.strip())].add(kind_id)
    return positions


def required_kinds(
    people: list[Person], positions: dict[tuple[int, str], set[int]]
) -> dict[int, set[int]]:
    """Person id -> the kinds they must hold: those of their position (岗位, matched by name within
    the enterprise) and, for a 特种作业人员, the kind of their 特种作业操作项目. At most one query."""
    needed: dict[int, set[int]] = defaultdict(set)
    operations = {p.special_operation_id for p in people if p.special_operation_id}
    by_operation = dict(
        OperatorKind.objects.filter(special_operation_id__in=operations).values_list(
            "special_operation_id", "pk"
        )
        if operations
        else []
    )
    for p in people:
        needed[p.pk] |= positions.get((p.enterprise_id, (p.position or "").strip()), set())
        if p.special_operation_id in by_operation:
            needed[p.pk].add(by_operation[p.special_operation_id])
    return needed


def unlicensed(people: QuerySet[Person], on: date) -> list[Unlicensed]:
    """The active people among `people` who lack a valid certificate of a kind they must hold on
    the day `on` (no certificate, expired, or review overdue). Two queries when nobody needs a
    certificate, six at most otherwise, whatever the number of people."""
    positions = _positions(people)
    names = {name for _e, name in positions}
    candidates = list(
        people.active()
        .filter(Q(special_operation__isnull=False) | Q(position__in=names))
        .select_related("enterprise")
        .order_by("enterprise__name", "name")
    )
    needed = required_kinds(candidates, positions)
    people = candidates
    wanted = {p.pk for p in people if needed.get(p.pk)}
    if not wanted:
        return []
    rules = rules_by_scheme()
    valid: dict[int, set[int]] = defaultdict(set)
    for cert in (
        OperatorCertificate.objects.current()
        .filter(person_id__in=wanted)
        .select_related("kind")
        .only(
            "person_id",
            "kind__scheme",
            "first_issued_on",
            "last_reviewed_on",
            "expires_on",
            "in_trade_since",
            "no_violations",
            "is_current",
        )
    ):
        if cert.is_valid_on(on, cert.rule(rules)):
            valid[cert.person_id].add(cert.kind_id)
    kinds = OperatorKind.objects.in_bulk(set().union(*(needed[pk] for pk in wanted)))
    rows = []
    for p in people:
        lacking = sorted(needed.get(p.pk, set()) - valid[p.pk])
        if lacking:
            rows.append(Unlicensed(p, [kinds[k] for k in lacking if k in kinds]))
    return rows


def unlicensed_by_enterprise(rows: list[Unlicensed]) -> list[tuple[object, int]]:
    counts: dict = {}
    for row in rows:
        enterprise = row.person.enterprise
        counts[enterprise] = counts.get(enterprise, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].name))


# ---- keeping Person's 特种作业 dates (the 8-hours-per-review rule of courses) in step


def sync_person(certificate: OperatorCertificate) -> None:
    """The person's 特种作业操作证 fields follow their current 特种作业 certificate of the kind of
    their 特种作业操作项目 (courses.statistics.requirement_people reads them)."""
    person = certificate.person
    kind = certificate.kind
    if kind.scheme != Scheme.SPECIAL_OPERATION or not certificate.is_current:
        return
    if person.special_operation_id and kind.special_operation_id != person.special_operation_id:
        return
    rule = certificate.rule()
    on = certificate.last_reviewed_on or certificate.first_issued_on
    interval = certificate.review_interval(rule, on) or 3
    fields = {
        "operation_certificate_no": certificate.number,
        "operation_certificate_issued_on": certificate.first_issued_on,
        "operation_review_years": 6 if interval >= 6 else 3,
    }
    changed = {k: v for k, v in fields.items() if getattr(person, k) != v}
    if changed:
        # save(), not a queryset update: an import batch records the person's previous values
        # (portal.importing), so undoing the import puts them back. updated_at (auto_now): the
        # training rollups judge 学时达标 live for people saved since their refresh.
        for k, v in changed.items():
            setattr(person, k, v)
        person.save(update_fields=[*changed, "updated_at"])


# ---- reviews and renewals


class RenewalError(Exception):
    pass


@transaction.atomic
def record_renewal(
    *,
    certificate: OperatorCertificate,
    action: str,
    on: date,
    expires_on: date | None = None,
    number: str = "",
    user=None,
) -> CertificateEvent:
    """A review (复审: the last review date becomes `on`) or a renewal (换证: new expiry, maybe a
    new number); the dates before are kept in a CertificateEvent."""
    cert = OperatorCertificate.objects.select_for_update().get(pk=certificate.pk)
    if on < cert.first_issued_on:
        raise RenewalError(_("日期不能早于初次领证日期。"))
    rule = cert.rule()
    event = CertificateEvent(
        certificate=cert,
        action=action,
        on=on,
        previous_number=cert.number,
        previous_reviewed_on=cert.last_reviewed_on,
        previous_expires_on=cert.expires_on,
        new_expires_on=cert.expires_on,
        by=user if user is not None and getattr(user, "pk", None) else None,
    )
    if action == CertificateEvent.Action.REVIEW:
        if on > cert.expires_on:
            raise RenewalError(_("证书已过期，应办理换证而非复审。"))
        cert.last_reviewed_on = on
    else:
        new_expiry = expires_on or (add_years(on, rule.validity_years) if rule else None)
        if new_expiry is None or new_expiry <= on:
            raise RenewalError(_("新有效期至应晚于换证日期。"))
        cert.expires_on = new_expiry
        cert.last_reviewed_on = on
        if number:
            clash = OperatorCertificate.objects.filter(kind=cert.kind, number=number).exclude(
                pk=cert.pk
            )
            if clash.exists():
                raise RenewalError(_("该作业项目下已有相同编号的证书。"))
            cert.number = number
        event.new_expires_on = new_expiry
    cert.save()
    event.save()
    return event


# ---- reminders


def _manager_ids(enterprise_ids) -> dict[int, list[int]]:
    managers: dict[int, list[int]] = defaultdict(list)
    for uid, eid in User.objects.filter(
        enterprise_id__in=enterprise_ids, groups__name=MANAGER, is_active=True
    ).values_list("pk", "enterprise_id"):
        managers[eid].append(uid)
    return managers


def admin_url(cert: OperatorCertificate) -> str:
    return reverse("operators_certificates:inspect", args=[cert.pk])


def send_reminders(*, today: date) -> int:
    """Notices to the holder and their enterprise's managers when a current certificate's next
    review or expiry is within one of the rule's reminder days (90 and 30): once per certificate,
    due date, threshold and person (the notice key says so). Returns the notices asked for."""
    rules = rules_by_scheme()
    horizon = max((max(r.reminder_days(), default=0) for r in rules.values()), default=0)
    if not horizon:
        return 0
    certs = list(
        OperatorCertificate.objects.current()
        .filter(person__is_active=True, expires_on__gte=today)
        .select_related("kind", "person")
    )
    due_soon = []
    for cert in certs:
        rule = cert.rule(rules)
        if rule is None:
            continue
        due = cert.next_due(rule, today)
        left = (due.on - today).days
        if left < 0:
            continue
        thresholds = [d for d in rule.reminder_days() if left <= d]
        if thresholds:
            due_soon.append((cert, due, min(thresholds), rule))
    managers = _manager_ids({c.person.enterprise_id for c, *_ in due_soon})
    specs = []
    for cert, due, days, rule in due_soon:
        what = _("复审") if due.is_review else _("到期换证")
        title = _("%(name)s的%(kind)s证将于%(on)s%(what)s") % {
            "name": cert.person.name,
            "kind": cert.kind.name,
            "on": f"{due.on:%Y-%m-%d}",
            "what": what,
        }
        body = _("证书编号：%(number)s。") % {"number": cert.number or "—"}
        if due.is_review and rule.refresher_hours:
            body += _("复审前须完成不少于%(h)s学时的安全培训。") % {
                "h": f"{rule.refresher_hours.normalize():f}"
            }
        key = f"operators:{cert.pk}:{'review' if due.is_review else 'expiry'}:{due.on}:{days}"
        # The managers' notice opens the certificate in the admin; the holder's has no link (a
        # worker has no admin).
        recipients = {uid: admin_url(cert) for uid in managers.get(cert.person.enterprise_id, [])}
        if cert.person.user_id:
            recipients.setdefault(cert.person.user_id, "")
        for uid, url in sorted(recipients.items()):
            specs.append(
                notices.NoticeSpec(
                    user_id=uid, title=title, body=body, url=url, key=key, kind=KIND_OPERATORS
                )
            )
    notices.notify_many(specs)
    return len(specs)


# ---- import and export

IMPORT_COLUMNS = [
    "姓名",
    "身份证号",
    "证书类别",
    "作业类别",
    "作业项目",
    "证书编号",
    "发证机关",
    "初次领证日期",
    "最近复审日期",
    "有效期至",
]
IMPORT_REQUIRED = ["姓名", "身份证号", "证书类别", "作业项目", "证书编号", "初次领证日期"]


def _kind_index() -> dict[tuple[str, str], list[OperatorKind]]:
    """(scheme, name or code) -> kinds, for matching the 作业项目 cell."""
    index: dict[tuple[str, str], list[OperatorKind]] = defaultdict(list)
    for kind in OperatorKind.objects.active():
        index[(kind.scheme, kind.name)].append(kind)
        if kind.code:
            index[(kind.scheme, kind.code.upper())].append(kind)
    return index


def _find_kind(index, scheme: str, category: str, item: str) -> tuple[OperatorKind | None, str]:
    found = index.get((scheme, item)) or index.get((scheme, item.upper())) or []
    if category:
        found = [k for k in found if k.category == category]
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, _("作业项目“%(item)s”不在%(scheme)s目录中") % {
            "item": item,
            "scheme": Scheme(scheme).label,
        }
    return None, _("作业项目“%(item)s”有多个同名项目，请填写作业类别") % {"item": item}


def import_certificates(*, upload, enterprise, dry_run: bool = False) -> xlsx.ImportReport:
    """Certificates of the enterprise's people from an .xlsx with IMPORT_COLUMNS. A row whose
    作业项目 and 证书编号 exist already updates that certificate (same person only). All or
    nothing: any bad row, nothing is saved and every bad row is listed."""
    report = xlsx.ImportReport(dry_run=dry_run)
    try:
        rows = list(xlsx.read_rows(upload, IMPORT_COLUMNS, required=IMPORT_REQUIRED))
    except xlsx.SpreadsheetError as exc:
        report.errors.append(xlsx.RowError(row=1, message=str(exc)))
        return report
    if not rows:
        report.errors.append(xlsx.RowError(row=2, message=str(_("表格中没有数据行。"))))
        return report
    people = {p.id_number: p for p in Person.objects.filter(enterprise=enterprise)}
    kinds = _kind_index()
    rules = rules_by_scheme()
    existing = {
        (c.kind_id, c.number): c
        for c in OperatorCertificate.objects.exclude(number="").select_related("person")
    }
    seen: dict[tuple[int, str], int] = {}
    parsed = []
    for row in rows:
        values, problems = clean_row(row, IMPORT_COLUMNS, required=IMPORT_REQUIRED)
        person, problem = match_person(values, people)
        if problem:
            problems.insert(0, problem)
        kind = None
        if values["证书类别"] and values["作业项目"]:
            kind, problem = _find_kind(
                kinds, values["证书类别"], values["作业类别"], values["作业项目"]
            )
            if problem:
                problems.append(problem)
        issued, expires = values["初次领证日期"], values["有效期至"]
        reviewed = values["最近复审日期"]
        if kind is not None and issued and not expires:
            rule = rules.get(kind.scheme)
            expires = add_years(issued, rule.validity_years) if rule else None
            if expires is None:
                problems.append(_("有效期至不能为空"))
        if issued and expires and expires <= issued:
            problems.append(_("有效期至不能早于或等于初次领证日期"))
        if issued and reviewed and reviewed < issued:
            problems.append(_("最近复审日期不能早于初次领证日期"))
        number = values["证书编号"]
        current = None
        if kind is not None and number:
            key = (kind.pk, number)
            if key in seen:
                problems.append(
                    _("证书编号 %(n)s 与第%(row)s行重复") % {"n": number, "row": seen[key]}
                )
            seen.setdefault(key, row.number)
            current = existing.get(key)
            if current is not None and person is not None and current.person_id != person.pk:
                problems.append(_("证书编号 %(n)s 已登记在其他人员名下") % {"n": number})
        if problems:
            report.errors.append(
                xlsx.RowError(row=row.number, message="；".join(str(p) for p in problems))
            )
            continue
        parsed.append(
            (
                current,
                {
                    "person": person,
                    "kind": kind,
                    "number": number,
                    "authority": values["发证机关"],
                    "first_issued_on": issued,
                    "last_reviewed_on": reviewed,
                    "expires_on": expires,
                },
            )
        )
    if report.errors:
        return report
    with transaction.atomic():
        for current, fields in parsed:
            if current is None:
                report.created += 1
                if not dry_run:
                    OperatorCertificate.objects.create(**fields)
                continue
            changed = {
                k: v
                for k, v in fields.items()
                if k not in ("person", "kind") and getattr(current, k) != v
            }
            if not changed:
                report.unchanged += 1
                continue
            report.updated += 1
            if not dry_run:
                for k, v in changed.items():
                    setattr(current, k, v)
                current.save()
    return report


def import_template() -> bytes:
    return xlsx.build_workbook(
        IMPORT_COLUMNS,
        [
            [
                "张三",
                "330106199001011234",
                "特种作业",
                "电工作业",
                "低压电工作业",
                "T330106199001011234",
                "宁波市应急管理局",
                "2022-03-01",
                "",
                "2028-03-01",
            ],
            [
                "李四",
                "330106199202021234",
                "特种设备作业",
                "",
                "N1",
                "TS2023-0001",
                "宁波市市场监督管理局",
                "2023-05-10",
                "",
                "",
            ],
        ],
        title=str(_("持证记录")),
    )


EXPORT_COLUMNS = [
    "企业",
    "姓名",
    "身份证号",
    "岗位",
    "证书类别",
    "作业类别",
    "作业项目",
    "项目代号",
    "证书编号",
    "发证机关",
    "初次领证日期",
    "最近复审日期",
    "下次复审/换证日期",
    "有效期至",
    "状态",
]


def export_workbook(certificates: QuerySet[OperatorCertificate], *, today: date) -> bytes:
    rules = rules_by_scheme()
    rows = []
    for c in certificates.select_related("person__enterprise", "kind").order_by(
        "person__enterprise__name", "person__name", "kind__sort_order"
    ):
        rule = c.rule(rules)
        rows.append(
            [
                c.person.enterprise.name,
                c.person.name,
                c.person.masked_id_number,
                c.person.position,
                c.kind.get_scheme_display(),
                c.kind.category,
                c.kind.name,
                c.kind.code,
                c.number,
                c.authority,
                c.first_issued_on,
                c.last_reviewed_on,
                c.next_due(rule, today).on,
                c.expires_on,
                str(c.status_on(today, rule).label),
            ]
        )
    return xlsx.build_workbook(EXPORT_COLUMNS, rows, title=str(_("持证记录")))


def certificates_importer(batch, user):
    """The certificate import's runner (portal.registry.ImportRunner: the page and, for a big file,
    the task cluster): who may add certificates and administers the batch's enterprise."""
    from functools import partial

    from django.core.exceptions import PermissionDenied

    from portal.scoping import administers_enterprise

    enterprise = batch.enterprise
    if (
        enterprise is None
        or not user.has_perm("operators.add_operatorcertificate")
        or not administers_enterprise(user, enterprise)
    ):
        raise PermissionDenied
    return partial(import_certificates, enterprise=enterprise)
