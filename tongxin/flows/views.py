from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.hooks import collect
from tongxin.dedupe.models import DuplicatePair
from tongxin.imports.access import batch_for_user
from tongxin.levels.selectors import tiers_of_nodes
from tongxin.levels.tiers import chain_of, tier_for
from tongxin.people.access import person_for_user
from tongxin.regions.models import Region
from tongxin.regions.scope import read_scope, reads_records, write_scope, writes_records

from . import services
from .access import (
    is_proposing_side,
    may_comment,
    may_decide,
    person_shown,
    request_for_user,
)
from .forms import (
    AttachForm,
    CommentForm,
    MergeForm,
    NoteForm,
    RecommendForm,
    RemovalForm,
    ReportForm,
    ReviewConfirmForm,
    TransferInForm,
    TransferOutForm,
)
from .models import ChangeRequest
from .rollups import node_overview
from .selectors import merge_sides, person_label, recent_history, report_view


def _require_reader(user) -> None:
    if not reads_records(user):
        raise Http404


def _require_staff(user) -> None:
    if not writes_records(user):
        raise Http404


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "输入有误"


# --- the inbox ---------------------------------------------------------------------


@require_GET
def inbox(request):
    """What awaits the user's decision and what they asked that is still open,
    from every app (core.inbox), and the requests finished lately."""
    _require_reader(request.user)
    items = sorted(collect("inbox_items", request.user), key=lambda i: i.created_at, reverse=True)
    context = {
        "awaiting": [i for i in items if i.awaiting_me],
        "mine": [i for i in items if not i.awaiting_me],
        "history": recent_history(request.user),
        "can_propose": writes_records(request.user),
    }
    return render(request, "flows/inbox.html", context)


@require_GET
def inbox_count(request):
    """The navigation's badge: how many items await the user, red when one is overdue."""
    _require_reader(request.user)
    awaiting = [i for i in collect("inbox_items", request.user) if i.awaiting_me]
    context = {"count": len(awaiting), "overdue": any(i.overdue for i in awaiting)}
    return render(request, "flows/_inbox_count.html", context)


# --- one request -------------------------------------------------------------------


@require_GET
def request_detail(request, pk: int):
    _require_reader(request.user)
    change_request = request_for_user(request.user, pk)
    user = request.user
    context = {
        "req": change_request,
        "person_label": person_label(user, change_request),
        "person_link": person_shown(user, change_request),
        "events": change_request.events.select_related("actor"),
        "attachments": change_request.attachments.select_related("uploaded_by"),
        "may_submit": is_proposing_side(user, change_request)
        and change_request.state in (ChangeRequest.State.DRAFT, ChangeRequest.State.RETURNED),
        "may_withdraw": is_proposing_side(user, change_request) and change_request.is_open,
        "may_decide": may_decide(user, change_request)
        and change_request.state == ChangeRequest.State.PENDING,
        "may_comment": may_comment(user, change_request),
        "report": report_view(change_request),
        "unconfirmed_children": services.unconfirmed_children(
            user, change_request.origin, change_request.year
        )
        if change_request.kind == ChangeRequest.Kind.REPORT
        and is_proposing_side(user, change_request)
        and change_request.state in (ChangeRequest.State.DRAFT, ChangeRequest.State.RETURNED)
        else [],
        "merge_sides": merge_sides(user, change_request),
        "overdue": change_request.state == ChangeRequest.State.PENDING
        and change_request.due_date is not None
        and change_request.due_date < timezone.localdate(),
    }
    return render(request, "flows/request_detail.html", context)


def _act(request, pk: int, action) -> object:
    _require_staff(request.user)
    change_request = request_for_user(request.user, pk)
    try:
        message = action(change_request)
    except services.FlowError as error:
        messages.error(request, f"未办理：{error}")
    else:
        messages.success(request, message)
    return redirect("flows:detail", pk=change_request.pk)


@require_POST
def request_submit(request, pk: int):
    def act(change_request):
        services.request_submit(
            actor=request.user,
            change_request=change_request,
            acknowledged=request.POST.get("acknowledged") == "1",
            request=request,
        )
        return "已提交审核。"

    return _act(request, pk, act)


def _act_with_note(request, pk: int, service, done: str):
    """Withdraw, approve, return: the service takes the note typed with the button (may be empty)."""
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""

    def act(change_request):
        service(actor=request.user, change_request=change_request, note=note, request=request)
        return done

    return _act(request, pk, act)


@require_POST
def request_withdraw(request, pk: int):
    return _act_with_note(request, pk, services.request_withdraw, "已撤回申请。")


@require_POST
def request_approve(request, pk: int):
    return _act_with_note(request, pk, services.request_approve, "已审核通过。")


@require_POST
def request_return(request, pk: int):
    return _act_with_note(request, pk, services.request_return, "已退回申请。")


@require_POST
def request_comment(request, pk: int):
    form = CommentForm(request.POST)

    def act(change_request):
        if not form.is_valid():
            raise services.FlowError(_first_error(form))
        services.request_comment(
            actor=request.user,
            change_request=change_request,
            text=form.cleaned_data["text"],
            request=request,
        )
        return "已添加意见。"

    return _act(request, pk, act)


@require_POST
def request_attach(request, pk: int):
    form = AttachForm(request.POST, request.FILES)

    def act(change_request):
        if not form.is_valid():
            raise services.FlowError(_first_error(form))
        attachment = services.request_attach(
            actor=request.user,
            change_request=change_request,
            upload=form.cleaned_data["file"],
            request=request,
        )
        return f"已上传附件：{attachment.name}"

    return _act(request, pk, act)


@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    _require_reader(request.user)
    change_request = request_for_user(request.user, pk)
    attachment = change_request.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


# --- new requests --------------------------------------------------------------------


def _upper_tiers(user, person):
    """The tiers of nodes above the person that the user's own level does not decide
    (a province's, city's or county's tier is set up with its defaults when first offered)."""
    scope = write_scope(user)
    upper = [r for r in chain_of(person.region) if not scope.contains(r)]
    for region in upper:
        if region.rank <= Region.RANK[Region.Kind.COUNTY]:
            tier_for(region)
    return tiers_of_nodes(upper)


def _targets_elsewhere(user):
    """Active regions outside the user's scope, where a person may move to."""
    scope = write_scope(user)
    regions = Region.objects.filter(is_active=True)
    if scope.everything:
        return regions.none()
    return regions.exclude(scope.region_q()).order_by("depth", "sort_order", "code")


KINDS = {
    "recommend": ("推荐列入上级分级", RecommendForm),
    "removal": ("提出出库申请", RemovalForm),
    "transfer-out": ("申请调出", TransferOutForm),
    "transfer-in": ("申请调入", TransferInForm),
    "review": ("年度更新报送上级确认", ReviewConfirmForm),
    "report": ("报送年度附件1、附件2", ReportForm),
    "merge": ("申请跨区域合并", MergeForm),
}


def _merge_pair(user, raw: str):
    """An open duplicate pair with one person in the user's write scope and
    the other outside (404 otherwise), and the user's own person of it."""
    pair = (
        DuplicatePair.objects.touching(user)
        .filter(pk=int(raw), status=DuplicatePair.Status.OPEN)
        .select_related("person_a", "person_b")
        .first()
        if raw.isdigit()
        else None
    )
    if pair is None:
        raise Http404
    scope = write_scope(user)
    mine = [p for p in (pair.person_a, pair.person_b) if scope.contains(p.region_id)]
    if len(mine) != 1:
        raise Http404
    return pair, mine[0]


def request_new(request, kind: str):
    _require_staff(request.user)
    if kind not in KINDS:
        raise Http404
    title, form_class = KINDS[kind]
    user = request.user
    person = pair = None
    options = {}
    if kind == "merge":
        pair, person = _merge_pair(user, request.GET.get("pair") or "")
    elif kind in ("recommend", "removal", "transfer-out"):
        raw = request.GET.get("person") or ""
        if not raw.isdigit():
            raise Http404
        person = person_for_user(user, int(raw), write=True)
        if kind == "recommend":
            options["tiers"] = _upper_tiers(user, person)
        elif kind == "transfer-out":
            options["targets"] = _targets_elsewhere(user)
    elif kind == "transfer-in":
        options["targets"] = write_scope(user).regions().filter(is_active=True)
    elif kind != "merge":
        options["regions"] = (
            write_scope(user).regions().filter(is_active=True, parent__isnull=False)
        )
    initial = {}
    if kind in ("review", "report"):
        initial["year"] = timezone.localdate().year
        node = request.GET.get("node") or ""
        if node.isdigit():
            initial["region"] = int(node)
    if kind == "transfer-in" and request.POST.get("prefill"):
        # From the registration form's 申请调入 (the number it was refused for),
        # posted rather than linked so the number stays out of URLs and logs.
        initial["id_number"] = request.POST.get("id_number", "")[:18]
        form = form_class(initial=initial, **options)
    else:
        form = form_class(request.POST or None, initial=initial, **options)
    if request.method == "POST" and not request.POST.get("prefill") and form.is_valid():
        data = form.cleaned_data
        common = {
            "actor": user,
            "reason": data["reason"],
            "due_date": data.get("due_date"),
            "submit": "draft" not in request.POST,
            "request": request,
        }
        try:
            if kind == "recommend":
                created = services.recommendation_create(person=person, tier=data["tier"], **common)
            elif kind == "removal":
                created = services.removal_create(
                    person=person, archive_reason=data["archive_reason"], **common
                )
            elif kind == "transfer-out":
                created = services.transfer_out_create(
                    person=person, target=data["target"], **common
                )
            elif kind == "transfer-in":
                created = services.transfer_in_create(
                    id_number=data["id_number"], target=data["target"], **common
                )
            elif kind == "merge":
                created = services.merge_request_create(
                    pair=pair, keep_other=data["keep"] == "other", **common
                )
            elif kind == "review":
                created = services.review_confirmation_create(
                    region=data["region"], year=data["year"], **common
                )
            else:
                created = services.report_create(
                    region=data["region"],
                    year=data["year"],
                    acknowledged=bool(data.get("acknowledged")),
                    **common,
                )
        except services.UnconfirmedChildren as error:
            form.offer_acknowledgement()
            form.add_error(None, str(error))
        except services.FlowError as error:
            form.add_error(None, str(error))
        else:
            state = "已保存草稿" if created.state == ChangeRequest.State.DRAFT else "已提交审核"
            messages.success(
                request, f"{created.title_kind}申请{state}，审核区域：{created.approver.name}。"
            )
            return redirect("flows:detail", pk=created.pk)
    context = {"form": form, "title": title, "person": person, "kind": kind}
    return render(request, "flows/request_form.html", context)


def _transfer_in_target(user, wanted: str) -> Region | None:
    """Where a one-click 申请调入 brings the person: the region the user chose
    on the form or the row when it is theirs to write, else the node the user
    is placed at (the highest one, for a user placed at several)."""
    scope = write_scope(user)
    if wanted.isdigit():
        region = Region.objects.filter(pk=int(wanted), is_active=True).first()
        if region is not None and scope.contains(region):
            return region
    return user.regions.filter(is_active=True).order_by("depth", "sort_order", "code").first()


@require_POST
def transfer_in_quick(request):
    """申请调入 in one click, from the registration form's or an import row's
    "已在其他区域登记": the request is made and submitted at once, towards the
    user's node, with a standard reason. The form posts the number the user
    typed; an import row posts only the batch and the row, whose person the
    preview kept by the number's keyed hash. Nothing about the person is shown."""
    _require_staff(request.user)
    user = request.user
    batch_raw = request.POST.get("batch") or ""
    row_raw = request.POST.get("row") or ""
    found: dict = {}
    if batch_raw:
        if not batch_raw.isdigit() or not row_raw.isdigit():
            raise Http404
        batch = batch_for_user(user, int(batch_raw), write=True)
        entry = next(
            (
                p["transfer_in"]
                for p in batch.problems
                if p.get("transfer_in") and int(p.get("row", 0)) == int(row_raw)
            ),
            None,
        )
        if entry is None:
            raise Http404
        found["id_number_hash"] = entry["hash"]
        wanted = str(entry.get("region") or "")
        reason = f"导入#{batch.pk}第{row_raw}行：该人员已在其他区域登记，现迁入本区域，申请调入。"
        back = redirect("imports:detail", pk=batch.pk)
    else:
        found["id_number"] = (request.POST.get("id_number") or "")[:30]
        wanted = request.POST.get("region") or ""
        reason = "新增登记时该人员已在其他区域登记，现迁入本区域，申请调入。"
        back = redirect("people:create")
    target = _transfer_in_target(user, wanted)
    if target is None:
        messages.error(request, "未申请调入：您没有可调入的区域")
        return back
    try:
        created = services.transfer_in_create(
            actor=user, target=target, reason=reason, request=request, **found
        )
    except services.FlowError as error:
        messages.error(request, f"未申请调入：{error}")
        return back
    messages.success(
        request,
        f"调入申请 #{created.pk} 已提交（调入{target.name}），审核区域：{created.approver.name}。"
        "可在“待办”中查看办理情况。",
    )
    if batch_raw:
        return back
    return redirect("flows:detail", pk=created.pk)


# --- roll-ups at any node ---------------------------------------------------------------


def _node_param(request):
    """The node asked for (inside the user's scope, else 404), or the top of the scope."""
    scope = read_scope(request.user)
    raw = request.GET.get("node") or ""
    if raw:
        node = Region.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if node is None or not scope.contains(node):
            raise Http404
        return node
    tops = scope.regions().order_by("depth", "sort_order", "code")
    return tops.first()


def _year_param(request) -> int:
    raw = request.GET.get("year") or ""
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


@require_GET
def node_page(request):
    """分级汇总: a node's tier and its children's, quota fill, empty groups, the
    annual review's progress and confirmation, and the year's 报送, per child."""
    _require_reader(request.user)
    node = _node_param(request)
    if node is None:
        raise Http404
    year = _year_param(request)
    overview = node_overview(request.user, node, year)
    writes_here = writes_records(request.user) and write_scope(request.user).contains(node)
    context = {
        "o": overview,
        "may_report": writes_here and node.parent_id is not None,
        "report_state": overview.rows[0].report_state,
        "review_state": overview.rows[0].review_state,
    }
    return render(request, "flows/node_page.html", context)
