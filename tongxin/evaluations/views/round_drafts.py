"""A draft round's changes: its persons and evaluators, added and removed."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from tongxin.audit.models import AuditEntry
from tongxin.audit.views import change_rows
from tongxin.people.listing import PersonFilter

from .. import rounds as round_services
from ..access import round_for_user
from ..errors import EvaluationError
from ..forms import (
    RoundEditForm,
    RoundEvaluatorsForm,
    person_filter_choices,
    person_filter_params,
)
from ..models import EvaluationRound

ROUND_CHANGES_SHOWN = 50


def round_changes(evaluation_round) -> list[dict]:
    """The round's audit entries, newest first: what changed, by whom, when."""
    entries = (
        AuditEntry.objects.select_related("user")
        .filter(object_type=EvaluationRound._meta.label_lower, object_id=str(evaluation_round.pk))
        .order_by("-id")[:ROUND_CHANGES_SHOWN]
    )
    return [{"entry": e, "changes": change_rows(e)} for e in entries]


def draft_edit_context(request, evaluation_round) -> dict:
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
    persons = round_services.round_candidates(
        user=user,
        person_filter=PersonFilter.from_query(params),
        region=evaluation_round.region,
        system=evaluation_round.system,
    )
    count = round_services.persons_not_in_round(persons, evaluation_round).count()
    return {"verb": "将新增", "count": count, "note": "已在本批次的人员不重复计入"}


def _draft_refused(request, evaluation_round, doing: str) -> bool:
    refusal = round_services.draft_refusal(evaluation_round, doing)
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
            round_services.round_update(
                actor=request.user,
                evaluation_round=evaluation_round,
                request=request,
                **form.cleaned_data,
            )
        except EvaluationError as error:
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


def _draft_change(request, pk: int, change):
    """Run `change()` (a service call returning the success message), show its
    message or the refusal, and go back to the round's page."""
    try:
        done = change()
    except EvaluationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, done)
    return redirect("evaluations:round_detail", pk=pk)


@require_POST
def round_persons_add(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    person_filter = PersonFilter.from_query(person_filter_params(request.POST))

    def change():
        added = round_services.round_persons_add(
            actor=request.user,
            evaluation_round=evaluation_round,
            persons=round_services.round_candidates(
                user=request.user,
                person_filter=person_filter,
                region=evaluation_round.region,
                system=evaluation_round.system,
            ),
            person_filter=person_filter.as_query(),
            request=request,
        )
        return f"已新增 {added} 名参评人员。"

    return _draft_change(request, pk, change)


@require_GET
def round_persons_preview(request, pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    preview = _add_persons_preview(
        request.user, evaluation_round, person_filter_params(request.GET)
    )
    return render(request, "evaluations/_person_preview.html", {"preview": preview})


@require_POST
def round_person_remove(request, pk: int, person_pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    person = get_object_or_404(evaluation_round.persons.all(), pk=person_pk)

    def change():
        round_services.round_person_remove(
            actor=request.user, evaluation_round=evaluation_round, person=person, request=request
        )
        return f"已将{person.name}移出本批次。"

    return _draft_change(request, pk, change)


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

    def change():
        round_services.round_evaluators_add(
            actor=request.user,
            evaluation_round=evaluation_round,
            evaluators=evaluators,
            request=request,
        )
        return f"已添加评审人：{'、'.join(str(e) for e in evaluators)}。"

    return _draft_change(request, pk, change)


@require_POST
def round_evaluator_remove(request, pk: int, user_pk: int):
    evaluation_round = round_for_user(request.user, pk, write=True)
    evaluator = get_object_or_404(evaluation_round.evaluators.all(), pk=user_pk)

    def change():
        round_services.round_evaluator_remove(
            actor=request.user,
            evaluation_round=evaluation_round,
            evaluator=evaluator,
            request=request,
        )
        return f"已移除评审人{evaluator}。"

    return _draft_change(request, pk, change)
