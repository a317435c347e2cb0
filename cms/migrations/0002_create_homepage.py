"""Replaces Wagtail's default "Welcome to your new Wagtail site!" page by the portal HomePage and
points the default site at it."""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")

    if HomePage.objects.exists():
        return
    # The welcome page made by wagtailcore's 0002 migration (plain Page, slug "home", depth 2).
    Page.objects.filter(
        depth=2, slug="home", content_type__app_label="wagtailcore", content_type__model="page"
    ).delete()
    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return
    homepage_content_type, _created = ContentType.objects.get_or_create(
        model="homepage", app_label="cms"
    )
    # Next free path under the root (the tree may already have other depth-2 pages).
    siblings = Page.objects.filter(depth=2).order_by("-path").values_list("path", flat=True)
    last = siblings.first()
    step = root.path + (
        "0001" if last is None else _next_path_segment(last[len(root.path) :])
    )
    homepage = HomePage.objects.create(
        title="首页",
        draft_title="首页",
        slug="home",
        content_type=homepage_content_type,
        path=step,
        depth=2,
        numchild=0,
        url_path="/home/",
        locale_id=root.locale_id,
        live=True,
        intro="安全培训、应急演练、在线考试，一站办理。",
    )
    Page.objects.filter(pk=root.pk).update(numchild=Page.objects.filter(depth=2).count())
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=homepage, is_default_site=True)
    else:
        site.root_page = homepage
        site.save()


def _next_path_segment(segment: str) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    value = 0
    for char in segment:
        value = value * 36 + alphabet.index(char)
    value += 1
    out = ""
    for _ in range(4):
        value, rem = divmod(value, 36)
        out = alphabet[rem] + out
    return out


def remove_homepage(apps, schema_editor):
    HomePage = apps.get_model("cms.HomePage")
    HomePage.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
