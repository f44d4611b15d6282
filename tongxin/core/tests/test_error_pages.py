"""400/403/404/500 and a refused CSRF token answer in the product's layout, in Chinese."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path, reverse

from tongxin import urls as project_urls


def _forbidden(request):
    raise PermissionDenied


def _bad(request):
    raise SuspiciousOperation("bad request")


def _broken(request):
    raise RuntimeError("boom")


urlpatterns = [
    *project_urls.urlpatterns,
    path("test-forbidden/", _forbidden),
    path("test-bad/", _bad),
    path("test-broken/", _broken),
]

ENGLISH = ["Not Found", "Server Error", "Forbidden", "Bad Request", "CSRF verification failed"]


def assert_product_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert heading in page
    assert "同心" in page and 'class="tx-sidebar"' in page
    assert 'href="/">返回首页</a>' in page
    assert not [word for word in ENGLISH if word in page]
    return page


def test_it_answers_404_in_chinese(client_for, xingning_user):
    client = client_for(xingning_user)

    response = client.get("/persons/999999/")

    page = assert_product_page(response, 404, "页面不存在，或您没有查看权限")
    assert "代表人士" in page  # the user's own navigation stays


def test_it_answers_404_in_chinese_to_an_anonymous_visitor(client, db):
    response = client.get("/no-such-page/")

    page = assert_product_page(response, 404, "页面不存在，或您没有查看权限")
    assert "退出" not in page


@pytest.mark.urls(__name__)
def test_it_answers_403_in_chinese(client_for, xingning_user):
    response = client_for(xingning_user).get("/test-forbidden/")

    assert_product_page(response, 403, "您没有执行此操作的权限")


@pytest.mark.urls(__name__)
def test_it_answers_400_in_chinese(client_for, xingning_user):
    response = client_for(xingning_user).get("/test-bad/")

    assert_product_page(response, 400, "请求有误")


@pytest.mark.urls(__name__)
def test_it_answers_500_in_chinese(client_for, xingning_user):
    client = client_for(xingning_user)
    client.raise_request_exception = False

    response = client.get("/test-broken/")

    assert_product_page(response, 500, "系统出错，操作没有完成")


def test_it_answers_a_refused_csrf_token_in_chinese(db, xingning_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(xingning_user, backend="tongxin.accounts.backends.TongxinBackend")

    response = client.post(reverse("logout"))

    page = assert_product_page(response, 403, "页面已过期，请刷新后重新提交")
    assert 'href="/login/"' in page
