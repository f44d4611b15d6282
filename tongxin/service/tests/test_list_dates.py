"""Lists show dates as the pages do: 2026年11月15日, never 2026-11-15."""

import datetime

from django.urls import reverse

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.service.models import ServiceRequest


def test_the_request_list_and_person_panel_show_chinese_dates(
    client_for, xingning_user, make_person, make_request
):
    person = make_person("陈晓梅")
    received = datetime.date(2026, 11, 15)
    request = make_request(person, status=ServiceRequest.Status.ASSIGNED, received_on=received)
    client = client_for(xingning_user)

    pages = [
        client.get(reverse("service:request_list")).content.decode(),
        client.get(reverse("people:detail", args=[person.pk])).content.decode(),
        client.get(reverse("service:request_detail", args=[request.pk])).content.decode(),
    ]

    for page in pages:
        assert "2026年11月15日" in page
        assert "2026-11-15" not in page
    assert cn_date(request.due_date) in pages[0]
    assert request.due_date.isoformat() not in pages[0]
