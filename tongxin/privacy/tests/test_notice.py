"""The privacy notice (告知): public to read, one current text, edited by
system admins only, each edit a new audited version; linked from every form
that collects personal information."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.engagement.tests.factories import make_record
from tongxin.privacy.models import PrivacyNotice

pytestmark = pytest.mark.django_db

NOTICE_URL = reverse("privacy:notice")
EDIT_URL = reverse("privacy:notice_edit")


def test_it_seeds_a_default_notice_readable_without_login(client):
    notice = PrivacyNotice.objects.get()
    assert notice.version == 1

    response = client.get(NOTICE_URL)

    assert response.status_code == 200
    text = response.content.decode()
    for words in ["个人信息处理告知", "公民身份号码", "县区工作人员只能看到本区域的人员",
                  "审计日志至少保存180天", "查阅、复制", "更正", "删除", "联系单位"]:  # fmt: skip
        assert words in text


def test_it_lets_a_system_admin_publish_a_new_version(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(EDIT_URL).status_code == 200

    response = client.post(EDIT_URL, {"text": "新的告知：联系电话 0771-1234567"})

    assert response.status_code == 302
    assert list(PrivacyNotice.objects.values_list("version", flat=True)) == [2, 1]
    current = PrivacyNotice.objects.first()
    assert current.updated_by == admin_user
    assert "0771-1234567" in client.get(NOTICE_URL).content.decode()
    entry = AuditEntry.objects.get(object_type="privacy.privacynotice", object_id=str(current.pk))
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.user == admin_user
    assert entry.changes["version"] == [1, 2]
    # Earlier versions stay, listed on the edit page.
    assert "第1版" in client.get(EDIT_URL).content.decode()


def test_an_empty_notice_is_refused_in_chinese(client_for, admin_user):
    response = client_for(admin_user).post(EDIT_URL, {"text": "   "})
    assert response.status_code == 200
    assert "告知内容不能为空。" in response.content.decode()
    assert PrivacyNotice.objects.count() == 1


@pytest.mark.parametrize("who", ["city_user", "xingning_user", "leader_user"])
def test_only_system_admins_may_edit(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(EDIT_URL).status_code == 404
    assert client.post(EDIT_URL, {"text": "篡改"}).status_code == 404
    assert PrivacyNotice.objects.count() == 1
    assert client.get(NOTICE_URL).status_code == 200


def _form_pages(person, regions, city_user, admin_user):
    activity = make_record("activities", actor=city_user, region=regions["xingning"])
    honour = make_record("honours", actor=city_user, region=regions["xingning"], person=person)
    return [
        reverse("people:create"),
        reverse("people:edit", args=[person.pk]),
        reverse("imports:upload"),
        reverse("service:request_create") + f"?person={person.pk}",
        reverse("service:suggestion_create"),
        reverse("accounts:user_create"),
        reverse("accounts:user_edit", args=[city_user.pk]),
        reverse("engagement:activities_create"),
        reverse("engagement:activities_edit", args=[activity.pk]),
        reverse("engagement:honours_create") + f"?person={person.pk}",
        reverse("engagement:honours_edit", args=[honour.pk]),
    ]


def test_every_form_that_collects_personal_information_links_the_notice(
    client_for, admin_user, city_user, regions, make_person
):
    person = make_person("王告知")
    client = client_for(admin_user)
    for url in _form_pages(person, regions, city_user, admin_user):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'href="{NOTICE_URL}"' in response.content.decode(), url
        assert "个人信息处理告知" in response.content.decode(), url
