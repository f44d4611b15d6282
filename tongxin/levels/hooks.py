from django.urls import reverse
from django.utils import timezone

from .access import level_changes_visible_to, reads_persons
from .forms import LevelChangeForm, ReviewMarkForm
from .models import PersonReview, ReviewCycle


def nav_items(user) -> list[dict]:
    if not reads_persons(user):
        return []
    return [
        {"label": "分级与名额", "url": reverse("levels:quotas")},
        {"label": "年度更新", "url": reverse("levels:review")},
    ]


def person_panels(request, person) -> list[dict]:
    user = request.user
    can_write = (user.is_superuser or user.can_edit_persons) and not person.is_archived
    # County staff cannot move a city-level person: only the history is shown to them.
    can_move = can_write and (user.can_place_at_city_level or person.level != person.Level.CITY)
    changes = list(
        level_changes_visible_to(user).filter(person=person).select_related("changed_by")[:20]
    )
    year = timezone.localdate().year
    cycle = ReviewCycle.objects.filter(year=year).first()
    done = (
        PersonReview.objects.filter(cycle=cycle, person=person)
        .select_related("reviewed_by")
        .first()
        if cycle
        else None
    )
    return [
        {
            "template": "levels/_level_panel.html",
            "context": {
                "person": person,
                "changes": changes,
                "form": LevelChangeForm(person=person, user=user) if can_move else None,
                "city_only": can_write and not can_move,
            },
            "column": "side",
        },
        {
            "template": "levels/_review_panel.html",
            "context": {
                "person": person,
                "year": year,
                "cycle": cycle,
                "review": done,
                "form": ReviewMarkForm() if can_write and cycle and not done else None,
            },
            "column": "side",
        },
    ]
