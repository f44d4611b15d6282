"""Staff pages of the persons' own pages: issuing and revoking links, printing
letters, and deciding what persons submitted, field by field."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongxin.core.downloads import private_file_response
from tongxin.levels.models import ReviewCycle
from tongxin.levels.review import with_review_state
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import Person
from tongxin.people.services import person_viewed

from . import access, services
from .forms import BatchForm, IssueForm
from .letters import letters_docx, link_url, message_text, qr_svg_data_uri
from .models import PHOTO_FIELD, ChangeRequest, token_hash

# The most letters one batch makes: ~40 KB each, a 2,000-person county in one file.
MAX_BATCH = 3000


def _docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def change_list(request):
    if not access.can_read(request.user):
        raise Http404
    visible = access.change_requests_visible_to(request.user).select_related(
        "person", "person__region"
    )
    context = {
        "pending": list(visible.filter(status=ChangeRequest.Status.PENDING).order_by("id")[:200]),
        "done": list(visible.filter(status=ChangeRequest.Status.DONE).order_by("-done_at")[:50]),
    }
    return render(request, "portal/change_list.html", context)


@require_http_methods(["GET", "POST"])
def change_detail(request, pk: int):
    if request.method == "POST":
        access.require_writer(request.user)
        change_request = access.change_request_for_user(request.user, pk, write=True)
    else:
        change_request = access.change_request_for_user(request.user, pk)
    person = change_request.person
    items = list(change_request.items.select_related("decided_by"))
    error = ""
    if request.method == "POST":
        try:
            if change_request.kind == ChangeRequest.Kind.NO_CHANGE:
                services.change_request_acknowledge(
                    actor=request.user, change_request=change_request, request=request
                )
            else:
                decisions = {}
                for item in items:
                    decision = request.POST.get(f"decision-{item.pk}", "")
                    if decision:
                        decisions[item.pk] = (decision, request.POST.get(f"reason-{item.pk}", ""))
                services.change_request_decide(
                    actor=request.user,
                    change_request=change_request,
                    decisions=decisions,
                    request=request,
                )
        except services.PortalError as refused:
            error = refused.message
        else:
            messages.success(request, "已保存审核结果")
            return redirect("portal:change_detail", pk=change_request.pk)
    else:
        # Old and new values of the person's record: a view of the person.
        person_viewed(actor=request.user, person=person, request=request)
    current_version_moved = person.version != change_request.base_version
    context = {
        "change_request": change_request,
        "person": person,
        "items": items,
        "error": error,
        "posted": request.POST,
        "can_write": access.can_write(request.user)
        and Person.objects.writable_by(request.user).filter(pk=person.pk).exists(),
        "version_moved": current_version_moved,
    }
    return render(request, "portal/change_detail.html", context)


@require_GET
def change_photo(request, pk: int, item_pk: int):
    change_request = access.change_request_for_user(request.user, pk)
    item = change_request.items.filter(pk=item_pk, field=PHOTO_FIELD).first()
    if item is None or not item.new_photo:
        raise Http404
    return private_file_response(item.new_photo)


@require_GET
def link_list(request):
    if not access.can_read(request.user):
        raise Http404
    links = list(
        access.links_visible_to(request.user)
        .select_related("person", "person__region", "created_by")
        .order_by("-id")[:200]
    )
    return render(
        request,
        "portal/link_list.html",
        {"links": links, "can_write": access.can_write(request.user)},
    )


@require_http_methods(["GET", "POST"])
def link_issue(request):
    """One person's link: shown once with its QR code and message text."""
    access.require_writer(request.user)
    person = access.person_to_issue(
        request.user, request.GET.get("person") or request.POST.get("person")
    )
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            (issued,) = services.links_issue(
                actor=request.user,
                persons=[person],
                valid_days=form.cleaned_data["valid_days"],
                purpose=form.cleaned_data["purpose"],
                request=request,
            )
        except services.PortalError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            url = link_url(issued.token, request)
            context = {
                "person": person,
                "link": issued.link,
                "token": issued.token,
                "url": url,
                "qr": qr_svg_data_uri(url),
                "message": message_text(person.name, url, issued.link.valid_until),
            }
            return render(request, "portal/link_issued.html", context)
    return render(request, "portal/link_issue.html", {"form": form, "person": person})


@require_POST
def link_letter(request):
    """The letter of a link just issued: the staff member's page sends the token
    back (it is stored nowhere in clear); only a link the user may write."""
    access.require_writer(request.user)
    token = request.POST.get("token", "")
    link = (
        access.links_visible_to(request.user)
        .filter(token_hash=token_hash(token))
        .select_related("person")
        .first()
        if token
        else None
    )
    if (
        link is None
        or not Person.objects.writable_by(request.user).filter(pk=link.person_id).exists()
    ):
        raise Http404
    return _docx_response(
        letters_docx([services.IssuedLink(link, token)], request=request), f"letter-{link.pk}.docx"
    )


def _batch_persons(user, form: BatchForm):
    data = form.cleaned_data
    person_filter = PersonFilter.from_query(
        {
            "region": data["region"].pk if data.get("region") else "",
            "level": data.get("level") or "",
            "group": data["group"].pk if data.get("group") else "",
        }
    )
    qs, _hint = filtered_persons(user, person_filter)
    qs = qs.filter(pk__in=Person.objects.writable_by(user).values("pk"))
    if data.get("only_unreviewed"):
        cycle = ReviewCycle.objects.filter(year=timezone.localdate().year).first()
        if cycle is not None:
            qs = with_review_state(qs, cycle, "no")
    return qs.select_related("region").order_by("region__path", "name_pinyin", "id")


@require_http_methods(["GET", "POST"])
def link_batch(request):
    """Links and letters for a filtered list of persons, as one docx."""
    access.require_writer(request.user)
    form = BatchForm(request.POST or request.GET or None, user=request.user)
    count = None
    if form.is_bound and form.is_valid():
        persons = _batch_persons(request.user, form)
        count = persons.count()
        if request.method == "POST":
            if count == 0:
                form.add_error(None, "没有符合条件的人员")
            elif count > MAX_BATCH:
                form.add_error(None, f"一次最多为{MAX_BATCH}人发放，请缩小范围（当前{count}人）")
            else:
                issued = services.links_issue(
                    actor=request.user,
                    persons=list(persons),
                    valid_days=form.cleaned_data["valid_days"],
                    purpose=form.cleaned_data["purpose"],
                    request=request,
                )
                stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
                return _docx_response(
                    letters_docx(issued, request=request), f"letters-{stamp}.docx"
                )
    return render(request, "portal/link_batch.html", {"form": form, "count": count})


@require_POST
def link_revoke(request, pk: int):
    access.require_writer(request.user)
    link = access.link_for_user(request.user, pk, write=True)
    try:
        services.link_revoke(actor=request.user, link=link, request=request)
    except services.PortalError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"已撤销{link.person.name}的个人链接 #{link.pk}")
    return redirect("portal:link_list")


@require_GET
def attachment(request, pk: int):
    file = access.attachment_for_user(request.user, pk)
    try:
        response = FileResponse(
            file.file.open("rb"), as_attachment=True, filename=file.original_name
        )
    except FileNotFoundError:
        raise Http404 from None
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Type"] = "application/octet-stream"
    return response
