"""Regions, dictionaries, tiers and quotas, and the 附件1 figures of a node."""

import datetime

from django.utils import timezone
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from tongxin.engagement.models import ActivityType
from tongxin.levels.quotas import quota_page
from tongxin.people.models import (
    Degree,
    Education,
    Ethnicity,
    Person,
    PersonGroup,
    PoliticalStatus,
    SubCategory,
)
from tongxin.regions.models import Region
from tongxin.reports.summary import TITLE, build_summary
from tongxin.service.models import RequestCategory

from .errors import not_found
from .present import client_of, region_ref, touch
from .schemas import DictionariesOut, ErrorOut, RegionOut, SummaryOut, TiersOut

router = Router()


def _region_out(region: Region, scope) -> dict:
    parent = region.parent_id if region.parent_id and scope.contains(region.parent_id) else None
    return {
        **region_ref(region),
        "kind": region.kind,
        "kind_label": region.get_kind_display(),
        "parent_id": parent,
        "depth": region.depth,
        "is_active": region.is_active,
    }


@router.get(
    "/regions",
    response=list[RegionOut],
    url_name="regions",
    tags=["区域"],
    summary="本客户端范围内的区域（限定区域及其下级）",
)
def regions_list(request):
    scope = client_of(request).read_scope()
    regions = list(scope.regions().order_by("depth", "sort_order", "code"))
    return [_region_out(r, scope) for r in regions]


@router.get(
    "/regions/{int:region_id}",
    response={200: RegionOut, 404: ErrorOut},
    url_name="region",
    tags=["区域"],
    summary="一个区域",
)
def region_get(request, region_id: int):
    scope = client_of(request).read_scope()
    region = scope.regions().filter(pk=region_id).first()
    if region is None:
        raise not_found("区域")
    return _region_out(region, scope)


def _entries(model) -> list[dict]:
    return [
        {"id": e.pk, "name": e.name, "is_active": e.is_active}
        for e in model.objects.order_by("sort_order", "id")
    ]


def _choices(choices) -> list[dict]:
    return [{"value": value, "label": label} for value, label in choices]


@router.get(
    "/dictionaries",
    response=DictionariesOut,
    url_name="dictionaries",
    tags=["数据字典"],
    summary="数据字典：民族、政治面貌、学历、学位、人员类别及细分类别等",
)
def dictionaries(request):
    subcategories: dict[int, list] = {}
    for sub in SubCategory.objects.order_by("sort_order", "id"):
        subcategories.setdefault(sub.group_id, []).append(
            {"id": sub.pk, "name": sub.name, "is_active": sub.is_active}
        )
    groups = [
        {
            "id": g.pk,
            "name": g.name,
            "is_active": g.is_active,
            "short_name": g.short_name,
            "is_freelance": g.is_freelance,
            "subcategories": subcategories.get(g.pk, []),
        }
        for g in PersonGroup.objects.order_by("sort_order", "id")
    ]
    return {
        "ethnicities": _entries(Ethnicity),
        "political_statuses": _entries(PoliticalStatus),
        "educations": _entries(Education),
        "degrees": _entries(Degree),
        "groups": groups,
        "request_categories": _entries(RequestCategory),
        "activity_types": _entries(ActivityType),
        "levels": _choices(Person.Level.choices),
        "sexes": _choices(Person.Sex.choices),
        "statuses": _choices(Person.Status.choices),
        "freelance_fields": _choices(Person.FreelanceField.choices),
    }


@router.get(
    "/tiers",
    response=TiersOut,
    url_name="tiers",
    tags=["分级与名额"],
    summary="分级与名额：各区域各分级的在库人数和名额",
)
def tiers(request):
    scope = client_of(request).read_scope()
    regions = list(scope.regions().filter(is_active=True).order_by("depth", "sort_order", "code"))
    page = quota_page(scope, regions)
    return {
        "levels": _choices(Person.Level.choices),
        "quotas": [
            {
                "region": region_ref(row.region),
                "whole_city": row.is_city_total,
                "cells": [
                    {"level": c.level, "count": c.count, "quota": c.quota, "state": c.state}
                    for c in row.cells
                ],
                "total": row.total,
            }
            for row in page.quota_rows
        ],
    }


class SummaryQuery(Schema):
    region: int | None = NinjaField(None, description="区域id；不填为本客户端的限定区域")
    on: datetime.date | None = NinjaField(None, description="填报日期；不填为今天")


@router.get(
    "/reports/summary",
    response={200: SummaryOut, 404: ErrorOut},
    url_name="summary",
    tags=["报表"],
    summary=f"附件1 {TITLE}（一个区域节点，下级区域各为一列）",
)
def summary(request, query: Query[SummaryQuery]):
    client = client_of(request)
    scope = client.read_scope()
    region_id = query.region if query.region is not None else client.region_id
    region = scope.regions().filter(pk=region_id).first()
    if region is None:
        raise not_found("区域")
    table = build_summary(scope, region, on_date=query.on or timezone.localdate())
    touch(request, Region, [region.pk])
    return {
        "title": TITLE,
        "unit": table.unit,
        "on_date": table.on_date,
        "columns": table.column_blocks,
        "level_labels": table.level_labels,
        "rows": [
            {"group": r.group, "label": r.label, "kind": r.kind, "cells": r.cells}
            for r in table.rows
        ],
        "grand_total": table.grand_total,
    }
