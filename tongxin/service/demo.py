"""Demo records for 服务联系: requests at every stage (some overdue) from persons
of every county-level unit and street, and suggestions whose submitters come
from several regions, all through services.py with actor None (the system).
"""

import datetime
import random

from django.db import transaction

from tongxin.people.demo import demo_mover, demo_persons, demo_places
from tongxin.regions.models import Region

from .models import Department, RequestCategory, ServiceRequest, Suggestion, local_today
from .services import (
    department_create,
    service_request_assign,
    service_request_cancel,
    service_request_close,
    service_request_create,
    service_request_follow_up,
    service_request_progress_add,
    suggestion_create,
    suggestion_forward,
    suggestion_respond,
)

DEPARTMENTS = ["市工商业联合会", "市人力资源和社会保障局", "市市场监督管理局", "市行政审批局"]
CONTENTS = [
    "企业申请技术改造补贴，材料已提交两个月，希望了解办理进度。",
    "工作室所在园区停车位紧张，希望协调解决员工停车问题。",
    "希望组织新的社会阶层人士参加职称评审政策宣讲。",
    "子女入学咨询：新就业形态从业人员能否按居住证办理。",
]
SUGGESTIONS = [
    ("关于优化营商环境“一件事一次办”的建议", "营商环境"),
    ("关于支持新就业形态劳动者参加社会保险的建议", "社会保障"),
    ("关于建设“同心”人才驿站的建议", "人才工作"),
]
_DAYS = datetime.timedelta(days=1)


def _departments() -> list[Department]:
    existing = list(Department.objects.filter(is_active=True).order_by("sort_order", "id"))
    if existing:
        return existing
    return [
        department_create(actor=None, data={"name": name, "sort_order": i})
        for i, name in enumerate(DEPARTMENTS, start=1)
    ]


def _request(person, i: int, today: datetime.date, departments, category) -> ServiceRequest:
    """Request number i of a region: 0 received, 1 overdue, 2 in progress, 3 closed
    and followed up, 4 cancelled."""
    received = today - 40 * _DAYS + i * _DAYS
    item = service_request_create(
        actor=None,
        person=person,
        data={
            "category": category,
            "content": CONTENTS[i % len(CONTENTS)],
            "channel": ServiceRequest.Channel.FORUM if i % 2 else ServiceRequest.Channel.PHONE,
            "received_on": received,
        },
    )
    department = departments[i % len(departments)]
    if i == 4:
        return service_request_cancel(actor=None, service_request=item, reason="本人撤回")
    if i == 0:
        return item
    # 1: due ten days ago and still open, so it shows as overdue.
    due = received + (20 if i == 1 else 60) * _DAYS
    item = service_request_assign(
        actor=None,
        service_request=item,
        department=department,
        due_date=due,
        assigned_on=received + 2 * _DAYS,
    )
    if i >= 2:
        service_request_progress_add(
            actor=None,
            service_request=item,
            on_date=received + 10 * _DAYS,
            note="承办单位已联系本人，正在协调。",
        )
    if i == 3:
        service_request_close(
            actor=None,
            service_request=item,
            answer="已协调办理，并向本人反馈。",
            closed_on=received + 20 * _DAYS,
        )
        service_request_follow_up(
            actor=None,
            service_request=item,
            satisfaction=ServiceRequest.Satisfaction.SATISFIED,
            on_date=received + 25 * _DAYS,
            note="本人表示满意。",
        )
    return item


def _suggestion(region, submitters, i: int, today: datetime.date, departments) -> Suggestion:
    title, topic = SUGGESTIONS[i % len(SUGGESTIONS)]
    submitted = today - (60 - 5 * i) * _DAYS
    suggestion = suggestion_create(
        actor=None,
        data={
            "region": region,
            "title": f"{title}（{region.name}）",
            "content": f"{title}。具体内容见附件材料（演示数据）。",
            "topic": topic,
            "submitted_on": submitted,
        },
        submitters=submitters,
    )
    if i >= 1:
        suggestion = suggestion_forward(
            actor=None,
            suggestion=suggestion,
            department=departments[i % len(departments)],
            forwarded_on=submitted + 3 * _DAYS,
        )
    if i >= 2:
        suggestion = suggestion_respond(
            actor=None,
            suggestion=suggestion,
            outcome=Suggestion.Outcome.PARTLY_ADOPTED,
            response="建议已转有关部门研究，部分内容已采纳。",
            responded_on=submitted + 20 * _DAYS,
        )
    return suggestion


@transaction.atomic
def demo_records_ensure(*, seed: int = 1) -> list[str]:
    """Fill 服务联系 once; returns what was made (empty if it was there already)."""
    if ServiceRequest.objects.exists() or Suggestion.objects.exists():
        return []
    rng = random.Random(f"service:{seed}")
    today = local_today()
    departments = _departments()
    categories = list(RequestCategory.objects.filter(is_active=True).order_by("sort_order", "id"))
    if not categories:
        return []
    city_persons: dict[int, list] = {}
    mover = demo_mover()
    for region in demo_places():
        persons = demo_persons(region, 5, rng)
        if region.code == "450102" and mover is not None and mover not in persons:
            persons = [mover, *persons[:4]]
        for i, person in enumerate(persons):
            _request(person, i, today, departments, categories[i % len(categories)])
        if persons:
            _suggestion(region, persons[:2], rng.randrange(3), today, departments)
            city = next(iter(region.ancestor_ids()[1:2]), None)
            city_persons.setdefault(city, []).append(persons[-1])
    # City- and province-wide suggestions, with submitters from several regions.
    province = Region.objects.filter(kind=Region.Kind.PROVINCE).order_by("code").first()
    everyone = []
    for city in Region.objects.filter(kind=Region.Kind.CITY).order_by("code"):
        submitters = city_persons.get(city.pk, [])[:4]
        if submitters:
            _suggestion(city, submitters, 2, today, departments)
            everyone.extend(submitters[:2])
    if province is not None and everyone:
        _suggestion(province, everyone, 1, today, departments)
    overdue = ServiceRequest.objects.overdue(today).count()
    return [
        f"服务联系：诉求 {ServiceRequest.objects.count()} 件（超期 {overdue} 件），"
        f"建言 {Suggestion.objects.count()} 条"
    ]
