from collections import defaultdict

from django.shortcuts import render
from django.views.decorators.http import require_safe

from tongxin.core.hooks import collect
from tongxin.levels.quotas import level_counts
from tongxin.people.models import Person, PersonGroup
from tongxin.regions.scope import read_scope


@require_safe
def home(request):
    """The landing page: counts by level and group for the user's regions.

    Summed from the quota page's one grouped count of the active persons the
    user sees (cached until the next change to a person), so the tiles, the
    quota card and the quota page agree and the page costs no scan of its own.
    """
    user = request.user
    if not user.is_superuser and user.role == user.Role.EVALUATOR:
        # Evaluators see no persons: their home is their pending sheets (a
        # home card of the evaluations app), not a row of zeros.
        cards = collect("home_cards", user)
        return render(request, "dashboard/home.html", {"counts_shown": False, "cards": cards})
    by_level: dict[str, int] = defaultdict(int)
    by_group: dict[int, int] = defaultdict(int)
    for (_region, level, group_id, _subcategory), n in level_counts(request.user).items():
        by_level[level] += n
        by_group[group_id] += n
    levels = [(label, by_level.get(value, 0)) for value, label in Person.Level.choices]
    groups = [
        {"name": group.name, "n": by_group[group.pk]}
        for group in PersonGroup.objects.all()
        if group.pk in by_group
    ]
    recent = _recent_changes(request.user) if request.user.can_edit_persons else []
    return render(
        request,
        "dashboard/home.html",
        {
            "counts_shown": True,
            "levels": levels,
            "total": sum(n for _, n in levels),
            "by_group": groups,
            "recent": recent,
            "cards": sorted(collect("home_cards", request.user), key=lambda c: c.get("order", 50)),
        },
    )


def _recent_changes(user, limit: int = 10):
    """The latest changes to persons this user may see now: made in their
    scope, to a person still in it (not one who has moved away since)."""
    readable = read_scope(user)
    history = Person.history.model.objects.select_related("history_user").order_by("-history_id")
    history = readable.filter(history, "region")
    if not readable.everything:
        history = history.filter(id__in=Person.objects.visible_to(user).values("id"))
    return list(history[:limit])
