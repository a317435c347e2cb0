"""Demo data for courses (seeder order 40): six online courses with lessons, enrolments at
various stages, a 双百双千 programme with a class and attendance, a year of training records, and
a short course that shows how study time is measured (a 5-second video lesson, recorded at seed
time by the local Chromium when there is one, and a two-minute text lesson)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Page, Site

from courses import classes, learning, records
from courses.models import (
    ClassRegistration,
    Cohort,
    CourseIndexPage,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    Programme,
    TrainingClass,
    TrainingKind,
)
from portal.models import Person, PersonCategory


def _p(*paragraphs: str) -> list[dict]:
    return [{"type": "paragraph", "value": "".join(f"<p>{t}</p>" for t in paragraphs)}]


def _h(text: str) -> dict:
    return {"type": "heading", "value": {"text": text, "level": "h2"}}


COURSES = [
    {
        "slug": "laws-and-regulations",
        "title": "安全生产法律法规概要",
        "kind": TrainingKind.REFRESHER,
        "hours": Decimal("4"),
        "audience": [PersonCategory.PRINCIPAL, PersonCategory.SAFETY_MANAGER],
        "intro": "面向企业主要负责人和安全生产管理人员，系统梳理《安全生产法》规定的主体责任。",
        "lessons": [
            (
                "《安全生产法》确立的主体责任",
                15,
                [
                    _h("一、生产经营单位是安全生产责任主体"),
                    *_p(
                        "《中华人民共和国安全生产法》规定，生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责；其他负责人对职责范围内的安全生产工作负责。",
                        "主要负责人的七项职责包括：建立健全并落实全员安全生产责任制，组织制定并实施安全生产规章制度和操作规程，组织制定并实施安全生产教育和培训计划，保证安全生产投入的有效实施，组织建立并落实安全风险分级管控和隐患排查治理双重预防工作机制，组织制定并实施生产安全事故应急救援预案，及时、如实报告生产安全事故。",
                    ),
                ],
            ),
            (
                "从业人员的权利和义务",
                10,
                [
                    _h("二、从业人员的八项权利与三项义务"),
                    *_p(
                        "从业人员有权了解作业场所和工作岗位存在的危险因素、防范措施及事故应急措施；有权对本单位安全生产工作提出建议；有权批评、检举、控告；有权拒绝违章指挥和强令冒险作业；发现直接危及人身安全的紧急情况时，有权停止作业或者在采取可能的应急措施后撤离作业场所。",
                        "从业人员在作业过程中应当严格落实岗位安全责任，遵守规章制度和操作规程，正确佩戴和使用劳动防护用品；应当接受安全生产教育和培训；发现事故隐患或者其他不安全因素，应当立即向现场安全生产管理人员或者本单位负责人报告。",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "hazardous-chemicals",
        "title": "危险化学品安全管理",
        "kind": TrainingKind.TOPIC,
        "hours": Decimal("6"),
        "audience": [],
        "industries": ["chemicals", "warehousing"],
        "intro": "危险化学品的分类、储存、装卸和泄漏处置要点，适用于化工、仓储企业全体员工。",
        "lessons": [
            (
                "认识安全技术说明书和安全标签",
                12,
                [
                    _h("一、一书一签"),
                    *_p(
                        "每一种危险化学品都应有化学品安全技术说明书（SDS）和安全标签。SDS共16个部分，重点看第2部分“危险性概述”、第4部分“急救措施”、第6部分“泄漏应急处理”和第7部分“操作处置与储存”。",
                        "安全标签上的象形图、信号词（“危险”或“警告”）和防范说明，是作业人员在现场最直接的提示，领用前必须核对。",
                    ),
                ],
            ),
            (
                "储存与泄漏应急处置",
                15,
                [
                    _h("二、分区分类储存"),
                    *_p(
                        "危险化学品应储存在专用仓库、专用场地或专用储存室内，按性质分区、分类、分库储存，禁忌物料不得混存。氧化剂与易燃物、酸与碱、遇湿易燃物品与含水物料必须隔开。",
                        "发生泄漏时，先报告、再处置：撤离无关人员，划定警戒区，消除点火源，佩戴合适的防护器具后从上风向接近；小量泄漏用惰性材料吸附，大量泄漏应筑堤围堵并等待专业救援。",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "fire-safety",
        "title": "消防安全“四个能力”",
        "kind": TrainingKind.TOPIC,
        "hours": Decimal("3"),
        "audience": [],
        "intro": "检查消除火灾隐患、扑救初起火灾、组织人员疏散逃生、消防宣传教育培训四个能力。",
        "lessons": [
            (
                "扑救初起火灾",
                10,
                [
                    _h("一、灭火器的使用"),
                    *_p(
                        "使用干粉灭火器时：提起灭火器，拔下保险销，一手握住喷管对准火焰根部，另一手压下压把，在距火源约2至3米处由近及远左右扫射。",
                        "电气设备起火应先切断电源；油锅起火不能用水扑救，应盖上锅盖窒息灭火。",
                    ),
                ],
            ),
            (
                "组织疏散逃生",
                8,
                [
                    _h("二、疏散的要点"),
                    *_p(
                        "发现火情立即报警（拨打119），同时启动单位内部应急预案。疏散时用湿毛巾捂住口鼻，低姿沿疏散指示标志前进，不乘坐电梯，不贪恋财物。",
                        "到达集合点后由班组长清点人数，发现有人员未撤出的，立即报告现场指挥员，不得擅自返回火场。",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "confined-space",
        "title": "有限空间作业安全",
        "kind": TrainingKind.TOPIC,
        "hours": Decimal("4"),
        "audience": [],
        "intro": "有限空间作业“先通风、再检测、后作业”，杜绝盲目施救。",
        "lessons": [
            (
                "有限空间的辨识与风险",
                10,
                [
                    _h("一、什么是有限空间"),
                    *_p(
                        "有限空间是指封闭或者部分封闭，与外界相对隔离，出入口较为狭窄，作业人员不能长时间在内工作，自然通风不良，易造成有毒有害、易燃易爆物质积聚或者氧含量不足的空间，如污水井、化粪池、储罐、反应釜、地下管沟等。",
                        "主要风险是中毒（硫化氢、一氧化碳）、缺氧窒息和燃爆，此外还有淹溺、高处坠落、触电等。",
                    ),
                ],
            ),
            (
                "作业审批与应急救援",
                12,
                [
                    _h("二、先通风、再检测、后作业"),
                    *_p(
                        "作业前必须办理审批，对作业环境进行评估；作业前30分钟内检测氧含量、可燃气体和有毒气体浓度，合格后方可进入，作业中持续监测并保持通风。",
                        "作业现场必须设监护人员，监护人员不得离开。发生事故后严禁无防护盲目施救，应使用安全绳、三脚架等器材在外部施救，并立即拨打119、120。",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "electrical-safety",
        "title": "用电安全基础",
        "kind": TrainingKind.LEVEL_WORKSHOP,
        "hours": Decimal("2"),
        "audience": [PersonCategory.OTHER, PersonCategory.TEAM_LEADER],
        "intro": "车间级安全教育：临时用电、漏电保护和触电急救。",
        "lessons": [
            (
                "临时用电与漏电保护",
                10,
                [
                    _h("一、临时用电“三级配电、两级保护”"),
                    *_p(
                        "临时用电应采用TN-S接零保护系统，实行三级配电、两级漏电保护，做到“一机、一闸、一漏、一箱”。电线不得拖地、浸水，不得私拉乱接。",
                        "非电工人员不得拆装电气设备；检修时必须断电、验电、挂牌上锁。",
                    ),
                ],
            ),
            (
                "触电急救",
                8,
                [
                    _h("二、发现有人触电怎么办"),
                    *_p(
                        "首先迅速切断电源，或用干燥的木棒、竹竿等绝缘物挑开电线，切不可直接用手拉触电者。",
                        "触电者脱离电源后，判断意识和呼吸；无呼吸、无脉搏的，立即进行心肺复苏，同时拨打120。",
                    ),
                ],
            ),
        ],
    },
    {
        "slug": "team-leader",
        "title": "班组长安全管理",
        "kind": TrainingKind.TOPIC,
        "hours": Decimal("4"),
        "audience": [PersonCategory.TEAM_LEADER],
        "intro": "班前会、交接班、岗位隐患排查和违章纠正，班组长每天要做的安全工作。",
        "lessons": [
            (
                "开好班前会",
                8,
                [
                    _h("一、班前会五分钟"),
                    *_p(
                        "班前会要讲清当班任务、作业风险和防范措施，检查劳动防护用品佩戴情况，了解员工身体和精神状态，对不适合上岗的人员及时调整。",
                        "班前会要有记录，参会人员签字；对新上岗、转岗人员要指定师傅带班。",
                    ),
                ],
            ),
            (
                "岗位隐患排查与违章纠正",
                10,
                [
                    _h("二、发现隐患立即处置"),
                    *_p(
                        "班组长每班至少巡查一次本班组作业区域，重点检查设备安全防护装置、作业环境和操作行为。发现隐患能立即整改的立即整改，不能立即整改的要采取临时措施并报告。",
                        "对违章作业要当场制止、讲清危害，做到“不伤害自己、不伤害他人、不被他人伤害、保护他人不受伤害”。",
                    ),
                ],
            ),
        ],
    },
]


STUDY_DEMO = {
    "slug": "study-time-demo",
    "title": "学时计量演示：疏散路线",
    "kind": TrainingKind.TOPIC,
    "hours": Decimal("0.1"),
    "audience": [],
    "intro": "两节很短的课时，演示线上学时怎样计量：计时只算页面在前台的时间，同一时间只计一个页面；视频须按正常速度看完（不能拖到结尾）；学习中会随机弹出“继续学习”在岗确认。",
    "lessons": [
        (
            "疏散路线（文字课时，约2分钟）",
            2,
            [
                _h("疏散时记住三件事"),
                *_p(
                    "沿疏散指示标志撤离，不乘电梯；用湿毛巾捂住口鼻、低姿前进；到达集合点后向班组长报到。",
                    "本课时需在页面前台学习满2分钟：切到其他页面或在另一台设备打开本课时，这里会暂停计时。",
                ),
            ],
        ),
    ],
}
VIDEO_DEMO_SECONDS = 5

# A 5-second clip (a canvas recorded by Chromium's MediaRecorder, 35 KB) shipped with the demo.
DEMO_CLIP = Path(__file__).resolve().parent / "demo_assets" / "evacuation-demo.webm"


def _ensure_study_demo(index: CourseIndexPage) -> CoursePage:
    course = _ensure_course(index, STUDY_DEMO)
    slug = f"{STUDY_DEMO['slug']}-video"
    if LessonPage.objects.filter(slug=slug).exists():
        return course
    video = Document(title="疏散演示视频（5秒）")
    video.file.save(DEMO_CLIP.name, ContentFile(DEMO_CLIP.read_bytes()), save=False)
    video.save()
    lesson = LessonPage(
        title="疏散演示（视频课时，5秒）",
        slug=slug,
        estimated_minutes=1,
        video=video,
        video_seconds=VIDEO_DEMO_SECONDS,
        body=_p("按正常速度看完这段5秒的视频：拖动进度条跳到结尾不算看完。"),
    )
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return course


def _course_root() -> Page:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page
    return Page.get_first_root_node()


def _ensure_index() -> CourseIndexPage:
    index = CourseIndexPage.objects.first()
    if index is not None:
        return index
    root = _course_root()
    index = CourseIndexPage(
        title="在线课程",
        slug="courses-online",
        intro="<p>安全生产法律法规、危险化学品、消防、有限空间、用电和班组管理等在线课程，学完全部课时即记入个人培训档案。</p>",
    )
    root.add_child(instance=index)
    index.save_revision().publish()
    return index


def _ensure_course(index: CourseIndexPage, spec: dict) -> CoursePage:
    course = CoursePage.objects.filter(slug=spec["slug"]).first()
    if course is None:
        course = CoursePage(
            title=spec["title"],
            slug=spec["slug"],
            intro=f"<p>{spec['intro']}</p>",
            training_kind=spec["kind"],
            credit_hours=spec["hours"],
            audience=[str(c) for c in spec["audience"]],
            industries=spec.get("industries", []),
            open_enrolment=True,
        )
        index.add_child(instance=course)
        course.save_revision().publish()
    for n, (title, minutes, body) in enumerate(spec["lessons"], start=1):
        slug = f"{spec['slug']}-{n}"
        if not LessonPage.objects.filter(slug=slug).exists():
            lesson = LessonPage(title=title, slug=slug, estimated_minutes=minutes, body=body)
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
    return course


def seed(ctx) -> None:
    index = _ensure_index()
    courses = [_ensure_course(index, spec) for spec in COURSES]
    _ensure_study_demo(index)
    now = timezone.now()
    today = timezone.localdate()

    # Enrolments at various stages for the demo workers.
    worker = ctx.users["demo_worker"].person
    worker2 = ctx.users["demo_worker2"].person
    manager = ctx.users.get("demo_manager")
    fire, confined, electrical = courses[2], courses[3], courses[4]
    done, _ = Enrolment.objects.get_or_create(person=worker, course=fire)
    for lesson in fire.lessons():
        LessonProgress.objects.update_or_create(
            enrolment=done,
            lesson=lesson,
            defaults={"seconds": lesson.required_seconds, "completed_at": now - timedelta(days=9)},
        )
    learning.maybe_complete(enrolment=done, now=now - timedelta(days=9))
    half, _ = Enrolment.objects.get_or_create(
        person=worker,
        course=confined,
        defaults={"due_on": today + timedelta(days=14), "assigned_by": manager},
    )
    first = confined.lessons().first()
    LessonProgress.objects.update_or_create(
        enrolment=half,
        lesson=first,
        defaults={"seconds": first.required_seconds, "completed_at": now - timedelta(days=1)},
    )
    Enrolment.objects.get_or_create(
        person=worker,
        course=electrical,
        defaults={"due_on": today - timedelta(days=3), "assigned_by": manager},
    )
    Enrolment.objects.get_or_create(person=worker2, course=fire)

    # 双百双千 programme with a class and attendance.
    programme, _ = Programme.objects.get_or_create(
        name="双百双千",
        defaults={
            "description": "三年内培训100家重点企业、1000名安全生产骨干（主要负责人、安全管理人员和班组长）。",
            "target_enterprises": 100,
            "target_people": 1000,
            "region": ctx.district,
            "starts_on": today.replace(month=1, day=1),
            "ends_on": today.replace(year=today.year + 2, month=12, day=31),
        },
    )
    # each class in the cohort its title names: （第一期） in 第一期, （第二期） in 第二期
    cohort, _ = Cohort.objects.get_or_create(
        programme=programme, name=f"{today.year}年第一期", defaults={"target_people": 120}
    )
    second_cohort, _ = Cohort.objects.get_or_create(
        programme=programme, name=f"{today.year}年第二期", defaults={"target_people": 120}
    )
    start = today - timedelta(days=20)
    training_class, _ = TrainingClass.objects.get_or_create(
        title=f"{today.year}年“双百双千”安全骨干培训班（第一期）",
        defaults={
            "programme": programme,
            "cohort": cohort,
            "agenda": "09:00 开班动员\n09:30 安全生产法律法规与主体责任\n13:30 重大事故隐患判定标准解读\n15:30 典型事故案例分析\n16:30 结业测验",
            "kind": TrainingKind.TOPIC,
            "starts_on": start,
            "ends_on": start + timedelta(days=1),
            "place": "区应急管理局三楼培训教室",
            "trainer": "区安全生产专家组 陈工",
            "hours": Decimal("16"),
            "capacity": 120,
            "region": ctx.district,
        },
    )
    upcoming, _ = TrainingClass.objects.get_or_create(
        title=f"{today.year}年“双百双千”安全骨干培训班（第二期）",
        defaults={
            "programme": programme,
            "cohort": second_cohort,
            "agenda": "09:00 有限空间作业安全\n13:30 危险化学品储存与泄漏处置\n15:30 应急演练组织",
            "kind": TrainingKind.TOPIC,
            "starts_on": today + timedelta(days=10),
            "ends_on": today + timedelta(days=11),
            "place": "区应急管理局三楼培训教室",
            "trainer": "区安全生产专家组 林工",
            "hours": Decimal("16"),
            "capacity": 120,
            "region": ctx.district,
        },
    )
    if upcoming.cohort_id != second_cohort.pk:  # seeded before the second cohort existed
        upcoming.cohort = second_cohort
        upcoming.save(update_fields=["cohort"])
    backbones = Person.objects.filter(
        enterprise__in=ctx.enterprises,
        category__in=[
            PersonCategory.PRINCIPAL,
            PersonCategory.SAFETY_MANAGER,
            PersonCategory.TEAM_LEADER,
        ],
    ).order_by("pk")[:40]
    for n, person in enumerate(backbones):
        registration, _ = ClassRegistration.objects.get_or_create(
            training_class=training_class, person=person
        )
        if n % 5 != 4:  # most attended; a few did not turn up
            classes.mark_attendance(
                registration=registration,
                method=ClassRegistration.Method.MANUAL if n % 2 else ClassRegistration.Method.QR,
                now=now - timedelta(days=20),
            )
    ClassRegistration.objects.get_or_create(training_class=upcoming, person=worker)

    # A year of external training records (三级安全教育, 再培训) spread over the months.
    if not Person.objects.filter(training_records__source_kind="external").exists():
        rng = ctx.rng
        people = list(Person.objects.filter(enterprise__in=ctx.enterprises).order_by("pk")[:200])
        titles = [
            ("年度安全生产再培训", TrainingKind.REFRESHER, Decimal("8")),
            ("新员工厂级安全教育", TrainingKind.LEVEL_PLANT, Decimal("8")),
            ("车间级安全教育", TrainingKind.LEVEL_WORKSHOP, Decimal("8")),
            ("班组级安全教育", TrainingKind.LEVEL_TEAM, Decimal("8")),
            ("夏季防暑降温与防汛专题", TrainingKind.TOPIC, Decimal("2")),
        ]
        for person in people:
            for _i in range(rng.randint(0, 3)):
                title, kind, hours = rng.choice(titles)
                records.record_training(
                    person=person,
                    on=today - timedelta(days=rng.randint(1, 360)),
                    hours=hours,
                    kind=kind,
                    source=None,
                    title=title,
                    source_kind="external",
                )
