"""The person's own pages: confirmation, lockouts, one person per link, and
nothing staff-only anywhere (a walk over every portal route of our own)."""

import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.engagement.models import Honour, Position
from tongxin.evaluations.models import RoundResult
from tongxin.portal import person_urls, services
from tongxin.portal.models import ChangeRequest, PersonalLink
from tongxin.portal.session import COOKIE
from tongxin.service.models import RequestCategory, ServiceRequest, Suggestion

from .conftest import confirm, open_url

pytestmark = pytest.mark.django_db

INVALID = "链接无法使用"


def _same_invalid_answer(response):
    assert response.status_code == 404
    assert INVALID in response.content.decode()
    assert COOKIE not in response.cookies


def test_it_confirms_with_id_suffix_and_birth_date_and_shows_the_record(client, make_person, issue):
    person = make_person("陈晓梅", employer="南宁晓梅文化传媒有限公司")
    link, token = issue(person)

    page = client.get(open_url(token))
    assert page.status_code == 200
    assert "公民身份号码后6位" in page.content.decode()

    response = confirm(client, person, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("me:home")
    assert COOKIE in response.cookies
    assert response.cookies[COOKIE]["path"] == "/p/"
    assert response.cookies[COOKIE]["httponly"]
    # No staff session: the person's page is not a login.
    assert "sessionid" not in response.cookies

    home = client.get(reverse("me:home"))
    text = home.content.decode()
    assert home.status_code == 200
    assert "陈晓梅" in text and "南宁晓梅文化传媒有限公司" in text
    assert person.id_number not in text  # masked, as everywhere
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN, username=f"本人（个人链接 #{link.pk}）"
    ).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEW, object_id=str(person.pk), changes__page="本人信息"
    ).exists()


def test_it_answers_the_same_for_unknown_tampered_expired_revoked_and_locked_links(
    client, make_person, issue, xingning_user, settings
):
    person = make_person("陈晓梅")
    _link, token = issue(person)
    _same_invalid_answer(client.get(open_url("x" * 32)))
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    _same_invalid_answer(client.get(open_url(tampered)))
    _same_invalid_answer(confirm(client, person, tampered))

    revoked, revoked_token = issue(person)
    services.link_revoke(actor=xingning_user, link=revoked)
    _same_invalid_answer(client.get(open_url(revoked_token)))
    _same_invalid_answer(confirm(client, person, revoked_token))

    _expired, expired_token = issue(person, days=1)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        _same_invalid_answer(client.get(open_url(expired_token)))
        _same_invalid_answer(confirm(client, person, expired_token))

    locked, locked_token = issue(person)
    for _ in range(settings.PORTAL_LINK_FAILURE_LIMIT):
        confirm(client, person, locked_token, suffix="000000")
    _same_invalid_answer(client.get(open_url(locked_token)))
    # The body is byte for byte the same whatever the reason.
    bodies = {client.get(open_url(t)).content for t in ("x" * 32, revoked_token, locked_token)}
    assert len(bodies) == 1


def test_brute_force_on_the_confirmation_locks_the_link(client, make_person, issue, settings):
    person = make_person("陈晓梅")
    link, token = issue(person)
    for attempt in range(1, settings.PORTAL_LINK_FAILURE_LIMIT):
        response = confirm(client, person, token, suffix="12345X")
        assert response.status_code == 200
        assert "身份信息不正确" in response.content.decode()
        link.refresh_from_db()
        assert link.failed_attempts == attempt and link.locked_at is None
    wrong_birth = confirm(client, person, token, born=datetime.date(1990, 1, 1))
    _same_invalid_answer(wrong_birth)
    link.refresh_from_db()
    assert link.locked_at is not None and link.state_label == "已锁定"
    # Locked: even the right answer no longer opens it.
    _same_invalid_answer(confirm(client, person, token))
    assert client.get(reverse("me:home")).status_code == 403
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == 5


def test_many_failures_from_one_address_are_refused_for_every_link(
    client, make_person, issue, settings
):
    settings.PORTAL_ADDRESS_FAILURE_LIMIT = 4
    person = make_person("陈晓梅")
    _link, token = issue(person)
    for n in range(4):
        client.get(open_url(f"guess{n:027d}"))
    refused = confirm(client, person, token)  # right answer, but from that address
    assert refused.status_code == 429
    assert "请稍后再试" in refused.content.decode()
    assert COOKIE not in refused.cookies
    other = client.get(open_url(token), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_a_session_ends_with_revocation_a_new_confirmation_or_a_forged_cookie(
    client, make_person, signed_in, xingning_user
):
    person = make_person("陈晓梅")
    link = signed_in(person)
    assert client.get(reverse("me:home")).status_code == 200
    good = client.cookies[COOKIE].value
    client.cookies[COOKIE] = good[:-2] + "xx"
    assert client.get(reverse("me:home")).status_code == 403
    client.cookies[COOKIE] = good
    services.link_revoke(actor=xingning_user, link=link)
    response = client.get(reverse("me:home"))
    assert response.status_code == 403
    assert "请重新打开您的个人链接" in response.content.decode()


def test_the_session_lapses_after_the_idle_limit(client, make_person, signed_in, settings):
    person = make_person("陈晓梅")
    signed_in(person)
    later = timezone.now() + datetime.timedelta(minutes=settings.PORTAL_SESSION_MINUTES + 1)
    with time_machine.travel(later):
        assert client.get(reverse("me:home")).status_code == 403


def test_a_link_for_a_never_shows_b(client, make_person, issue, regions):
    a = make_person("陈晓梅")
    b = make_person("黄志强", employer="志强科技有限公司", region=regions["xingning"])
    _link_b, token_b = issue(b)
    _link_a, token_a = issue(a)
    assert confirm(client, a, token_a).status_code == 302
    # B's link with A's answers is a wrong try; A's session still shows only A.
    assert confirm(client, a, token_b).status_code == 200
    for url in _person_routes():
        text = client.get(url).content.decode()
        assert "黄志强" not in text and "志强科技" not in text, url
        assert b.id_number[-6:] not in text


def _person_routes() -> list[str]:
    """Every GET route of the person's pages that takes no parameter."""
    urls = []
    for pattern in person_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if not pattern.pattern.regex.groupindex:
            urls.append(reverse(f"me:{pattern.name}"))
    return urls


def test_no_grade_score_or_staff_note_anywhere_in_the_portal(
    client, make_person, signed_in, make_round, xingning_user
):
    """The page walk: every portal page and the download, for a person who has a
    grade, a score, a department opinion, remarks and a recommender."""
    person = make_person(
        "陈晓梅",
        department_opinion="部门意见保密内容",
        remarks="内部备注保密内容",
        recommender="推荐单位保密内容",
        level="city",
    )
    evaluation_round = make_round([person], open=False)
    RoundResult.objects.create(
        round=evaluation_round,
        person=person,
        score=Decimal("87.65"),
        min_score=Decimal("81.25"),
        max_score=Decimal("93.75"),
        n_evaluators=3,
        grade="B",
        rank=7,
    )
    Position.objects.create(
        person=person,
        region=person.region,
        type="cppcc",
        level="city",
        title="委员",
        start_date=datetime.date(2022, 1, 1),
    )
    Honour.objects.create(
        person=person,
        region=person.region,
        title="优秀建设者",
        level="city",
        awarding_body="南宁市人民政府",
        date=datetime.date(2024, 5, 1),
    )
    signed_in(person)
    forbidden = [
        "部门意见保密内容",
        "内部备注保密内容",
        "推荐单位保密内容",
        "87.65",
        "81.25",
        "93.75",
        # Labels the staff pages put beside grades and scores (the privacy
        # notice names 综合评价 and 统战部门意见 as kinds of records, so those
        # words alone prove nothing).
        "综合得分",
        "等次",
        "评价批次",
        "2026年度",
        "市级重点联系",
    ]
    seen = []
    for url in _person_routes():
        if url in {reverse("me:sign_out"), reverse("me:unchanged")}:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode("utf-8", "ignore")
        if "json" in response.get("Content-Type", ""):
            body = json.dumps(json.loads(body), ensure_ascii=False)
        seen.append(url)
        plain = re.sub(r"<[^>]+>", "", body)
        found = [s for s in forbidden if s in body or s in plain]
        assert not found, f"{url} shows {found}"
    assert reverse("me:home") in seen and reverse("me:download") in seen
    home = client.get(reverse("me:home")).content.decode()
    assert "政协委员" in home and "优秀建设者" in home


def test_the_download_holds_what_the_page_shows(client, make_person, signed_in):
    person = make_person("陈晓梅", employer="晓梅文化")
    link = signed_in(person)
    response = client.get(reverse("me:download"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["登记信息"]["姓名"] == "陈晓梅"
    assert data["登记信息"]["工作单位"] == "晓梅文化"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, username=f"本人（个人链接 #{link.pk}）"
    ).exists()


def form_data(client) -> dict:
    """The update form as the page fills it: every field at its current value."""
    form = client.get(reverse("me:update")).context["form"]
    return {
        name: ("" if value is None else getattr(value, "pk", value))
        for name, value in form.initial.items()
    }


def test_it_submits_changes_without_touching_the_record(client, make_person, signed_in):
    person = make_person("陈晓梅", employer="旧单位")
    signed_in(person)
    data = form_data(client)
    data.update(employer="新单位有限公司", mobile="13900139000", note="换了工作")
    response = client.post(reverse("me:update"), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.employer == "旧单位" and person.mobile == "13800138000"
    change = ChangeRequest.objects.get()
    assert change.kind == ChangeRequest.Kind.UPDATE and change.note == "换了工作"
    assert {i.field: (i.old_display, i.new_display) for i in change.items.all()} == {
        "employer": ("旧单位", "新单位有限公司"),
        "mobile": ("138****8000", "139****9000"),
    }
    # The proposed mobile is encrypted at rest like the person's own.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT old_value, new_value, new_display FROM portal_changeitem")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert "13900139000" not in stored and "13800138000" not in stored
    home = client.get(reverse("me:home")).content.decode()
    assert "新单位有限公司" in home and "待审核" in home


def test_a_bad_mobile_is_refused_naming_the_field(client, make_person, signed_in):
    person = make_person("陈晓梅")
    signed_in(person)
    response = client.post(reverse("me:update"), {**form_data(client), "mobile": "12345"})
    assert response.status_code == 200
    assert 'data-field="mobile"' in response.content.decode()
    assert ChangeRequest.objects.count() == 0


def test_nothing_changed_is_refused_and_unchanged_is_a_confirmation(client, make_person, signed_in):
    person = make_person("陈晓梅", employer="晓梅文化")
    signed_in(person)
    response = client.post(reverse("me:update"), form_data(client))
    assert "您没有修改任何信息" in response.content.decode()
    assert ChangeRequest.objects.count() == 0
    assert client.post(reverse("me:unchanged")).status_code == 302
    assert ChangeRequest.objects.get().kind == ChangeRequest.Kind.NO_CHANGE


def test_a_request_with_attachments_and_a_suggestion_enter_the_workflows(
    client, make_person, signed_in
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    person = make_person("陈晓梅")
    signed_in(person)
    category = RequestCategory.objects.get(name="社会保障")
    response = client.post(
        reverse("me:request_new"),
        {
            "category": category.pk,
            "content": "社保转移接续办理慢",
            "attachments": [SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test", "application/pdf")],
        },
    )
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    assert request.self_submitted and request.channel == ServiceRequest.Channel.PORTAL
    assert request.person == person and request.status == ServiceRequest.Status.RECEIVED
    assert request.created_by is None
    assert [a.original_name for a in request.portal_attachments.all()] == ["证明.pdf"]

    bad = client.post(
        reverse("me:request_new"),
        {
            "category": category.pk,
            "content": "再一件",
            "attachments": [SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")],
        },
    )
    assert "第1个附件“run.exe”的类型不支持" in bad.content.decode()
    assert ServiceRequest.objects.count() == 1

    assert (
        client.post(
            reverse("me:suggestion_new"), {"title": "关于夜间经济的建议", "content": "延长营业时间"}
        ).status_code
        == 302
    )
    suggestion = Suggestion.objects.get()
    assert suggestion.self_submitted and list(suggestion.submitters.all()) == [person]
    assert suggestion.region == person.region
    home = client.get(reverse("me:home")).content.decode()
    assert "社保转移接续办理慢" in home and "关于夜间经济的建议" in home


def test_every_person_page_needs_the_session(client, make_person):
    make_person("陈晓梅")
    for url in _person_routes():
        response = client.get(url)
        assert response.status_code in {403, 405}, url


def test_a_signed_in_staff_member_opening_a_link_is_not_recorded_as_staff(
    client, make_person, issue, xingning_user
):
    client.force_login(xingning_user, backend="tongxin.accounts.backends.TongxinBackend")
    person = make_person("陈晓梅")
    link, token = issue(person)
    assert confirm(client, person, token).status_code == 302
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).latest("id")
    assert entry.user is None and entry.username == f"本人（个人链接 #{link.pk}）"


def test_the_portal_process_answers_404_for_every_staff_route(client, make_person, issue, settings):
    """Every route of the staff resolver, requested from the portal process's
    URLconf and middleware (settings.py, TONGXIN_PORTAL_ONLY)."""
    settings.ROOT_URLCONF = "tongxin.portal.root_urls"
    settings.MIDDLEWARE = settings.PORTAL_MIDDLEWARE
    settings.CSRF_FAILURE_VIEW = settings.PORTAL_CSRF_FAILURE_VIEW
    staff = get_resolver("tongxin.urls")
    urls = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern) == "p/":
                    continue  # the person's pages: the portal itself
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    for text in walk(staff.url_patterns):
        # Fill parameters: <int:pk> → 1, <str:x>/<slug:x>/<path:x> → a word.
        path = re.sub(r"<int:[^>]+>", "1", text)
        path = re.sub(r"<(?:str|slug|path|uuid):?[^>]*>", "abc", path)
        path = path.lstrip("^").rstrip("$")
        urls.append("/" + path)
    assert len(urls) > 100 and "/login/" in urls and "/persons/1/" in urls
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} → {response.status_code}"
    assert "页面不存在" in response.content.decode()
    assert "/login/" not in response.content.decode()
    person = make_person("陈晓梅")
    _link, token = issue(person)
    assert client.get(open_url(token)).status_code == 200
    assert confirm(client, person, token).status_code == 302
    assert "陈晓梅" in client.get("/p/").content.decode()


def test_links_are_stored_hashed(make_person, issue):
    person = make_person("陈晓梅")
    link, token = issue(person)
    stored = PersonalLink.objects.filter(pk=link.pk).values().get()
    assert token not in json.dumps(stored, default=str)
    assert stored["token_hash"] != token and len(stored["token_hash"]) == 64


def test_a_session_cannot_flood_the_office(client, make_person, signed_in, settings):
    settings.PORTAL_DAILY_SUBMISSIONS = 2
    person = make_person("陈晓梅")
    signed_in(person)
    assert client.post(reverse("me:unchanged"))["Location"].endswith("?sent=unchanged")
    response = client.post(
        reverse("me:suggestion_new"), {"title": "关于夜间经济的建议", "content": "延长营业时间"}
    )
    assert response.status_code == 302
    refused = client.post(reverse("me:suggestion_new"), {"title": "再一条", "content": "内容"})
    assert "今天提交的次数已达上限" in refused.content.decode()
    assert client.post(reverse("me:unchanged"))["Location"].endswith("?sent=busy")
    assert ChangeRequest.objects.count() == 1 and Suggestion.objects.count() == 1


def test_old_failures_age_out_of_the_address_count(client, make_person, issue, settings):
    settings.PORTAL_ADDRESS_FAILURE_LIMIT = 2
    person = make_person("陈晓梅")
    _link, token = issue(person)
    client.get(open_url("a" * 32))
    client.get(open_url("b" * 32))
    assert client.get(open_url(token)).status_code == 429
    later = timezone.now() + datetime.timedelta(minutes=settings.PORTAL_ADDRESS_WINDOW_MINUTES + 1)
    with time_machine.travel(later):
        assert client.get(open_url(token)).status_code == 200
        client.get(open_url("c" * 32))
    from tongxin.portal.models import ConfirmAttempt

    assert ConfirmAttempt.objects.count() == 1  # the two old ones were swept
