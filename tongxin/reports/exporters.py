"""Person rows out to xlsx: one row iterator, through the one exporter (core/exporting.py).

The iterator reads raw columns with `values_list(...).iterator()` and turns
dictionary ids into names from small lookup tables, so 100,000 rows never
become 100,000 model instances (bench/bench_export.py).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from tongxin.core.exporting import Table, write_list_xlsx
from tongxin.people.keyset import SORTS
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import (
    Degree,
    Education,
    Ethnicity,
    Person,
    PersonGroup,
    PoliticalStatus,
    SubCategory,
)
from tongxin.people.validators import mask_mobile, mask_resident_id
from tongxin.regions.models import Region

# Characters that make a spreadsheet treat a cell as a formula (or DDE).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class Column:
    header: str
    source: str  # the Person column read from the database
    kind: str = "text"  # text | choice | lookup | date | number | id_number | mobile
    width: int = 12


# What the list shows first, then the rest of the registration form.
PERSON_COLUMNS = [
    Column("姓名", "name", width=10),
    Column("性别", "sex", "choice", 5),
    Column("出生日期", "birth_date", "date", 11),
    Column("公民身份号码", "id_number", "id_number", 20),
    Column("联系电话", "mobile", "mobile", 13),
    Column("工作单位", "employer", width=28),
    Column("职务", "job_title", width=12),
    Column("人员类别", "group_id", "lookup", 24),
    Column("细分类别", "subcategory_id", "lookup", 16),
    Column("自由职业领域", "freelance_field", "choice", 12),
    Column("分级", "level", "choice", 12),
    Column("所属区域", "region_id", "lookup", 12),
    Column("状态", "status", "choice", 6),
    Column("民族", "ethnicity_id", "lookup", 8),
    Column("籍贯", "native_place", width=12),
    Column("政治面貌", "political_status_id", "lookup", 12),
    Column("学历", "education_id", "lookup", 10),
    Column("学位", "degree_id", "lookup", 8),
    Column("毕业院校", "school", width=20),
    Column("所学专业", "major", width=16),
    Column("职称/职业资格", "professional_title", width=16),
    Column("从业起始年份", "career_start_year", "number", 8),
    Column("电子邮箱", "email", width=20),
    Column("通讯地址", "address", width=28),
    Column("推荐单位", "recommender", width=20),
    Column("个人简历", "resume", width=40),
    Column("主要业绩与社会贡献", "achievements", width=40),
    Column("社会公益活动", "public_welfare", width=30),
    Column("统战部门意见", "department_opinion", width=30),
    Column("备注", "remarks", width=20),
    Column("出库原因", "archived_reason", "choice", 12),
    Column("出库日期", "archived_on", "date", 11),
]


def export_order(sort: str) -> list[str]:
    """The ORDER BY the list uses for `sort` (keyset.keyset_page), whole list."""
    column, descending, _ = SORTS[sort]
    if column == "id":
        return ["-id" if descending else "id"]
    return [f"-{column}", "-id"] if descending else [column, "id"]


def export_queryset(user, person_filter: PersonFilter) -> QuerySet:
    qs, _hint = filtered_persons(user, person_filter)
    return qs.order_by(*export_order(person_filter.sort))


def _lookups() -> dict[str, dict]:
    def names(model) -> dict:
        return dict(model.objects.values_list("id", "name"))

    return {
        "group_id": names(PersonGroup),
        "subcategory_id": names(SubCategory),
        "region_id": names(Region),
        "ethnicity_id": names(Ethnicity),
        "political_status_id": names(PoliticalStatus),
        "education_id": names(Education),
        "degree_id": names(Degree),
    }


def _choices() -> dict[str, dict]:
    return {
        c.source: dict(Person._meta.get_field(c.source).flatchoices)
        for c in PERSON_COLUMNS
        if c.kind == "choice"
    }


def fast_mask_id(value: str) -> str:
    # Stored IDs are already clean; the validator's mask handles anything else.
    if len(value) == 18:
        return value[:6] + "********" + value[14:]
    return mask_resident_id(value)


def fast_mask_mobile(value: str) -> str:
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[7:]
    return mask_mobile(value)


def person_rows(qs: QuerySet, *, reveal: bool, chunk_size: int = 2000) -> Iterator[list]:
    """One list of cell values per person of `qs`, in PERSON_COLUMNS order.

    Identifiers are masked unless `reveal`; the caller decides and audits.
    """
    lookups = _lookups()
    choices = _choices()
    converters: list[Callable] = []
    for column in PERSON_COLUMNS:
        if column.kind == "lookup":
            converters.append(lookups[column.source].get)
        elif column.kind == "choice":
            converters.append(choices[column.source].get)
        elif column.kind == "id_number" and not reveal:
            converters.append(fast_mask_id)
        elif column.kind == "mobile" and not reveal:
            converters.append(fast_mask_mobile)
        else:
            converters.append(None)
    pairs = list(enumerate(converters))
    sources = [c.source for c in PERSON_COLUMNS]
    for raw in qs.values_list(*sources).iterator(chunk_size=chunk_size):
        row = list(raw)
        for i, convert in pairs:
            value = row[i]
            if convert is not None and value is not None and value != "":
                row[i] = convert(value)
        yield row


def write_person_xlsx(
    rows: Iterator[list],
    target,
    *,
    title: str = "代表人士名单",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write `rows` under the PERSON_COLUMNS headers; returns the row count.

    Rows stream straight into the file, so memory stays flat however many
    come; every str is an inline string, so a value like "=1+1" stays text.
    """
    table = Table(
        name=title,
        headers=[c.header for c in PERSON_COLUMNS],
        widths=[c.width for c in PERSON_COLUMNS],
        rows=rows,
    )
    return write_list_xlsx(target, table, progress=progress, every=PROGRESS_EVERY)


def person_export_to(target, *, user, person_filter: PersonFilter, reveal: bool, progress=None):
    """Export the filtered list of `user` to `target` (a path or a file object)."""
    qs = export_queryset(user, person_filter)
    return write_person_xlsx(person_rows(qs, reveal=reveal), target, progress=progress)
