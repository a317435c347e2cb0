"""Site pages: home, news (通知公告/工作动态), campaigns (安全生产月, 11·9 …), content pages, settings."""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.documents import get_document_model_string
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.cache import CachedPageMixin
from cms.choosers import paper_chooser_viewset
from portal.blocks import BodyBlock, DocumentBlock
from portal.figures import Figure, computes
from portal.search import CJK_SEARCH_FIELDS, SearchableBodyMixin
from portal.slugs import ReadableSlugMixin

NEWS_PER_PAGE = 10


class HomePage(ReadableSlugMixin, CachedPageMixin, Page):
    intro = models.CharField(
        _("首页导语"),
        max_length=200,
        blank=True,
        help_text=_("显示在首页顶部的一句话。"),
    )

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields]

    class Meta:
        verbose_name = _("首页")
        verbose_name_plural = _("首页")

    def get_context(self, request, *args, **kwargs):
        from cms import services

        context = super().get_context(request, *args, **kwargs)
        context.update(services.home_context(request=request, home=self))
        return context


class NewsIndexPage(ReadableSlugMixin, CachedPageMixin, Page):
    intro = models.CharField(_("栏目说明"), max_length=200, blank=True)

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("新闻栏目")
        verbose_name_plural = _("新闻栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        news = (
            NewsPage.objects.child_of(self).live().order_by("-date", "-pk").prefetch_related("tags")
        )
        tag = request.GET.get("tag", "").strip()
        if tag:
            news = news.filter(tags__name=tag)
        paginator = Paginator(news, NEWS_PER_PAGE)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage:
            page_obj = paginator.page(paginator.num_pages)
        context.update(
            {
                "page_obj": page_obj,
                "news": page_obj.object_list,
                "current_tag": tag,
                "tags": NewsPageTag.tags_under(self),
            }
        )
        return context


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.NewsPage", related_name="tagged_items", on_delete=models.CASCADE
    )

    @staticmethod
    def tags_under(index_page: NewsIndexPage) -> list[str]:
        """Names of the tags used by live news under this index, most used first (one query)."""
        rows = (
            NewsPageTag.objects.filter(
                content_object__path__startswith=index_page.path,
                content_object__depth=index_page.depth + 1,
                content_object__live=True,
            )
            .values("tag__name")
            .annotate(n=models.Count("id"))
            .order_by("-n", "tag__name")
        )
        return [row["tag__name"] for row in rows[:30]]


class NewsPage(ReadableSlugMixin, SearchableBodyMixin, CachedPageMixin, Page):
    date = models.DateField(_("发布日期"), default=timezone.localdate)
    summary = models.TextField(_("摘要"), max_length=300, blank=True)
    tags = ClusterTaggableManager(_("标签"), through=NewsPageTag, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("date"), FieldPanel("tags")], heading=_("发布信息")),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
        *CJK_SEARCH_FIELDS,
    ]

    class Meta:
        verbose_name = _("新闻")
        verbose_name_plural = _("新闻")


class CampaignIndexPage(ReadableSlugMixin, CachedPageMixin, Page):
    intro = models.CharField(_("栏目说明"), max_length=200, blank=True)

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CampaignPage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("专题活动栏目")
        verbose_name_plural = _("专题活动栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        today = timezone.localdate()
        campaigns = list(
            CampaignPage.objects.child_of(self)
            .live()
            .select_related("banner_image")
            .prefetch_related("banner_image__renditions")
            .order_by("-start_date", "-pk")
        )
        context["current"] = [c for c in campaigns if c.start_date <= today <= c.end_date]
        context["upcoming"] = sorted(
            (c for c in campaigns if c.start_date > today), key=lambda c: c.start_date
        )
        context["past"] = [c for c in campaigns if c.end_date < today]
        return context


class CampaignPage(
    ReadableSlugMixin, RoutablePageMixin, SearchableBodyMixin, CachedPageMixin, Page
):
    """A campaign (安全生产月 …), optionally with a knowledge quiz (an exams.Paper, see
    cms.quiz). RoutablePageMixin comes first so that only the page itself goes through the
    anonymous page cache (CachedPageMixin): the quiz routes (entry, ranking, export, live figures)
    are always computed fresh."""

    class Theme(models.TextChoices):
        SAFETY_MONTH = "safety_month", _("安全生产月")
        FIRE_DAY = "fire_day", _("11·9 消防宣传日")
        DISASTER_DAY = "disaster_day", _("5·12 防灾减灾日")
        OTHER = "other", _("其他主题")

    theme = models.CharField(_("主题"), max_length=20, choices=Theme.choices)
    slogan = models.CharField(_("活动口号"), max_length=120, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    banner_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("横幅图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("摘要"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)
    materials = StreamField(
        [
            ("document", DocumentBlock()),
            ("page", blocks.PageChooserBlock(label=_("相关页面"))),
        ],
        verbose_name=_("相关资料"),
        blank=True,
    )
    quiz_paper = models.ForeignKey(
        "exams.Paper",
        verbose_name=_("知识竞赛试卷"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"open_to_all": True, "practice_for__isnull": True},
        help_text=_(
            "选择一份区（街道）级、面向全部人员的已发布试卷。试卷未设开放/截止时间的，"
            "以活动开始、结束日期为准。"
        ),
    )

    parent_page_types = ["cms.CampaignIndexPage"]
    subpage_types = ["cms.ContentPage"]
    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("theme"),
                FieldPanel("slogan"),
                FieldPanel("start_date"),
                FieldPanel("end_date"),
                FieldPanel("banner_image"),
            ],
            heading=_("活动信息"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("materials"),
        MultiFieldPanel(
            [FieldPanel("quiz_paper", widget=paper_chooser_viewset.widget_class)],
            heading=_("知识竞赛"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        *CJK_SEARCH_FIELDS,
    ]

    class Meta:
        verbose_name = _("专题活动")
        verbose_name_plural = _("专题活动")

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
        paper = self.quiz_paper if self.quiz_paper_id else None
        if paper is not None:
            if paper.mode == paper.Mode.PRACTICE or paper.practice_for_id:
                raise ValidationError({"quiz_paper": _("练习不能作为知识竞赛，请选择考试试卷。")})
            if not paper.region_id or not paper.open_to_all:
                raise ValidationError(
                    {"quiz_paper": _("知识竞赛须选择区（街道）级、面向全部人员的试卷。")}
                )
            if not paper.published:
                raise ValidationError({"quiz_paper": _("所选试卷尚未发布，请先在考试管理中发布。")})

    # ------------------------------------------------------------------ quiz routes

    @path("")
    def index_route(self, request, *args, **kwargs):
        # The page itself keeps the anonymous page cache (RoutablePageMixin's own index route
        # would render it directly).
        return CachedPageMixin.serve(self, request, *args, **kwargs)

    @path("quiz/", name="quiz")
    def quiz_entry(self, request):
        from cms import quiz_views

        return quiz_views.entry(self, request)

    @path("quiz/ranking/", name="quiz-ranking")
    def quiz_ranking(self, request):
        from cms import quiz_views

        return quiz_views.ranking(self, request)

    @path("quiz/ranking/detail/", name="quiz-detail")
    def quiz_detail(self, request):
        from cms import quiz_views

        return quiz_views.detail(self, request)

    @path("quiz/ranking/export/", name="quiz-export")
    def quiz_export(self, request):
        from cms import quiz_views

        return quiz_views.export(self, request)

    @path("figures/", name="live-figures")
    def live_figures_json(self, request):
        from cms import quiz_views

        return quiz_views.live_figures(self, request)

    @property
    def live_figures_url(self) -> str:
        """Where the live figure blocks of this page fetch fresh numbers (see portal.blocks)."""
        return (self.url or "") + self.reverse_subpage("live-figures")

    @property
    def quiz_url(self) -> str:
        return (self.url or "") + self.reverse_subpage("quiz")

    @property
    def quiz_ranking_url(self) -> str:
        return (self.url or "") + self.reverse_subpage("quiz-ranking")

    @property
    def quiz_detail_url(self) -> str:
        return (self.url or "") + self.reverse_subpage("quiz-detail")

    @property
    def quiz_export_url(self) -> str:
        return (self.url or "") + self.reverse_subpage("quiz-export")

    @property
    def quiz_state(self) -> str:
        from cms.quiz import quiz_state

        return quiz_state(self)

    @property
    def quiz_window(self):
        from cms.quiz import quiz_window

        return quiz_window(self) if self.quiz_paper_id else None

    @property
    def status(self) -> str:
        today = timezone.localdate()
        if today < self.start_date:
            return "upcoming"
        if today > self.end_date:
            return "past"
        return "current"


class ContentPage(ReadableSlugMixin, SearchableBodyMixin, CachedPageMixin, Page):
    """A plain article: guides, regulations, internal training materials (use page privacy)."""

    summary = models.TextField(_("摘要"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    parent_page_types = ["cms.HomePage", "cms.ContentPage", "cms.CampaignPage"]
    subpage_types = ["cms.ContentPage"]
    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        *CJK_SEARCH_FIELDS,
    ]

    class Meta:
        verbose_name = _("内容页")
        verbose_name_plural = _("内容页")


class DocumentSearchEntry(index.Indexed, models.Model):
    """The CJK search terms of one Wagtail document (title, tags, file name), kept in step by
    signals; Wagtail's own document index cannot match Chinese inside longer titles."""

    document = models.OneToOneField(
        get_document_model_string(), on_delete=models.CASCADE, related_name="cms_search_entry"
    )
    terms = models.TextField(blank=True)

    search_fields = [index.SearchField("terms")]

    class Meta:
        verbose_name = _("文档检索项")

    def __str__(self) -> str:
        return str(self.document_id)


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    district_name = models.CharField(_("单位名称"), max_length=100, default="区应急管理局")
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("标志"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=50, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    hotline = models.CharField(
        _("举报投诉电话"), max_length=50, blank=True, help_text=_("例如 12350 安全生产举报热线。")
    )
    icp_number = models.CharField(_("ICP 备案号"), max_length=60, blank=True)
    police_record = models.CharField(_("公安备案号"), max_length=60, blank=True)

    panels = [
        FieldPanel("district_name"),
        FieldPanel("logo"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("hotline"),
            ],
            heading=_("联系方式"),
        ),
        MultiFieldPanel([FieldPanel("icp_number"), FieldPanel("police_record")], heading=_("备案")),
    ]

    class Meta:
        verbose_name = _("站点设置")


def _campaign_quiz_paper(page):
    """The page's quiz paper with its region (one query), or None."""
    from exams.models import Paper

    paper_id = getattr(page, "quiz_paper_id", None)
    if paper_id is None:
        return None
    return Paper.objects.select_related("region").filter(pk=paper_id).first()


def campaign_quiz_participants(page) -> int | None:
    """Live figure on a campaign page: the ranking's participants total (two queries)."""
    from cms.quiz import participant_count

    paper = _campaign_quiz_paper(page)
    if paper is None:
        return None
    return participant_count(paper)


def campaign_quiz_average(page) -> str | None:
    """Live figure on a campaign page: the ranking's average best score (two queries)."""
    from cms.quiz import average_best_score

    paper = _campaign_quiz_paper(page)
    if paper is None:
        return None
    average = average_best_score(paper)
    return "—" if average is None else f"{average:.1f}"


@computes(
    Figure(
        key="cms.published_pages",
        label=_("已发布的宣传与培训内容"),
        unit=_("篇"),
        definition=_("网站上公开发布的页面数（首页和栏目页除外）。"),
        source=_("网站页面（已发布、公开）"),
        audience=_("所有访客"),
        surfaces=(_("首页及内容页“实时数据”块"),),
    )
)
def published_pages_count() -> int:
    """Live figure: public pages published on the site (home and section pages excluded)."""
    return Page.objects.live().public().filter(depth__gt=3).count()
