import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.service import services
from tongxin.service.hooks import home_cards, nav_items
from tongxin.service.models import local_today

pytestmark = pytest.mark.django_db


def test_nav_for_staff_and_leader_not_evaluators(city_user, leader_user, regions):
    labels = [i.get("label") or i.get("heading") for i in nav_items(city_user)]
    assert labels == ["服务帮助", "意见诉求", "建言献策", "成员单位"]
    assert len(nav_items(leader_user)) == 4
    evaluator = User.objects.create_user("eva", password="x", role=User.Role.EVALUATOR)
    assert nav_items(evaluator) == []
    assert home_cards(evaluator) == []


def test_the_sidebar_shows_the_entries(client_for, xingning_user):
    text = client_for(xingning_user).get(reverse("people:list")).content.decode()
    assert "服务帮助" in text and reverse("service:request_list") in text


def test_the_person_page_shows_requests_and_suggestions(
    client_for, xingning_user, make_person, make_request, admin_user, regions
):
    zhang = make_person("张三")
    make_request(zhang, content="子女入学咨询")
    services.suggestion_create(
        actor=admin_user,
        data={
            "region": regions["xingning"],
            "title": "关于人才公寓的建议",
            "content": "x",
            "submitted_on": local_today(),
        },
        submitters=[zhang],
    )
    text = client_for(xingning_user).get(reverse("people:detail", args=[zhang.pk])).content.decode()
    assert "子女入学咨询" in text and "关于人才公寓的建议" in text
    assert f"{reverse('service:request_create')}?person={zhang.pk}" in text


def test_the_person_panel_hides_write_buttons_from_leaders(client_for, leader_user, make_person):
    zhang = make_person("张三")
    text = client_for(leader_user).get(reverse("people:detail", args=[zhang.pk])).content.decode()
    assert "暂无意见诉求" in text and "受理诉求" not in text


def test_home_card_renders(client_for, xingning_user, make_person, make_request):
    from django.template.loader import render_to_string

    make_request(make_person("张三"))
    card = home_cards(xingning_user)[0]
    html = render_to_string(card["template"], {"panel": card["context"]})
    assert 'data-testid="open-requests">1<' in html
    assert 'data-testid="overdue-requests">0<' in html
