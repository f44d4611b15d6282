"""Service-request changes as the audit log (审计日志) shows them."""

from django.urls import reverse

from tongxin.service.models import ServiceRequest


def test_it_lists_a_request_with_progress(client_for, admin_user, make_person, make_request):
    make_request(make_person("张三"), status=ServiceRequest.Status.IN_PROGRESS)

    response = client_for(admin_user).get(reverse("audit:list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "办理进展：（空） → " in page
    assert "已联系当事人了解情况" in page
