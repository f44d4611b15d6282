"""Demo change requests: a few in every state, between the demo accounts
(民生街道 → 兴宁区 → 南宁市 → 自治区, and 柳州市), so each account's inbox
has something awaiting it and something it asked."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.levels.models import ReviewCycle
from tongxin.levels.tiers import tier_for
from tongxin.people.demo import demo_persons
from tongxin.people.models import Person
from tongxin.regions.models import Region

from . import services
from .models import ChangeRequest


@transaction.atomic
def demo_records_ensure(*, seed: int = 1) -> list[str]:
    if ChangeRequest.objects.exists():
        return []
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["jiedao", "xingning", "city", "liuzhou"])
    }
    regions = {
        r.code: r
        for r in Region.objects.filter(
            code__in=["450100", "450102", "450102001", "450103", "450202"]
        )
    }
    if len(users) < 4 or len(regions) < 5:
        return []
    rng = random.Random(f"flows:{seed}")
    city_tier = tier_for(regions["450100"])

    def county_level(region, k):
        # Persons of 县区联系 only: one already in the city's tier cannot be recommended into it.
        found = demo_persons(region, 40, rng)
        return [p for p in found if p.level == Person.Level.COUNTY][:k]

    street = county_level(regions["450102001"], 2)
    county = county_level(regions["450102"], 4)
    qingxiu = demo_persons(regions["450103"], 1, rng)
    if len(street) < 2 or len(county) < 4 or not qingxiu:
        return []

    def recommend(actor, person, reason):
        return services.recommendation_create(
            actor=actor, person=person, tier=city_tier, reason=reason
        )

    # 待审核 at the city, one of them overdue.
    overdue = recommend(
        users["jiedao"], street[0], "任区新联会副会长，履职积极，推荐列入市级重点联系"
    )
    ChangeRequest.objects.filter(pk=overdue.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    recommend(users["xingning"], county[0], "连续三年综合评价为A，推荐列入市级重点联系")
    # 通过 (认定) and 退回.
    approved = recommend(users["xingning"], county[1], "担任市工商联常委，推荐列入市级重点联系")
    services.request_approve(actor=users["city"], change_request=approved, note="同意认定")
    returned = recommend(users["xingning"], county[2], "推荐列入市级重点联系")
    services.request_return(
        actor=users["city"], change_request=returned, note="请补充近三年履职情况后重新提交"
    )
    # 撤回 and 草稿.
    withdrawn = recommend(users["jiedao"], street[1], "推荐列入市级重点联系")
    services.request_withdraw(actor=users["jiedao"], change_request=withdrawn, note="重复提出")
    services.transfer_out_create(
        actor=users["xingning"],
        person=county[3],
        target=regions["450202"],
        reason="本人工作单位迁至柳州市城中区",
        submit=False,
    )
    # 调入 asked by 柳州市, awaiting 青秀区 (or the city above it).
    services.transfer_in_create(
        actor=users["liuzhou"],
        id_number=qingxiu[0].id_number,
        target=regions["450202"],
        reason="本人已迁居柳州市城中区，申请调入",
    )
    if ReviewCycle.objects.filter(year=timezone.localdate().year).exists():
        services.review_confirmation_create(
            actor=users["xingning"],
            region=regions["450102"],
            year=timezone.localdate().year,
            reason="本年度在库人员已全部复核，信息已更新",
        )
    counts = {
        label: ChangeRequest.objects.filter(state=state).count()
        for state, label in ChangeRequest.State.choices
    }
    summary = "，".join(f"{label} {n} 件" for label, n in counts.items() if n)
    return [f"分级流转：{summary}"]
