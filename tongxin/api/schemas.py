"""What the API answers and accepts, as the OpenAPI document describes it."""

import datetime
from typing import Any, Literal

from ninja import Field, Schema


class ErrorItemOut(Schema):
    index: int | None = Field(None, description="批量写入时数据项的序号（从0起）")
    field: str = Field(description="字段名，如 id_number")
    message: str = Field(description="中文说明，指明字段")


class ErrorBody(Schema):
    code: str = Field(description="invalid / not_found / forbidden / unauthorized / rate_limited")
    message: str
    items: list[ErrorItemOut] = []


class ErrorOut(Schema):
    error: ErrorBody


class RegionRef(Schema):
    id: int
    code: str
    name: str


class RegionOut(RegionRef):
    kind: str
    kind_label: str
    parent_id: int | None = Field(description="上级区域；不在本客户端范围内时为空")
    depth: int
    is_active: bool


class Named(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: datetime.date
    id_number: str = Field(description="公民身份号码；客户端无权接收完整号码时打码")
    mobile: str = Field(description="手机号码；客户端无权接收完整号码时打码")
    email: str
    ethnicity: str
    political_status: str
    education: str | None
    degree: str | None
    native_place: str
    school: str
    major: str
    employer: str
    job_title: str
    professional_title: str
    career_start_year: int | None
    address: str
    region: RegionRef
    group: str
    subcategory: str | None
    freelance_field: str
    level: str
    status: str
    archived_reason: str
    archived_on: datetime.date | None
    version: int
    updated_at: datetime.datetime


class PersonDetailOut(PersonOut):
    resume: str
    achievements: str
    public_welfare: str
    recommender: str
    department_opinion: str
    remarks: str


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None = Field(description="下一页的游标；为空表示没有更多")
    total: int | None = Field(None, description="with_total=true 时给出总数")
    search_hint: str = ""


class UpsertIn(Schema):
    items: list[dict[str, Any]] = Field(
        description="每项为 字段名 → 值，字段与名单导入相同（name、id_number、region 可填名称或代码、"
        "ethnicity/political_status/group 等填数据字典中的名称）"
    )
    all_or_nothing: bool = Field(False, description="true：任一项有误则全部不写入")
    on_existing: Literal["update", "skip"] = Field(
        "update", description="公民身份号码已登记（在本客户端范围内）时：update 更新，skip 跳过"
    )


class UpsertWarning(Schema):
    field: str
    message: str


class UpsertResult(Schema):
    index: int
    outcome: str = Field(description="create / update / unchanged / skip / invalid / duplicate")
    id: int | None
    changed: list[str] = []
    warnings: list[UpsertWarning] = []


class UpsertOut(Schema):
    results: list[UpsertResult]
    counts: dict[str, int]
    error: ErrorBody | None = None


class DictionaryEntryOut(Schema):
    id: int
    name: str
    is_active: bool


class SubCategoryOut(DictionaryEntryOut):
    pass


class GroupOut(DictionaryEntryOut):
    short_name: str
    is_freelance: bool
    subcategories: list[SubCategoryOut]


class Choice(Schema):
    value: str
    label: str


class DictionariesOut(Schema):
    ethnicities: list[DictionaryEntryOut]
    political_statuses: list[DictionaryEntryOut]
    educations: list[DictionaryEntryOut]
    degrees: list[DictionaryEntryOut]
    groups: list[GroupOut]
    request_categories: list[DictionaryEntryOut]
    activity_types: list[DictionaryEntryOut]
    levels: list[Choice]
    sexes: list[Choice]
    statuses: list[Choice]
    freelance_fields: list[Choice]


class QuotaCellOut(Schema):
    level: str
    count: int
    quota: int | None
    state: str = Field(description="over 超额 / under 不足 / full 已满；无名额时为空")


class QuotaRowOut(Schema):
    region: RegionRef
    whole_city: bool = Field(description="市级行：计全市（本客户端范围内）人数")
    cells: list[QuotaCellOut]
    total: int


class TiersOut(Schema):
    levels: list[Choice]
    quotas: list[QuotaRowOut]


class SummaryRowOut(Schema):
    group: str
    label: str
    kind: str = Field(description="item / subtotal / total")
    cells: list[int]


class SummaryOut(Schema):
    title: str
    unit: str
    on_date: datetime.date
    columns: list[str] = Field(description="每个区域（及合计）一组，每组为各分级及小计")
    level_labels: list[str]
    rows: list[SummaryRowOut]
    grand_total: int


class RecordOut(Schema):
    id: int
    kind: str
    region: RegionRef
    fields: dict[str, Any] = Field(description="该类记录的字段（日期为 ISO 格式）")
    persons: list[PersonRef] = Field(description="本客户端范围内的相关人员")
    persons_outside: int = Field(description="范围外的相关人员数（不列姓名）")


class RecordPage(Schema):
    items: list[RecordOut]
    next_cursor: str | None
