import copy

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from tongxin.core.access import system_admin_required
from tongxin.core.hooks import collect

from .forms import RegionForm
from .models import Region
from .scope import placement_scope
from .services import region_create, region_update


def region_tree(regions: list[Region]) -> list[tuple[Region, int]]:
    """(region, depth) pairs, each region followed by its children, in sort order."""
    children: dict[int | None, list[Region]] = {}
    ids = {r.pk for r in regions}
    for region in regions:
        parent_id = region.parent_id if region.parent_id in ids else None
        children.setdefault(parent_id, []).append(region)
    rows: list[tuple[Region, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for region in children.get(parent_id, []):
            rows.append((region, depth))
            walk(region.pk, depth + 1)

    walk(None, 0)
    return rows


@system_admin_required
def region_list(request):
    regions = list(
        placement_scope(request.user)
        .regions()
        # person_count from people (people/hooks.py): regions sit below people.
        .annotate(**dict(collect("region_list_annotations")))
        .order_by("sort_order", "code")
    )
    return render(request, "regions/region_list.html", {"rows": region_tree(regions)})


@system_admin_required
def region_new(request):
    form = RegionForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        region = region_create(actor=request.user, data=form.cleaned_data, request=request)
        messages.success(request, f"已新增区域“{region.name}”。")
        return redirect("regions:list")
    return render(request, "regions/region_form.html", {"form": form})


@system_admin_required
def region_edit(request, pk: int):
    region = get_object_or_404(placement_scope(request.user).regions(), pk=pk)
    # Validating writes the input into the form's instance: keep `region` as stored.
    form = RegionForm(request.POST or None, instance=copy.copy(region), actor=request.user)
    if request.method == "POST" and form.is_valid():
        region = region_update(
            actor=request.user, region=region, data=form.cleaned_data, request=request
        )
        messages.success(request, f"已保存区域“{region.name}”。")
        return redirect("regions:list")
    return render(request, "regions/region_form.html", {"form": form, "region": region})
