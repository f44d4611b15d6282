"""Engagement records, service requests and suggestions (read only), newest
first in cursor pages. Each kind has its own two routes, so the leak test
and the OpenAPI document list them one by one."""

from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from tongxin.core.paging import id_page
from tongxin.engagement.models import Activity, Honour, Nomination, Position, Secondment, Training
from tongxin.service.models import ServiceRequest, Suggestion

from .errors import not_found
from .present import RecordKind, client_of, record_out, touch
from .schemas import ErrorOut, RecordOut, RecordPage

engagement_router = Router(tags=["培养使用"])
service_router = Router(tags=["意见诉求与建言"])

ENGAGEMENT_KINDS = [
    RecordKind(
        "activities",
        Activity,
        "活动",
        ("title", "type", "start_date", "end_date", "place", "organiser", "status"),
        persons_field="persons",
    ),
    RecordKind(
        "trainings",
        Training,
        "培训",
        ("course", "organiser", "start_date", "end_date", "hours", "status"),
        persons_field="participants",
    ),
    RecordKind(
        "secondments",
        Secondment,
        "挂职",
        ("host_unit", "post", "start_date", "end_date", "status"),
        person_field="person",
    ),
    RecordKind(
        "positions",
        Position,
        "政治安排",
        ("type", "level", "term", "organisation", "title", "start_date", "end_date", "status"),
        person_field="person",
    ),
    RecordKind(
        "nominations",
        Nomination,
        "推荐人选",
        (
            "position_type",
            "position_level",
            "position_term",
            "organisation",
            "title",
            "recommending_unit",
            "stage",
            "status",
        ),
        person_field="person",
    ),
    RecordKind(
        "honours",
        Honour,
        "表彰",
        ("title", "level", "awarding_body", "date", "status"),
        person_field="person",
    ),
]
SERVICE_KINDS = [
    RecordKind(
        "service-requests",
        ServiceRequest,
        "意见诉求",
        ServiceRequest.RECORD_FIELDS,
        person_field="person",
    ),
    RecordKind(
        "suggestions",
        Suggestion,
        "建言",
        Suggestion.RECORD_FIELDS,
        persons_field="submitters",
    ),
]


class PageQuery(Schema):
    cursor: str | None = NinjaField(None, description="上一页返回的 next_cursor")
    size: int = NinjaField(50, ge=1, le=200, description="每页条数（1-200）")


def _load(kind: RecordKind):
    def load(qs):
        qs = qs.select_related("region", *(f for f in kind.fields if _is_fk(kind, f)))
        if kind.person_field:
            qs = qs.select_related(kind.person_field)
        if kind.persons_field:
            qs = qs.prefetch_related(kind.persons_field)
        return qs

    return load


def _is_fk(kind: RecordKind, name: str) -> bool:
    field = kind.model._meta.get_field(name)
    return field.many_to_one


def _add_routes(router: Router, kind: RecordKind) -> None:
    name = kind.slug.replace("-", "_")

    @router.get(
        f"/{kind.slug}",
        response={200: RecordPage, 422: ErrorOut},
        url_name=name,
        operation_id=f"{name}_list",
        summary=f"{kind.label}列表（新的在前）",
    )
    def records_list(request, query: Query[PageQuery]):
        client = client_of(request)
        qs = kind.model.objects.visible_to(client.read_scope())
        page = id_page(qs, after=query.cursor or "", size=query.size, load=_load(kind))
        touch(request, kind.model, [r.pk for r in page.rows])
        return {
            "items": [record_out(r, kind, client) for r in page.rows],
            "next_cursor": str(page.next_after) if page.next_after else None,
        }

    @router.get(
        f"/{kind.slug}/{{int:record_id}}",
        response={200: RecordOut, 404: ErrorOut},
        url_name=f"{name}_one",
        operation_id=f"{name}_get",
        summary=f"一项{kind.label}",
    )
    def record_get(request, record_id: int):
        client = client_of(request)
        qs = _load(kind)(kind.model.objects.visible_to(client.read_scope()))
        record = qs.filter(pk=record_id).first()
        if record is None:
            raise not_found(kind.label)
        touch(request, kind.model, [record.pk])
        return record_out(record, kind, client)


for _kind in ENGAGEMENT_KINDS:
    _add_routes(engagement_router, _kind)
for _kind in SERVICE_KINDS:
    _add_routes(service_router, _kind)
