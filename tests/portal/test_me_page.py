from __future__ import annotations

from django.urls import reverse


def test_anonymous_is_sent_to_login_from_my_page(client, db):
    response = client.get(reverse("portal:me"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_a_worker_sees_their_own_record_with_the_full_id_number(client, worker):
    client.force_login(worker)
    html = client.get(reverse("portal:me")).content.decode()
    assert worker.person.name in html
    assert worker.person.id_number in html
    assert worker.person.enterprise.name in html


def test_a_login_without_a_person_gets_an_honest_empty_state(client, editor):
    client.force_login(editor)
    html = client.get(reverse("portal:me")).content.decode()
    assert "尚未关联从业人员档案" in html


def test_the_pages_are_chinese_even_for_an_english_browser_until_english_is_chosen(client, worker):
    client.force_login(worker)
    html = client.get(reverse("portal:me"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/me/"})
    assert 'lang="en"' in client.get(reverse("portal:me")).content.decode()


def test_front_pages_carry_a_content_security_policy(client, db):
    response = client.get(reverse("portal:login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
