"""Demo records for 培养使用: a few of every kind in every county-level unit and
street of the demo tree, plus city- and province-wide ones whose participants,
members and child organisations come from several regions.

Everything goes through services.py (history rows and audit entries as in
real use), with actor None: the system itself.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from tongxin.people.demo import demo_mover, demo_persons, demo_places
from tongxin.regions.models import Region

from .models import (
    Activity,
    ActivityParticipant,
    ActivityType,
    Cluster,
    Honour,
    Nomination,
    Organisation,
    OrganisationMember,
    Position,
    PositionLevel,
    PositionType,
    Training,
    TrainingParticipant,
)
from .services import (
    member_end,
    nomination_advance,
    nomination_create,
    participant_update,
    person_add,
    person_withdraw,
    record_create,
)

PLACES = ["区委党校报告厅", "同心会客厅", "新时代文明实践中心", "统战部会议室", "青年创业园"]
TOPICS = ["学习贯彻全会精神座谈会", "“同心助企”调研活动", "民营企业家恳谈会", "乡村振兴志愿服务"]
COURSES = ["新的社会阶层人士理论研修班", "党外代表人士履职能力培训", "非公经济人士政治引领培训"]
HONOURS = [
    ("优秀中国特色社会主义事业建设者", Honour.Level.PROVINCE, "自治区党委统战部"),
    ("统战工作先进个人", Honour.Level.CITY, "市委统战部"),
    ("优秀新的社会阶层人士", Honour.Level.COUNTY, "区委统战部"),
]
STAGES = [
    Nomination.Stage.RECOMMENDED,
    Nomination.Stage.INSPECTED,
    Nomination.Stage.DECIDED,
    Nomination.Stage.APPOINTED,
    Nomination.Stage.REJECTED,
]


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _activity(
    region: Region, title: str, start: datetime.date, persons, *, withdraw=True, organisation=None
):
    activity = record_create(
        actor=None,
        model=Activity,
        data={
            "region": region,
            "type": ActivityType.objects.order_by("sort_order", "id").first(),
            "title": title,
            "start_date": start,
            "place": f"{region.name}{PLACES[len(title) % len(PLACES)]}",
            "organiser": f"{region.name}委统战部",
            "organisation": organisation,
        },
    )
    rows = [
        person_add(actor=None, target=activity, person=p, role=ActivityParticipant.Role.PARTICIPANT)
        for p in persons
    ]
    if start <= timezone.localdate():
        for row in rows[:-1]:
            participant_update(
                actor=None, participant=row, attendance=ActivityParticipant.Attendance.ATTENDED
            )
    if withdraw and len(rows) > 2:
        person_withdraw(actor=None, row=rows[-1], reason="报名有误")
    return activity


def _training(region: Region, course: str, start: datetime.date, persons):
    training = record_create(
        actor=None,
        model=Training,
        data={
            "region": region,
            "course": course,
            "organiser": f"{region.name}委统战部",
            "start_date": start,
            "end_date": start + _days(3),
            "hours": 24,
        },
    )
    rows = [person_add(actor=None, target=training, person=p) for p in persons]
    if len(rows) > 2:
        person_withdraw(actor=None, row=rows[-1], reason="因工作冲突未参训")
    return training


def _organisation(region: Region, name: str, kind: str, parent=None, cluster=None):
    return record_create(
        actor=None,
        model=Organisation,
        data={
            "region": region,
            "name": name,
            "kind": kind,
            "parent": parent,
            "cluster": cluster,
            "founded_on": datetime.date(2018 + len(name) % 6, 6, 1),
        },
    )


def _members(organisation, persons, start: datetime.date, today: datetime.date) -> None:
    roles = [OrganisationMember.Role.PRESIDENT, OrganisationMember.Role.VICE_PRESIDENT]
    for i, person in enumerate(persons):
        role = roles[i] if i < len(roles) else OrganisationMember.Role.MEMBER
        member = person_add(
            actor=None, target=organisation, person=person, role=role, start_date=start
        )
        if i == len(persons) - 1 and i >= 2:
            member_end(actor=None, member=member, on_date=today - _days(30))


def _person_records(person, rng: random.Random, today: datetime.date, i: int) -> None:
    """Record number i of a region: a position (current, or ended for every
    third), a nomination (its stage cycles through them all), or an honour."""
    kind = i % 3
    if kind == 0:
        levelled = i % 2 == 0
        start = today - _days(400 + 200 * (i % 5))
        record_create(
            actor=None,
            model=Position,
            data={
                "person": person,
                "type": PositionType.CPPCC if levelled else PositionType.TRADE,
                "level": PositionLevel.COUNTY if levelled else "",
                "term": "第十届" if levelled else "",
                "organisation": f"{person.region.name}政协" if levelled else "工商业联合会",
                "title": "委员" if levelled else "常务委员",
                "start_date": start,
                "end_date": start + _days(365) if i % 9 == 6 else None,
            },
        )
        return
    if kind == 1:
        stage = STAGES[(i // 3) % len(STAGES)]
        on = today - _days(120)
        nomination = nomination_create(
            actor=None,
            on_date=on,
            data={
                "person": person,
                "position_type": PositionType.DEPUTY,
                "position_level": PositionLevel.COUNTY,
                "position_term": "第十一届",
                "organisation": f"{person.region.name}人大",
                "title": "代表",
                "recommending_unit": f"{person.region.name}工商业联合会",
            },
        )
        if stage == Nomination.Stage.REJECTED:
            path = [Nomination.Stage.INSPECTED, Nomination.Stage.REJECTED]
        else:
            path = STAGES[1 : STAGES.index(stage) + 1]
        for step, next_stage in enumerate(path, start=1):
            nomination_advance(
                actor=None, nomination=nomination, stage=next_stage, on_date=on + _days(20 * step)
            )
        return
    title, level, body = HONOURS[rng.randrange(len(HONOURS))]
    record_create(
        actor=None,
        model=Honour,
        data={
            "person": person,
            "title": title,
            "level": level,
            "awarding_body": body,
            "date": today - _days(60 + 30 * (i % 7)),
        },
    )


def _region_records(
    region: Region,
    rng: random.Random,
    today: datetime.date,
    associations: dict[int, Organisation],
    counter: list[int],
) -> list:
    """Every kind of record in one county-level unit or street; returns its persons.

    The region's association joins `associations` (region id → organisation),
    under its parent region's.
    """
    persons = demo_persons(region, 8, rng)
    if region.code == "450102":
        mover = demo_mover()
        if mover is not None and mover not in persons:
            persons = [mover, *persons[:7]]
    if len(persons) < 3:
        return persons
    cluster = record_create(
        actor=None,
        model=Cluster,
        data={"region": region, "name": f"{region.name}创意产业园", "description": "演示数据"},
    )
    rows = [person_add(actor=None, target=cluster, person=person) for person in persons[:4]]
    person_withdraw(actor=None, row=rows[-1], reason="已迁出该园区")
    parent = associations.get(region.parent_id)
    associations[region.pk] = branch = _organisation(
        region,
        f"{region.name}新的社会阶层人士联谊会",
        Organisation.Kind.BRANCH if parent else Organisation.Kind.ASSOCIATION,
        parent=parent,
        cluster=cluster,
    )
    _members(branch, persons[:4], today - _days(500), today)
    _activity(region, f"{region.name}{TOPICS[0]}", today - _days(40), persons[:4])
    if region.code == "450102":
        # One coming activity, on the home page of 兴宁区 and above, run with
        # the city's association (an organisation outside 兴宁区's scope).
        _activity(
            region,
            f"{region.name}{TOPICS[1]}",
            today + _days(10),
            persons[2:6],
            withdraw=False,
            organisation=parent,
        )
    _training(region, f"{region.name}{COURSES[0]}", today - _days(90), persons[3:7])
    if region.code == "450102":
        _person_records(persons[0], rng, today, 0)  # the mover's position
    # The counter runs across regions, so the nomination stages and the ended
    # positions are spread over them.
    for person in persons[:3]:
        _person_records(person, rng, today, counter[0])
        counter[0] += 1
    return persons


@transaction.atomic
def demo_records_ensure(*, seed: int = 1) -> list[str]:
    """Fill 培养使用 once; returns what was made (empty if it was there already)."""
    if Activity.objects.exists():
        return []
    rng = random.Random(f"engagement:{seed}")
    today = timezone.localdate()
    province = Region.objects.filter(kind=Region.Kind.PROVINCE).order_by("code").first()
    cities = list(Region.objects.filter(kind=Region.Kind.CITY).order_by("code"))
    if province is None or not cities:
        return []
    top = _organisation(province, "广西新的社会阶层人士联合会", Organisation.Kind.ASSOCIATION)
    associations = {}
    for city in cities:
        associations[city.pk] = _organisation(
            city, f"{city.name}新的社会阶层人士联合会", Organisation.Kind.BRANCH, parent=top
        )
    by_city: dict[int, list] = {city.pk: [] for city in cities}
    counter = [0]
    # Ordered by code, so a county comes before its streets.
    for region in demo_places():
        persons = _region_records(region, rng, today, associations, counter)
        city_id = next((i for i in region.ancestor_ids() if i in by_city), None)
        if city_id is not None:
            by_city[city_id].extend(persons[5:])
    # City-wide and province-wide records whose persons come from several regions.
    everyone = []
    for city in cities:
        persons = by_city[city.pk][:10]
        everyone.extend(persons[:4])
        _activity(city, f"{city.name}{TOPICS[2]}", today - _days(20), persons)
        _activity(city, f"{city.name}{TOPICS[1]}", today + _days(14), persons[:5], withdraw=False)
        _training(city, f"{city.name}{COURSES[1]}", today - _days(150), persons[::-1])
        _members(associations[city.pk], persons[:5], today - _days(700), today)
    _activity(province, f"全区{TOPICS[3]}", today - _days(75), everyone)
    _training(province, f"全区{COURSES[2]}", today - _days(200), everyone[::2])
    _members(top, everyone[:6], today - _days(900), today)
    return [
        f"培养使用：活动 {Activity.objects.count()} 个，培训 {Training.objects.count()} 期，"
        f"组织 {Organisation.objects.count()} 个，聚集区域 {Cluster.objects.count()} 个，"
        f"职务 {Position.objects.count()} 条，提名 {Nomination.objects.count()} 条，"
        f"表彰 {Honour.objects.count()} 条，培训学员 {TrainingParticipant.objects.count()} 人次"
    ]


# --- invitations (answered on the persons' own pages; tongxin/portal/demo.py) -------------

INVITATION_NOTE = "请提前15分钟到场签到。"
# The 兴宁区 persons the portal demo opens (tongxin/portal/demo.py): invited to
# 兴宁区's coming activity and training.
PORTAL_INVITEES = 3


def portal_invitees(region: Region | None) -> list:
    """The first active persons of `region` (兴宁区) but the demo mover, who
    leaves for 柳州市 at the end of the demo: their pages are the portal demo's."""
    from tongxin.people.models import Person

    mover = demo_mover()
    coming = ActivityParticipant.objects.filter(activity__start_date__gt=timezone.localdate())
    persons = Person.objects.filter(region=region, status=Person.Status.ACTIVE).exclude(
        pk__in=coming.values("person_id")
    )
    if mover is not None:
        persons = persons.exclude(pk=mover.pk)
    return list(persons.order_by("id")[:PORTAL_INVITEES])


def _coming_training(region: Region, today: datetime.date) -> Training:
    return record_create(
        actor=None,
        model=Training,
        data={
            "region": region,
            "course": f"{region.name}{COURSES[1]}（第二期）",
            "organiser": f"{region.name}委统战部",
            "start_date": today + _days(21),
            "end_date": today + _days(23),
            "hours": 16,
        },
    )


@transaction.atomic
def demo_invitations_ensure(*, seed: int = 1) -> list[str]:
    """Invitations to every coming activity, and to a coming training in 兴宁区,
    sent by the system; all unanswered here (the portal demo answers some as
    the persons). Once: nothing if any invitation exists."""
    from tongxin.people.models import Person

    from .invitations import invitations_send
    from .models import Invitation

    if Invitation.objects.exists():
        return []
    rng = random.Random(f"invitations:{seed}")
    today = timezone.localdate()
    coming = list(
        Activity.objects.filter(start_date__gt=today + _days(3), status="active").order_by("id")
    )
    xingning = Region.objects.filter(code="450102").first()
    targets = []
    for activity in coming:
        in_list = activity.participants.values("person_id")
        persons = [p.pk for p in demo_persons(activity.region, 8, rng)]
        chosen = Person.objects.filter(pk__in=persons).exclude(pk__in=in_list)
        if activity.region == xingning:
            # The first persons of 兴宁区 (their pages are the portal demo's), and
            # one of 青秀区 invited with them: 兴宁区 staff see "其他区域人员 1 名".
            firsts = portal_invitees(xingning)
            other = demo_persons(Region.objects.get(code="450103"), 1, rng)
            chosen = Person.objects.filter(
                pk__in=[*persons, *[p.pk for p in firsts], *[p.pk for p in other]]
            ).exclude(pk__in=in_list)
        respond_by = min(activity.start_date - _days(3), today + _days(7))
        invitations_send(
            actor=None, target=activity, persons=chosen, respond_by=respond_by,
            note=INVITATION_NOTE,
        )  # fmt: skip
        targets.append(activity)
    if xingning is not None:
        training = _coming_training(xingning, today)
        firsts = [p.pk for p in portal_invitees(xingning)]
        invitations_send(
            actor=None, target=training, persons=Person.objects.filter(pk__in=firsts),
            respond_by=today + _days(10), note="培训期间统一安排食宿。",
        )  # fmt: skip
        targets.append(training)
    return [
        f"活动邀请：{Invitation.objects.count()} 份，发给 {len(targets)} 个即将开始的活动和培训"
        "（答复见个人页面演示）"
    ]
