"""Persons: the list page's filters and search with cursor pages, one person,
and the batch upsert keyed by resident ID."""

from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from tongxin.people.keyset import keyset_page
from tongxin.people.listing import PersonFilter, count_filtered, filtered_persons
from tongxin.people.models import Person

from . import services
from .errors import ApiError, ErrorItem, error_body, not_found
from .present import PERSON_RELATIONS, client_of, person_out, touch
from .schemas import ErrorOut, PersonDetailOut, PersonPage, UpsertIn, UpsertOut

router = Router(tags=["代表人士"])


class PersonQuery(Schema):
    """The person list page's query string (people/listing.py PersonFilter)."""

    q: str | None = NinjaField(None, description="查找：姓名、拼音、首字母、公民身份号码、手机号码")
    region: str | None = NinjaField(None, description="区域id（含下级区域）")
    group: str | None = NinjaField(None, description="人员类别id")
    subcategory: str | None = NinjaField(None, description="细分类别id，或 none")
    level: str | None = NinjaField(None, description="分级：city / county / reserve")
    status: str | None = NinjaField(None, description="状态：active（默认）/ archived / all")
    sort: str | None = NinjaField(None, description="排序：recent / name / age / young / region")
    sex: str | None = NinjaField(None, description="性别：M / F")
    ethnicity: str | None = NinjaField(None, description="民族id，多个用逗号分隔")
    education: str | None = NinjaField(None, description="学历id，或 none")
    political_status: str | None = NinjaField(None, description="政治面貌id")
    age: str | None = NinjaField(None, description="年龄段：36-45、-35 或 61-")
    on: str | None = NinjaField(None, description="年龄计算日，如 2026-12-07")
    grade: str | None = NinjaField(None, description="最近评价等次：A/B/C/D 或 none")
    incomplete: str | None = NinjaField(None, description="1：只列待补充信息的人员")
    position: str | None = NinjaField(None, description="现任职务类型")
    cursor: str | None = NinjaField(None, description="上一页返回的 next_cursor")
    size: int = NinjaField(50, ge=1, le=200, description="每页条数（1-200）")
    with_total: bool = NinjaField(False, description="true：同时给出总数")


FILTER_PARAMS = [
    name for name in PersonQuery.model_fields if name not in {"cursor", "size", "with_total"}
]


# What keyset_page reads of each row: the id and the sort columns (keyset.SORTS).
PAGE_KEYS = ("id", "name_pinyin", "birth_date", "region")


def _filter_errors(params) -> list[ErrorItem]:
    """Each invalid filter parameter, checked on its own so the item names it."""
    items = []
    for name in FILTER_PARAMS:
        if name in params:
            for message in PersonFilter.from_query({name: params[name]}).errors:
                items.append(ErrorItem(field=name, message=message))
    return items


@router.get(
    "/persons",
    response={200: PersonPage, 422: ErrorOut},
    url_name="persons",
    summary="代表人士列表（筛选、查找、游标分页）",
)
def persons_list(request, query: Query[PersonQuery]):
    client = client_of(request)
    person_filter = PersonFilter.from_query(request.GET)
    if person_filter.errors:
        items = _filter_errors(request.GET)
        raise ApiError(422, "invalid", "；".join(person_filter.errors), items)
    qs, hint = filtered_persons(client.read_scope(), person_filter, paged=True)
    # The page first (its keys only), then its rows with their relations by
    # primary key: with the seven joins in the page's own query SQLite left
    # the index the filter chose (a county's first page: 250 ms instead of
    # 4 ms at 100k persons), and full rows would be decrypted twice.
    page = keyset_page(
        qs.only(*PAGE_KEYS), person_filter.sort, after=query.cursor or "", size=query.size
    )
    ids = [p.pk for p in page.rows]
    loaded = Person.objects.select_related(*PERSON_RELATIONS).in_bulk(ids)
    touch(request, Person, ids)
    return {
        "items": [person_out(loaded[pk], client) for pk in ids],
        "next_cursor": page.next_cursor,
        "total": count_filtered(client.read_scope(), person_filter) if query.with_total else None,
        "search_hint": hint or "",
    }


@router.get(
    "/persons/{int:person_id}",
    response={200: PersonDetailOut, 404: ErrorOut},
    url_name="person",
    summary="一名代表人士",
)
def person_get(request, person_id: int):
    client = client_of(request)
    person = (
        Person.objects.visible_to(client.read_scope())
        .select_related(*PERSON_RELATIONS)
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise not_found("人员")
    touch(request, Person, [person.pk])
    return person_out(person, client, detail=True)


@router.post(
    "/persons/batch",
    response={200: UpsertOut, 403: ErrorOut, 422: ErrorOut},
    url_name="persons_batch",
    summary="按公民身份号码批量新增或更新（与名单导入相同的校验）",
)
def persons_batch(request, payload: UpsertIn):
    client = client_of(request)
    outcome = services.persons_upsert(
        client=client,
        items=payload.items,
        all_or_nothing=payload.all_or_nothing,
        on_existing=payload.on_existing,
        request=request,
    )
    touch(request, Person, outcome.written)
    error = None
    if outcome.errors:
        invalid = len({e.index for e in outcome.errors})
        error = error_body(
            "invalid", f"{invalid}项数据有误，未写入；其余各项已处理", outcome.errors
        )["error"]
    return {"results": outcome.results, "counts": outcome.counts, "error": error}
