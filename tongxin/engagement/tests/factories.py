"""Valid data for every engagement record type, as the services take it and as
the browser posts it."""

import datetime

from tongxin.engagement import services
from tongxin.engagement.models import (
    ActivityType,
    Honour,
    Organisation,
    PositionLevel,
    PositionType,
)

# slug → (list text that identifies the record, field edited in the edit test, new value)
EDITS = {
    "activities": ("主题教育读书班", "title", "主题教育读书班（第二期）"),
    "trainings": ("新的社会阶层人士培训班", "course", "新的社会阶层人士研修班"),
    "secondments": ("兴宁区商务局", "post", "局长助理"),
    "positions": ("南宁市政协", "title", "常委"),
    "nominations": ("兴宁区工商联", "title", "常务委员"),
    "honours": ("优秀中国特色社会主义事业建设者", "awarding_body", "南宁市委"),
    "organisations": ("兴宁区新联会", "name", "兴宁区新的社会阶层人士联谊会"),
    "clusters": ("三街两巷文创区", "name", "三街两巷文化创意街区"),
}

PERSON_KINDS = {"secondments", "positions", "nominations", "honours"}


def service_data(slug: str, region, person=None) -> dict:
    day = datetime.date(2026, 3, 1)
    data = {
        "activities": {
            "type": ActivityType.objects.get(name="主题教育"),
            "title": "主题教育读书班",
            "start_date": day,
            "end_date": datetime.date(2026, 3, 3),
            "place": "南宁市社会主义学院",
            "organiser": "市委统战部",
            "region": region,
            "description": "学习交流",
        },
        "trainings": {
            "course": "新的社会阶层人士培训班",
            "organiser": "市社会主义学院",
            "start_date": day,
            "end_date": datetime.date(2026, 3, 5),
            "hours": 24,
            "region": region,
        },
        "secondments": {
            "host_unit": "兴宁区商务局",
            "post": "副局长",
            "start_date": day,
            "end_date": datetime.date(2027, 3, 1),
        },
        "positions": {
            "type": PositionType.CPPCC,
            "level": PositionLevel.CITY,
            "term": "第十四届",
            "organisation": "南宁市政协",
            "title": "委员",
            "start_date": day,
        },
        "nominations": {
            "position_type": PositionType.CPPCC,
            "position_level": PositionLevel.COUNTY,
            "position_term": "第十届",
            "organisation": "兴宁区政协",
            "title": "委员",
            "recommending_unit": "兴宁区工商联",
        },
        "honours": {
            "title": "优秀中国特色社会主义事业建设者",
            "level": Honour.Level.CITY,
            "awarding_body": "南宁市人民政府",
            "date": day,
        },
        "organisations": {
            "kind": Organisation.Kind.ASSOCIATION,
            "name": "兴宁区新联会",
            "region": region,
        },
        "clusters": {"name": "三街两巷文创区", "region": region},
    }[slug]
    if slug in PERSON_KINDS:
        data["person"] = person
    return data


def post_data(slug: str, region, **overrides) -> dict:
    """The create/edit form as the browser posts it."""
    data = service_data(slug, region)
    data.pop("person", None)
    if slug == "nominations":
        data |= {"on_date": datetime.date(2026, 2, 1), "notes": "政治素质好"}
    data |= overrides
    result = {}
    for key, value in data.items():
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        result[key] = "" if value is None else str(value)
    return result


def make_record(slug: str, *, actor, region, person=None, **overrides):
    from tongxin.engagement.kinds import KINDS

    data = service_data(slug, region, person) | overrides
    if slug == "nominations":
        return services.nomination_create(actor=actor, data=data, on_date=datetime.date(2026, 2, 1))
    return services.record_create(actor=actor, model=KINDS[slug].model, data=data)
