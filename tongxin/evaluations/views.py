from django.contrib import messages
from django.db.models import Avg, Count, F, Max, Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongxin.audit.models import AuditEntry
from tongxin.audit.views import change_rows
from tongxin.core.hooks import collect
from tongxin.core.paging import number_page
from tongxin.people.access import regions_writable_by
from tongxin.people.listing import PersonFilter
from tongxin.regions import scope
from tongxin.regions.scope import read_scope

from . import services
from .access import (
    can_read_rounds,
    indicator_system_for_user,
    indicator_systems_visible_to,
    indicator_systems_writable_by,
    is_evaluation_staff,
    proposal_for_user,
    round_for_user,
    rounds_visible_to,
    sheet_for_user,
)
from .forms import (
    DecisionForm,
    RoundEditForm,
    RoundEvaluatorsForm,
    RoundForm,
    SystemHeaderForm,
    parse_tree,
    person_filter_choices,
    person_filter_params,
    tree_rows_of,
)
from .grading import points_text
from .models import EvaluationRound, EvaluationSheet, RemovalProposal, RoundResult, Score


def _require_reader(user) -> None:
    if not can_read_rounds(user):
        raise Http404


def _require_staff(user) -> None:
    if not is_evaluation_staff(user):
        raise Http404


# --- indicator systems --------------------------------------------------------


@require_GET
def system_list(request):
    _require_reader(request.user)
    systems = (
        indicator_systems_visible_to(request.user)
        .select_related("region", "copied_from")
        # Rounds of other regions using a shared system are not counted here.
        .annotate(
            round_count=Count(
                "rounds", filter=read_scope(request.user).q("rounds__region"), distinct=True
            )
        )
        .prefetch_related("dimensions", "groups")
    )
    writable = set(indicator_systems_writable_by(request.user).values_list("id", flat=True))
    return render(
        request,
        "evaluations/system_list.html",
        {
            "systems": systems,
            "writable": writable,
            "can_create": is_evaluation_staff(request.user),
        },
    )


@require_GET
def system_detail(request, pk: int):
    system = indicator_system_for_user(request.user, pk)
    tree = services.system_with_tree(system.pk)
    can_write = indicator_systems_writable_by(request.user).filter(pk=pk).exists()
    return render(
        request,
        "evaluations/system_detail.html",
        {
            "system": system,
            "dimensions": tree.dimensions.all(),
            "groups": system.groups.all(),
            "rounds": rounds_visible_to(request.user).filter(system=system),
            "rounds_outside": system.rounds.count()
            - rounds_visible_to(request.user).filter(system=system).count(),
            "later": system.later_versions.all(),
            "can_write": can_write and not system.later_versions.exists(),
            "used": services.system_is_used(system),
            "weight_refusal": services.weight_refusal(system),
        },
    )


def _system_form_page(request, *, system, header, rows, errors, status=200):
    return render(
        request,
        "evaluations/system_form.html",
        {
            "system": system,
            "form": header,
            "rows": rows,
            "errors": errors,
            "used": system is not None and services.system_is_used(system),
        },
        status=status,
    )


def system_create(request):
    _require_staff(request.user)
    return _system_save(request, system=None)


def system_edit(request, pk: int):
    system = indicator_system_for_user(request.user, pk, write=True)
    return _system_save(request, system=system)


def _system_save(request, *, system):
    if request.method != "POST":
        initial = {}
        rows = tree_rows_of([])
        if system is not None:
            initial = {"name": system.name, "region": system.region, "groups": system.groups.all()}
            rows = tree_rows_of(services.tree_of(system))
        header = SystemHeaderForm(initial=initial, user=request.user)
        return _system_form_page(request, system=system, header=header, rows=rows, errors=[])
    header = SystemHeaderForm(request.POST, user=request.user)
    specs, rows, errors = parse_tree(request.POST)
    if header.is_valid() and not errors:
        try:
            saved = services.indicator_system_save(
                actor=request.user,
                system=system,
                name=header.cleaned_data["name"],
                region=header.cleaned_data["region"],
                groups=header.cleaned_data["groups"],
                dimensions=specs,
                request=request,
            )
        except services.EvaluationError as error:
            errors = error.messages
        else:
            if system is not None and saved.pk != system.pk:
                messages.success(
                    request,
                    f"第{system.version}版已被评价批次使用，修改已保存为第{saved.version}版；"
                    "原有批次的结果不受影响。",
                )
            else:
                messages.success(request, f"已保存指标体系“{saved.name}”。")
            return redirect("evaluations:system_detail", pk=saved.pk)
    return _system_form_page(
        request, system=system, header=header, rows=rows, errors=errors, status=400
    )


@require_POST
def system_set_active(request, pk: int):
    system = indicator_system_for_user(request.user, pk, write=True)
    active = request.POST.get("active") == "1"
    try:
        services.indicator_system_set_active(
            actor=request.user, system=system, active=active, request=request
        )
    except services.EvaluationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已启用。" if active else "已停用。")
    return redirect("evaluations:system_detail", pk=system.pk)


# --- rounds -------------------------------------------------------------------


@require_GET
def round_list(request):
    _require_reader(request.user)
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
    _require_staff(request.user)
    form = RoundForm(request.POST or None, user=request.user)
    data = request.POST if request.method == "POST" else request.GET
    params = person_filter_params(data)
    if request.method == "POST" and form.is_valid():
        person_filter = PersonFilter.from_query(params)
        try:
            evaluation_round = services.round_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                region=form.cleaned_data["region"],
                system=form.cleaned_data["system"],
                persons=services.round_candidates(
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
        except services.EvaluationError as error:
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
    persons = services.round_candidates(
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
    _require_staff(request.user)
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
        "changes": _round_changes(evaluation_round),
    }
    if evaluation_round.is_closed:
        context |= _results_context(request, evaluation_round)
    else:
        context |= _person_progress_context(request, evaluation_round)
    if can_write and evaluation_round.status == EvaluationRound.Status.DRAFT:
        context |= _draft_edit_context(request, evaluation_round)
    return render(request, "evaluations/round_detail.html", context)


ROUND_CHANGES_SHOWN = 50


def _round_changes(evaluation_round) -> list[dict]:
    """The round's audit entries, newest first: what changed, by whom, when."""
    entries = (
        AuditEntry.objects.select_related("user")
        .filter(object_type=EvaluationRound._meta.label_lower, object_id=str(evaluation_round.pk))
        .order_by("-id")[:ROUND_CHANGES_SHOWN]
    )
    return [{"entry": e, "changes": change_rows(e)} for e in entries]


def _draft_edit_context(request, evaluation_round) -> dict:
    params = person_filter_params(request.GET)
    return {
        "can_edit": True,
        "params": params,
        "preview": _add_persons_preview(request.user, evaluation_round, params),
        "evaluators_form": RoundEvaluatorsForm(
            user=request.user, evaluation_round=evaluation_round
        ),
        **person_filter_choices(),
    }


def _add_persons_preview(user, evaluation_round, params) -> dict:
    """How many persons adding with `params` would bring in, as round_persons_add counts them."""
    persons = services.round_candidates(
        user=user,
        person_filter=PersonFilter.from_query(params),
        region=evaluation_round.region,
        system=evaluation_round.system,
    )
    count = services.persons_not_in_round(persons, evaluation_round).count()
    return {"verb": "将新增", "count": count, "note": "已在本批次的人员不重复计入"}


def _draft_refused(request, evaluation_round, doing: str) -> bool:
    refusal = services.draft_refusal(evaluation_round, doing)
    if refusal:
        messages.error(request, refusal)
    return bool(refusal)


def round_edit(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    if request.method != "POST" and _draft_refused(request, evaluation_round, "修改批次信息"):
        return redirect("evaluations:round_detail", pk=pk)
    form = RoundEditForm(
        request.POST or None,
        initial={
            "name": evaluation_round.name,
            "deadline": evaluation_round.deadline,
            "system": evaluation_round.system,
        },
        user=request.user,
        evaluation_round=evaluation_round,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(
                actor=request.user,
                evaluation_round=evaluation_round,
                request=request,
                **form.cleaned_data,
            )
        except services.EvaluationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "批次信息已保存。")
            return redirect("evaluations:round_detail", pk=pk)
    return render(
        request,
        "evaluations/round_edit.html",
        {"round": evaluation_round, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def round_persons_add(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    person_filter = PersonFilter.from_query(person_filter_params(request.POST))
    try:
        added = services.round_persons_add(
            actor=request.user,
            evaluation_round=evaluation_round,
            persons=services.round_candidates(
                user=request.user,
                person_filter=person_filter,
                region=evaluation_round.region,
                system=evaluation_round.system,
            ),
            person_filter=person_filter.as_query(),
            request=request,
        )
    except services.EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"已新增 {added} 名参评人员。")
    return redirect("evaluations:round_detail", pk=pk)


@require_GET
def round_persons_preview(request, pk: int):
    """The add-persons form's live count (htmx fragment)."""
    evaluation_round = round_for_user(request.user, pk, write=True)
    preview = _add_persons_preview(
        request.user, evaluation_round, person_filter_params(request.GET)
    )
    return render(request, "evaluations/_person_preview.html", {"preview": preview})


@require_POST
def round_person_remove(request, pk: int, person_pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    person = get_object_or_404(evaluation_round.persons.all(), pk=person_pk)
    try:
        services.round_person_remove(
            actor=request.user, evaluation_round=evaluation_round, person=person, request=request
        )
    except services.EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"已将{person.name}移出本批次。")
    return redirect("evaluations:round_detail", pk=pk)


@require_POST
def round_evaluators_add(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    if _draft_refused(request, evaluation_round, "添加评审人"):
        return redirect("evaluations:round_detail", pk=pk)
    form = RoundEvaluatorsForm(request.POST, user=request.user, evaluation_round=evaluation_round)
    if not form.is_valid():
        messages.error(request, form.errors["evaluators"][0])
        return redirect("evaluations:round_detail", pk=pk)
    evaluators = form.cleaned_data["evaluators"]
    try:
        services.round_evaluators_add(
            actor=request.user,
            evaluation_round=evaluation_round,
            evaluators=evaluators,
            request=request,
        )
    except services.EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"已添加评审人：{'、'.join(str(e) for e in evaluators)}。")
    return redirect("evaluations:round_detail", pk=pk)


@require_POST
def round_evaluator_remove(request, pk: int, user_pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    evaluator = get_object_or_404(evaluation_round.evaluators.all(), pk=user_pk)
    try:
        services.round_evaluator_remove(
            actor=request.user,
            evaluation_round=evaluation_round,
            evaluator=evaluator,
            request=request,
        )
    except services.EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"已移除评审人{evaluator}。")
    return redirect("evaluations:round_detail", pk=pk)


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
        services.round_open(actor=request.user, evaluation_round=evaluation_round, request=request)
    except services.EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "评审已开始，评审人可在“我的评审”中评分。")
    return redirect("evaluations:round_detail", pk=pk)


@require_POST
def round_close(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    try:
        raw = request.POST.get("unsubmitted", "")
        closed = services.round_close(
            actor=request.user,
            evaluation_round=evaluation_round,
            confirmed_unsubmitted=int(raw) if raw.isdigit() else 0,
            request=request,
        )
    except services.EvaluationError as error:
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
        content = services.round_results_export(
            actor=request.user, evaluation_round=evaluation_round, request=request
        )
    except services.EvaluationError:
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
        services.proposal_decide(
            actor=request.user,
            proposal=proposal,
            confirm=confirm,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except services.EvaluationError as error:
        messages.error(request, f"{proposal.person.name}：{error.messages[0]}")
    else:
        messages.success(
            request,
            f"{proposal.person.name}：" + ("已确认出库。" if confirm else "不予出库，保留在库。"),
        )
    return redirect("evaluations:round_detail", pk=proposal.round_id)


# --- sheets -------------------------------------------------------------------


@require_GET
def my_sheets(request):
    if not request.user.is_authenticated:
        raise Http404
    status = request.GET.get("status", "")
    sheets = (
        EvaluationSheet.objects.filter(evaluator=request.user)
        .exclude(round__status=EvaluationRound.Status.DRAFT)
        .select_related("round", "person", "person__group")
        .order_by("-round__opened_at", "round_id", "status", "person__name_pinyin", "id")
    )
    counts = dict(
        sheets.filter(round__status=EvaluationRound.Status.OPEN)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    open_rounds = list(
        sheets.filter(round__status=EvaluationRound.Status.OPEN)
        .values("round_id", "round__name", "round__deadline")
        .annotate(pending=Count("id", filter=~Q(status=EvaluationSheet.Status.SUBMITTED)))
        .order_by("round__deadline", "round_id")
    )
    if status in EvaluationSheet.Status.values:
        sheets = sheets.filter(status=status)
    page = number_page(request, sheets)
    return render(
        request,
        "evaluations/my_sheets.html",
        {
            "page": page,
            "status": status,
            "todo": counts.get(EvaluationSheet.Status.DRAFT, 0),
            "open_rounds": open_rounds,
            "done": counts.get(EvaluationSheet.Status.SUBMITTED, 0),
        },
    )


GRID_ROWS = 50  # persons per page of the grid


def sheet_grid(request, pk: int):
    """The evaluator's sheets of one round as one grid, persons × indicators,
    for fast entry: type down a column or along a row, save once."""
    own = EvaluationSheet.objects.filter(evaluator=request.user, round_id=pk).exclude(
        round__status=EvaluationRound.Status.DRAFT
    )
    if not request.user.is_authenticated or not own.exists():
        raise Http404
    evaluation_round = EvaluationRound.objects.select_related("system").get(pk=pk)
    system = services.system_with_tree(evaluation_round.system_id)
    indicators = [i for d in system.dimensions.all() for i in d.indicators.all()]
    sheets = own.select_related("person", "person__group").order_by("person__name_pinyin", "id")
    page = number_page(request, sheets, GRID_ROWS)
    open_round = evaluation_round.status == EvaluationRound.Status.OPEN
    errors: dict = {}
    posted: dict[int, dict[int, str]] = {}
    posted_notes: dict[int, dict[int, str]] = {}
    if request.method == "POST":
        if not open_round:
            raise Http404
        editable_sheets = [sheet for sheet in page.object_list if not sheet.is_submitted]
        posted = {
            sheet.pk: {i.pk: request.POST.get(f"p-{sheet.pk}-{i.pk}", "") for i in indicators}
            for sheet in editable_sheets
        }
        # A note box missing from the form leaves its stored note as it is.
        posted_notes = {
            sheet.pk: {
                i.pk: request.POST[f"n-{sheet.pk}-{i.pk}"]
                for i in indicators
                if f"n-{sheet.pk}-{i.pk}" in request.POST
            }
            for sheet in editable_sheets
        }
        try:
            saved, submitted = services.sheets_save_grid(
                actor=request.user, evaluation_round=evaluation_round, points=posted,
                notes=posted_notes, submit_complete=request.POST.get("action") == "submit",
                request=request,
            )  # fmt: skip
        except services.EvaluationError as error:
            errors = error.fields
            messages.error(request, f"未保存：{len(error.messages)} 处需要修改，已在表中标出。")
        else:
            done = f"，其中 {submitted} 份评完已提交" if submitted else ""
            messages.success(request, f"已保存 {saved} 份评分表{done}。")
            return redirect(request.get_full_path())
    stored: dict[tuple[int, int], tuple[str, str]] = {
        (s.sheet_id, s.indicator_id): (points_text(s.points), s.note)
        for s in Score.objects.filter(sheet__in=list(page.object_list))
    }
    rows = []
    for sheet in page.object_list:
        cells = []
        for indicator in indicators:
            key = (sheet.pk, indicator.pk)
            value, note = stored.get(key, ("", ""))
            if sheet.pk in posted:  # a refused grid shows what was typed
                value = posted[sheet.pk][indicator.pk]
                note = posted_notes[sheet.pk].get(indicator.pk, note)
            cells.append(
                {"indicator": indicator, "value": value, "note": note, "error": errors.get(key, "")}
            )
        rows.append({"sheet": sheet, "cells": cells, "error": errors.get((sheet.pk, 0), "")})
    return render(
        request,
        "evaluations/sheet_grid.html",
        {
            "round": evaluation_round,
            "dimensions": [
                {"dimension": d, "indicators": list(d.indicators.all())}
                for d in system.dimensions.all()
            ],
            "indicators": [(i, points_text(i.max_points)) for i in indicators],
            "rows": rows,
            "page": page,
            "editable": open_round,
            "errors": errors,
            # The note boxes open by themselves when a refused grid has notes in it.
            "show_notes": bool(errors) and any(any(n.values()) for n in posted_notes.values()),
            "pending": own.exclude(status=EvaluationSheet.Status.SUBMITTED).count(),
        },
    )


def sheet_detail(request, pk: int):
    sheet = sheet_for_user(request.user, pk)
    is_mine = sheet.evaluator_id == request.user.pk
    editable = (
        is_mine and sheet.round.status == EvaluationRound.Status.OPEN and not sheet.is_submitted
    )
    errors: dict = {}
    posted: dict = {}
    if request.method == "POST":
        if not editable:
            raise Http404
        submit = request.POST.get("action") == "submit"
        system = services.system_with_tree(sheet.round.system_id)
        entries = {
            i.pk: (request.POST.get(f"points-{i.pk}", ""), request.POST.get(f"note-{i.pk}", ""))
            for d in system.dimensions.all()
            for i in d.indicators.all()
        }
        try:
            services.sheet_save(
                actor=request.user, sheet=sheet, entries=entries, submit=submit, request=request
            )
        except services.EvaluationError as error:
            errors = error.fields
            posted = entries
            for message in error.messages if not error.fields else []:
                messages.error(request, message)
        else:
            if submit:
                messages.success(request, f"已提交对 {sheet.person.name} 的评分。")
                return redirect("evaluations:my_sheets")
            messages.success(request, "草稿已保存。")
            return redirect("evaluations:sheet_detail", pk=sheet.pk)
    system = services.system_with_tree(sheet.round.system_id)
    stored = {s.indicator_id: s for s in Score.objects.filter(sheet=sheet)}
    dimensions = []
    for dimension in system.dimensions.all():
        items = []
        for indicator in dimension.indicators.all():
            score = stored.get(indicator.pk)
            if indicator.pk in posted:
                points, note = posted[indicator.pk]
            else:
                points = points_text(score.points) if score else ""
                note = score.note if score else ""
            items.append(
                {
                    "indicator": indicator,
                    "max": points_text(indicator.max_points),
                    "points": points,
                    "note": note,
                    "error": errors.get(indicator.pk, ""),
                }
            )
        dimensions.append({"dimension": dimension, "items": items})
    start, end = sheet.round.period
    return render(
        request,
        "evaluations/sheet_detail.html",
        {
            "sheet": sheet,
            "person": sheet.person,
            "dimensions": dimensions,
            "editable": editable,
            "is_mine": is_mine,
            "errors": errors,
            "period": (start, end),
            "days_left": (sheet.round.deadline - timezone.localdate()).days,
            # Read-only, for the round's region: what the rubric relies on.
            "evidence": collect(
                "evaluation_evidence",
                sheet.person,
                start,
                end,
                scope.subtree_of(sheet.round.region_id),
            ),  # fmt: skip
            **_neighbours(sheet),
        },
        status=400 if errors else 200,
    )


def _neighbours(sheet: EvaluationSheet) -> dict:
    """The evaluator's previous and next sheet in the round, in the order of
    their list (the person's name)."""
    ids = list(
        EvaluationSheet.objects.filter(round_id=sheet.round_id, evaluator_id=sheet.evaluator_id)
        .order_by("person__name_pinyin", "id")
        .values_list("id", flat=True)
    )
    at = ids.index(sheet.pk)
    return {
        "previous_sheet": ids[at - 1] if at > 0 else None,
        "next_sheet": ids[at + 1] if at + 1 < len(ids) else None,
        "position": at + 1,
        "sheet_count": len(ids),
    }
