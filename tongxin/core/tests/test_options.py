"""系统参数: settings an office changes without a deployment (core/options.py)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD
from tongxin.core import options
from tongxin.core.models import RuntimeOption
from tongxin.evaluations.grading import grade_bands, grade_for
from tongxin.imports.checking import background_threshold
from tongxin.imports.files import max_upload_bytes, read_budget
from tongxin.levels.quotas import default_quota, thin_below
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db

URL = "/settings/"


def form_data(**changes) -> dict:
    """The page's form as it is shown (every option at its current value), with `changes`."""
    data = {}
    for option in options.OPTIONS:
        current = options.value(option.key)
        if option.kind == "bands":
            current = options.bands_lines(current)
        elif option.kind == "monthday":
            current = options.month_day_text(current)
        data[option.key] = current
    return {**data, **changes}


def save(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, form_data(**changes))


def test_it_is_for_system_admins_only(client_for, admin_user, city_user):
    assert reverse("options") == URL
    page = client_for(admin_user).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    for shown in [
        "系统参数",
        "等次划分",
        "无操作自动退出",
        "一次导入的最多行数",
        "市级重点联系名额默认值",
    ]:
        assert shown in text
    assert "可设0—1440分钟；部署默认值：30分钟" in text
    assert client_for(city_user).get(URL).status_code == 404
    assert client_for(city_user).post(URL, form_data()).status_code == 404
    assert not RuntimeOption.objects.exists()


def test_a_changed_session_limit_applies_at_once_and_is_audited(
    client, client_for, admin_user, xingning_user, django_capture_on_commit_callbacks
):
    assert options.value("session_idle_minutes") == 30
    response = save(client_for(admin_user), django_capture_on_commit_callbacks,
                    session_idle_minutes=5)  # fmt: skip
    assert response.status_code == 302
    assert RuntimeOption.objects.get(key="session_idle_minutes").value == 5
    entry = AuditEntry.objects.get(object_type="core.runtimeoption")
    assert entry.user == admin_user and entry.action == "update"
    assert entry.changes == {"无操作自动退出": ["30分钟", "5分钟"]}
    assert "已保存：无操作自动退出" in client_for(admin_user).get(URL).content.decode()
    audit_page = client_for(admin_user).get(reverse("audit:list")).content.decode()
    assert "系统参数" in audit_page and "无操作自动退出" in audit_page and "5分钟" in audit_page
    client.logout()

    # A staff member idle for 6 minutes is now signed out.
    start = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client.post(reverse("login"), {"username": "xingning", "password": PASSWORD})
        clock.shift(datetime.timedelta(minutes=4))
        assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=6))
        assert client.get(reverse("home")).status_code == 302


def test_the_default_again_stores_nothing(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    save(client, django_capture_on_commit_callbacks, import_max_rows=1000)
    assert read_budget().rows == 1000
    save(client, django_capture_on_commit_callbacks, import_max_rows=200_000)
    assert not RuntimeOption.objects.filter(key="import_max_rows").exists()
    assert read_budget().rows == 200_000
    assert AuditEntry.objects.filter(object_type="core.runtimeoption").count() == 2


def test_the_readers_follow_the_page(client_for, admin_user, regions,
                                     django_capture_on_commit_callbacks):  # fmt: skip
    save(
        client_for(admin_user),
        django_capture_on_commit_callbacks,
        grade_bands="优秀 85\n合格 60\n不合格 0",
        quota_city_default=120,
        quota_county_default=30,
        quota_thin_below=5,
        upload_max_megabytes=20,
        import_max_columns=60,
        import_background_rows=500,
        session_max_hours=8,
    )
    assert grade_bands() == [["优秀", 85.0], ["合格", 60.0], ["不合格", 0.0]]
    assert grade_for(84.99) == "合格"
    assert default_quota(regions["city"], Person.Level.CITY) == 120
    assert default_quota(regions["xingning"], Person.Level.COUNTY) == 30
    assert thin_below() == 5
    assert max_upload_bytes() == 20 * 1024 * 1024
    assert read_budget().columns == 60
    assert background_threshold() == 500
    assert options.value("session_max_hours") == 8
    entry = AuditEntry.objects.get(object_type="core.runtimeoption")
    assert entry.changes["等次划分"] == ["A≥90、B≥75、C≥60、D≥0", "优秀≥85、合格≥60、不合格≥0"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("grade_bands", "A 90\nB 95\nC 0", "最低分应从高到低排列"),
        ("grade_bands", "A 90\nB 60", "最后一个等次的最低分应为0"),
        ("grade_bands", "A 90\nA 60\nC 0", "等次名称不能重复"),
        ("grade_bands", "A九十\nB 0", "第1行"),
        ("session_max_hours", 13, "12"),
        ("review_due", "2-29", "没有2月29日这一天"),
        ("review_due", "年底", "应写成“月-日”"),
        ("import_max_rows", 10, "100"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    client_for, admin_user, django_capture_on_commit_callbacks, field, value, message
):
    response = save(client_for(admin_user), django_capture_on_commit_callbacks,
                    session_idle_minutes=10, **{field: value})  # fmt: skip
    assert response.status_code == 200
    error = response.content.decode().split(f'data-field-error="{field}">')[1].split("</div>")[0]
    assert message in error
    assert not RuntimeOption.objects.exists()
    assert not AuditEntry.objects.filter(object_type="core.runtimeoption").exists()


def test_values_are_read_once_then_kept_until_a_change(
    admin_user, django_assert_num_queries, django_capture_on_commit_callbacks
):
    options.forget()  # a cold start
    with django_assert_num_queries(1):
        options.value("session_idle_minutes")
        options.value("import_max_rows")
    options._process_values = None  # as in another process: only the shared cache is warm
    with django_assert_num_queries(0):
        assert options.value("session_idle_minutes") == 30
    with django_capture_on_commit_callbacks(execute=True):
        options.options_update(actor=admin_user, values={"session_idle_minutes": 15})
    with django_assert_num_queries(1):
        assert options.value("session_idle_minutes") == 15


def test_the_review_deadline_shows_on_the_review_page(
    client_for, admin_user, city_user, make_person, django_capture_on_commit_callbacks
):
    from tongxin.levels.services import review_cycle_start

    make_person("待复核")  # one person not yet reviewed
    review_cycle_start(actor=city_user, year=2026)
    start = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        page = client_for(city_user).get("/levels/review/?year=2026").content.decode()
        assert "截止日期：2026年12月31日" in page and "还剩24天" in page
        save(client_for(admin_user), django_capture_on_commit_callbacks, review_due="11月30日")
        assert RuntimeOption.objects.get(key="review_due").value == [11, 30]
        page = client_for(city_user).get("/levels/review/?year=2026").content.decode()
        assert "截止日期：2026年11月30日" in page and "已逾期7天" in page
    entry = AuditEntry.objects.get(object_type="core.runtimeoption")
    assert entry.changes == {"年度更新截止日期": ["每年12月31日", "每年11月30日"]}
