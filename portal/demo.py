"""Demo district for seed_demo: 1 district, 3 streets, 12 enterprises, ~200 people, demo logins.

Deterministic (a fixed random seed) and idempotent: every row is found by its natural key, so
running it again changes nothing and duplicates nothing.
"""

from __future__ import annotations

import logging
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from portal import roles
from portal.models import (
    Enterprise,
    Industry,
    Person,
    PersonCategory,
    Region,
    SpecialOperation,
    StandardizationGrade,
    User,
)
from portal.validators import credit_code_check_char, id_number_check_char

DEFAULT_PASSWORD = "demo-pass-2026"  # nosec B105 # the documented demo password (README); seed_demo --password sets another

# The demo district's one name: its region, the site's 单位名称, the certificates' issuer and seal.
DISTRICT_NAME = "海曙示范区"
DISTRICT_AUTHORITY = f"{DISTRICT_NAME}应急管理局"
STREETS = [("330212001", "东湖街道"), ("330212002", "西塘街道"), ("330212003", "南港镇")]
COMMUNITIES = {
    "330212001": [("330212001001", "东湖社区"), ("330212001002", "明湖社区")],
    "330212002": [("330212002001", "西塘社区")],
    "330212003": [("330212003001", "南港村"), ("330212003002", "港东村")],
}
# (name, industry, street index, grade)
ENTERPRISES = [
    ("甬江化工股份有限公司", Industry.HAZARDOUS_CHEMICALS, 0, StandardizationGrade.GRADE_2),
    ("东湖精密机械有限公司", Industry.MACHINERY, 0, StandardizationGrade.GRADE_3),
    ("明湖建设工程有限公司", Industry.CONSTRUCTION, 0, StandardizationGrade.GRADE_3),
    ("东港仓储物流有限公司", Industry.WAREHOUSING, 0, StandardizationGrade.NONE),
    ("西塘船舶修造有限公司", Industry.SHIPBUILDING, 1, StandardizationGrade.GRADE_3),
    ("西塘钢铁冶炼有限公司", Industry.METALLURGY, 1, StandardizationGrade.GRADE_2),
    ("西塘商贸城有限公司", Industry.MALL, 1, StandardizationGrade.NONE),
    ("塘西冷链食品有限公司", Industry.OTHER, 1, StandardizationGrade.GRADE_3),
    ("南港石化储运有限公司", Industry.HAZARDOUS_CHEMICALS, 2, StandardizationGrade.GRADE_1),
    ("南港汽配制造有限公司", Industry.MACHINERY, 2, StandardizationGrade.GRADE_3),
    ("港东物流园有限公司", Industry.WAREHOUSING, 2, StandardizationGrade.NONE),
    ("南港大酒店有限公司", Industry.HOTEL, 2, StandardizationGrade.NONE),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海波宇浩鹏飞雪梅玲琳晨阳俊辉云峰兰婷欣怡佳丹"
POSITIONS = {
    PersonCategory.PRINCIPAL: ["总经理", "厂长"],
    PersonCategory.SAFETY_MANAGER: ["安全科长", "专职安全员"],
    PersonCategory.SPECIAL_OPERATOR: ["电工", "焊工", "叉车司机", "操作工"],
    PersonCategory.TEAM_LEADER: ["班组长", "值班长"],
    PersonCategory.OTHER: ["操作工", "仓管员", "装卸工", "质检员", "维修工", "普工"],
}


@dataclass
class DemoContext:
    """What the portal seeding made, handed to each app's seeder."""

    password: str
    district: Region
    streets: list[Region]
    enterprises: list[Enterprise]
    users: dict[str, User] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(20260601))  # nosec B311 # reproducible demo data, no secret
    password_hash: list[str] = field(default_factory=list)  # [password, its hash] (_password_hash)

    @property
    def enterprise_a(self) -> Enterprise:
        return self.enterprises[0]

    @property
    def enterprise_b(self) -> Enterprise:
        return self.enterprises[4]


def make_credit_code(serial: int) -> str:
    first17 = f"91330212MA{serial:06d}0"[:17]
    return first17 + credit_code_check_char(first17)


def make_id_number(serial: int, birth: date, region_code: str = "330212") -> str:
    first17 = f"{region_code}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def _region(code: str, name: str, level: str, parent: Region | None) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        region = Region(code=code)
    region.name, region.level, region.parent = name, level, parent
    region.save()
    return region


def _operation_certificate(category: str, serial: int) -> dict:
    """特种作业操作证 dates for the 8-hours-per-review-cycle rule: a third of the operators come
    up for review this year, the others next year or the year after."""
    if category != PersonCategory.SPECIAL_OPERATOR:
        return {}
    year = timezone.localdate().year
    years_ago = {0: 3, 1: 2, 2: 4}[serial % 3]  # review this year / next year / in two years
    issued = date(year - years_ago, 1 + serial % 12, 10)
    return {
        "operation_certificate_no": f"T{330212000000 + serial}",
        "operation_certificate_issued_on": issued,
        "operation_review_years": 3,
    }


def seed_organizations(password: str) -> DemoContext:
    rng = random.Random(20260601)  # nosec B311 # reproducible demo data, no secret
    district = _region("330212", DISTRICT_NAME, Region.Level.DISTRICT, None)
    streets = []
    for code, name in STREETS:
        street = _region(code, name, Region.Level.STREET, district)
        streets.append(street)
        for ccode, cname in COMMUNITIES[code]:
            _region(ccode, cname, Region.Level.COMMUNITY, street)

    enterprises = []
    for index, (name, industry, street_index, grade) in enumerate(ENTERPRISES, start=1):
        enterprise, _ = Enterprise.objects.update_or_create(
            credit_code=make_credit_code(index),
            defaults={
                "name": name,
                "industry": industry,
                "street": streets[street_index],
                "standardization_grade": grade,
                "address": f"{streets[street_index].name}工业路{index * 18}号",
                "contact_name": SURNAMES[index] + "经理",
                "contact_phone": f"0574-87{index:02d}{index * 7 % 100:02d}88",
            },
        )
        enterprises.append(enterprise)

    operations = list(SpecialOperation.objects.select_related("category"))
    people_per_enterprise = [22, 18, 20, 14, 18, 20, 12, 14, 22, 16, 14, 10]
    serial = 0
    for enterprise, count in zip(enterprises, people_per_enterprise, strict=True):
        for n in range(count):
            serial += 1
            if n == 0:
                category = PersonCategory.PRINCIPAL
            elif n in (1, 2):
                category = PersonCategory.SAFETY_MANAGER
            elif n < 6:
                category = PersonCategory.SPECIAL_OPERATOR
            elif n < 8:
                category = PersonCategory.TEAM_LEADER
            else:
                category = PersonCategory.OTHER
            birth = date(1970, 1, 1) + timedelta(days=rng.randrange(0, 365 * 32))
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
            )
            Person.objects.update_or_create(
                id_number=make_id_number(serial, birth),
                defaults={
                    "name": name,
                    "mobile": f"13{rng.randrange(0, 10)}{serial:08d}"[:11],
                    "enterprise": enterprise,
                    "category": category,
                    "special_operation": rng.choice(operations)
                    if category == PersonCategory.SPECIAL_OPERATOR and operations
                    else None,
                    "position": rng.choice(POSITIONS[category]),
                    "hired_on": date(2010, 1, 1) + timedelta(days=rng.randrange(0, 365 * 16)),
                    **_operation_certificate(category, serial),
                },
            )

    ctx = DemoContext(
        password=password, district=district, streets=streets, enterprises=enterprises
    )
    _seed_logins(ctx)
    return ctx


def existing_context() -> DemoContext | None:
    """The DemoContext of a demo district already seeded (for the parts the task cluster seeds
    later, portal.tasks.seed_demo_later), without changing anything; None when there is none."""
    district = Region.objects.filter(code="330212").first()
    if district is None:
        return None
    streets = list(Region.objects.filter(code__in=[c for c, _n in STREETS]).order_by("code"))
    codes = [make_credit_code(i) for i in range(1, len(ENTERPRISES) + 1)]
    by_code = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    ctx = DemoContext(
        password="",  # nosec B106 # no password: the users exist already, this context only reads them
        district=district,
        streets=streets,
        enterprises=[by_code[c] for c in codes if c in by_code],
    )
    ctx.users = {u.username: u for u in User.objects.filter(username__startswith="demo_")}
    return ctx


def _password_hash(ctx: DemoContext) -> str:
    """One hash for every demo login (they share the password): PBKDF2 once, not per login."""
    if ctx.password_hash[:1] != [ctx.password]:
        ctx.password_hash[:] = [ctx.password, make_password(ctx.password)]
    return ctx.password_hash[1]


def _user(ctx: DemoContext, username: str, *, full_name: str, groups=(), **fields) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
    user.password = _password_hash(ctx)
    user._password = ctx.password  # as set_password: a changed password ends the API tokens
    user.first_name = full_name
    for key, value in fields.items():
        setattr(user, key, value)
    user.save()
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    ctx.users[username] = user
    return user


def _link(user: User, person: Person) -> None:
    if person.user_id != user.pk:
        Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
        person.user = user
        person.save(update_fields=["user"])


def _seed_logins(ctx: DemoContext) -> None:
    a, b = ctx.enterprise_a, ctx.enterprise_b
    _user(
        ctx,
        "demo_supervisor",
        full_name="区应急管理局 周监管",
        groups=[roles.SUPERVISOR],
        region=ctx.district,
    )
    _user(
        ctx,
        "demo_street_supervisor",
        full_name="东湖街道 钱监管",
        groups=[roles.SUPERVISOR],
        region=ctx.streets[0],
    )
    manager = _user(ctx, "demo_manager", full_name="", groups=[roles.MANAGER], enterprise=a)
    manager2 = _user(ctx, "demo_manager2", full_name="", groups=[roles.MANAGER], enterprise=b)
    _link(
        manager,
        a.people.filter(category=PersonCategory.SAFETY_MANAGER).order_by("id_number").first(),
    )
    _link(
        manager2,
        b.people.filter(category=PersonCategory.SAFETY_MANAGER).order_by("id_number").first(),
    )
    worker = _user(ctx, "demo_worker", full_name="")
    worker2 = _user(ctx, "demo_worker2", full_name="")
    _link(worker, a.people.filter(category=PersonCategory.OTHER).order_by("id_number").first())
    _link(worker2, b.people.filter(category=PersonCategory.OTHER).order_by("id_number").first())
    _user(ctx, "demo_editor", full_name="宣传科 吴编辑", groups=[roles.EDITOR])
    _user(ctx, "demo_reviewer", full_name="宣传科 郑审核", groups=[roles.REVIEWER])
    _user(
        ctx,
        "demo_examiner",
        full_name="考务中心 冯考务",
        groups=[roles.EXAMINER],
        region=ctx.district,
    )


DEMO_LOGINS = [
    ("demo_supervisor", "区级监管人员（全区）"),
    ("demo_street_supervisor", "街道监管人员（东湖街道）"),
    ("demo_manager", "企业安全管理员（企业A：甬江化工）"),
    ("demo_worker", "从业人员（企业A）"),
    ("demo_manager2", "企业安全管理员（企业B：西塘船舶）"),
    ("demo_worker2", "从业人员（企业B）"),
    ("demo_editor", "内容编辑"),
    ("demo_reviewer", "内容审核"),
    ("demo_examiner", "考务管理员"),
    ("demo_judge1", "技能竞赛裁判（demo_judge2、demo_judge3 同）"),
]


@contextmanager
def deferred_indexing():
    """Inside: saves update neither Wagtail's search index nor its reference index (one update per
    page save, most of a seed's page work); portal.tasks.rebuild_indexes rebuilds both after."""
    from django.db.models.signals import post_save
    from modelsearch import index
    from modelsearch.signal_handlers import post_save_signal_handler
    from wagtail.signal_handlers import disable_reference_index_auto_update

    models = [m for m in index.get_indexed_models() if getattr(m, "search_auto_update", True)]
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)


@contextmanager
def quiet_logger(name: str, level: int = logging.WARNING):
    """Wagtail logs every page created, edited and published at INFO: hundreds of lines."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)
