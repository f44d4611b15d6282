"""The structure analysis: every figure is a count over the database for the
page's filter, and the person list it links to shows exactly those persons."""

import datetime

import pytest
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.conftest import PASSWORD
from tongxin.people.models import Education, Ethnicity, Person, PersonGroup, PoliticalStatus

pytestmark = pytest.mark.django_db

URL = reverse("analysis:index")
ON = datetime.date(2026, 11, 22)


@pytest.fixture
def population(make_person, regions):
    """A small mixed population in two regions, one archived person."""
    han = Ethnicity.objects.get(name="汉族")
    zhuang = Ethnicity.objects.get(name="壮族")
    others = list(Ethnicity.objects.exclude(pk__in=[han.pk, zhuang.pk])[:6])
    groups = list(PersonGroup.objects.all()[:3])
    party = PoliticalStatus.objects.get(name="群众")
    xingning, qingxiu = regions["xingning"], regions["qingxiu"]
    made = [
        make_person("甲", region=xingning, birth_date=datetime.date(1990, 11, 23), sex="F"),
        make_person("乙", region=xingning, birth_date=datetime.date(1990, 11, 22)),
        make_person("丙", region=xingning, birth_date=datetime.date(1980, 1, 1), ethnicity=zhuang),
        make_person("丁", region=qingxiu, birth_date=datetime.date(1970, 5, 5), education=None),
        make_person("戊", region=qingxiu, birth_date=datetime.date(1965, 5, 5), group=groups[1]),
        make_person(
            "己", region=qingxiu, birth_date=datetime.date(1960, 5, 5), political_status=party
        ),
        make_person("庚", region=qingxiu, birth_date=datetime.date(1950, 5, 5), sex="F"),
        make_person("辛", region=xingning, group=groups[2], level=Person.Level.RESERVE),
    ]
    for i, ethnicity in enumerate(others):
        made.append(make_person(f"少{i}", region=qingxiu, ethnicity=ethnicity))
    archived = make_person("出", region=xingning, sex="F")
    Person.objects.filter(pk=archived.pk).update(status=Person.Status.ARCHIVED)
    return made


def _distributions(response) -> dict:
    return {d.key: d for d in response.context["data"].distributions}


def test_it_counts_each_distribution_over_the_database(client_for, city_user, population):
    client = client_for(city_user)
    response = client.get(URL, {"on": ON.isoformat()})
    assert response.status_code == 200
    assert "结构分析" in response.content.decode()
    active = Person.objects.filter(status=Person.Status.ACTIVE)
    assert response.context["data"].total == active.count() == len(population)
    dists = _distributions(response)
    assert set(dists) >= {
        "age",
        "sex",
        "ethnicity",
        "education",
        "political_status",
        "group",
        "subcategory",
    }

    sex = {b.label: b.count for b in dists["sex"].buckets}
    assert sex == {"男": active.filter(sex="M").count(), "女": active.filter(sex="F").count()}
    age = {b.label: b.count for b in dists["age"].buckets}
    # 甲 turns 36 the day after ON; 乙 turned 36 on ON.
    assert age["35岁及以下"] == 1
    assert (
        age["36—45岁"]
        == active.filter(
            birth_date__gt=datetime.date(1980, 11, 22), birth_date__lte=datetime.date(1990, 11, 22)
        ).count()
    )
    assert age["60岁以上"] == active.filter(birth_date__lte=datetime.date(1965, 11, 22)).count()
    assert sum(age.values()) == active.count()
    education = {b.label: b.count for b in dists["education"].buckets}
    assert education["未填写"] == active.filter(education__isnull=True).count() == 1
    assert education["大学本科"] == active.filter(education__name="大学本科").count()
    ethnicity = dists["ethnicity"].buckets
    assert [b.label for b in ethnicity][:1] == ["汉族"]
    assert ethnicity[-1].label == "其他民族"
    assert sum(b.count for b in ethnicity) == active.count()
    assert len(ethnicity) == 6
    groups = {b.label: b.count for b in dists["group"].buckets}
    assert sum(groups.values()) == active.count()


def test_it_links_every_bucket_to_a_list_of_exactly_its_persons(client_for, city_user, population):
    client = client_for(city_user)
    response = client.get(URL, {"on": ON.isoformat()})
    for distribution in _distributions(response).values():
        for bucket in distribution.buckets:
            listed = client.get(bucket.url)
            assert listed.status_code == 200, bucket.url
            assert listed.context["total"] == bucket.count, (distribution.key, bucket.label)
            assert not listed.context["filter"].errors


def test_it_lists_the_persons_of_an_age_band_at_the_chosen_day(client_for, city_user, population):
    client = client_for(city_user)
    response = client.get(URL, {"on": ON.isoformat()})
    band = next(b for b in _distributions(response)["age"].buckets if b.label == "35岁及以下")
    assert band.params == {"status": "active", "age": "-35", "on": "2026-11-22"}
    listed = client.get(band.url)
    names = [p.name for p in listed.context["page"].rows]
    assert names == ["甲"]
    page = listed.content.decode()
    assert "年龄：35岁及以下（按2026年11月22日计）" in page
    assert '<input type="hidden" name="age" value="-35">' in page


def test_it_shows_a_county_user_only_their_region(client_for, xingning_user, population, regions):
    client = client_for(xingning_user)
    response = client.get(URL)
    mine = Person.objects.filter(region=regions["xingning"], status=Person.Status.ACTIVE)
    assert response.context["data"].total == mine.count() == 4
    dists = _distributions(response)
    sex = {b.label: b.count for b in dists["sex"].buckets}
    assert sex == {"男": mine.filter(sex="M").count(), "女": mine.filter(sex="F").count()}
    for distribution in dists.values():
        assert sum(b.count for b in distribution.buckets if distribution.total) in (
            0,
            mine.count(),
        )
        for bucket in distribution.buckets:
            listed = client.get(bucket.url)
            assert listed.context["total"] == bucket.count
            assert all(p.region_id == regions["xingning"].pk for p in listed.context["page"].rows)
    # Another region chosen by hand gives nothing, not their figures.
    other = client.get(URL, {"region": regions["qingxiu"].pk})
    assert other.context["data"].total == 0
    assert "青秀区" not in [r.name for r in other.context["regions"]]


def test_it_narrows_by_region_group_and_level(client_for, city_user, population, regions):
    client = client_for(city_user)
    group = PersonGroup.objects.all()[2]
    response = client.get(
        URL, {"region": regions["xingning"].pk, "group": group.pk, "level": "reserve"}
    )
    assert response.context["data"].total == 1
    sex = next(d for d in response.context["data"].distributions if d.key == "sex")
    male = sex.buckets[0]
    assert male.params["region"] == str(regions["xingning"].pk)
    assert male.params["group"] == str(group.pk)
    assert male.params["level"] == "reserve"
    assert client.get(male.url).context["total"] == 1


def test_it_is_refused_to_evaluators_and_open_to_leaders(client_for, regions, leader_user):
    evaluator = User.objects.create_user("ev", password=PASSWORD, role=User.Role.EVALUATOR)
    assert client_for(evaluator).get(URL).status_code == 404
    assert client_for(evaluator).get(reverse("analysis:export")).status_code == 404
    response = client_for(leader_user).get(URL)
    assert response.status_code == 200
    assert "结构分析" in [i.get("label") for i in response.context["nav_items"]]


def test_it_sends_anonymous_users_to_login(client, regions):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_rejects_a_bad_date_with_a_message(client_for, city_user, population):
    response = client_for(city_user).get(URL, {"on": "2026-13-40"})
    assert response.status_code == 200
    assert "年龄计算日" in response.content.decode()


def test_it_pins_the_query_count(client_for, city_user, population, django_assert_num_queries):
    client = client_for(city_user)
    client.get(URL)  # fills the year-end snapshots once
    # Session, user, the data versions of the kept counts (persons — read
    # once a request —, positions, results, rounds), no kept year ends (so
    # each of the five years from history) and the kept year ends' query; the
    # dictionaries, groups and regions are kept rows.
    with django_assert_num_queries(12):
        client.get(URL)


def test_the_list_rejects_bad_analysis_filters_with_messages(client_for, city_user, regions):
    client = client_for(city_user)
    page = client.get(
        reverse("people:list"), {"age": "abc", "sex": "X", "grade": "Z", "education": "x"}
    ).content.decode()
    for text in ("年龄段", "性别", "最近评价等次", "学历"):
        assert f"筛选条件“{text}" in page


def test_the_list_keeps_education_none_and_ethnicity_lists(client_for, city_user, population):
    client = client_for(city_user)
    assert client.get(reverse("people:list"), {"education": "none"}).context["total"] == 1
    zhuang = Ethnicity.objects.get(name="壮族")
    han = Ethnicity.objects.get(name="汉族")
    both = client.get(reverse("people:list"), {"ethnicity": f"{zhuang.pk},{han.pk}"})
    assert (
        both.context["total"]
        == Person.objects.filter(status="active", ethnicity__in=[zhuang, han]).count()
    )
    assert "民族：" in both.content.decode()
    assert Education.objects.exists()


def _closed_round(name: str, closed_at: datetime.datetime, regions):
    from tongxin.evaluations.models import EvaluationRound, IndicatorSystem

    return EvaluationRound.objects.create(
        name=name,
        region=regions["city"],
        system=IndicatorSystem.objects.first(),
        deadline=closed_at.date(),
        status=EvaluationRound.Status.CLOSED,
        closed_at=closed_at,
    )


def test_it_counts_positions_held_and_latest_grades(
    client_for, xingning_user, make_person, regions
):
    from django.utils import timezone

    from tongxin.engagement.models import Position, PositionType, RecordStatus
    from tongxin.evaluations.models import RoundResult

    a = make_person("甲", region=regions["xingning"])
    b = make_person("乙", region=regions["xingning"])
    c = make_person("丙", region=regions["xingning"])
    other = make_person("外", region=regions["qingxiu"])
    start = datetime.date(2024, 1, 1)
    for person, kind in ((a, "cppcc"), (a, "deputy"), (b, "cppcc"), (other, "cppcc")):
        Position.objects.create(person=person, region=person.region, type=kind, start_date=start)
    Position.objects.create(  # ended: not held any more
        person=c,
        region=c.region,
        type="cppcc",
        start_date=start,
        end_date=datetime.date(2025, 1, 1),
    )
    Position.objects.create(  # cancelled
        person=c, region=c.region, type="deputy", start_date=start, status=RecordStatus.CANCELLED
    )
    old = _closed_round("2024年度", timezone.make_aware(datetime.datetime(2025, 1, 10)), regions)
    new = _closed_round("2025年度", timezone.make_aware(datetime.datetime(2026, 1, 10)), regions)
    RoundResult.objects.create(round=old, person=a, n_evaluators=3, grade="D")
    RoundResult.objects.create(round=new, person=a, n_evaluators=3, grade="A")
    RoundResult.objects.create(round=old, person=b, n_evaluators=3, grade="B")
    RoundResult.objects.create(round=new, person=other, n_evaluators=3, grade="A")

    client = client_for(xingning_user)
    dists = _distributions(client.get(URL))
    positions = {b.label: b.count for b in dists["position"].buckets}
    assert positions[PositionType.CPPCC.label] == 2
    assert positions[PositionType.DEPUTY.label] == 1
    grades = {b.label: b.count for b in dists["grade"].buckets}
    assert grades == {"A级": 1, "B级": 1, "C级": 0, "D级": 0, "未评价": 1}
    for key in ("position", "grade"):
        for bucket in dists[key].buckets:
            listed = client.get(bucket.url)
            assert listed.context["total"] == bucket.count, (key, bucket.label)
    graded_a = client.get(next(b for b in dists["grade"].buckets if b.label == "A级").url)
    assert [p.name for p in graded_a.context["page"].rows] == ["甲"]
    assert "最近评价等次：A级" in graded_a.content.decode()


def test_it_counts_afresh_after_any_change(client_for, city_user, make_person, regions):
    client = client_for(city_user)
    person = make_person("甲", region=regions["xingning"])
    assert client.get(URL).context["data"].total == 1
    make_person("乙", region=regions["qingxiu"])
    assert client.get(URL).context["data"].total == 2
    from tongxin.people.services import person_archive

    person_archive(actor=city_user, person=person, reason="withdrew", on_date=ON)
    assert client.get(URL).context["data"].total == 1


def _grouped_person_counts(queries) -> list[str]:
    """Grouped counts over the persons (not the per-filter positions and grades)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "people_person"') and "GROUP BY" in q["sql"]
    ]


def test_one_count_serves_every_region_group_and_level(client_for, city_user, population, regions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(city_user)
    client.get(URL, {"on": ON.isoformat()})  # counts everything the user sees, once
    groups = list(PersonGroup.objects.all()[:3])
    for region in (None, regions["xingning"], regions["qingxiu"]):
        for group in (None, *groups):
            for level in ("", "county", "reserve"):
                params = {"on": ON.isoformat(), "level": level}
                chosen = Person.objects.filter(status=Person.Status.ACTIVE)
                if region:
                    params["region"] = region.pk
                    chosen = chosen.filter(region=region)
                if group:
                    params["group"] = group.pk
                    chosen = chosen.filter(group=group)
                if level:
                    chosen = chosen.filter(level=level)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(URL, params)
                assert _grouped_person_counts(queries) == []
                data = response.context["data"]
                assert data.total == chosen.count(), params
                dists = _distributions(response)
                for key in ("age", "sex", "ethnicity", "education", "political_status", "group"):
                    assert sum(b.count for b in dists[key].buckets) == data.total, (key, params)
                sex = {b.params["sex"]: b.count for b in dists["sex"].buckets}
                assert sex == {
                    "M": chosen.filter(sex="M").count(),
                    "F": chosen.filter(sex="F").count(),
                }
                subcategories = {b.label: b.count for b in dists["subcategory"].buckets}
                assert sum(subcategories.values()) == data.total


def test_it_never_shows_one_users_positions_to_another(
    client_for, city_user, xingning_user, make_person, regions
):
    from tongxin.engagement.models import Position, PositionType

    mine = make_person("甲", region=regions["xingning"])
    theirs = make_person("乙", region=regions["qingxiu"])
    for person in (mine, theirs):
        Position.objects.create(
            person=person, region=person.region, type="cppcc", start_date=datetime.date(2024, 1, 1)
        )

    def held(user, **params) -> int:
        dists = _distributions(client_for(user).get(URL, params))
        return next(
            b.count for b in dists["position"].buckets if b.label == PositionType.CPPCC.label
        )

    assert held(city_user) == 2
    assert held(xingning_user) == 1
    assert held(city_user, region=regions["qingxiu"].pk) == 1


# Born on each side of every age band's edges at ON (2026-11-22).
BIRTHS = [
    datetime.date(1990, 11, 23),  # 35
    datetime.date(1990, 11, 22),  # 36
    datetime.date(1985, 6, 1),
    datetime.date(1980, 11, 23),  # 45
    datetime.date(1980, 11, 22),  # 46
    datetime.date(1975, 1, 1),
    datetime.date(1970, 11, 23),  # 55
    datetime.date(1970, 11, 22),  # 56
    datetime.date(1968, 3, 3),
    datetime.date(1965, 11, 23),  # 60
    datetime.date(1965, 11, 22),  # 61
    datetime.date(1955, 5, 5),
]
# Eight in all, seven of them in 兴宁区 (odd places): both see a "其他民族".
ETHNICITIES = (
    "汉族 汉族 壮族 壮族 汉族 瑶族 壮族 苗族 汉族 侗族 瑶族 回族 汉族 满族 汉族 蒙古族 汉族 汉族"
)


@pytest.fixture
def spread(make_person, city_user, regions):
    """Eighteen active persons over every value the page splits by (no
    education, no sub-category, eight ethnicities, four groups, positions held
    and ended, grades of a closed and of an open round) in two regions, and
    two archived persons who hold a position and a grade but count nowhere."""
    from tongxin.engagement.models import Position, RecordStatus
    from tongxin.evaluations.models import EvaluationRound, RoundResult
    from tongxin.people.services import person_archive

    educations = [*Education.objects.all()[:3], None]
    statuses = list(PoliticalStatus.objects.all()[:5])
    kinds = []
    for group in PersonGroup.objects.all():
        first = group.subcategories.first()
        kinds += [(group, first), (group, None)]
    levels = list(Person.Level.values)
    made = []
    for i, ethnicity in enumerate(ETHNICITIES.split()):
        group, subcategory = kinds[i % len(kinds)]
        made.append(
            make_person(
                f"人{i}",
                region=regions["xingning"] if i % 2 else regions["qingxiu"],
                birth_date=BIRTHS[i % len(BIRTHS)],
                sex="F" if i % 3 == 0 else "M",
                ethnicity=Ethnicity.objects.get(name=ethnicity),
                education=educations[i % len(educations)],
                political_status=statuses[i % len(statuses)],
                group=group,
                subcategory=subcategory,
                freelance_field="culture" if group.is_freelance else "",
                level=levels[i % len(levels)],
            )
        )
    gone = []
    for region in (regions["xingning"], regions["qingxiu"]):
        person = make_person(
            "出库", region=region, sex="F", education=None, group=kinds[-1][0], subcategory=None
        )
        gone.append(person_archive(actor=city_user, person=person, reason="withdrew", on_date=ON))

    start = datetime.date(2024, 1, 1)
    for person, kind in ((made[0], "cppcc"), (made[0], "deputy"), (made[1], "cppcc")):
        Position.objects.create(person=person, region=person.region, type=kind, start_date=start)
    Position.objects.create(person=made[3], region=made[3].region, type="trade", start_date=start)
    Position.objects.create(  # ended
        person=made[2],
        region=made[2].region,
        type="cppcc",
        start_date=start,
        end_date=datetime.date(2025, 1, 1),
    )
    Position.objects.create(  # cancelled
        person=made[5],
        region=made[5].region,
        type="deputy",
        start_date=start,
        status=RecordStatus.CANCELLED,
    )
    for person in gone:
        Position.objects.create(person=person, region=person.region, type="cppcc", start_date=start)
    closed = _closed_round("2025年度", timezone.make_aware(datetime.datetime(2026, 1, 10)), regions)
    ongoing = _closed_round("2026年度", timezone.make_aware(datetime.datetime(2026, 6, 1)), regions)
    ongoing.status = EvaluationRound.Status.OPEN
    ongoing.save(update_fields=["status"])
    for person, grade in ((made[0], "A"), (made[1], "B"), (made[4], "A"), (made[5], "C")):
        RoundResult.objects.create(round=closed, person=person, n_evaluators=3, grade=grade)
    RoundResult.objects.create(round=ongoing, person=made[6], n_evaluators=3, grade="D")
    for person in gone:
        RoundResult.objects.create(round=closed, person=person, n_evaluators=3, grade="A")
    return made


def _expected_buckets(persons) -> dict[str, list[tuple[str, object]]]:
    """(label, condition) of each bucket the page should show for `persons`,
    written straight in the ORM rather than through the person list's filters."""
    from tongxin.engagement.models import Position, PositionType
    from tongxin.evaluations.models import RoundResult
    from tongxin.people.models import SubCategory

    def present(rows):
        return [(label, q) for label, q in rows if persons.filter(q).exists()]

    day = datetime.date
    expected = {
        "age": [
            ("35岁及以下", Q(birth_date__gt=day(1990, 11, 22))),
            ("36—45岁", Q(birth_date__gt=day(1980, 11, 22), birth_date__lte=day(1990, 11, 22))),
            ("46—55岁", Q(birth_date__gt=day(1970, 11, 22), birth_date__lte=day(1980, 11, 22))),
            ("56—60岁", Q(birth_date__gt=day(1965, 11, 22), birth_date__lte=day(1970, 11, 22))),
            ("60岁以上", Q(birth_date__lte=day(1965, 11, 22))),
        ],
        "sex": [("男", Q(sex="M")), ("女", Q(sex="F"))],
    }
    ranked = sorted(
        (
            (-persons.filter(ethnicity=e).count(), e.pk, e.name)
            for e in Ethnicity.objects.all()
            if persons.filter(ethnicity=e).exists()
        ),
    )
    expected["ethnicity"] = [(name, Q(ethnicity__name=name)) for _, _, name in ranked[:5]]
    if ranked[5:]:
        expected["ethnicity"].append(
            ("其他民族", Q(ethnicity__name__in=[name for _, _, name in ranked[5:]]))
        )
    expected["education"] = present(
        [(e.name, Q(education=e)) for e in Education.objects.all()]
        + [("未填写", Q(education__isnull=True))]
    )
    expected["political_status"] = present(
        [(s.name, Q(political_status=s)) for s in PoliticalStatus.objects.all()]
        + [("未填写", Q(political_status__isnull=True))]
    )
    expected["group"] = present(
        [(g.short_name or g.name, Q(group=g)) for g in PersonGroup.objects.all()]
    )
    expected["subcategory"] = present(
        [(s.name, Q(subcategory=s)) for s in SubCategory.objects.all()]
        + [("未细分", Q(subcategory__isnull=True))]
    )
    today = timezone.localdate()
    held = Position.objects.filter(person=OuterRef("pk"), status="active").filter(
        Q(end_date__isnull=True) | Q(end_date__gt=today)
    )
    expected["position"] = [
        (label, Q(Exists(held.filter(type=value)))) for value, label in PositionType.choices
    ]
    graded = RoundResult.objects.filter(person=OuterRef("pk"), round__status="closed")
    expected["grade"] = [
        (f"{g}级", Q(Exists(graded.filter(grade=g)))) for g in ("A", "B", "C", "D")
    ] + [("未评价", ~Q(Exists(graded.exclude(grade=""))))]
    return expected


def _listed_ids(client, url: str) -> set[int]:
    """Every person id the person list shows at `url`, page after page."""
    ids: set[int] = set()
    after = ""
    while True:
        response = client.get(url + (f"&after={after}" if after else ""))
        assert response.status_code == 200, url
        assert not response.context["filter"].errors, url
        page = response.context["page"]
        ids |= {p.pk for p in page.rows}
        if not page.next_cursor:
            return ids
        after = page.next_cursor


@pytest.mark.parametrize("who", ["city", "county"])
def test_every_bucket_is_its_own_count_and_lists_exactly_its_persons(
    who, client_for, city_user, xingning_user, spread, regions, settings
):
    settings.PAGE_SIZE = 4  # the lists run over several pages
    user = city_user if who == "city" else xingning_user
    persons = Person.objects.filter(status=Person.Status.ACTIVE)
    if who == "county":
        persons = persons.filter(region=regions["xingning"])
    client = client_for(user)
    response = client.get(URL, {"on": ON.isoformat()})
    assert response.context["data"].total == persons.count() == (18 if who == "city" else 9)
    dists = _distributions(response)
    expected = _expected_buckets(persons)
    assert set(dists) == set(expected)
    for key, rows in expected.items():
        shown = [(b.label, b.count) for b in dists[key].buckets]
        assert shown == [(label, persons.filter(q).count()) for label, q in rows], key
        for bucket, (label, q) in zip(dists[key].buckets, rows, strict=True):
            ids = set(persons.filter(q).values_list("pk", flat=True))
            assert _listed_ids(client, bucket.url) == ids, (key, label, bucket.url)
    # Several values in each distribution, and both kinds of "not filled in".
    assert len(dists["ethnicity"].buckets) == 6
    assert "未填写" in [b.label for b in dists["education"].buckets]
    assert "未细分" in [b.label for b in dists["subcategory"].buckets]
    assert all(len(dists[key].buckets) >= 3 for key in ("group", "political_status"))


def test_long_or_many_labels_are_drawn_as_horizontal_bars():
    from tongxin.analysis.selectors import Bucket, Distribution

    def chart(labels):
        buckets = [Bucket(label, 1, None) for label in labels]
        return Distribution("subcategory", "细分类别", buckets).as_chart()["chart"]

    # the six freelance sub-categories overlapped under a vertical axis
    freelance = ["自由写作人员", "自由文艺创作人员", "自由演艺人员", "自由策划咨询人员",
                 "知识型市场服务人员", "技能型市场服务人员", "未细分"]  # fmt: skip
    assert chart(freelance) == "hbar"
    assert chart(["35岁及以下", "36—45岁", "46—55岁", "56—60岁", "60岁以上"]) == "bar"
    assert chart(["A级", "B级", "C级", "D级", "未评价"]) == "bar"
    pie = Distribution("sex", "性别结构", [Bucket("男", 1, None)], chart="pie").as_chart()
    assert pie["chart"] == "pie"
