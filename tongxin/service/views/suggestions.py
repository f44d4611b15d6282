"""建言 (suggestions): list, create, detail, edit, forwarding and responses."""

import copy

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongxin.core.forms import posted
from tongxin.people.access import person_for_user, persons_visible_to, regions_writable_by
from tongxin.regions import scope

from .. import services
from ..access import (
    can_write_records,
    suggestion_for_user,
    suggestions_visible_to,
)
from ..filters import SuggestionFilter
from ..forms import (
    ForwardForm,
    RespondForm,
    SuggestionForm,
)
from ..history import record_history
from ..models import Department, Suggestion
from .common import RecordSteps, filtered_list, require_writer, saved

# --- suggestions -------------------------------------------------------------


@require_GET
def suggestion_list(request):
    return filtered_list(
        request,
        SuggestionFilter,
        suggestions_visible_to,
        load=lambda rows: rows.select_related("region", "department").prefetch_related(
            "submitters"
        ),
        template="service/suggestion_list.html",
        table="service/_suggestion_table.html",
        outcomes=Suggestion.Outcome.choices,
        departments=Department.objects.all(),
    )


def _chosen_submitters(request, form, suggestion: Suggestion | None) -> list:
    if request.method == "POST":
        if "submitters" in form.cleaned_data:
            return form.cleaned_data["submitters"]
        ids = [i for i in request.POST.getlist("submitters") if i.isdigit()]
        return list(persons_visible_to(request.user).filter(pk__in=ids))
    if suggestion is not None:
        return _submitters_split(request.user, suggestion)[0]
    if request.GET.get("person"):
        return [person_for_user(request.user, request.GET["person"])]
    return []


def _submitters_split(user, suggestion: Suggestion) -> tuple[list, list]:
    """(the submitters `user` may see, the others): the others are counted on
    the page and kept as they are when the user saves."""
    readable = scope.read_scope(user)
    inside, outside = [], []
    for person in suggestion.submitters.select_related("region").order_by("id"):
        (inside if readable.contains(person.region_id) else outside).append(person)
    return inside, outside


def suggestion_create(request):
    require_writer(request.user)
    writable = regions_writable_by(request.user)
    if not writable.exists():
        raise Http404
    form = SuggestionForm(posted(request), user=request.user)
    chosen = []
    if request.method == "GET":
        chosen = _chosen_submitters(request, form, None)
        # The first submitter's region, if the user may write there.
        if chosen and writable.filter(pk=chosen[0].region_id).exists():
            form.initial["region"] = chosen[0].region_id
        elif writable.count() == 1:
            form.initial["region"] = writable.get().pk
    done = saved(
        request,
        form,
        lambda: services.suggestion_create(
            actor=request.user,
            data=form.service_data(),
            submitters=form.cleaned_data["submitters"],
            request=request,
        ),
        success=lambda created: f"已登记建言献策“{created.title}”",
        detail_url="service:suggestion_detail",
    )
    if done:
        return done
    if request.method == "POST":
        chosen = _chosen_submitters(request, form, None)
    return render(
        request,
        "service/suggestion_form.html",
        {"form": form, "suggestion": None, "chosen": chosen},
    )


def suggestion_edit(request, pk: int):
    suggestion = suggestion_for_user(request.user, pk, write=True)
    form = SuggestionForm(posted(request), instance=copy.copy(suggestion), user=request.user)
    done = saved(
        request,
        form,
        lambda: services.suggestion_update(
            actor=request.user,
            suggestion=suggestion,
            data=form.service_data(),
            # Submitters outside the user's scope stay: the user never saw them.
            submitters=[
                *form.cleaned_data["submitters"],
                *_submitters_split(request.user, suggestion)[1],
            ],
            request=request,
        ),
        success="已保存修改",
        detail_url="service:suggestion_detail",
    )
    if done:
        return done
    return render(
        request,
        "service/suggestion_form.html",
        {
            "form": form,
            "suggestion": suggestion,
            "chosen": _chosen_submitters(request, form, suggestion),
            "outside": len(_submitters_split(request.user, suggestion)[1]),
        },
        status=400 if request.method == "POST" else 200,
    )


def _suggestion_detail_context(request, suggestion: Suggestion, **forms) -> dict:
    can_write = can_write_records(request.user)
    inside, outside = _submitters_split(request.user, suggestion)
    context = {
        "suggestion": suggestion,
        # Submitters outside the user's scope are counted, never named.
        "submitters": inside,
        "outside": len(outside),
        "history": record_history(suggestion, Suggestion.HISTORY_FIELDS),
        "can_write": can_write,
    }
    if can_write:
        context["forward_form"] = forms.get("forward_form") or ForwardForm(
            initial={"department": suggestion.department_id}
        )
        context["respond_form"] = forms.get("respond_form") or RespondForm(
            initial={"outcome": suggestion.outcome, "response": suggestion.response}
        )
    return context


@require_GET
def suggestion_detail(request, pk: int):
    suggestion = suggestion_for_user(request.user, pk)
    return render(
        request, "service/suggestion_detail.html", _suggestion_detail_context(request, suggestion)
    )


_steps = RecordSteps(
    record_arg="suggestion",
    for_user=suggestion_for_user,
    detail_context=_suggestion_detail_context,
    detail_template="service/suggestion_detail.html",
    detail_url="service:suggestion_detail",
)
suggestion_forward = _steps.view(ForwardForm, "forward_form", services.suggestion_forward, "已转交")
suggestion_respond = _steps.view(
    RespondForm, "respond_form", services.suggestion_respond, "已记录办理结果"
)
