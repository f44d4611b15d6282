"""Demo records for 分级管理: this year's review cycle, started by the 自治区
account, with a few persons of every county-level unit and street reviewed by
the demo account placed nearest to them, and a level change in each city.
"""

import random

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.people.demo import demo_persons, demo_places
from tongxin.people.models import Person
from tongxin.regions.models import Region
from tongxin.regions.scope import subtree_of

from .models import LevelChange, PersonReview, ReviewCycle
from .services import person_change_level, person_review_mark, review_cycle_start

# Region code → the demo account placed there (the deepest one reviews).
REVIEWERS = {
    "450000": "province",
    "450100": "city",
    "450200": "liuzhou",
    "450102": "xingning",
    "450102001": "jiedao",
}


@transaction.atomic
def demo_records_ensure(*, seed: int = 1) -> list[str]:
    """Fill 分级管理 once; returns what was made (empty if it was there already)."""
    year = timezone.localdate().year
    if ReviewCycle.objects.filter(year=year).exists():
        return []
    users = {u.username: u for u in User.objects.filter(username__in=REVIEWERS.values())}
    codes = dict(Region.objects.filter(code__in=REVIEWERS).values_list("id", "code"))
    starter = users.get("province")
    if starter is None:
        return []
    rng = random.Random(f"levels:{seed}")
    cycle = review_cycle_start(actor=starter, year=year)
    for region in demo_places():
        path = [*region.ancestor_ids(), region.pk]
        placed = [REVIEWERS[codes[i]] for i in path if i in codes]
        reviewer = users.get(placed[-1]) if placed else starter
        for person in demo_persons(region, 3, rng):
            person_review_mark(actor=reviewer, cycle=cycle, person=person, note="信息已核实")
    for code in ("450100", "450200"):
        city = Region.objects.filter(code=code).first()
        user = users.get(REVIEWERS[code])
        if city is None or user is None:
            continue
        person = (
            subtree_of(city)
            .filter(Person.objects.filter(status=Person.Status.ACTIVE, level=Person.Level.COUNTY))
            .order_by("id")
            .first()
        )
        if person is not None:
            person_change_level(
                actor=user,
                person=person,
                level=Person.Level.CITY,
                reason="履职突出，列为市级重点联系",
            )
    return [
        f"分级管理：{year}年度更新已复核 {PersonReview.objects.filter(cycle=cycle).count()} 人，"
        f"分级调整 {LevelChange.objects.count()} 次"
    ]
