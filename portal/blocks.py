"""The one StreamBlock used by every page body (news, campaigns, course and lesson pages).

    from portal.blocks import BodyBlock
    body = StreamField(BodyBlock(), verbose_name=_("正文"))

Call-to-action targets are chosen, never typed: a drill (district/street drills only), a course
page, or an exam paper open to everyone, through the choosers the cms registers for those models.
Live figures read real numbers through `portal.registry.live_figures`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from portal import registry


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("标题文字"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("级别"),
        choices=[("h2", _("二级标题")), ("h3", _("三级标题"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("小标题")
        template = "blocks/heading.html"
        preview_value = {"text": "一、有限空间作业的主要风险", "level": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", ["bold", "italic", "ol", "ul", "link", "document-link", "hr"])
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("正文段落")
        template = "blocks/paragraph.html"
        preview_value = (
            "<p>进入有限空间作业前，必须严格执行<b>“先通风、再检测、后作业”</b>的原则，"
            "未经检测或检测不合格的，严禁作业人员进入。</p>"
        )


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图片说明"), required=False, max_length=200)
    alt = blocks.CharBlock(
        label=_("替代文字"),
        required=False,
        max_length=200,
        help_text=_("供读屏软件朗读；不填则使用图片说明或图片标题。"),
    )

    class Meta:
        icon = "image"
        label = _("图片")
        template = "blocks/image.html"
        preview_value = {"caption": "应急救援三脚架及安全绳的正确使用"}


class VideoBlock(blocks.StructBlock):
    file = DocumentChooserBlock(
        label=_("上传的视频文件"),
        required=False,
        help_text=_("在“文档”中上传的 MP4 文件；与“外部视频”二选一。"),
    )
    embed = EmbedBlock(
        label=_("外部视频"),
        required=False,
        help_text=_("视频网站的分享链接；与“上传的视频文件”二选一。"),
    )
    caption = blocks.CharBlock(label=_("视频说明"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("视频")
        template = "blocks/video.html"
        preview_value = {"caption": "有限空间事故应急处置示范"}

    def clean(self, value):
        value = super().clean(value)
        has_file, has_embed = bool(value.get("file")), bool(value.get("embed"))
        if has_file == has_embed:
            message = _("请在“上传的视频文件”和“外部视频”中选择且只选择一项。")
            raise StructBlockValidationError(
                block_errors={"file": ValidationError(message)},
            )
        document = value.get("file")
        if document is not None and document.file_extension.lower() not in ("mp4", "webm"):
            raise StructBlockValidationError(
                block_errors={"file": ValidationError(_("视频文件须为 MP4 或 WebM 格式。"))},
            )
        return value


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文档"))
    title = blocks.CharBlock(
        label=_("显示名称"), required=False, max_length=200, help_text=_("不填则用文档标题。")
    )

    class Meta:
        icon = "doc-full"
        label = _("文档下载")
        template = "blocks/document.html"
        preview_value = {"title": "有限空间作业安全操作规程（示范文本）"}


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("问题"), max_length=200)
    answer = blocks.RichTextBlock(label=_("回答"), features=["bold", "ol", "ul", "link"])

    class Meta:
        icon = "help"
        label = _("问答")


class FaqBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), required=False, default="常见问题", max_length=120)
    items = blocks.ListBlock(FaqItemBlock(), label=_("问答"), min_num=1)

    class Meta:
        icon = "help"
        label = _("常见问题")
        template = "blocks/faq.html"
        preview_value = {
            "title": "常见问题",
            "items": [
                {
                    "question": "有限空间作业需要办理审批吗？",
                    "answer": "<p>需要。作业前须办理有限空间作业审批，明确作业负责人、监护人员和作业人员。</p>",
                }
            ],
        }


class RegisteredChooserBlock(blocks.ChooserBlock):
    """Chooses an object of `model_label` through the admin chooser the app on top registered for
    it (`portal.registry.register_chooser`): the base names the model, never imports it."""

    model_label = ""

    @cached_property
    def target_model(self):
        from django.apps import apps

        return apps.get_model(self.model_label)

    @cached_property
    def widget(self):
        return registry.choosers[self.model_label].widget_class()

    def get_form_state(self, value):
        return self.widget.get_value_data(value)


class DrillChooserBlock(RegisteredChooserBlock):
    """Chooses a district/street drill (enterprise drills are internal and never linked)."""

    model_label = "drills.Drill"

    class Meta:
        icon = "date"


class PaperChooserBlock(RegisteredChooserBlock):
    """Chooses an exam paper open to everyone (e.g. a campaign quiz)."""

    model_label = "exams.Paper"

    class Meta:
        icon = "form"


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=120)
    text = blocks.TextBlock(label=_("说明"), required=False, max_length=400)
    button_label = blocks.CharBlock(label=_("按钮文字"), max_length=30, default="立即参加")
    course = blocks.PageChooserBlock(
        label=_("培训课程"), page_type="courses.CoursePage", required=False
    )
    paper = PaperChooserBlock(label=_("考试"), required=False)
    drill = DrillChooserBlock(label=_("应急演练"), required=False)

    TARGETS = ("course", "paper", "drill")

    class Meta:
        icon = "pick"
        label = _("行动号召")
        template = "blocks/cta.html"
        preview_value = {
            "title": "报名参加全区危化品泄漏应急演练",
            "text": "演练面向全区危化品企业开放观摩，请提前报名。",
            "button_label": "查看演练",
        }

    def clean(self, value):
        value = super().clean(value)
        chosen = [name for name in self.TARGETS if name in value and value.get(name)]
        if len(chosen) != 1:
            message = _("请选择一个链接目标（课程、考试或演练），且只能选择一个。")
            raise StructBlockValidationError(
                block_errors={self.TARGETS[0]: ValidationError(message)}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["target_url"], context["target_kind"] = cta_target(value)
        return context


def cta_target(value) -> tuple[str | None, str]:
    """The URL and kind of the one chosen target; (None, "") when it was deleted since."""
    course = value.get("course")
    if course is not None and course.live:
        return course.url, str(_("课程"))
    from django.urls import reverse

    paper = value.get("paper")
    if paper is not None:
        return reverse("exams:paper", args=[paper.pk]), str(_("考试"))
    drill = value.get("drill")
    if drill is not None:
        return reverse("drills:detail", args=[drill.pk]), str(_("演练"))
    return None, ""


def _live_figure_choices():
    return [(key, figure.label) for key, figure in sorted(registry.live_figures.items())]


class LiveFigureBlock(blocks.StructBlock):
    figure = blocks.ChoiceBlock(label=_("数据项"), choices=_live_figure_choices)
    label = blocks.CharBlock(
        label=_("显示名称"), required=False, max_length=60, help_text=_("不填则用数据项名称。")
    )
    note = blocks.CharBlock(label=_("补充说明"), required=False, max_length=120)

    class Meta:
        icon = "table"
        label = _("实时数据")
        template = "blocks/live_figure.html"
        preview_value = {"figure": "cms.published_pages", "note": "数据实时更新"}

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        figure = registry.live_figures.get(value.get("figure"))
        page = (parent_context or {}).get("page")
        number = figure.value(page) if figure else None
        context["figure"] = figure if number is not None else None
        context["number"] = number
        # A per-page figure on a page that serves its figures as JSON (CampaignPage) is refreshed
        # by static/js/live_figures.js: the page itself may come from the anonymous page cache.
        context["refresh_url"] = (
            getattr(page, "live_figures_url", "") if figure and figure.per_page else ""
        )
        return context


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    faq = FaqBlock()
    cta = CallToActionBlock()
    live_figure = LiveFigureBlock()

    class Meta:
        template = "blocks/body.html"
