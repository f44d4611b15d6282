"""The person's own pages (个人页面), phone-first, outside the staff login.

The person arrives with a link, confirms what only they know, and from then
on carries the portal's own signed cookie (session.py). No page takes a
person, record or link id from the URL: everything is read from the
session's link, so a link for A can only ever show A.

An unknown, expired, revoked or locked link all get the same answer, so
nobody learns whether another link or person exists.
"""

import json
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongxin.core.downloads import private_file_response
from tongxin.privacy.services import notice_current

from . import services
from .forms import ConfirmForm, InvitationAnswerForm, RequestForm, SuggestionForm, UpdateForm
from .selectors import labelled, person_overview
from .session import end_session, session_link, set_session


def _anonymous(request) -> None:
    # The portal never acts as a staff account, even in a browser that is
    # also signed in to the staff UI: audit and history record the person.
    request.user = AnonymousUser()


def _invalid(request, status: int = 404):
    return render(request, "portal/me/invalid.html", status=status)


def _limited(request):
    return render(request, "portal/me/limited.html", status=429)


def person_page(view):
    """A page of the confirmed person: `view(request, link)`. Without a valid
    session, the page that asks to open the link again."""

    @login_not_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        _anonymous(request)
        link = session_link(request)
        if link is None:
            response = render(request, "portal/me/ended.html", status=403)
            end_session(response)
            return response
        response = view(request, link, *args, **kwargs)
        if link.session_key:  # sliding: the idle limit counts from the last request
            set_session(response, link, link.session_key)
        return response

    return wrapped


@login_not_required
@require_http_methods(["GET", "POST"])
def open_link(request, token: str):
    _anonymous(request)
    if services.address_is_limited(request):
        return _limited(request)
    link = services.link_for_token(token)
    if link is None or not link.is_usable:
        services.unknown_link_noted(request=request)
        return _invalid(request)
    form = ConfirmForm(request.POST or None)
    wrong = False
    if request.method == "POST" and form.is_valid():
        key = services.link_confirm(
            link=link,
            id_suffix=form.cleaned_data["id_suffix"],
            birth_date=form.cleaned_data["birth_date"],
            request=request,
        )
        if key:
            response = redirect("me:home")
            set_session(response, link, key)
            return response
        link.refresh_from_db()
        if not link.is_usable:  # that was the last try: the same answer as any bad link
            return _invalid(request)
        wrong = True
    return render(request, "portal/me/confirm.html", {"form": form, "wrong": wrong})


def _home(request, link, **extra):
    context = person_overview(link.person)
    context["link"] = link
    context.update(extra)
    shown = {row["id"] for row in context["invitations"]}
    if extra.get("invitation_error") and extra.get("invitation_error_id") not in shown:
        context["page_error"] = extra["invitation_error"]  # e.g. withdrawn meanwhile
    return render(request, "portal/me/home.html", context)


def _sent(what: str):
    """Back to the person's home page, which says what was just sent."""
    response = redirect("me:home")
    response["Location"] += f"?sent={what}"
    return response


def _submission_form(request, form, submit, *, sent: str, template: str):
    """A form the person sends from their page: on a valid POST `submit(cleaned_data)`
    and home with ?sent=…; a refusal (PortalError) is shown above the form."""
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            submit(form.cleaned_data)
        except services.PortalError as refused:
            error = refused.message
        else:
            return _sent(sent)
    return render(request, template, {"form": form, "error": error})


@person_page
@require_GET
def home(request, link):
    services.person_page_viewed(link=link, page="本人信息", request=request)
    return _home(request, link)


@person_page
@require_POST
def invitation_answer(request, link):
    """Accept or decline one of the person's invitations (its id comes in the
    form and is looked up among this person's only). A refusal (no reason,
    deadline passed) shows the page again with the message at the invitation."""
    form = InvitationAnswerForm(request.POST)
    if not form.is_valid():
        raise Http404
    invitation = services.invitation_of_link(link, form.cleaned_data["invitation"])
    if invitation is None:
        raise Http404
    accept = form.cleaned_data["answer"] == "accept"
    try:
        services.invitation_answer(
            link=link,
            invitation=invitation,
            accept=accept,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except services.PortalError as refused:
        return _home(
            request,
            link,
            invitation_error=refused.message,
            invitation_error_id=invitation.pk,
            declining=not accept,
            reason_typed=form.cleaned_data["reason"],
        )
    return _sent("accepted" if accept else "declined")


@person_page
@require_GET
def photo(request, link):
    person = link.person
    if not person.photo:
        raise Http404
    return private_file_response(person.photo)


@person_page
@require_http_methods(["GET", "POST"])
def update(request, link):
    form = UpdateForm(request.POST or None, request.FILES or None, instance=link.person)
    if not (request.method == "POST" and form.is_valid()):
        services.person_page_viewed(link=link, page="修改信息", request=request)

    def submit(data):
        services.change_request_submit(
            link=link,
            data=form.proposed(),
            photo=data.get("new_photo"),
            note=data.get("note", ""),
            request=request,
        )

    return _submission_form(request, form, submit, sent="update", template="portal/me/update.html")


@person_page
@require_POST
def confirm_unchanged(request, link):
    try:
        services.change_request_confirm_unchanged(link=link, request=request)
    except services.PortalError:
        outcome = "busy"
    else:
        outcome = "unchanged"
    return _sent(outcome)


@person_page
@require_http_methods(["GET", "POST"])
def request_new(request, link):
    def submit(data):
        services.request_submit(
            link=link,
            category=data["category"],
            content=data["content"],
            files=request.FILES.getlist("attachments"),
            request=request,
        )

    return _submission_form(
        request,
        RequestForm(request.POST or None),
        submit,
        sent="request",
        template="portal/me/request_form.html",
    )


@person_page
@require_http_methods(["GET", "POST"])
def suggestion_new(request, link):
    def submit(data):
        services.suggestion_submit(
            link=link, title=data["title"], content=data["content"], request=request
        )

    return _submission_form(
        request,
        SuggestionForm(request.POST or None),
        submit,
        sent="suggestion",
        template="portal/me/suggestion_form.html",
    )


@person_page
@require_GET
def notice(request, link):
    services.person_page_viewed(link=link, page="个人信息处理告知", request=request)
    return render(request, "portal/me/notice.html", {"notice": notice_current()})


@person_page
@require_GET
def download(request, link):
    """PIPL's right of access: what this page shows, as one JSON file."""
    services.person_page_viewed(link=link, page="下载本人信息", request=request)
    overview = person_overview(link.person)
    data = {
        "说明": "统战部门代表人士数据库中您本人的信息（不含工作人员内部记录）",
        "导出时间": timezone.localtime().isoformat(timespec="seconds"),
        "登记信息": {label: value for label, value in overview["fields"]},
        "政治安排与社会职务": labelled(overview["positions"]),
        "表彰": labelled(overview["honours"]),
        "培训": labelled(overview["trainings"]),
        "活动": labelled(overview["activities"]),
        "活动邀请": overview["invitations_export"],
        "信息更新申请": overview["changes_export"],
        "意见诉求": overview["requests_export"],
        "建言献策": overview["suggestions_export"],
    }
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E6%9C%AC%E4%BA%BA%E4%BF%A1%E6%81%AF.json"
    )
    return response


@person_page
@require_POST
def sign_out(request, link):
    services.link_sign_out(link=link, request=request)
    link.session_key = ""
    response = render(request, "portal/me/signed_out.html")
    end_session(response)
    return response


# --- error pages of the portal process (root_urls.py) ----------------------------------
# The staff error pages extend the staff layout, which links staff routes that
# the portal process does not have; these name nothing but the portal.


def _error(request, status: int, heading: str, text: str):
    return render(
        request,
        "portal/me/error.html",
        {"heading": heading, "text": text},
        status=status,
    )


@login_not_required
def not_found(request, exception=None):
    return _error(request, 404, "页面不存在", "请检查网址是否正确，或重新打开您的个人链接。")


@login_not_required
def bad_request(request, exception=None):
    return _error(request, 400, "请求无法处理", "请返回上一页重试，或重新打开您的个人链接。")


@login_not_required
def forbidden(request, exception=None):
    return _error(request, 403, "无法访问", "请重新打开您的个人链接。")


@login_not_required
def csrf_failure(request, reason=""):
    return _error(request, 403, "页面已过期", "请返回上一页，刷新后重新提交。")


def server_error(request):
    # Rendered without the request's context: whatever failed may fail again.
    from django.template.loader import render_to_string

    body = render_to_string(
        "portal/me/error.html",
        {"heading": "服务暂时出错", "text": "请稍后再试。如多次出现，请联系统战部门。"},
    )
    return HttpResponse(body, status=500)
