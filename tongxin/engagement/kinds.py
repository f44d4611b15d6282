"""The record types the generic list/detail/create/edit/cancel views serve.

Each kind says which fields its form has, which columns and filters its list
shows, and which access functions guard it; the views are written once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q

from . import access
from .forms import NominationCreateForm
from .models import (
    Activity,
    Cluster,
    Honour,
    Nomination,
    Organisation,
    Position,
    Secondment,
    Training,
)


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    label: str
    fields: list[str]
    columns: list[tuple[str, str]]  # (header, accessor); the first links to the record
    filters: list[str]  # model fields offered as <select> filters (plus region and status)
    search: list[str]  # fields the list's text box matches (icontains)
    visible: Callable
    get: Callable
    person: bool = False  # a record about one person (created from that person)
    create_fields: list[str] = field(default_factory=list)
    create_form: type | None = None
    # scope → the list's count annotations, counted inside that scope
    annotate: Callable | None = None
    order: tuple = ()


def _count(relation: str, inside: Q, condition: Q | None = None, distinct=False) -> Count:
    """COUNT(relation) of the rows inside the user's scope (and `condition`)."""
    combined = (condition or Q()) & inside
    return Count(relation, filter=combined or None, distinct=distinct)


_PERSON_COLUMN = ("人员", "person.name")
_REGION_COLUMN = ("区域", "region.name")

KINDS = {
    k.slug: k
    for k in [
        Kind(
            slug="activities",
            model=Activity,
            label="活动",
            fields=[
                "type",
                "title",
                "start_date",
                "end_date",
                "place",
                "organiser",
                "organisation",
                "region",
                "description",
            ],  # fmt: skip
            columns=[
                ("活动名称", "title"),
                ("类型", "type.name"),
                ("开始日期", "start_date"),
                ("地点", "place"),
                ("主办单位", "organiser"),
                _REGION_COLUMN,
                ("参加人数", "participant_count"),
            ],  # fmt: skip
            filters=["type", "organisation"],
            search=["title", "place", "organiser"],
            visible=access.activities_visible_to,
            get=access.activity_for_user,
            annotate=lambda s: {
                "participant_count": _count("participants", s.q("participants__person__region"))
            },
        ),
        Kind(
            slug="trainings",
            model=Training,
            label="培训",
            fields=["course", "organiser", "start_date", "end_date", "hours", "region"],
            columns=[
                ("培训班次/课程", "course"),
                ("主办单位", "organiser"),
                ("开始日期", "start_date"),
                ("结束日期", "end_date"),
                ("学时", "hours"),
                _REGION_COLUMN,
                ("参训人数", "participant_count"),
            ],  # fmt: skip
            filters=[],
            search=["course", "organiser"],
            visible=access.trainings_visible_to,
            get=access.training_for_user,
            annotate=lambda s: {
                "participant_count": _count("enrolments", s.q("enrolments__person__region"))
            },
        ),
        Kind(
            slug="secondments",
            model=Secondment,
            label="挂职",
            fields=["host_unit", "post", "start_date", "end_date"],
            columns=[
                ("挂职单位", "host_unit"),
                _PERSON_COLUMN,
                ("挂职岗位", "post"),
                ("开始日期", "start_date"),
                ("结束日期", "end_date"),
                _REGION_COLUMN,
            ],  # fmt: skip
            filters=[],
            search=["host_unit", "post", "person__name"],
            visible=access.secondments_visible_to,
            get=access.secondment_for_user,
            person=True,
        ),
        Kind(
            slug="positions",
            model=Position,
            label="政治安排/社会职务",
            fields=["type", "level", "term", "organisation", "title", "start_date", "end_date"],
            columns=[
                ("类型", "get_type_display"),
                _PERSON_COLUMN,
                ("级别", "get_level_display"),
                ("届次", "term"),
                ("单位/组织", "organisation"),
                ("职务", "title"),
                ("开始日期", "start_date"),
                ("结束日期", "end_date"),
                _REGION_COLUMN,
            ],  # fmt: skip
            filters=["type", "level"],
            search=["organisation", "title", "person__name"],
            visible=access.positions_visible_to,
            get=access.position_for_user,
            person=True,
        ),
        Kind(
            slug="nominations",
            model=Nomination,
            label="提名考察",
            fields=[
                "position_type",
                "position_level",
                "position_term",
                "organisation",
                "title",
                "recommending_unit",
            ],  # fmt: skip
            create_form=NominationCreateForm,
            columns=[
                ("拟任", "get_position_type_display"),
                _PERSON_COLUMN,
                ("级别", "get_position_level_display"),
                ("拟任职务", "title"),
                ("推荐单位", "recommending_unit"),
                ("当前阶段", "get_stage_display"),
                _REGION_COLUMN,
            ],  # fmt: skip
            filters=["stage", "position_type"],
            search=["organisation", "title", "recommending_unit", "person__name"],
            visible=access.nominations_visible_to,
            get=access.nomination_for_user,
            person=True,
        ),
        Kind(
            slug="honours",
            model=Honour,
            label="表彰",
            fields=["title", "level", "awarding_body", "date"],
            columns=[
                ("表彰名称", "title"),
                _PERSON_COLUMN,
                ("级别", "get_level_display"),
                ("授予单位", "awarding_body"),
                ("表彰日期", "date"),
                _REGION_COLUMN,
            ],  # fmt: skip
            filters=["level"],
            search=["title", "awarding_body", "person__name"],
            visible=access.honours_visible_to,
            get=access.honour_for_user,
            person=True,
        ),
        Kind(
            slug="organisations",
            model=Organisation,
            label="组织载体",
            fields=["kind", "name", "parent", "region", "cluster", "founded_on", "description"],
            columns=[
                ("名称", "name"),
                ("类型", "get_kind_display"),
                ("上级组织", "parent.name"),
                ("聚集区域", "cluster.name"),
                _REGION_COLUMN,
                ("成员数", "member_count"),
            ],  # fmt: skip
            filters=["kind", "cluster"],
            search=["name"],
            visible=access.organisations_visible_to,
            get=access.organisation_for_user,
            annotate=lambda s: {
                "member_count": _count(
                    "members", s.q("members__person__region"), Q(members__status="active")
                )
            },
        ),
        Kind(
            slug="clusters",
            model=Cluster,
            label="聚集区域",
            fields=["name", "region", "description"],
            columns=[
                ("名称", "name"),
                _REGION_COLUMN,
                ("人员数", "person_count"),
                ("组织数", "organisation_count"),
            ],  # fmt: skip
            filters=[],
            search=["name", "description"],
            visible=access.clusters_visible_to,
            get=access.cluster_for_user,
            annotate=lambda s: {
                "person_count": _count(
                    "memberships", s.q("memberships__person__region"), distinct=True
                ),
                "organisation_count": _count(
                    "organisations",
                    s.q("organisations__region"),
                    Q(organisations__status="active"),
                    distinct=True,
                ),
            },
        ),
    ]
}

# What the sidebar shows under 培养使用, in this order.
NAV = [
    ("活动", "activities"),
    ("培训与挂职", "trainings"),
    ("政治安排", "positions"),
    ("提名考察", "nominations"),
    ("表彰", "honours"),
    ("组织载体", "organisations"),
    ("聚集区域", "clusters"),
]
