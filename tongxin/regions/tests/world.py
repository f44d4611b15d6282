"""A small province in which every module has records in several regions,
with records that point across regions — the ground the leak test walks.

    广西壮族自治区 (province)
    ├── 南宁市 (city)
    │   ├── 兴宁区 ── 民生街道 ── 民生社区
    │   └── 青秀区
    └── 柳州市 (city) ── 城中区

Every name and title carries its region's marker (兴宁, 街道, 青秀, 城中), so a
page that names a record outside the viewer's scope shows a marker it must not.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.conftest import PASSWORD
from tongxin.engagement.models import (
    Activity,
    ActivityParticipant,
    ActivityType,
    Cluster,
    ClusterMembership,
    Honour,
    Invitation,
    Nomination,
    Organisation,
    OrganisationMember,
    ParticipantBatch,
    Position,
    PositionType,
    Secondment,
    Training,
    TrainingParticipant,
)
from tongxin.evaluations.models import (
    EvaluationRound,
    EvaluationSheet,
    IndicatorSystem,
    RoundResult,
)
from tongxin.flows.models import ChangeRequest as FlowRequest
from tongxin.imports.models import ImportBatch, PhotoBatch, ValueMappingProposal
from tongxin.levels.models import LevelChange, PersonReview, ReviewCycle
from tongxin.levels.tiers import tier_for
from tongxin.people.models import Person
from tongxin.portal.models import ChangeItem, PersonalLink, SubmissionAttachment
from tongxin.portal.models import ChangeRequest as PortalChange
from tongxin.privacy.models import PrivacyRequest
from tongxin.regions.models import Region
from tongxin.reports.models import ReportJob
from tongxin.service.models import RequestCategory, ServiceRequest, Suggestion

# marker → the pinyin-free label used in names and titles
UNITS = {"street": "街道", "xingning": "兴宁", "qingxiu": "青秀", "chengzhong": "城中"}


@dataclass
class World:
    regions: dict
    users: dict
    persons: dict  # unit → Person made there (the mover is under "mover")
    records: list = field(default_factory=list)  # every region-owned record made

    def strings_of(self, unit: str) -> set[str]:
        """The names and titles that belong to `unit`'s records only."""
        label = UNITS[unit]
        return {f"{label}{suffix}" for suffix in SUFFIXES}


SUFFIXES = [
    "甲",  # person name: e.g. 兴宁甲
    "活动",
    "培训",
    "组织",
    "聚集区",
    "建言",
    "诉求内容",
    "评价批次",
    "挂职单位",
    "表彰",
    "推荐单位",
    "指标体系",
    "写法",  # a value-mapping proposal (imports)
    "照片包",  # a photo batch (imports)
    "附件.pdf",  # a file the person attached to a request (portal)
    "推荐理由",  # a change request's reason (tongxin/flows)
    "谢绝原因",  # why a person declined an invitation (engagement)
]


def build_world(make_person, regions) -> World:
    today = timezone.localdate()
    province = Region.objects.create(code="450000", name="广西壮族自治区", kind="province")
    city = regions["city"]
    city.parent = province
    city.save()
    street = Region.objects.create(
        code="450102001", name="民生街道", kind="street", parent=regions["xingning"]
    )
    Region.objects.create(code="450102001001", name="民生社区", kind="community", parent=street)
    liuzhou = Region.objects.create(
        code="450200", name="柳州市", kind="city", parent=province, sort_order=2
    )
    chengzhong = Region.objects.create(
        code="450202", name="城中区", kind="district", parent=liuzhou
    )
    unit_regions = {
        "street": street,
        "xingning": regions["xingning"],
        "qingxiu": regions["qingxiu"],
        "chengzhong": chengzhong,
    }
    all_regions = {**regions, "province": province, "liuzhou": liuzhou, **unit_regions}

    def user(name, role, *placed):
        account = User.objects.create_user(username=name, password=PASSWORD, role=role)
        account.regions.set(placed)
        return account

    users = {
        "xingning": user("xingning", User.Role.COUNTY, regions["xingning"]),
        "jiedao": user("jiedao", User.Role.COUNTY, street),
        "liuzhou": user("liuzhou", User.Role.CITY, liuzhou),
        "leader": user("leader", User.Role.LEADER, city),
        "evaluator": user("evaluator", User.Role.EVALUATOR),
        "province": user("province", User.Role.CITY, province),
    }

    # Each person's mobile and ID are unique to them (make_person numbers IDs).
    persons = {}
    for n, (unit, label) in enumerate(UNITS.items()):
        persons[unit] = make_person(
            f"{label}甲",
            region=unit_regions[unit],
            mobile=f"1390000{n:04d}",
            employer=f"{label}公司",
        )
    # Registered in 兴宁区, moved to 城中区 after the office recorded things about them.
    mover = make_person(
        "迁出乙", region=regions["xingning"], mobile="13911112222", employer="城中新单位"
    )
    persons["mover"] = mover

    activity_type = ActivityType.objects.first()
    category = RequestCategory.objects.first()
    system = IndicatorSystem.objects.create(name="南宁指标体系", region=city)
    cycle = ReviewCycle.objects.create(year=today.year)
    records = []

    def make(model, **fields):
        record = model.objects.create(**fields)
        records.append(record)
        return record

    by_unit = {}
    for unit, label in UNITS.items():
        region, person = unit_regions[unit], persons[unit]
        made = by_unit[unit] = {}
        made["activity"] = make(
            Activity, region=region, type=activity_type, title=f"{label}活动", start_date=today
        )
        made["training"] = make(
            Training, region=region, course=f"{label}培训", organiser="组织部", start_date=today
        )
        made["organisation"] = make(
            Organisation, region=region, kind=Organisation.Kind.values[0], name=f"{label}组织"
        )
        made["cluster"] = make(Cluster, region=region, name=f"{label}聚集区")
        make(
            Secondment, region=region, person=person, host_unit=f"{label}挂职单位", post="副主任",
            start_date=today,
        )  # fmt: skip
        make(Position, region=region, person=person, type=PositionType.values[0], start_date=today)
        make(
            Nomination, region=region, person=person, position_type=PositionType.values[0],
            recommending_unit=f"{label}推荐单位",
        )  # fmt: skip
        make(
            Honour, region=region, person=person, title=f"{label}表彰",
            level=Honour.Level.values[0], awarding_body="市委", date=today,
        )  # fmt: skip
        made["request"] = make(
            ServiceRequest, region=region, person=person, category=category,
            content=f"{label}诉求内容", channel=ServiceRequest.Channel.values[0], received_on=today,
        )  # fmt: skip
        made["suggestion"] = make(
            Suggestion, region=region, title=f"{label}建言", content="内容", submitted_on=today
        )
        made["suggestion"].submitters.add(person)
        made["round"] = make(
            EvaluationRound, region=region, name=f"{label}评价批次", system=system,
            deadline=today + datetime.timedelta(days=30),
        )  # fmt: skip
        make(IndicatorSystem, region=region, name=f"{label}指标体系")
        sheet = EvaluationSheet.objects.create(
            round=made["round"], person=person, evaluator=users["evaluator"]
        )
        records.append(sheet)
        RoundResult.objects.create(round=made["round"], person=person, n_evaluators=1)
        batch = make(
            ImportBatch, region=region, file_name=f"{label}名册.xlsx", file_kind="xlsx", sha256="0"
        )
        make(
            ValueMappingProposal, region=region, batch=batch, field="ethnicity",
            value=f"{label}写法", entry_id=person.ethnicity_id, entry_name="汉族",
        )  # fmt: skip
        make(PhotoBatch, region=region, file_name=f"{label}照片包.zip", sha256="0",
             status=PhotoBatch.Status.COMMITTED)  # fmt: skip
        LevelChange.objects.create(
            person=person, from_level="reserve", to_level="county", reason="调整"
        )
        PersonReview.objects.create(cycle=cycle, person=person)
        PrivacyRequest.objects.create(
            person=person, person_ref=person.pk, kind=PrivacyRequest.Kind.values[0],
            requester=person.name, received_on=today, reference=f"P-{unit}",
        )  # fmt: skip
        ReportJob.objects.create(kind=ReportJob.Kind.values[0], user=users["province"])
        # A bulk addition that can still be undone, of this unit's own person.
        batch = ParticipantBatch.objects.create(training=made["training"], added=1)
        TrainingParticipant.objects.create(training=made["training"], person=person, batch=batch)
        link = PersonalLink.objects.create(
            person=person, token_hash=f"{unit:0<64}"[:64],
            valid_until=timezone.now() + datetime.timedelta(days=30),
        )  # fmt: skip
        change = PortalChange.objects.create(
            person=person, link=link, kind=PortalChange.Kind.UPDATE, base_version=1
        )
        ChangeItem.objects.create(
            change_request=change, field="employer", old_display=f"{label}公司",
            new_display=f"{label}公司二部",
        )  # fmt: skip
        ChangeItem.objects.create(change_request=change, field="photo", new_photo="none.png")
        SubmissionAttachment.objects.create(
            service_request=made["request"], file="none.pdf", original_name=f"{label}附件.pdf",
            size=1,
        )  # fmt: skip
        city_tier = tier_for(liuzhou if unit == "chengzhong" else city)
        make(
            FlowRequest, kind="recommend", state="pending", person=person, tier=city_tier,
            origin=region, approver=city_tier.region, reason=f"{label}推荐理由",
        )  # fmt: skip

    # Records of 兴宁区 that point at persons and records elsewhere.
    xn = by_unit["xingning"]
    for unit in UNITS:
        ActivityParticipant.objects.create(activity=xn["activity"], person=persons[unit])
        TrainingParticipant.objects.get_or_create(training=xn["training"], person=persons[unit])
        OrganisationMember.objects.create(organisation=xn["organisation"], person=persons[unit])
        ClusterMembership.objects.create(cluster=xn["cluster"], person=persons[unit])
        xn["suggestion"].submitters.add(persons[unit])
        # Invited to 兴宁区's activity and training; one declined with a reason.
        Invitation.objects.create(
            activity=xn["activity"], person=persons[unit], respond_by=today,
            answer=Invitation.Answer.DECLINED, reason=f"{UNITS[unit]}谢绝原因",
        )  # fmt: skip
        Invitation.objects.create(training=xn["training"], person=persons[unit], respond_by=today)
    # Withdrawn: history only.
    ActivityParticipant.objects.filter(activity=xn["activity"], person=persons["qingxiu"]).delete()
    xn["organisation"].parent = by_unit["qingxiu"]["organisation"]
    xn["organisation"].cluster = by_unit["chengzhong"]["cluster"]
    xn["organisation"].save()
    xn["activity"].organisation = by_unit["qingxiu"]["organisation"]
    xn["activity"].save()
    # The mover: records made in 兴宁区, then the person moved to 城中区.
    make(
        ServiceRequest, region=regions["xingning"], person=mover, category=category,
        content="迁出人诉求", channel=ServiceRequest.Channel.values[0], received_on=today,
    )  # fmt: skip
    EvaluationSheet.objects.create(round=xn["round"], person=mover, evaluator=users["evaluator"])
    make(Position, region=regions["xingning"], person=mover, type=PositionType.values[0],
         start_date=today)  # fmt: skip
    Person.objects.filter(pk=mover.pk).update(region=chengzhong)
    make(
        FlowRequest, kind="transfer", direction="out", state="approved", person=mover,
        origin=regions["xingning"], target=chengzhong, approver=chengzhong, reason="迁往柳州",
    )  # fmt: skip
    mover.refresh_from_db()
    world = World(regions=all_regions, users=users, persons=persons, records=records)
    world.by_unit = by_unit
    world.unit_regions = unit_regions
    return world
