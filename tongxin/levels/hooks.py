from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from tongxin.core.hooks import present
from tongxin.core.versioned_cache import data_version, remembered
from tongxin.people.models import Person
from tongxin.regions.scope import read_scope, writes_records

from .access import (
    can_manage_city_wide,
    level_changes_visible_to,
    reads_persons,
)
from .forms import LevelChangeForm, ReviewMarkForm
from .models import LevelChange, PersonReview, ReviewCycle, Tier, TierMembership
from .quotas import QuotaRow, level_counts, quota_page
from .review import Completion, completion_by_region
from .selectors import kept_tiers, review_cycle_of, review_cycles
from .tiers import tiers_held


def kept_tables() -> list:
    """The tiers (the person list's filter) and the review cycles (every
    person and home page), read before the first request (core/warmup.py)."""
    return [kept_tiers, review_cycles]


def warm_figures(user) -> list:
    """Count what the home page shows this user (see core.versioned_cache)."""
    if reads_persons(user):
        level_counts(user)
    return []


def nav_items(user) -> list[dict]:
    if not reads_persons(user):
        return []
    return [
        {"label": "分级与名额", "url": reverse("levels:quotas")},
        {"label": "年度更新", "url": reverse("levels:review")},
    ]


def person_presence(request) -> list[tuple]:
    return [
        ("levels.changes", Exists(LevelChange.objects.filter(person=OuterRef("pk")))),
        ("levels.tiers", Exists(TierMembership.objects.filter(person=OuterRef("pk")))),
        ("levels.reviews", Exists(PersonReview.objects.filter(person=OuterRef("pk")))),
    ]


def person_panels(request, person) -> list[dict]:
    user = request.user
    can_write = writes_records(user) and not person.is_archived
    # County staff cannot move a city-level person: only the history is shown to them.
    can_move = can_write and (user.can_place_at_city_level or person.level != person.Level.CITY)
    changes = (
        list(level_changes_visible_to(user).filter(person=person).select_related("changed_by")[:20])
        if present(person, "levels.changes")
        else []
    )
    year = timezone.localdate().year
    cycle = review_cycle_of(year)
    done = (
        PersonReview.objects.filter(cycle=cycle, person=person)
        .select_related("reviewed_by")
        .first()
        if cycle and present(person, "levels.reviews")
        else None
    )
    return [
        {
            "template": "levels/_level_panel.html",
            "context": {
                "person": person,
                "tiers": tiers_held(person) if present(person, "levels.tiers") else [],
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


# --- home page --------------------------------------------------------------------


def home_cards(user) -> list[dict]:
    """Quota fill and this year's review progress over the user's regions."""
    if not reads_persons(user):
        return []
    # The kept rows in the tree's order (regions/scope.py): shared, read only.
    regions = [r for r in read_scope(user).region_rows() if r.is_active]
    if not regions:
        return []
    year = timezone.localdate().year
    cycle = review_cycle_of(year)
    figures = _home_figures(user, regions, cycle)
    rows = [QuotaRow(r, *figures["quota"][r.pk]) for r in regions]
    compact = read_scope(user).everything
    completion = (
        [Completion(r, *figures["review"][r.pk]) for r in _review_regions(regions)] if cycle else []
    )
    return [
        {
            "template": "levels/home_quota.html",
            "order": 10,
            "width": 4,
            "context": _quota_card(rows, compact=compact),
        },
        {
            "template": "levels/home_review.html",
            "order": 20,
            "width": 4 if not compact else 8,
            "context": {
                "year": year,
                "cycle": cycle,
                "completion": completion,
                "total": Completion(
                    None, sum(c.due for c in completion), sum(c.reviewed for c in completion)
                ),
                "can_start": can_manage_city_wide(user),
            },
        },
    ]


def _review_regions(regions: list) -> list:
    # As on the review page: per county-level region; the city's own row only if alone.
    return [r for r in regions if not r.is_city] or regions


def _quota_card(rows: list[QuotaRow], *, compact: bool) -> dict:
    """County staff see their regions' rows; the city sees its own level and a
    tally of the counties' county-level fill."""
    if not compact:
        labels = dict(Person.Level.choices)
        return {
            "compact": False,
            "rows": [
                {"region": r.region, "cells": [(labels[c.level], c) for c in r.cells]}
                for r in rows
                if not r.is_city_total or len(rows) == 1
            ],
        }
    city = next((r for r in rows if r.is_city_total), None)
    counties = [r.cell(Person.Level.COUNTY) for r in rows if not r.is_city_total]
    over = [
        r.region
        for r in rows
        if not r.is_city_total and r.cell(Person.Level.COUNTY).state == "over"
    ]
    return {
        "compact": True,
        "city": city.cell(Person.Level.CITY) if city else None,
        "counties": len(counties),
        "full": sum(1 for c in counties if c.state == "full"),
        "over": over,
        "under": sum(1 for c in counties if c.state == "under"),
    }


def _home_figures(user, regions: list, cycle: ReviewCycle | None) -> dict:
    """The quota cells and review counts per region, from the quota page's and the
    review page's own queries (so the card and those pages agree).

    At a million persons those grouped queries take a noticeable part of the
    200 ms the home page may spend, and it is opened far more often than the
    data changes; so the numbers are kept until the next change to a person,
    a quota or a review (each writes a history row, whose newest id is in the key).
    """

    def count() -> dict:
        page = quota_page(user, regions)
        done = completion_by_region(user, cycle, _review_regions(regions)) if cycle else []
        return {
            "quota": {
                row.region.pk: (row.cells, row.total, row.is_city_total) for row in page.quota_rows
            },
            "review": {c.region.pk: (c.due, c.reviewed) for c in done},
        }

    parts = (
        read_scope(user).key,
        [r.pk for r in regions],
        cycle.pk if cycle else 0,
        data_version(Person, Tier, PersonReview),
    )
    figures = remembered("levels:home", parts, count)
    return figures


def demo_records(seed: int) -> list[str]:
    from .demo import demo_records_ensure

    return demo_records_ensure(seed=seed)
