"""Evaluation rounds (测评轮次): list, create, detail, progress, results,
opening, closing, the export and removal proposals."""

from django.contrib import messages
from django.db.models import Avg, Count, F, Max, Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.paging import number_page
from tongxin.people.access import regions_writable_by
from tongxin.people.listing import PersonFilter
from tongxin.regions.scope import read_scope

from .. import results as result_services
from .. import rounds as round_services
from ..access import (
    indicator_systems_visible_to,
    is_evaluation_staff,
    proposal_for_user,
    round_for_user,
    rounds_visible_to,
)
from ..errors import EvaluationError
from ..forms import (
    DecisionForm,
    RoundForm,
    person_filter_choices,
    person_filter_params,
)
from ..models import EvaluationRound, EvaluationSheet, RemovalProposal, RoundResult
from .common import require_reader, require_staff
from .round_drafts import draft_edit_context, round_changes

# --- rounds -------------------------------------------------------------------


@require_GET
def round_list(request):
    require_reader(request.user)
    rounds = (
        rounds_visible_to(request.user)
        .select_related("region", "system")
        .annotate(person_count=Count("persons", distinct=True))
    )
    return render(
        request,
        "evaluations/round_list.html",
        {"rounds": rounds, "can_create": is_evaluation_staff(request.user)},
    )


def round_create(request):
    require_staff(request.user)
    form = RoundForm(request.POST or None, user=request.user)
    data = request.POST if request.method == "POST" else request.GET
    params = person_filter_params(data)
    if request.method == "POST" and form.is_valid():
        person_filter = PersonFilter.from_query(params)
        try:
            evaluation_round = round_services.round_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                region=form.cleaned_data["region"],
                system=form.cleaned_data["system"],
                persons=round_services.round_candidates(
                    user=request.user,
                    person_filter=person_filter,
                    region=form.cleaned_data["region"],
                    system=form.cleaned_data["system"],
                ),
                evaluators=form.cleaned_data["evaluators"],
                deadline=form.cleaned_data["deadline"],
                person_filter=person_filter.as_query(),
                request=request,
            )
        except EvaluationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, f"已创建评价批次“{evaluation_round.name}”，请核对参评人员后开始评审。"
            )
            return redirect("evaluations:round_detail", pk=evaluation_round.pk)
    return render(
        request,
        "evaluations/round_form.html",
        {
            "form": form,
            "params": params,
            "preview": _new_round_preview(request.user, data),
            **person_filter_choices(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _chosen(qs, raw):
    """The object `raw` names in `qs`; None when nothing, or nothing in `qs`, is named."""
    if not raw or not str(raw).isdigit():
        return None
    return qs.filter(pk=raw).first()


def _new_round_preview(user, data) -> dict:
    """How many persons the new-round form's filter would put in the round, as round_create would."""
    region = _chosen(regions_writable_by(user), data.get("region"))
    system = _chosen(indicator_systems_visible_to(user).filter(is_active=True), data.get("system"))
    if region and system and system.region_id not in (None, region.pk):
        return {"refusal": "所选指标体系属于其他区域，不能用于所选区域的批次。"}
    persons = round_services.round_candidates(
        user=user,
        person_filter=PersonFilter.from_query(person_filter_params(data)),
        region=region,
        system=system,
    )
    missing = [
        label for label, chosen in (("所属区域", region), ("指标体系", system)) if not chosen
    ]
    return {
        "verb": "将纳入",
        "count": persons.count(),
        "note": f"选定{'和'.join(missing)}后人数可能减少" if missing else "",
    }


@require_GET
def round_preview(request):
    """The new-round form's live count (htmx fragment)."""
    require_staff(request.user)
    region = request.GET.get("region")
    if region and _chosen(regions_writable_by(request.user), region) is None:
        raise Http404  # another region's round is not this user's to prepare
    return render(
        request,
        "evaluations/_person_preview.html",
        {"preview": _new_round_preview(request.user, request.GET)},
    )


@require_GET
def round_detail(request, pk: int):
    evaluation_round = round_for_user(request.user, pk)
    can_write = is_evaluation_staff(request.user)
    evaluators = _evaluator_progress(evaluation_round)
    context = {
        "round": evaluation_round,
        "can_write": can_write,
        "evaluators": evaluators,
        # Asked about before closing: sheets not submitted do not count.
        "unsubmitted": sum((e["assigned"] or 0) - e.get("submitted", 0) for e in evaluators),
        "today": timezone.localdate(),
        "changes": round_changes(evaluation_round),
    }
    if evaluation_round.is_closed:
        context |= _results_context(request, evaluation_round)
    else:
        context |= _person_progress_context(request, evaluation_round)
    if can_write and evaluation_round.status == EvaluationRound.Status.DRAFT:
        context |= draft_edit_context(request, evaluation_round)
    return render(request, "evaluations/round_detail.html", context)


def _evaluator_progress(evaluation_round):
    submitted = Q(status=EvaluationSheet.Status.SUBMITTED)
    rows = (
        EvaluationSheet.objects.filter(round=evaluation_round)
        .values("evaluator_id", "evaluator__username", "evaluator__display_name")
        .annotate(
            assigned=Count("id", distinct=True),
            submitted=Count("id", filter=submitted, distinct=True),
            started=Count("id", filter=~submitted & Q(scores__isnull=False), distinct=True),
        )
        .order_by("evaluator__username")
    )
    if evaluation_round.status == EvaluationRound.Status.DRAFT:
        return [
            {
                "evaluator_id": u.pk,
                "evaluator__username": u.username,
                "evaluator__display_name": u.display_name,
                "assigned": None,
            }
            for u in evaluation_round.evaluators.all()
        ]
    return [{**r, "not_started": r["assigned"] - r["submitted"] - r["started"]} for r in rows]


def _person_progress_context(request, evaluation_round):
    submitted = Q(status=EvaluationSheet.Status.SUBMITTED)
    if evaluation_round.status == EvaluationRound.Status.DRAFT:
        persons = (
            evaluation_round.persons.select_related("region", "group")
            .order_by("name_pinyin", "id")
            .values("id", "name", "region_id", "region__name", "group__name", "employer")
        )
    else:
        persons = (
            EvaluationSheet.objects.filter(round=evaluation_round)
            .values(
                "person_id",
                "person__name",
                "person__region_id",
                "person__region__name",
                "person__group__name",
                "person__employer",
            )
            .annotate(
                assigned=Count("id"),
                submitted=Count("id", filter=submitted),
                mean=Avg("total", filter=submitted),
                low=Min("total", filter=submitted),
                high=Max("total", filter=submitted),
            )
            .order_by("person__name_pinyin", "person_id")
        )
    page = number_page(request, persons)
    if evaluation_round.status == EvaluationRound.Status.OPEN:
        page.object_list = [{**r, "missing": r["assigned"] - r["submitted"]} for r in page]
    # A person who has moved out of the user's scope since joining the round:
    # the row says so, and nothing about the person (their new region or employer).
    readable = read_scope(request.user)
    page.object_list = [
        {**r, "outside": not readable.contains(r.get("region_id", r.get("person__region_id")))}
        for r in page.object_list
    ]
    return {"person_page": page}


def _results_context(request, evaluation_round):
    grade = request.GET.get("grade", "")
    results = RoundResult.objects.filter(round=evaluation_round)
    distribution = dict(results.values_list("grade").annotate(n=Count("id")).order_by("grade"))
    shown = results.filter(grade=grade) if grade else results
    shown = shown.select_related("person", "person__region", "person__group").order_by(
        F("rank").asc(nulls_last=True), "person__name_pinyin", "id"
    )
    page = number_page(request, shown)
    proposals = (
        RemovalProposal.objects.filter(round=evaluation_round)
        .select_related("person", "result", "decided_by")
        .order_by(F("decided_at").asc(nulls_first=True), "id")
    )
    return {
        "result_page": page,
        "grade": grade,
        "distribution": [(g or "无评分", g, n) for g, n in sorted(distribution.items())],
        "proposals": proposals[:200],
        "proposal_count": proposals.count(),
        "pending_count": proposals.filter(status=RemovalProposal.Status.PROPOSED).count(),
        "decision_form": DecisionForm(),
    }


@require_POST
def round_open(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    try:
        round_services.round_open(
            actor=request.user, evaluation_round=evaluation_round, request=request
        )
    except EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "评审已开始，评审人可在“我的评审”中评分。")
    return redirect("evaluations:round_detail", pk=pk)


@require_POST
def round_close(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    try:
        raw = request.POST.get("unsubmitted", "")
        closed = result_services.round_close(
            actor=request.user,
            evaluation_round=evaluation_round,
            confirmed_unsubmitted=int(raw) if raw.isdigit() else 0,
            request=request,
        )
    except EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        pending = closed.proposals.count()
        messages.success(
            request,
            "批次已结束，结果已锁定。"
            + (f"有 {pending} 人评为最低等次，已生成出库建议，待逐一决定。" if pending else ""),
        )
    return redirect("evaluations:round_detail", pk=pk)


@require_GET
def round_export(request, pk: int):
    evaluation_round = round_for_user(request.user, pk)
    try:
        content = result_services.round_results_export(
            actor=request.user, evaluation_round=evaluation_round, request=request
        )
    except EvaluationError:
        raise Http404 from None
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    from urllib.parse import quote

    filename = quote(f"{evaluation_round.name}综合评价结果.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@require_POST
def proposal_decide(request, pk: int):
    proposal = proposal_for_user(request.user, pk, write=True)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, f"{proposal.person.name}：{errors[0]}")
        return redirect("evaluations:round_detail", pk=proposal.round_id)
    confirm = form.cleaned_data["decision"] == "confirm"
    try:
        result_services.proposal_decide(
            actor=request.user,
            proposal=proposal,
            confirm=confirm,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except EvaluationError as error:
        messages.error(request, f"{proposal.person.name}：{error.messages[0]}")
    else:
        messages.success(
            request,
            f"{proposal.person.name}：" + ("已确认出库。" if confirm else "不予出库，保留在库。"),
        )
    return redirect("evaluations:round_detail", pk=proposal.round_id)
