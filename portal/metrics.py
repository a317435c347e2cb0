"""Prometheus metrics at /metrics (django-prometheus), for monitoring only.

- Requests by view and status, latency: django-prometheus' middleware
  (``django_http_requests_latency_seconds_by_view_method``,
  ``django_http_responses_total_by_status_view_method``…).
- Database queries: its database backends (``django_db_execute_total``,
  ``django_db_query_duration_seconds``), set in settings for SQLite and PostgreSQL.
- The task queue, read at each scrape from the broker (portal.taskqueue), so every node reports
  the same numbers whatever process queued the tasks: ``portal_task_queue_length`` and
  ``portal_task_queue_oldest_age_seconds``.
- Apps add theirs (certificates: ``portal_certificate_renders_total``, incremented by the render
  task, and ``portal_certificate_renders_last_minute`` from the database).

Access (README "Metrics"): nobody unless configured. A scraper is let in when its address is in
``METRICS_ALLOWED_IPS`` or it sends ``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets a
404, as if there were no such page. With several processes per node (gunicorn workers), set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by those processes (and the task
cluster's, for the render counter): the page then adds up every process's counters.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from portal.auth import client_ip

_registered: set[str] = set()


def register_collector(key: str, collector: Collector) -> None:
    """Registers a scrape-time collector once per process (apps' ready() may run twice)."""
    if key in _registered:
        return
    REGISTRY.register(collector)
    _registered.add(key)


class TaskQueueCollector(Collector):
    """Per queue (the main cluster's and the render cluster's, label `queue`): its length and the
    age of its oldest task waiting for a result (/healthz checks the oldest of all against
    QUEUE_MAX_AGE). Two or three queries (or Redis calls) per queue and scrape."""

    def describe(self) -> Iterator[GaugeMetricFamily]:  # registering must not query
        yield GaugeMetricFamily("portal_task_queue_length", "", labels=["queue"])
        yield GaugeMetricFamily("portal_task_queue_oldest_age_seconds", "", labels=["queue"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from portal import taskqueue

        length = GaugeMetricFamily(
            "portal_task_queue_length", "Tasks waiting in a django-q2 queue", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "portal_task_queue_oldest_age_seconds",
            "Seconds the oldest queued task has waited for its result (0: none)",
            labels=["queue"],
        )
        now = timezone.now()
        try:
            for name in taskqueue.queue_names():
                oldest = taskqueue.oldest_queued_at(name)
                length.add_metric([name], taskqueue.queue_length(name))
                age.add_metric([name], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        except Exception:  # noqa: BLE001 - a broker outage must not break the scrape
            return
        yield length
        yield age


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, given = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return True
    networks = settings.METRICS_ALLOWED_IPS
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return False


def _registry():
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    # The scrape-time gauges are not per process: read them once, here.
    for collector in _scrape_time_collectors:
        registry.register(collector)
    return registry


_scrape_time_collectors: list[Collector] = []


def register_scrape_collector(key: str, collector: Collector) -> None:
    """A collector that reads its numbers at scrape time (from the database or the broker)."""
    if key in _registered:
        return
    register_collector(key, collector)
    _scrape_time_collectors.append(collector)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
