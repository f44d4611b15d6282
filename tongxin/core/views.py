from django.db.models import Count
from django.shortcuts import render

from tongxin.core.hooks import collect
from tongxin.people.access import persons_visible_to
from tongxin.people.models import Person


def home(request):
    """The landing page: counts by level and group for the user's regions."""
    active = persons_visible_to(request.user).filter(status=Person.Status.ACTIVE)
    by_level = dict(active.values_list("level").annotate(n=Count("id")).order_by())
    levels = [(label, by_level.get(value, 0)) for value, label in Person.Level.choices]
    by_group = (
        active.values("group__name", "group__sort_order")
        .annotate(n=Count("id"))
        .order_by("group__sort_order")
    )
    recent = _recent_changes(request.user) if request.user.can_edit_persons else []
    return render(
        request,
        "core/home.html",
        {
            "levels": levels,
            "total": sum(n for _, n in levels),
            "by_group": by_group,
            "recent": recent,
            "cards": sorted(collect("home_cards", request.user), key=lambda c: c.get("order", 50)),
        },
    )


def _recent_changes(user, limit: int = 10):
    """The latest changes to persons this user may see."""
    history = Person.history.model.objects.select_related("history_user").order_by("-history_id")
    if not (user.is_superuser or user.sees_all_regions):
        history = history.filter(region_id__in=user.region_ids())
    return list(history[:limit])
