"""Media storage from the environment (MEDIA_STORAGE_BACKEND / MEDIA_STORAGE_OPTIONS build
STORAGES["default"]), and files read back through the storage API only: a certificate rendered by a
worker into a storage with no local paths is downloaded from another process's point of view."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from portal.env import env_json_object, env_networks
from tests.portal.test_settings import _manage


def test_storage_options_must_be_a_json_object(monkeypatch):
    monkeypatch.setenv("MEDIA_STORAGE_OPTIONS", '["bucket"]')
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE_OPTIONS"):
        env_json_object("MEDIA_STORAGE_OPTIONS")
    monkeypatch.setenv("MEDIA_STORAGE_OPTIONS", "{bucket")
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE_OPTIONS"):
        env_json_object("MEDIA_STORAGE_OPTIONS")


def test_metrics_networks_must_be_addresses(monkeypatch):
    monkeypatch.setenv("METRICS_ALLOWED_IPS", "10.0.0.0/8,prometheus.local")
    with pytest.raises(ImproperlyConfigured, match="prometheus.local"):
        env_networks("METRICS_ALLOWED_IPS")


def test_the_default_storage_comes_from_the_environment(tmp_path):
    code = (
        "from django.core.files.storage import default_storage, storages;"
        "print(default_storage.__class__.__name__, default_storage.location,"
        " type(storages['private']).__name__)"
    )
    result = _manage(
        "shell",
        "-c",
        code,
        PORTAL_VAR_DIR=str(tmp_path),
        MEDIA_STORAGE_BACKEND="django.core.files.storage.InMemoryStorage",
        MEDIA_STORAGE_OPTIONS='{"location": "/srv/portal-media"}',
    )
    assert result.returncode == 0, result.stderr
    # the private storage (seals, signatures) stays a private local storage
    # (Django 5.2's shell may first say how many objects it imported: the answer is the last line)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "InMemoryStorage",
        "/srv/portal-media",
        "PrivateFileSystemStorage",
    ]


@pytest.mark.django_db
def test_a_certificate_is_served_through_the_storage_api_not_a_local_path(
    client, worker, settings, monkeypatch
):
    from certificates import services
    from tests.certificates.factories import issue_manual_certificate

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    monkeypatch.setattr("certificates.pdf.render_certificate_pdf", lambda c: b"%PDF-1.7 stored")
    certificate = issue_manual_certificate(worker.person)
    assert services.render_certificate(certificate_id=certificate.pk)
    client.force_login(worker)

    response = client.get(reverse("certificates:download", args=[certificate.serial]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 stored"
