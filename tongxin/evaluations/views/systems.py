"""Indicator systems (指标体系): list, detail, create, edit, activate."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tongxin.regions.scope import read_scope

from ..access import (
    indicator_system_for_user,
    indicator_systems_visible_to,
    indicator_systems_writable_by,
    is_evaluation_staff,
    rounds_visible_to,
)
from ..errors import EvaluationError
from ..forms import (
    SystemHeaderForm,
    parse_tree,
    tree_rows_of,
)
from ..systems import (
    indicator_system_save,
    indicator_system_set_active,
    system_is_used,
    system_with_tree,
    tree_of,
    weight_refusal,
)
from .common import require_reader, require_staff

# --- indicator systems --------------------------------------------------------


@require_GET
def system_list(request):
    require_reader(request.user)
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
    tree = system_with_tree(system.pk)
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
            "used": system_is_used(system),
            "weight_refusal": weight_refusal(system),
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
            "used": system is not None and system_is_used(system),
        },
        status=status,
    )


def system_create(request):
    require_staff(request.user)
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
            rows = tree_rows_of(tree_of(system))
        header = SystemHeaderForm(initial=initial, user=request.user)
        return _system_form_page(request, system=system, header=header, rows=rows, errors=[])
    header = SystemHeaderForm(request.POST, user=request.user)
    specs, rows, errors = parse_tree(request.POST)
    if header.is_valid() and not errors:
        try:
            saved = indicator_system_save(
                actor=request.user,
                system=system,
                name=header.cleaned_data["name"],
                region=header.cleaned_data["region"],
                groups=header.cleaned_data["groups"],
                dimensions=specs,
                request=request,
            )
        except EvaluationError as error:
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
        indicator_system_set_active(
            actor=request.user, system=system, active=active, request=request
        )
    except EvaluationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已启用。" if active else "已停用。")
    return redirect("evaluations:system_detail", pk=system.pk)
