"""Certificate renders for /metrics (portal.metrics): a counter the render task increments (per
process: the task cluster's own, added up with PROMETHEUS_MULTIPROC_DIR) and, read from the
database at each scrape so any web node reports the whole cluster's figure, the renders of the
last minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

RENDERS = Counter("portal_certificate_renders", "Certificate PDFs rendered by this process")


class RendersLastMinuteCollector(Collector):
    """One COUNT over the certificates rendered in the last 60 seconds."""

    def describe(self) -> Iterator[GaugeMetricFamily]:  # registering must not query
        yield GaugeMetricFamily("portal_certificate_renders_last_minute", "")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from certificates.models import Certificate

        since = timezone.now() - timedelta(minutes=1)
        try:
            count = Certificate.objects.filter(rendered_at__gte=since).count()
        except Exception:  # noqa: BLE001 - a database outage must not break the scrape
            return
        yield GaugeMetricFamily(
            "portal_certificate_renders_last_minute",
            "Certificate PDFs rendered (by any worker) in the last 60 seconds",
            value=count,
        )
