"""Chinese search over pages and documents (CJK unigrams + bigrams on Wagtail's database backend)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection, PageViewRestriction

from cms.services import INTERNAL_COLLECTION_NAME, search_site
from portal.search import index_terms, query_terms
from tests.cms.factories import add_content, add_news


def _titles(response):
    return [page.title for page in response.context["results"].pages]


@pytest.fixture
def pages(news_index, home):
    add_news(news_index, "冬季安全提示", "进入污水井等有限空间作业前必须通风检测。")
    add_news(news_index, "仓库检查通报", "检查发现个别企业危化品仓库存放超量，已责令整改。")
    add_news(news_index, "消防演练动态", "组织员工开展灭火器使用培训。")
    internal = add_content(home, "内部事故案例", "某企业有限空间中毒事故的调查报告。")
    PageViewRestriction.objects.create(page=internal, restriction_type=PageViewRestriction.LOGIN)


def test_query_terms_are_bigrams_and_single_characters_stay_whole():
    assert query_terms("有限空间") == ["有限", "限空", "空间"]
    assert query_terms("火") == ["火"]
    assert query_terms("GB 30871 危化品") == ["gb", "30871", "危化", "化品"]
    assert "空间" in index_terms(["有限空间作业"]).split()


def test_a_query_finds_a_page_whose_body_contains_it_inside_a_longer_word(client, pages):
    response = client.get(reverse("cms:search"), {"q": "有限空间"})
    assert response.status_code == 200
    assert _titles(response) == ["冬季安全提示"]


def test_a_query_finds_text_inside_a_longer_sentence(client, pages):
    response = client.get(reverse("cms:search"), {"q": "危化品"})
    assert _titles(response) == ["仓库检查通报"]


def test_a_query_that_is_not_in_any_page_finds_nothing(client, pages):
    response = client.get(reverse("cms:search"), {"q": "限空危"})
    assert _titles(response) == []
    assert "没有找到包含“限空危”的页面" in response.content.decode()


def test_private_pages_are_found_only_by_logged_in_users(client, pages, worker):
    response = client.get(reverse("cms:search"), {"q": "有限空间"})
    assert "内部事故案例" not in _titles(response)
    client.force_login(worker)
    response = client.get(reverse("cms:search"), {"q": "有限空间"})
    assert sorted(_titles(response)) == ["内部事故案例", "冬季安全提示"]


def test_a_query_without_letters_gets_a_chinese_error(client, pages):
    response = client.get(reverse("cms:search"), {"q": "！！？"})
    assert "请输入中文、字母或数字作为关键词" in response.content.decode()


def test_documents_are_found_by_chinese_inside_their_title_and_internal_ones_only_after_login(
    db, home, worker
):
    from django.contrib.auth.models import AnonymousUser

    document_model = get_document_model()
    public = document_model(title="有限空间作业安全操作规程")
    public.file.save("guide.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    public.save()
    internal = document_model(
        title="有限空间事故内部通报",
        collection=Collection.objects.get(name=INTERNAL_COLLECTION_NAME),
    )
    internal.file.save("report.txt", ContentFile("内部通报".encode()), save=False)
    internal.save()

    anonymous = search_site(user=AnonymousUser(), query="空间作业")
    assert [d.title for d in anonymous.documents] == ["有限空间作业安全操作规程"]
    logged_in = search_site(user=worker, query="有限空间")
    assert {d.title for d in logged_in.documents} == {
        "有限空间作业安全操作规程",
        "有限空间事故内部通报",
    }
    assert search_site(user=worker, query="危化品").documents == []
