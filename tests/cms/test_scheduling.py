"""Campaign pages go live and expire by Wagtail's scheduled publishing, run by the django-q2
schedule registered by the cms app (cms.tasks.publish_scheduled every minute)."""

from datetime import timedelta

from django.utils import timezone

from cms.models import CampaignPage
from cms.tasks import publish_scheduled
from portal import registry


def test_the_publish_schedule_runs_every_minute():
    spec = registry.schedules["cms-publish-scheduled"]
    assert spec.func == "cms.tasks.publish_scheduled"
    assert spec.minutes == 1


def _draft_campaign(index):
    today = timezone.localdate()
    page = CampaignPage(
        title="安全生产月",
        theme=CampaignPage.Theme.SAFETY_MONTH,
        start_date=today,
        end_date=today + timedelta(days=30),
        live=False,
    )
    index.add_child(instance=page)
    return page


def test_a_campaign_scheduled_to_go_live_is_published_only_when_its_time_comes(campaign_index):
    page = _draft_campaign(campaign_index)
    page.go_live_at = timezone.now() + timedelta(hours=1)
    revision = page.save_revision()
    revision.publish()  # with a future go_live_at this only schedules the revision
    page.refresh_from_db()
    assert not page.live

    publish_scheduled()
    page.refresh_from_db()
    assert not page.live

    # The hour has passed: move the scheduled time (kept on the revision and in its content) back.
    revision.refresh_from_db()
    past = timezone.now() - timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    publish_scheduled()
    page.refresh_from_db()
    assert page.live


def test_a_campaign_expires_when_its_expiry_time_has_passed(campaign_index):
    page = _draft_campaign(campaign_index)
    page.expire_at = timezone.now() + timedelta(days=1)
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.live

    publish_scheduled()
    page.refresh_from_db()
    assert page.live

    CampaignPage.objects.filter(pk=page.pk).update(expire_at=timezone.now() - timedelta(minutes=1))
    publish_scheduled()
    page.refresh_from_db()
    assert not page.live
    assert page.expired
