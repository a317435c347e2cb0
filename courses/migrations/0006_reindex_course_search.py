"""Course and lesson pages got the CJK unigram/bigram search field (portal.search): re-index the
ones that already exist so that the site search finds them without a manual `update_index`."""

from django.db import migrations


def reindex(apps, schema_editor):
    historical = [apps.get_model("courses", name) for name in ("CoursePage", "LessonPage")]
    if not any(model.objects.exists() for model in historical):
        return  # a fresh database: pages are indexed when they are saved
    # The index text comes from model methods (cjk_search_terms), which only the real models have.
    # Should a later migration change these tables, `manage.py update_index` does the same job.
    from wagtail.search.backends import get_search_backend

    from courses.models import CoursePage, LessonPage

    backend = get_search_backend()
    for model in (CoursePage, LessonPage):
        objects = list(model.objects.all())
        if objects:
            backend.add_bulk(model, objects)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0005_body_blocks_course_exam_cta"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
