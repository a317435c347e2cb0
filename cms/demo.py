"""Demo content: the page tree (order 10) and the notices, campaigns, images and documents (order 90).

Idempotent: pages are found by slug under their parent, images and documents by title.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, PageViewRestriction, Site

NOTICES = [
    (
        "关于开展2026年度有限空间作业专项整治的通知",
        ["通知公告", "有限空间"],
        "各街道、各重点企业：为有效防范有限空间作业中毒窒息事故，区安委办决定在全区开展有限空间作业专项整治。",
        [
            "整治范围包括污水处理、食品加工、冷链仓储、化工等涉及有限空间作业的企业。"
            "各企业须建立有限空间管理台账，设置明显的安全警示标志。",
            "作业前必须严格执行“先通风、再检测、后作业”，未经审批、未配备监护人员的，一律不得作业。"
            "区应急管理局将会同街道开展专项检查，对违法违规行为依法从严查处。",
        ],
    ),
    (
        "关于做好岁末年初安全生产工作的通知",
        ["通知公告"],
        "岁末年初是各类生产安全事故易发多发期，请各单位切实压紧压实安全生产责任。",
        [
            "各企业主要负责人要亲自部署，组织开展一次全面的隐患排查，重点检查用电、用火、用气和消防通道。",
            "节日期间严格执行领导带班和24小时值班制度，遇有突发情况及时报告。",
        ],
    ),
    (
        "区危化品企业负责人安全生产知识培训班开班",
        ["工作动态", "危化品", "培训"],
        "{day}，全区危险化学品企业主要负责人和安全管理人员培训班在区应急管理局开班。",
        [
            "培训围绕危化品储存、装卸作业安全和重大危险源管理展开，邀请省内专家授课。",
            "培训结束后将组织线上考试，考试合格者取得培训合格证明，未通过者须参加补考。",
        ],
    ),
    (
        "关于公布2026年第三季度安全生产执法检查情况的通告",
        ["通知公告", "执法检查"],
        "第三季度全区共检查企业216家次，发现并督促整改隐患843项。",
        [
            "检查发现的问题主要集中在特种作业人员无证上岗、消防设施维护不到位和应急预案未演练等方面。",
            "对存在重大事故隐患的5家企业已依法责令停产整顿，并纳入下一季度重点复查名单。",
        ],
    ),
    (
        "东湖街道组织开展燃气安全进社区宣传活动",
        ["工作动态", "燃气安全"],
        "东湖街道联合燃气公司在明湖社区开展燃气安全宣传，现场为居民免费检查燃气软管。",
        [
            "活动现场发放宣传资料1200余份，更换老化燃气软管86根，讲解燃气泄漏的正确处置方法。",
            "街道将在年底前完成辖区餐饮场所燃气报警装置安装全覆盖。",
        ],
    ),
    (
        "关于开展特种作业人员持证上岗专项检查的通知",
        ["通知公告", "特种作业"],
        "为规范特种作业人员管理，区应急管理局将于下月开展持证上岗专项检查。",
        [
            "检查对象为从事电工、焊接与热切割、高处作业等特种作业的人员，重点核查证书真伪和有效期。",
            "证书即将到期的人员请及时参加复审培训，逾期未复审的证书自动失效，不得继续上岗作业。",
        ],
    ),
    (
        "西塘街道举办危化品泄漏应急演练",
        ["工作动态", "应急演练", "危化品"],
        "西塘街道联合区消防救援大队，在西塘钢铁冶炼有限公司开展危化品泄漏事故应急演练。",
        [
            "演练模拟储罐阀门泄漏，检验了企业先期处置、人员疏散、堵漏和环境监测等环节。",
            "演练结束后，专家现场点评并指出了通讯联络不畅等问题，企业已制定整改措施。",
        ],
    ),
    (
        "关于印发《企业安全生产标准化建设工作方案》的通知",
        ["通知公告", "标准化"],
        "为推进企业安全生产标准化建设，现将工作方案印发给你们，请认真贯彻执行。",
        [
            "到2027年底，全区规模以上工业企业安全生产标准化三级以上达标率达到90%以上。",
            "对达标企业在评优评先、安全生产责任保险费率等方面给予政策支持。",
        ],
    ),
    (
        "南港镇开展冷库企业氨制冷安全检查",
        ["工作动态", "有限空间"],
        "南港镇安监站对辖区5家涉氨制冷冷库企业开展专项检查，重点检查氨泄漏报警和有限空间管理。",
        [
            "检查发现部分企业气体检测报警仪未定期校验，冷库内有限空间作业审批记录不完整。",
            "镇安监站当场下达整改通知，要求15日内完成整改并上报整改报告。",
        ],
    ),
    (
        "关于调整安全生产举报奖励标准的公告",
        ["通知公告", "举报奖励"],
        "为鼓励群众举报安全生产重大事故隐患和违法行为，现调整举报奖励标准。",
        [
            "经核查属实的重大事故隐患举报，奖励金额最高可达3万元；举报人信息严格保密。",
            "举报可拨打12350安全生产举报热线，也可通过本网站留言。",
        ],
    ),
    (
        "全区建筑施工领域安全生产现场会召开",
        ["工作动态", "建筑施工"],
        "全区建筑施工安全生产现场会在明湖建设工程有限公司项目部召开，各在建项目负责人参加。",
        [
            "会议观摩了标准化工地建设成果，通报了近期高处坠落和起重伤害典型事故案例。",
            "会议要求各项目严格落实危大工程专项施工方案，坚决遏制较大及以上事故发生。",
        ],
    ),
    (
        "关于开展“安全生产月”总结评估工作的通知",
        ["通知公告", "安全生产月"],
        "请各街道、各有关部门认真总结“安全生产月”活动经验，按时报送总结材料。",
        [
            "总结材料应包括活动开展情况、主要成效、典型做法以及存在的问题和下一步打算。",
            "区安委办将根据总结和检查情况，评选“安全生产月”活动优秀组织单位。",
        ],
    ),
]

SAFETY_MONTH_BODY = [
    ("heading", "活动主题"),
    (
        "paragraph",
        "今年“安全生产月”活动以“人人讲安全、个个会应急——查找身边安全隐患”为主题，"
        "在全区范围内组织开展安全宣传咨询日、应急演练周、隐患排查整治等系列活动。",
    ),
    ("heading", "主要活动安排"),
    (
        "paragraph",
        "一、6月上旬：各企业组织全员安全警示教育，观看事故警示片，开展“安全生产大家谈”。"
        "二、6月16日：全区安全宣传咨询日，在东湖广场设置咨询台，发放宣传资料。"
        "三、6月下旬：各街道至少组织一次综合性应急演练，重点企业开展有限空间、危化品泄漏专项演练。",
    ),
]
FIRE_DAY_BODY = [
    ("heading", "活动背景"),
    (
        "paragraph",
        "每年11月9日是全国消防宣传日。冬季用火用电用气增多，火灾风险明显上升，"
        "全区围绕“预防为主、生命至上”开展为期一个月的消防安全宣传活动。",
    ),
    ("heading", "重点内容"),
    (
        "paragraph",
        "各单位要组织员工学习“四个能力”：检查消除火灾隐患能力、扑救初起火灾能力、"
        "组织人员疏散逃生能力、消防宣传教育培训能力。人员密集场所要确保疏散通道、安全出口畅通，"
        "严禁电动自行车进楼入户充电。",
    ),
]


def _home() -> Page:
    from cms.models import HomePage

    return HomePage.objects.first()


def _child(parent: Page, model, slug: str, **fields):
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def seed_tree(ctx) -> None:
    from cms.models import CampaignIndexPage, ContentPage, NewsIndexPage, SiteSettings

    home = _home()
    if home is None:
        return
    district = ctx.district.name
    if home.title != f"{district}安全培训门户":
        home.title = f"{district}安全培训门户"
        home.intro = "安全培训、应急演练、在线考试，一站办理。"
        home.save_revision().publish()
    _child(
        home,
        NewsIndexPage,
        "notices",
        title="通知公告",
        intro="区应急管理局发布的通知、通告与公告。",
    )
    _child(home, NewsIndexPage, "news", title="工作动态", intro="各街道、企业安全生产工作动态。")
    _child(
        home,
        CampaignIndexPage,
        "campaigns",
        title="专题活动",
        intro="安全生产月、消防宣传日等主题活动。",
    )
    internal = _child(
        home,
        ContentPage,
        "internal",
        title="内部培训资料",
        summary="仅供登录的企业人员学习使用，请勿外传。",
        body=[
            ("heading", {"text": "资料说明", "level": "h2"}),
            (
                "paragraph",
                "<p>本栏目收录企业内部安全培训课件、操作规程范本和事故案例分析，登录后可查阅和下载。</p>",
            ),
        ],
    )
    if not PageViewRestriction.objects.filter(page=internal).exists():
        PageViewRestriction.objects.create(
            page=internal, restriction_type=PageViewRestriction.LOGIN
        )

    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        settings_obj = SiteSettings.for_site(site)
        settings_obj.district_name = f"{district}应急管理局"
        settings_obj.address = f"{district}行政中心东楼5层"
        settings_obj.phone = "0574-87000119"
        settings_obj.email = "yjj@example.gov.cn"
        settings_obj.hotline = "12350"
        settings_obj.icp_number = "浙ICP备2026000001号-1"
        settings_obj.save()


def _png(title: str, colour: tuple[int, int, int], size=(1200, 400)):
    from PIL import Image as PILImage
    from PIL import ImageDraw

    image_model = get_image_model()
    existing = image_model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    picture = PILImage.new("RGB", size, colour)
    draw = ImageDraw.Draw(picture)
    for i in range(0, size[0], 60):
        draw.line(
            [(i, size[1]), (i + size[1], 0)], fill=tuple(min(255, c + 30) for c in colour), width=18
        )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    image = image_model(title=title, file=ImageFile(buffer, name=f"{title}.png"))
    image.save()
    return image


def _document(title: str, filename: str, content: bytes, collection: Collection | None = None):
    document_model = get_document_model()
    existing = document_model.objects.filter(title=title).first()
    if existing is not None:
        return existing
    document = document_model(title=title)
    if collection is not None:
        document.collection = collection
    document.file.save(filename, ContentFile(content), save=False)
    document.save()
    return document


def _pdf(title: str, paragraphs: list[str]) -> bytes:
    try:
        from weasyprint import HTML
    except ImportError:  # pragma: no cover - WeasyPrint is in requirements
        return ("%PDF-1.4\n" + title).encode()
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"<html><body style='font-family: sans-serif'><h1>{title}</h1>{body}</body></html>"
    return HTML(string=html).write_pdf()


def _rich(text: str) -> str:
    return f"<p>{text}</p>"


def _body(parts):
    return [
        (kind, _rich(value) if kind == "paragraph" else {"text": value, "level": "h2"})
        for kind, value in parts
    ]


def seed_content(ctx) -> None:
    from cms.models import (
        CampaignIndexPage,
        CampaignPage,
        ContentPage,
        NewsIndexPage,
        NewsPage,
    )

    home = _home()
    if home is None:
        return
    notices = NewsIndexPage.objects.child_of(home).filter(slug="notices").first()
    news = NewsIndexPage.objects.child_of(home).filter(slug="news").first()
    campaigns = CampaignIndexPage.objects.child_of(home).filter(slug="campaigns").first()
    internal = ContentPage.objects.child_of(home).filter(slug="internal").first()
    if not (notices and news and campaigns and internal):
        return

    today = timezone.localdate()
    for index, (title, tags, summary, paragraphs) in enumerate(NOTICES):
        parent = notices if "通知公告" in tags else news
        slug = f"item-{index + 1:02d}"
        if NewsPage.objects.filter(slug=slug).exists():
            continue
        day = today - timedelta(days=index * 6 + ctx.rng.randrange(0, 4))
        page = NewsPage(
            title=title,
            slug=slug,
            date=day,
            summary=summary.replace("{day}", f"{day.month}月{day.day}日"),  # the item's own date
            body=[("paragraph", "".join(_rich(p) for p in paragraphs))],
        )
        parent.add_child(instance=page)
        page.tags.add(*[t for t in tags if t not in ("通知公告", "工作动态")] or tags)
        page.save_revision().publish()

    internal_collection = Collection.objects.filter(name="内部资料").first()
    guide = _document(
        "有限空间作业安全操作规程（示范文本）",
        "youxian-kongjian-guicheng.pdf",
        _pdf(
            "有限空间作业安全操作规程（示范文本）",
            [
                "第一条 有限空间作业实行审批制度，未经审批不得作业。",
                "第二条 作业前应当进行通风和气体检测，检测合格后方可进入。",
                "第三条 作业过程中必须有专人监护，监护人员不得离开作业现场。",
                "第四条 发生事故时严禁盲目施救，应当立即报警并使用救援设备施救。",
            ],
        ),
    )
    internal_doc = _document(
        "企业内部事故案例汇编（2026）",
        "shigu-anli-huibian.txt",
        "一、某冷链企业有限空间中毒窒息事故。二、某化工企业危化品装卸泄漏事故。\n".encode(),
        collection=internal_collection,
    )
    month_banner = _png("安全生产月横幅", (196, 30, 36))
    fire_banner = _png("消防宣传日横幅", (214, 84, 20))
    winter_banner = _png("冬季百日攻坚横幅", (30, 84, 160))

    if not internal.body or len(internal.body) < 3:
        internal.body = [
            ("heading", {"text": "资料说明", "level": "h2"}),
            (
                "paragraph",
                _rich(
                    "本栏目收录企业内部安全培训课件、操作规程范本和事故案例分析，登录后可查阅和下载。"
                ),
            ),
            ("document", {"document": internal_doc, "title": ""}),
        ]
        internal.save_revision().publish()

    drill = _public_drill()
    year = today.year
    plans = [
        (
            "safety-month",
            f"{year}年“安全生产月”活动",
            CampaignPage.Theme.SAFETY_MONTH,
            "人人讲安全、个个会应急",
            date(year, 6, 1),
            date(year, 6, 30),
            month_banner,
            SAFETY_MONTH_BODY,
        ),
        (
            "fire-day",
            f"{year}年“11·9”消防宣传月活动",
            CampaignPage.Theme.FIRE_DAY,
            "预防为主、生命至上",
            today - timedelta(days=20),
            today + timedelta(days=25),
            fire_banner,
            FIRE_DAY_BODY,
        ),
        (
            "winter-100-days",
            "冬春季安全生产百日攻坚行动",
            CampaignPage.Theme.OTHER,
            "除隐患、保平安、迎新春",
            today + timedelta(days=30),
            today + timedelta(days=130),
            winter_banner,
            [
                (
                    "paragraph",
                    "聚焦危化品、建筑施工、人员密集场所等重点行业领域，开展为期一百天的隐患排查整治攻坚。",
                )
            ],
        ),
    ]
    for slug, title, theme, slogan, start, end, banner, parts in plans:
        if CampaignPage.objects.child_of(campaigns).filter(slug=slug).exists():
            continue
        body = _body(parts)
        body.append(
            ("live_figure", {"figure": "cms.published_pages", "label": "", "note": "数据实时更新"})
        )
        if drill is not None and theme != CampaignPage.Theme.OTHER:
            body.append(
                (
                    "cta",
                    {
                        "title": f"观摩：{drill.title}",
                        "text": "欢迎各企业安全管理人员报名观摩。",
                        "button_label": "查看演练",
                        "drill": drill,
                    },
                )
            )
        body.append(
            (
                "faq",
                {
                    "title": "常见问题",
                    "items": [
                        {
                            "question": "企业需要报送哪些活动材料？",
                            "answer": _rich(
                                "活动方案、开展情况照片和总结报告，活动结束后10个工作日内报送所在街道。"
                            ),
                        },
                        {
                            "question": "员工如何参加线上学习？",
                            "answer": _rich(
                                "登录本门户后进入“培训课程”，完成指定课程即可记录学时。"
                            ),
                        },
                    ],
                },
            )
        )
        page = CampaignPage(
            title=title,
            slug=slug,
            theme=theme,
            slogan=slogan,
            start_date=start,
            end_date=end,
            banner_image=banner,
            summary=slogan + "。" + parts[-1][1][:60],
            body=body,
            materials=[("document", {"document": guide, "title": ""}), ("page", internal)],
        )
        campaigns.add_child(instance=page)
        page.save_revision().publish()

    safety_month = CampaignPage.objects.child_of(campaigns).filter(slug="safety-month").first()
    if safety_month is not None:
        _attach_quiz(ctx, safety_month, attempts=False)  # attempts: seed_quiz_attempts


# Share of each demo enterprise's roster that takes the quiz (in ctx.enterprises order), so that the
# ranking has a spread of participation rates.
QUIZ_PARTICIPATION = [0.9, 0.55, 0.75, 0.3, 0.65, 0.8, 0.45, 1.0, 0.35, 0.6, 0.5, 0.7]
QUIZ_FIGURES = [
    ("campaign_quiz_participants", "实时更新：已交卷的参赛人数"),
    ("campaign_quiz_average", "每位参赛者最好成绩的平均值"),
]


def _attach_quiz(ctx, page, *, attempts: bool = True) -> None:
    """The 安全生产月 campaign gets the exams demo's 知识竞答 paper as its quiz, the two live quiz
    figures in its body, and finished attempts from part of each enterprise's roster (topped up to
    QUIZ_PARTICIPATION; the demo workers are left out so that they can take it themselves)."""
    try:
        from exams.models import Paper
    except ImportError:  # pragma: no cover
        return
    paper = (
        Paper.objects.filter(
            region=ctx.district, mode=Paper.Mode.EXAM, title__contains="安全生产月"
        )
        .order_by("pk")
        .first()
    )
    if paper is None:
        return
    body = list(page.body.raw_data)
    present = {
        b["value"].get("figure") for b in body if b["type"] == "live_figure" and b.get("value")
    }
    missing = [(key, note) for key, note in QUIZ_FIGURES if key not in present]
    if page.quiz_paper_id != paper.pk or missing:
        page.quiz_paper = paper
        for key, note in missing:
            body.append(
                {"type": "live_figure", "value": {"figure": key, "label": "", "note": note}}
            )
        page.body = body
        page.save_revision().publish()
    if attempts:
        _quiz_attempts(ctx, paper)


def seed_quiz_attempts(ctx) -> None:
    """The campaign quiz's finished attempts (seed_demo queues this for the task cluster)."""
    from cms.models import CampaignPage

    page = CampaignPage.objects.filter(quiz_paper__isnull=False).order_by("pk").first()
    if page is not None:
        _quiz_attempts(ctx, page.quiz_paper)


def _quiz_attempts(ctx, paper) -> None:
    from exams import engine
    from exams.demo import answer_like_a_person
    from exams.errors import ExamError
    from exams.models import Attempt

    now = timezone.now()
    earliest = max(paper.opens_at or now - timedelta(days=6), now - timedelta(days=6))
    if paper.closes_at is not None and paper.closes_at <= now or earliest >= now:
        return
    demo_people = {u.pk for name, u in ctx.users.items() if name.startswith("demo_worker")}
    done = set(
        Attempt.objects.filter(paper=paper, state=Attempt.State.FINISHED).values_list(
            "person_id", flat=True
        )
    )
    rng = ctx.rng
    span = max(60, int((now - earliest).total_seconds() // 60) - 60)
    for enterprise, share in zip(ctx.enterprises, QUIZ_PARTICIPATION, strict=False):
        people = list(enterprise.people.filter(is_active=True).order_by("pk"))
        target = round(len(people) * share)
        have = sum(1 for p in people if p.pk in done)
        candidates = [p for p in people if p.pk not in done and p.user_id not in demo_people]
        for person in candidates[: max(0, target - have)]:
            started = earliest + timedelta(minutes=rng.randrange(0, span))
            try:
                attempt, _new = engine.start_or_resume(paper=paper, person=person, now=started)
            except ExamError:
                continue
            answer_like_a_person(attempt, rng=rng, skill=0.78, started=started, pace_seconds=25)
            engine.submit_attempt(
                attempt=attempt, now=started + timedelta(minutes=rng.randint(6, 15))
            )


def _public_drill():
    try:
        from drills.models import Drill
    except ImportError:  # pragma: no cover
        return None
    return Drill.objects.filter(organiser_region__isnull=False).order_by("-planned_start").first()
