from collections import defaultdict

from django.shortcuts import render
from django.views.decorators.http import require_safe

from tongxin.core.hooks import collect
from tongxin.core.versioned_cache import data_version, remembered
from tongxin.levels.quotas import level_counts
from tongxin.people.kept import person_groups
from tongxin.people.models import Person
from tongxin.regions.scope import read_scope
from tongxin.regions.versions import placements_version


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
        for group in person_groups()  # kept in this process (people/kept.py)
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


# History rows read from the newest backwards before the indexed query is asked.
RECENT_WINDOW = 2000


def _recent_changes(user, limit: int = 10):
    """The latest changes to persons this user may see now: made in their
    scope, to a person still in it (not one who has moved away since).

    One query "in scope and about a visible person, newest first" makes both
    databases gather every history row of the user's persons and sort them
    (1.0 s for a city user at 1M persons on SQLite, on every home page). A
    user's latest changes are nearly always among the newest rows of the whole
    table, so those are read first by the primary key (bounded: RECENT_WINDOW
    rows) and their persons checked in one query by id; only a scope with
    fewer than `limit` changes among them asks the indexed query, which is
    quick for exactly such small scopes.
    """
    history_model = Person.history.model
    (newest,) = data_version(Person)
    # Which rows they are changes only with a new person history row (a
    # change, a move to another region) or with the scope: remembered by both
    # (11 ms of each home page for a city user at 1M persons otherwise).
    chosen = remembered(
        "recent-changes",
        (read_scope(user).key, placements_version(), newest, limit),
        lambda: _recent_history_ids(user, newest, limit),
    )
    return list(
        history_model.objects.select_related("history_user")
        .filter(history_id__in=chosen)
        .order_by("-history_id")
    )


def _recent_history_ids(user, newest: int, limit: int) -> list[int]:
    readable = read_scope(user)
    history_model = Person.history.model
    history = readable.filter(history_model.objects.all(), "region")
    candidates = list(
        history.filter(history_id__gt=newest - RECENT_WINDOW)
        .order_by("-history_id")
        .values_list("history_id", "id")
    )
    if not readable.everything:
        still_visible = set(
            Person.objects.visible_to(user)
            .filter(pk__in={person_id for _, person_id in candidates})
            .values_list("pk", flat=True)
        )
        candidates = [(h, person_id) for h, person_id in candidates if person_id in still_visible]
    chosen = [h for h, _ in candidates[:limit]]
    if len(chosen) < limit and newest > RECENT_WINDOW:
        if not readable.everything:
            history = history.filter(id__in=Person.objects.visible_to(user).values("id"))
        chosen = list(history.order_by("-history_id").values_list("history_id", flat=True)[:limit])
    return chosen
