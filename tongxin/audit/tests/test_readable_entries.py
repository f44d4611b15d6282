"""What the audit log and a round's change log show: Chinese labels and values,
the acting user's display name — never the code's own names."""

import re

from django.urls import reverse

INTERNAL = ["registration_form", "revealed", "id_number", "what：", "fields：", "{'", "docx"]


def test_the_audit_log_reads_an_export_and_a_reveal_in_chinese(
    client_for, city_user, admin_user, make_person
):
    city_user.display_name = "王科长"
    city_user.save(update_fields=["display_name"])
    person = make_person("张三")
    assert (
        client_for(city_user).get(reverse("reports:person_form", args=[person.pk])).status_code
        == 200
    )

    page = client_for(admin_user).get(reverse("audit:list")).content.decode()

    contents = " ".join(re.findall(r"<td>(<div>.*?)</td>", page))
    assert "导出内容：登记表（附件2）" in contents
    assert "格式：Word" in contents
    assert "含完整号码：是" in contents
    assert "字段：公民身份号码、联系电话" in contents
    assert "查看场合：登记表" in contents
    assert not [word for word in INTERNAL if word in contents]
    assert "王科长" in page
