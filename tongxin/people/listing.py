"""The person list's one query path: filters, search, sort and keyset pages.

Every list, export and count over persons should build its queryset with
`filtered_persons`, so a number on a chart always equals what the list shows
for the same filter.
"""

import base64
import datetime
import json
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from .access import persons_visible_to
from .models import Person
from .search import search_persons

# sort key → (model field, descending); the id breaks ties so pages are stable.
SORTS = {
    "recent": ("id", True, "最近登记"),
    "name": ("name_pinyin", False, "姓名拼音"),
    "age": ("birth_date", False, "年龄从大到小"),
    "young": ("birth_date", True, "年龄从小到大"),
    "region": ("region_id", False, "所属区域"),
}
DEFAULT_SORT = "recent"

FILTER_FIELDS = {
    "region": "region_id",
    "group": "group_id",
    "subcategory": "subcategory_id",
    "level": "level",
    "status": "status",
}


@dataclass
class PersonFilter:
    """The filter a user chose, parsed from the query string."""

    q: str = ""
    region: int | None = None
    group: int | None = None
    subcategory: int | None = None
    level: str = ""
    status: str = Person.Status.ACTIVE
    sort: str = DEFAULT_SORT
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params) -> "PersonFilter":
        f = cls(q=(params.get("q") or "").strip()[:100])
        for name in ("region", "group", "subcategory"):
            raw = params.get(name)
            if raw:
                try:
                    setattr(f, name, int(raw))
                except ValueError:
                    f.errors.append(f"筛选条件“{name}”无效")
        level = params.get("level", "")
        if level in Person.Level.values:
            f.level = level
        status = params.get("status", Person.Status.ACTIVE)
        # "all" shows archived and active together.
        f.status = status if status in {*Person.Status.values, "all"} else Person.Status.ACTIVE
        sort = params.get("sort", DEFAULT_SORT)
        f.sort = sort if sort in SORTS else DEFAULT_SORT
        return f

    def as_query(self) -> dict[str, str]:
        result = {}
        for name in ("q", "region", "group", "subcategory", "level", "status", "sort"):
            value = getattr(self, name)
            if value not in (None, ""):
                result[name] = str(value)
        return result


def filtered_persons(user, person_filter: PersonFilter) -> tuple[QuerySet, str]:
    """(queryset, search hint) of the persons `user` may see that match the filter."""
    qs = persons_visible_to(user)
    for name, column in FILTER_FIELDS.items():
        value = getattr(person_filter, name)
        if name == "status" and value == "all":
            continue
        if value not in (None, ""):
            qs = qs.filter(**{column: value})
    result = search_persons(qs, person_filter.q)
    return result.queryset, result.hint


def _encode_cursor(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, datetime.date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode_cursor(token: str, sort_field: str) -> list | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        key, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if sort_field == "birth_date" and key is not None:
            key = datetime.date.fromisoformat(key)
        return [key, int(pk)]
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None
    is_first: bool


def keyset_page(
    qs: QuerySet, sort: str, *, after: str = "", before: str = "", size: int = 50
) -> Page:
    """One page of `qs` in the order of `sort`, after or before a cursor.

    Keyset pages cost the same at row 10 and at row 990,000, where OFFSET
    grows with depth (NOTES.md: 61-104 ms vs 0.2 ms at 1M rows).
    """
    column, descending, _ = SORTS[sort]
    backwards = bool(before) and not after
    cursor = _decode_cursor(before if backwards else after, column) if (after or before) else None

    forward_desc = descending != backwards
    if cursor is not None:
        key, pk = cursor
        if column == "id":
            qs = qs.filter(id__lt=pk) if forward_desc else qs.filter(id__gt=pk)
        elif forward_desc:
            qs = qs.filter(Q(**{f"{column}__lt": key}) | Q(**{column: key, "id__lt": pk}))
        else:
            qs = qs.filter(Q(**{f"{column}__gt": key}) | Q(**{column: key, "id__gt": pk}))
    order = ["-" + column, "-id"] if forward_desc else [column, "id"]
    if column == "id":
        order = order[:1]
    rows = list(qs.order_by(*order)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def cursor_of(person) -> str:
        return _encode_cursor([getattr(person, column), person.pk])

    if backwards:
        next_cursor = cursor_of(rows[-1]) if rows else None
        prev_cursor = cursor_of(rows[0]) if rows and has_more else None
        is_first = not has_more
    else:
        next_cursor = cursor_of(rows[-1]) if rows and has_more else None
        prev_cursor = cursor_of(rows[0]) if rows and cursor is not None else None
        is_first = cursor is None
    return Page(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, is_first=is_first)
