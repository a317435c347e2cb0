"""Internal materials: a page restricted to logged-in users, and documents in the 内部资料
collection (login-only), are refused to anonymous visitors and served to workers."""

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from cms.services import INTERNAL_COLLECTION_NAME
from tests.cms.factories import add_content


def test_the_internal_collection_is_restricted_to_logged_in_users(db):
    collection = Collection.objects.get(name=INTERNAL_COLLECTION_NAME)
    restriction = CollectionViewRestriction.objects.get(collection=collection)
    assert restriction.restriction_type == CollectionViewRestriction.LOGIN


def test_a_private_page_redirects_anonymous_visitors_to_login_and_shows_to_a_worker(
    client, home, worker
):
    page = add_content(home, "内部培训资料", "仅限企业人员学习的操作规程。")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(page.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "仅限企业人员" not in response.content.decode()

    client.force_login(worker)
    response = client.get(page.url)
    assert response.status_code == 200
    assert "仅限企业人员学习的操作规程" in response.content.decode()


def test_an_internal_document_is_refused_to_anonymous_visitors_and_served_to_a_worker(
    client, db, worker
):
    document = get_document_model()(
        title="事故案例汇编", collection=Collection.objects.get(name=INTERNAL_COLLECTION_NAME)
    )
    document.file.save("cases.txt", ContentFile("内部资料".encode()), save=False)
    document.save()

    response = client.get(document.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    client.force_login(worker)
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "内部资料".encode()


def test_a_public_document_is_served_to_anyone(client, db):
    document = get_document_model()(title="宣传手册")
    document.file.save("leaflet.txt", ContentFile("公开".encode()), save=False)
    document.save()
    response = client.get(document.url)
    assert response.status_code == 200
