from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = _("网站内容")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from wagtail.documents import get_document_model
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from cms import cache, demo, models, services, signals
        from portal import registry

        page_published.connect(cache.purge_page_cache, dispatch_uid="cms-purge-published")
        page_unpublished.connect(cache.purge_page_cache, dispatch_uid="cms-purge-unpublished")
        # A moved page may now sit under a restricted section (issue 13 finding 4).
        post_page_move.connect(cache.purge_page_cache, dispatch_uid="cms-purge-moved")
        post_save.connect(
            signals.site_settings_saved,
            sender=models.SiteSettings,
            dispatch_uid="cms-purge-settings",
        )
        post_save.connect(
            signals.document_saved, sender=get_document_model(), dispatch_uid="cms-doc-index"
        )
        from django.db.models.signals import post_delete
        from wagtail.models import PageViewRestriction

        for signal in (post_save, post_delete):
            signal.connect(
                cache.purge_page_cache,
                sender=PageViewRestriction,
                dispatch_uid=f"cms-purge-restriction-{signal is post_save}",
            )
        post_migrate.connect(services.setup_editorial, sender=self, dispatch_uid="cms-editorial")
        registry.register_spreadsheet_export(
            registry.SpreadsheetExport(
                key="cms.quiz",
                view="cms.quiz_views.export",
                url_name="cms.CampaignPage:quiz-export",
            )
        )

        registry.register_live_figure(
            registry.LiveFigure(
                key="cms.published_pages",
                label=_("已发布的宣传与培训内容"),
                func=models.published_pages_count,
                unit=_("篇"),
                figure="cms.published_pages",
            )
        )
        registry.register_live_figure(
            registry.LiveFigure(
                key="campaign_quiz_participants",
                label=_("知识竞赛参与人数"),
                func=models.campaign_quiz_participants,
                unit=_("人"),
                figure="campaign.quiz_participants",
                per_page=True,
            )
        )
        registry.register_live_figure(
            registry.LiveFigure(
                key="campaign_quiz_average",
                label=_("知识竞赛平均成绩"),
                func=models.campaign_quiz_average,
                unit=_("分"),
                figure="campaign.quiz_average",
                per_page=True,
            )
        )
        from cms import quiz
        from cms.choosers import drill_chooser_viewset, paper_chooser_viewset

        registry.register_chooser("drills.Drill", drill_chooser_viewset)
        registry.register_chooser("exams.Paper", paper_chooser_viewset)
        registry.register_start_check("campaign_quiz", quiz.start_check)
        registry.register_deadline_cap("campaign_quiz", quiz.deadline_cap)
        if "drills" not in registry.home_sections:
            from cms.home_sections import upcoming_public_drills

            registry.register_home_section(
                registry.HomeSection(
                    key="drills",
                    title=_("近期公开演练"),
                    template="cms/home_drills.html",
                    get_context=upcoming_public_drills,
                    order=40,
                )
            )
        from cms.workbench import todo_context

        registry.register_me_section(
            registry.MeSection(
                key="content-todo",
                title=_("内容待办"),
                template="includes/todo_section.html",
                get_context=todo_context,
                order=2,
            )
        )
        registry.register_schedule(
            registry.ScheduleSpec(
                name="cms-publish-scheduled", func="cms.tasks.publish_scheduled", minutes=1
            )
        )
        registry.register_seeder(registry.Seeder("cms-tree", demo.seed_tree, order=10))
        registry.register_seeder(
            registry.Seeder(
                "cms-content", demo.seed_content, order=90, later="cms.demo.seed_quiz_attempts"
            )
        )
