"""Synthetic but realistic persons for the demo deployment and benchmarks.

Everything here is invented: names are drawn from common surnames (weighted
towards Guangxi) and a pool of given-name characters, resident IDs carry the
address code of the person's county-level unit, a birth date and a correct GB 11643 check digit, but
belong to nobody.

Resident IDs never collide within a run, nor across runs that continue with
`start_index`: the birth date and the 3-digit sequence are a function of the
person's index alone (see `_id_slot`), so two indexes never share both.
"""

import bisect
import datetime
import math
import random
from collections.abc import Iterator, Sequence

from stdnum.cn.ric import calc_check_digit

from tongxin.core import pii
from tongxin.core.bulk import unsaved
from tongxin.regions.models import Region

from .demo_values import (
    _GENERIC,
    ARCHIVE_NOTES,
    ARCHIVE_REASONS,
    ARCHIVE_SHARE,
    EDUCATION_WEIGHTS,
    EMAIL_DOMAINS,
    EMPLOYERS,
    ETHNICITY_WEIGHTS,
    GIVEN_EITHER,
    GIVEN_FEMALE,
    GIVEN_MALE,
    GIVEN_POOL_SIZE,
    ID_ADDRESS_CODES,
    INDUSTRIES,
    LEVEL_CITY_QUOTA,
    LEVEL_COUNTY_QUOTA,
    MAJORS,
    MOBILE_PREFIXES,
    NATIVE_PLACES,
    POLITICAL_WEIGHTS,
    QUOTA_REFERENCE_SIZE,
    RECOMMENDERS,
    REGION_WEIGHTS,
    ROADS,
    SCHOOLS,
    SURNAMES,
    TRADE_NAMES,
    ZONE_RECOMMENDERS,
    _unique_chars,
)
from .models import Degree, Education, Ethnicity, Person, PersonGroup, PoliticalStatus, SubCategory
from .search import id_derived_fields, mobile_derived_fields, name_derived_fields

__all__ = ["generate_persons", "resident_id_for"]


class _Weighted:
    """Pick from (value, weight) pairs with one random() and a bisect."""

    def __init__(self, pairs: Sequence[tuple], rng: random.Random):
        self.values = [v for v, _ in pairs]
        self.cumulative = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            self.cumulative.append(total)
        self.total = total
        self.rng = rng

    def __call__(self):
        return self.values[bisect.bisect_right(self.cumulative, self.rng.random() * self.total)]


# Birth dates span 1955-2000; people born in the 1970s and 1980s are the most common.
BIRTH_FIRST = datetime.date(1955, 1, 1)
BIRTH_LAST = datetime.date(2000, 12, 31)


def _birth_weight(day: datetime.date) -> int:
    decade = (day.year - 1950) // 10  # 0 = 1950s … 5 = 2000
    return (1, 2, 3, 3, 2, 1)[decade]


# Each day appears as many times as its weight; the k-th copy of a day takes
# sequence numbers k, k + 3, k + 6 … (3 = the highest weight), so copies of a
# day never share a sequence number.
_MAX_WEIGHT = 3
_SLOTS: list[tuple[datetime.date, int]] = [
    (day, copy)
    for offset in range((BIRTH_LAST - BIRTH_FIRST).days + 1)
    for day in [BIRTH_FIRST + datetime.timedelta(days=offset)]
    for copy in range(_birth_weight(day))
]
# A multiplier coprime to len(_SLOTS) spreads consecutive indexes over all
# birth years instead of walking through the calendar.
_STRIDE = 7919
while math.gcd(_STRIDE, len(_SLOTS)) != 1:
    _STRIDE += 2
# 500 sequence numbers per sex (odd = male, even = female in the 17th digit).
MAX_PERSONS = len(_SLOTS) * (500 // _MAX_WEIGHT)


def _id_slot(index: int) -> tuple[datetime.date, int]:
    """(birth date, sequence 0-499) of the person with this index; injective."""
    if not 0 <= index < MAX_PERSONS:
        raise ValueError(f"demo persons are limited to {MAX_PERSONS}")
    round_, position = divmod(index, len(_SLOTS))
    day, copy = _SLOTS[(position * _STRIDE) % len(_SLOTS)]
    return day, round_ * _MAX_WEIGHT + copy


def resident_id_for(address_code: str, birth_date: datetime.date, sequence: int, sex: str) -> str:
    """A resident ID with a correct check digit; `sequence` 0-499 picks digits 15-17."""
    order = 2 * sequence + (1 if sex == Person.Sex.MALE else 0)
    first17 = f"{address_code}{birth_date:%Y%m%d}{order:03d}"
    return first17 + calc_check_digit(first17 + "0")


def _ids_by_name(model) -> dict[str, int]:
    return dict(model.objects.values_list("name", "id"))


def generate_persons(
    n: int, *, regions: Sequence[Region], seed: int = 1, start_index: int = 0
) -> Iterator[Person]:
    """Yield `n` unsaved persons spread over `regions`, with search fields set.

    `start_index` continues an earlier run: indexes start_index … start_index+n-1
    get resident IDs no earlier index had. The same seed and start index give the
    same persons.
    """
    if start_index + n > MAX_PERSONS:
        raise ValueError(f"demo persons are limited to {MAX_PERSONS}")
    rng = random.Random(f"{seed}:{start_index}")
    regions = [r for r in regions if not r.is_city] or list(regions)
    if not regions:
        raise ValueError("no regions to place persons in")

    ethnicity_ids = _ids_by_name(Ethnicity)
    political_ids = _ids_by_name(PoliticalStatus)
    education_ids = _ids_by_name(Education)
    degree_ids = _ids_by_name(Degree)
    groups = list(PersonGroup.objects.filter(is_active=True).order_by("sort_order", "id"))
    subcategories: dict[int, list[SubCategory]] = {}
    for sub in SubCategory.objects.filter(is_active=True).order_by("sort_order", "id"):
        subcategories.setdefault(sub.group_id, []).append(sub)

    random_ = rng.random

    def pick(seq):
        # random.choice costs ten times more, which shows at a million rows.
        return seq[int(random_() * len(seq))]

    total_weight = sum(REGION_WEIGHTS.get(r.code, 3) for r in regions)
    size = max(n, QUOTA_REFERENCE_SIZE)
    p_city = LEVEL_CITY_QUOTA / size
    # The names above each node (市, 县区, 街道 …), for addresses and committees.
    ancestor_ids = {i for r in regions for i in r.ancestor_ids()}
    ancestors = {r.pk: r for r in Region.objects.filter(pk__in=ancestor_ids)}
    # Per region: (region, the address code its residents' IDs carry, the
    # level threshold below which a person is county-level, recommenders,
    # address prefix, the city's short name when it is not 南宁).
    region_rows = []
    for region in regions:
        weight = REGION_WEIGHTS.get(region.code, 3)
        above = [ancestors[i] for i in region.ancestor_ids() if i in ancestors]
        city = next((a for a in above if a.is_city), None)
        city_name = city.name if city else "南宁市"
        county = next((a for a in [*above, region] if a.is_county_level), region)
        if county.kind == Region.Kind.ZONE:
            recommenders, committee = ZONE_RECOMMENDERS, ""
        elif county.kind == Region.Kind.DISTRICT:
            recommenders, committee = RECOMMENDERS, f"{city_name}{county.name}"
        else:
            recommenders, committee = RECOMMENDERS, county.name
        city_short = city_name.removesuffix("市")
        recommenders = [r.format(r=committee).replace("南宁", city_short) for r in recommenders]
        county_share = LEVEL_COUNTY_QUOTA / (size * weight / total_weight)
        # Streets and communities carry their county's code (its first six digits).
        id_code = ID_ADDRESS_CODES.get(county.code, county.code[:6])
        address = "广西" + "".join(a.name for a in above if a.rank >= 1) + region.name
        other_city = city_short if city_short != "南宁" else ""
        region_rows.append(
            (
                (region, id_code, p_city + county_share, recommenders, address, other_city),
                weight,
            )
        )
    pick_region = _Weighted(region_rows, rng)

    pick_surname = _Weighted(SURNAMES, rng)
    pick_ethnicity = _Weighted(
        [(ethnicity_ids[name], w) for name, w in ETHNICITY_WEIGHTS if name in ethnicity_ids], rng
    )
    pick_political = _Weighted(
        [(political_ids[name], w) for name, w in POLITICAL_WEIGHTS if name in political_ids], rng
    )
    pick_education = _Weighted(
        [(name, w) for name, w in EDUCATION_WEIGHTS if name in education_ids], rng
    )
    pick_school = _Weighted(SCHOOLS, rng)
    pick_native = _Weighted(NATIVE_PLACES, rng)
    pick_mobile = _Weighted(MOBILE_PREFIXES, rng)
    pick_domain = _Weighted(EMAIL_DOMAINS, rng)
    pick_archive = _Weighted(ARCHIVE_REASONS, rng)
    cpc_id = political_ids.get("中共党员")

    # Per group: the sub-categories, each with (id, freelance field, employer
    # templates, job titles, professional titles).
    def classification(group: PersonGroup, sub: SubCategory | None) -> tuple:
        field = ""
        if group.is_freelance:
            # ①-③ (writing, art, performance) are the cultural field.
            cultural = sub is not None and sub.sort_order <= 3
            field = (
                Person.FreelanceField.CULTURE if cultural else Person.FreelanceField.SOCIO_ECONOMIC
            )
        employers, jobs, titles = EMPLOYERS.get(sub.name if sub else "", _GENERIC)
        return (sub.pk if sub else None, field, employers, jobs, titles)

    # Group 1 (enterprises) is the largest in every real database.
    pick_group = _Weighted(
        [
            (
                (group.pk, [classification(group, s) for s in subcategories.get(group.pk, [None])]),
                (45, 25, 15, 15)[i] if i < 4 else 5,
            )
            for i, group in enumerate(groups)
        ],
        rng,
    )

    # Given names repeat in real life (伟, 丽华 …): draw them from a fixed pool
    # per sex, which also lets the pinyin cache below hit.
    def given_pool(chars: list[str]) -> list[str]:
        return [
            "".join(pick(chars) for _ in range(1 if random_() < 0.2 else 2))
            for _ in range(GIVEN_POOL_SIZE)
        ]

    male, female = Person.Sex.MALE.value, Person.Sex.FEMALE.value
    given = {
        male: given_pool(_unique_chars(GIVEN_MALE + GIVEN_EITHER)),
        female: given_pool(_unique_chars(GIVEN_FEMALE + GIVEN_EITHER)),
    }

    derived_cache: dict[str, dict[str, str]] = {}
    ring = pii.keyring()  # once, not per row
    defaults = {f.attname: f.get_default() for f in Person._meta.concrete_fields}
    today = datetime.date.today()
    active, archived = Person.Status.ACTIVE.value, Person.Status.ARCHIVED.value
    levels = Person.Level.CITY.value, Person.Level.COUNTY.value, Person.Level.RESERVE.value

    for index in range(start_index, start_index + n):
        region, id_code, county_threshold, recommenders, address, other_city = pick_region()
        sex = male if random_() < 0.62 else female
        birth_date, sequence = _id_slot(index)
        # Pool indexes skewed towards the start: a few given names are very common.
        pool = given[sex]
        name = pick_surname() + pool[int(len(pool) * random_() ** 2)]
        id_number = resident_id_for(id_code, birth_date, sequence, sex)

        group_id, subs = pick_group()
        subcategory_id, freelance_field, employers, jobs, titles = pick(subs)
        employer = pick(employers).format(t=pick(TRADE_NAMES), i=pick(INDUSTRIES), r=region.name)
        if other_city:
            employer = employer.replace("南宁", other_city)
        job = pick(jobs)
        if isinstance(titles, dict):
            titles = titles.get(job) or ("",)

        education = pick_education()
        if education == "研究生":
            degree = "博士" if random_() < 0.15 else "硕士"
        elif education == "大学本科":
            degree = "学士" if random_() < 0.92 else "无"
        else:
            degree = None
        studied = education in ("研究生", "大学本科", "大学专科")
        career_start = min(
            birth_date.year + (22 if studied else 19) + int(random_() * 6), today.year
        )

        roll = random_()
        level = levels[0] if roll < p_city else levels[1] if roll < county_threshold else levels[2]

        derived = derived_cache.get(name)
        if derived is None:
            derived = derived_cache[name] = name_derived_fields(name)

        domain = pick_domain() if random_() < 0.35 else ""
        political_status_id = pick_political()
        status, archived_reason, archived_on, archived_note = active, "", None, ""
        if random_() < ARCHIVE_SHARE:
            status = archived
            archived_reason = pick_archive()
            archived_on = today - datetime.timedelta(days=30 + int(random_() * 1800))
            archived_note = ARCHIVE_NOTES[archived_reason]
            if archived_reason == "joined_cpc" and cpc_id:
                political_status_id = cpc_id

        row = dict(defaults)
        row.update(
            name=name,
            sex=sex,
            ethnicity_id=pick_ethnicity(),
            birth_date=birth_date,
            native_place=pick_native(),
            id_number=id_number,
            political_status_id=political_status_id,
            education_id=education_ids[education],
            degree_id=degree_ids.get(degree) if degree else None,
            school=pick_school() if studied else "",
            major=pick(MAJORS) if studied else "",
            employer=employer,
            job_title=job,
            professional_title=pick(titles),
            career_start_year=career_start,
            # Drawn here, in its turn, so a seed still yields the same persons.
            mobile=(mobile := f"{pick_mobile()}{int(random_() * 100_000_000):08d}"),
            email=f"{derived['name_pinyin']}{int(random_() * 10000)}@{domain}" if domain else "",
            address=f"{address}{pick(ROADS)}{1 + int(random_() * 300)}号",
            region_id=region.pk,
            group_id=group_id,
            subcategory_id=subcategory_id,
            freelance_field=freelance_field,
            level=level,
            resume=f"{career_start}年至今 {employer}{job}",
            recommender=pick(recommenders),
            status=status,
            archived_reason=archived_reason,
            archived_on=archived_on,
            archived_note=archived_note,
            **derived,
            **id_derived_fields(id_number, ring=ring),
            **mobile_derived_fields(mobile, ring=ring),
        )
        yield unsaved(Person, row)


# --- the records every app's demo fills (see the `demo_records` hook) ----------

# The person who moved: their records were made while they lived in 兴宁区; they
# now live in 柳州市鱼峰区, so both offices see the cross-region display.
MOVER_FROM, MOVER_TO = "450102", "450203"
MOVE_REASON = "迁居柳州市（演示数据）"


def demo_places() -> list[Region]:
    """The county-level units and streets/towns of the demo tree, in a fixed order."""
    return list(Region.objects.filter(depth__in=(2, 3), is_active=True).order_by("code"))


def demo_persons(region: Region, k: int, rng: random.Random) -> list[Person]:
    """Up to `k` active persons placed exactly at `region`, drawn by `rng`."""
    ids = list(
        Person.objects.filter(region=region, status=Person.Status.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)[:60]
    )
    chosen = rng.sample(ids, min(k, len(ids)))
    persons = Person.objects.filter(pk__in=chosen).select_related("region")
    return sorted(persons, key=lambda p: chosen.index(p.pk))


def demo_mover() -> Person | None:
    """The 兴宁区 person who will move to 柳州市 once every app has made its records."""
    return (
        Person.objects.filter(region__code=MOVER_FROM, status=Person.Status.ACTIVE)
        .select_related("region")
        .order_by("id")
        .first()
    )


def demo_mover_move() -> Person | None:
    """Move the demo mover through the ordinary service (history and audit row)."""
    from .services import person_update

    if Person.history.filter(history_change_reason=MOVE_REASON).exists():
        return None  # moved on an earlier run
    mover, target = demo_mover(), Region.objects.filter(code=MOVER_TO).first()
    if mover is None or target is None:
        return None
    return person_update(
        actor=None,
        person=mover,
        data={"region": target, "address": f"广西柳州市{target.name}文昌路18号"},
        expected_version=mover.version,
        reason=MOVE_REASON,
    )
