from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tongxin.people.access import person_for_user
from tongxin.people.keyset import keyset_page
from tongxin.people.models import Person
from tongxin.people.services import StaleEditError
from tongxin.regions.models import Region
from tongxin.regions.scope import read_scope, readable_regions

from . import review, services
from .access import (
    can_manage_city_wide,
    require_editor,
    require_reader,
    review_cycle_for_user,
)
from .forms import LevelChangeForm, ReviewMarkForm, ReviewStartForm, TierForm
from .quotas import COVERAGE_LEVELS, coverage_rows_html, quota_page, quota_rows_html
from .selectors import tiers_of_nodes
from .tiers import default_tier_name, default_tier_quota


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "输入有误"


# --- level moves ----------------------------------------------------------------


@require_POST
def level_change(request, pk: int):
    person = person_for_user(request.user, pk, write=True)
    form = LevelChangeForm(request.POST, person=person, user=request.user)
    if not form.is_valid():
        messages.error(request, f"分级未调整：{_first_error(form)}")
        return redirect("people:detail", pk=person.pk)
    try:
        change = services.person_change_level(
            actor=request.user,
            person=person,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data.get("version"),
            request=request,
        )
    except StaleEditError:
        messages.error(request, "分级未调整：该人员信息已被他人修改，请核对后重试。")
    except services.LevelError as error:
        messages.error(request, f"分级未调整：{error}")
    else:
        messages.success(
            request,
            f"已将{person.name}由“{change.get_from_level_display()}”调整为"
            f"“{change.get_to_level_display()}”",
        )
    return redirect("people:detail", pk=person.pk)


# --- quotas -----------------------------------------------------------------------


def _region_param(request, regions):
    raw = request.GET.get("region") or ""
    if not raw:
        return None
    if not raw.isdigit() or not any(r.pk == int(raw) for r in regions):
        raise Http404
    return int(raw)


@require_GET
def quota_overview(request):
    require_reader(request.user)
    # The kept rows in the tree's order (regions/scope.py): shared, read only.
    regions = [r for r in read_scope(request.user).region_rows() if r.is_active]
    coverage = request.GET.get("coverage") or "rep"
    page = quota_page(request.user, regions, coverage)
    context = {
        "page": page,
        "quota_rows_html": quota_rows_html(page),
        "coverage_rows_html": coverage_rows_html(page),
        "levels": Person.Level.choices,
        "coverage_levels": [(k, label) for k, (label, _) in COVERAGE_LEVELS.items()],
        "can_edit_quotas": can_manage_city_wide(request.user),
    }
    return render(request, "levels/quota_page.html", context)


def _tier_rows(user):
    """(region, name, quota) of the nodes whose tier `user` may set: every node
    with a tier set up, and the province, city and county-level nodes (which
    start with the defaults), top of the tree first."""
    regions = sorted(
        (
            r
            for r in readable_regions(user).filter(is_active=True)
            if services.may_set_tier(user, r)
        ),
        key=lambda r: (r.depth, r.sort_order, r.code),
    )
    stored = {t.region_id: t for t in tiers_of_nodes(regions)}
    rows = []
    for region in regions:
        tier = stored.get(region.pk)
        if tier is not None:
            rows.append((region, tier.name, tier.quota))
        elif region.rank <= Region.RANK[Region.Kind.COUNTY]:
            rows.append((region, default_tier_name(region), default_tier_quota(region)))
    return rows


def quota_edit(request):
    """分级名称与名额: an admin (or city-level staff) sets the tiers of the nodes in
    their own subtree, never one above or beside it (levels.services.tier_set)."""
    if not can_manage_city_wide(request.user):
        raise Http404
    form = TierForm(request.POST or None, rows=_tier_rows(request.user))
    if request.method == "POST" and form.is_valid():
        changed = form.changed_tiers()
        try:
            with transaction.atomic():  # all rows or none
                for region, name, quota in changed:
                    services.tier_set(
                        actor=request.user, region=region, name=name, quota=quota, request=request
                    )
        except services.LevelError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已保存分级名称与名额（{len(changed)}项有变化）。")
            return redirect("levels:quotas")
    return render(request, "levels/quota_form.html", {"form": form})


# --- annual review ------------------------------------------------------------------


def _year_param(request) -> int:
    raw = request.GET.get("year") or ""
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


@require_GET
def review_overview(request):
    require_reader(request.user)
    year = _year_param(request)
    cycle = review_cycle_for_user(request.user, year)
    regions = list(readable_regions(request.user).filter(is_active=True))
    region = _region_param(request, regions)
    reviewed = request.GET.get("reviewed", "")
    reviewed = reviewed if reviewed in {"yes", "no"} else ""
    context = {
        "year": year,
        "cycle": cycle,
        "regions": regions,
        "region": region,
        "reviewed": reviewed,
        "can_start": can_manage_city_wide(request.user),
        "can_mark": request.user.is_superuser or request.user.can_edit_persons,
        "start_form": ReviewStartForm(),
        "is_current": year == timezone.localdate().year,
        "due_date": review.review_due_date(year),
    }
    context["days_left"] = (context["due_date"] - timezone.localdate()).days
    context["days_overdue"] = -context["days_left"]
    if cycle is not None:
        qs = review.with_review_state(
            review.due_persons(request.user, region=region), cycle, reviewed
        )
        page = keyset_page(
            qs.select_related("region", "group"),
            "recent",
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
            size=settings.PAGE_SIZE,
        )
        done = review.reviews_of(cycle, [p.pk for p in page.rows])
        completion = review.completion_by_region(
            request.user, cycle, [r for r in regions if not r.is_city] or regions
        )
        context |= {
            "page": page,
            "rows": [(p, done.get(p.pk)) for p in page.rows],
            "completion": completion,
            "total_due": sum(c.due for c in completion),
            "total_reviewed": sum(c.reviewed for c in completion),
        }
    return render(request, "levels/review_page.html", context)


@require_POST
def review_start(request):
    if not can_manage_city_wide(request.user):
        raise Http404
    form = ReviewStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"未发起：{_first_error(form)}")
        return redirect("levels:review")
    try:
        cycle = services.review_cycle_start(
            actor=request.user, year=form.cleaned_data["year"], request=request
        )
    except services.LevelError as error:
        messages.error(request, f"未发起：{error}")
        return redirect("levels:review")
    messages.success(request, f"已发起{cycle.year}年度更新，全部在库人员均需复核。")
    return redirect(reverse("levels:review") + f"?year={cycle.year}")


@require_POST
def review_mark(request, pk: int):
    require_editor(request.user)
    person = person_for_user(request.user, pk, write=True)
    year = timezone.localdate().year
    cycle = review_cycle_for_user(request.user, year)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    back = redirect(target) if target else redirect("people:detail", pk=person.pk)
    if cycle is None:
        messages.error(request, f"{year}年度更新尚未发起，暂不能标记复核。")
        return back
    form = ReviewMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"未标记：{_first_error(form)}")
        return back
    try:
        services.person_review_mark(
            actor=request.user,
            cycle=cycle,
            person=person,
            note=form.cleaned_data["note"],
            request=request,
        )
    except services.LevelError as error:
        messages.error(request, f"未标记：{error}")
    else:
        messages.success(request, f"已标记{person.name}为{year}年度已复核。")
    return back
