"""What a qualification condition can check, and the one place it is evaluated.

Each condition is evaluated two ways that must agree: `person_check` on one
loaded record (the person's page), and `condition_fails_q` as an ORM filter
(the eligibility report over a whole database, without loading every person
into Python). The tests run both over the same edge cases.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from tongxin.core.kept_tables import kept_rows
from tongxin.people.kept import dictionary_entries
from tongxin.people.models import Degree, Education, Person, PersonGroup, PoliticalStatus
from tongxin.people.models import SubCategory as PeopleSubCategory
from tongxin.regions.models import Region
from tongxin.regions.scope import all_regions

from .models import Condition

DICTIONARY = "dictionary"
NUMBER = "number"
BOOLEAN = "boolean"

Op = Condition.Operator
OPERATORS_BY_KIND = {
    DICTIONARY: (Op.IN, Op.NOT_IN),
    NUMBER: (Op.LTE, Op.GTE, Op.EQ, Op.NE),
    BOOLEAN: (Op.EQ, Op.NE),
}
# Ages and years above this are typing mistakes, not conditions.
MAX_NUMBER = 150


@dataclass(frozen=True)
class CheckableField:
    key: str
    label: str
    kind: str
    help: str = ""
    model: type | None = None  # the dictionary model, for DICTIONARY fields
    column: str = ""  # the Person column holding the value (dictionary id, date, year)
    missing_message: str = ""

    @property
    def operators(self) -> tuple:
        return OPERATORS_BY_KIND[self.kind]


FIELDS: dict[str, CheckableField] = {
    f.key: f
    for f in [
        CheckableField(
            "political_status",
            "政治面貌",
            DICTIONARY,
            "取值填政治面貌名称，多个用顿号分隔。",
            model=PoliticalStatus,
            column="political_status_id",
        ),
        CheckableField(
            "cpc",
            "是否中共党员（含预备党员）",
            BOOLEAN,
            "按政治面貌字典中“属中共党员”的标记判断；取值填“是”或“否”。",
        ),
        CheckableField(
            "age",
            "年龄（周岁，按基准日计算）",
            NUMBER,
            "按出生日期计算到基准日的周岁；取值填整数。",
            column="birth_date",
            missing_message="出生日期未填写，无法判断年龄",
        ),
        CheckableField(
            "years_in_field",
            "从业年限（年）",
            NUMBER,
            "基准日所在年份减从业起始年份；取值填整数。",
            column="career_start_year",
            missing_message="从业起始年份未填写，无法判断从业年限",
        ),
        CheckableField(
            "in_deployment",
            "所属区域在本市辖内",
            BOOLEAN,
            "所属区域为本市或其下级区域，且区域及其上级均已启用；取值填“是”或“否”。",
        ),
        CheckableField(
            "education",
            "学历",
            DICTIONARY,
            "取值填学历名称，多个用顿号分隔；学历未填写的人员不属于任何学历。",
            model=Education,
            column="education_id",
        ),
        CheckableField(
            "degree",
            "学位",
            DICTIONARY,
            "取值填学位名称，多个用顿号分隔。",
            model=Degree,
            column="degree_id",
        ),
        CheckableField(
            "group",
            "人员类别",
            DICTIONARY,
            "取值填人员类别名称或简称，多个用顿号分隔。",
            model=PersonGroup,
            column="group_id",
        ),
        CheckableField(
            "subcategory",
            "细分类别",
            DICTIONARY,
            "取值填细分类别名称，多个用顿号分隔。",
            model=PeopleSubCategory,
            column="subcategory_id",
        ),
    ]
}


@dataclass(frozen=True)
class CheckContext:
    """What evaluating conditions needs besides the person: the reference
    date and two small id sets, loaded once per request."""

    on: datetime.date
    cpc_status_ids: frozenset[int]
    deployment_region_ids: frozenset[int]


def check_context(on: datetime.date) -> CheckContext:
    """From the kept political statuses and regions (people/kept.py,
    regions/scope.py): no query while neither changed."""
    return CheckContext(
        on=on,
        cpc_status_ids=frozenset(
            status.pk for status in dictionary_entries("political_status") if status.is_cpc
        ),
        deployment_region_ids=frozenset(deployment_region_ids()),
    )


def deployment_region_ids() -> set[int]:
    """Regions inside the deployment: active, in a tree whose root is a
    province or a city, with every region on the way up active too."""
    regions = {r.pk: r for r in all_regions()}
    inside: set[int] = set()
    for region in regions.values():
        current, seen = region, set()
        while current is not None and current.pk not in seen and current.is_active:
            if current.parent_id is None and current.kind in {
                Region.Kind.PROVINCE,
                Region.Kind.CITY,
            }:
                inside.add(region.pk)
                break
            seen.add(current.pk)
            current = regions.get(current.parent_id)
    return inside


# --- numbers ------------------------------------------------------------------


def years_before(on: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier; 29 February falls back to the 28th."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Completed years (周岁) on `on`: someone turning 61 tomorrow is 60 today."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _number_value(field: CheckableField, person: Person, on: datetime.date) -> int | None:
    if field.key == "age":
        return age_on(person.birth_date, on) if person.birth_date else None
    if field.key == "years_in_field":
        return on.year - person.career_start_year if person.career_start_year else None
    raise KeyError(field.key)


def _at_least_bound(field: CheckableField, k: int, on: datetime.date):
    """The column value B such that "number ≥ k" ⇔ column ≤ B.

    Both numbers fall as their column rises (a later birth date is a younger
    person, a later start year fewer years), so every comparison on the
    number becomes one on the column.
    """
    if field.key == "age":
        return years_before(on, k)
    if field.key == "years_in_field":
        return on.year - k
    raise KeyError(field.key)


def _number_fails_q(field: CheckableField, operator: str, n: int, on: datetime.date) -> Q:
    column = field.column
    low = _at_least_bound(field, n, on)  # number ≥ n ⇔ column ≤ low
    high = _at_least_bound(field, n + 1, on)  # number ≥ n+1 ⇔ column ≤ high

    def le(bound) -> Q:
        return Q(**{f"{column}__lte": bound})

    def gt(bound) -> Q:
        return Q(**{f"{column}__gt": bound})

    fails = {
        Op.GTE: gt(low),  # number < n
        Op.LTE: le(high),  # number > n
        Op.EQ: gt(low) | le(high),
        Op.NE: le(low) & gt(high),
    }[operator]
    return Q(**{f"{column}__isnull": True}) | fails


def _compare(operator: str, actual, expected) -> bool:
    if operator == Op.IN:
        return actual in set(expected)
    if operator == Op.NOT_IN:
        return actual not in set(expected)
    if operator == Op.EQ:
        return actual == expected
    if operator == Op.NE:
        return actual != expected
    if operator == Op.LTE:
        return actual <= expected
    if operator == Op.GTE:
        return actual >= expected
    raise ValueError(operator)


# --- one person -----------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A condition a person does not meet. `missing`: the record lacks what the
    condition reads (no 从业起始年份), so the answer is 待补充, not 不符合."""

    condition: Condition
    message: str
    missing: bool = False


def _boolean_value(field: CheckableField, person: Person, ctx: CheckContext) -> bool:
    if field.key == "cpc":
        return person.political_status_id in ctx.cpc_status_ids
    if field.key == "in_deployment":
        return person.region_id in ctx.deployment_region_ids
    raise KeyError(field.key)


def condition_failure(condition: Condition, person: Person, ctx: CheckContext) -> Failure | None:
    """Why `person` fails `condition` on ctx.on, or None if it holds."""
    field = FIELDS.get(condition.field)
    if field is None:
        return Failure(condition, f"资格条件“{condition.name}”的检查项无效，请管理员修正")
    if field.kind == NUMBER:
        actual = _number_value(field, person, ctx.on)
        if actual is None:
            return Failure(condition, field.missing_message, missing=True)
    elif field.kind == BOOLEAN:
        actual = _boolean_value(field, person, ctx)
    else:
        actual = getattr(person, field.column)
        if actual is None and condition.operator == Op.IN:
            return Failure(condition, f"{field.label}未填写", missing=True)
    if _compare(condition.operator, actual, condition.value):
        return None
    return Failure(condition, condition.failure_message)


def person_check(
    person: Person,
    conditions: Iterable[Condition],
    *,
    on: datetime.date,
    context: CheckContext | None = None,
) -> list[Failure]:
    """The conditions `person` fails on `on`, in order, each with its message."""
    ctx = context or check_context(on)
    failures = []
    for condition in conditions:
        failure = condition_failure(condition, person, ctx)
        if failure is not None:
            failures.append(failure)
    return failures


# --- the same, as a query ---------------------------------------------------------


def condition_fails_q(condition: Condition, ctx: CheckContext) -> Q:
    """A filter matching exactly the persons `condition_failure` rejects."""
    field = FIELDS.get(condition.field)
    if field is None:
        return Q(pk__isnull=False)  # an invalid condition fails everyone, as above
    op, value = condition.operator, condition.value
    if field.kind == NUMBER:
        return _number_fails_q(field, op, int(value), ctx.on)
    if field.kind == BOOLEAN:
        ids = ctx.cpc_status_ids if field.key == "cpc" else ctx.deployment_region_ids
        column = "political_status_id" if field.key == "cpc" else "region_id"
        is_true = Q(**{f"{column}__in": ids})
        wanted = bool(value) if op == Op.EQ else not bool(value)
        # Both columns are NOT NULL, so negation needs no null handling.
        return ~is_true if wanted else is_true
    column = field.column
    listed = Q(**{f"{column}__in": list(value)})
    if op == Op.IN:
        return Q(**{f"{column}__isnull": True}) | (Q(**{f"{column}__isnull": False}) & ~listed)
    return listed


def describe(condition: Condition, names: dict[tuple[str, int], str] | None = None) -> str:
    """The condition in words, e.g. "年龄（周岁，按基准日计算） ≤ 60"."""
    field = FIELDS.get(condition.field)
    if field is None:
        return f"（无效检查项 {condition.field}）"
    return f"{field.label} {condition.get_operator_display()} {value_text(condition, names)}"


def value_text(condition: Condition, names: dict[tuple[str, int], str] | None = None) -> str:
    field = FIELDS.get(condition.field)
    value = condition.value
    if field is None:
        return str(value)
    if field.kind == BOOLEAN:
        return "是" if value else "否"
    if field.kind == NUMBER:
        return str(value)
    if names is None:
        names = {
            (field.key, pk): str(name)
            for pk, name in field.model.objects.filter(pk__in=value).values_list("pk", "name")
        }
    return "、".join(names.get((field.key, pk), f"（已删除 #{pk}）") for pk in value)


def active_conditions() -> list[Condition]:
    """The active conditions in their order, from the kept rows (core/kept_tables.py;
    apps.py forgets them when one is saved): every person page checks them.
    Shared rows: read only."""
    return [c for c in kept_rows("qualification.conditions", Condition.objects.all) if c.is_active]


# --- values as admins type them ---------------------------------------------------

_SEPARATORS = re.compile(r"[、,，;；\s]+")
_TRUE, _FALSE = {"是", "true", "1", "yes"}, {"否", "false", "0", "no"}


def parse_value_text(field: CheckableField, text: str):
    """The JSON value of what an admin typed in the 取值 box, or ValidationError."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"value": "请填写取值"})
    if field.kind == NUMBER:
        try:
            return int(text)
        except ValueError:
            raise ValidationError({"value": f"{field.label}的取值应为整数，例如 60"}) from None
    if field.kind == BOOLEAN:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValidationError({"value": "取值应为“是”或“否”"})
    wanted = [name for name in _SEPARATORS.split(text) if name]
    by_name = {}
    for entry in field.model.objects.all():
        by_name[entry.name] = entry.pk
        short = getattr(entry, "short_name", "")
        if short:
            by_name.setdefault(short, entry.pk)
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise ValidationError({"value": f"“{'、'.join(unknown)}”不是{field.label}字典中的项目"})
    return sorted({by_name[name] for name in wanted})


def validate_value(field: CheckableField, operator: str, value) -> None:
    """ValidationError({"value": …}) unless `value` suits the field's kind."""
    if field.kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"value": f"{field.label}的取值应为整数，例如 60"})
        if not 0 <= value <= MAX_NUMBER:
            raise ValidationError({"value": f"{field.label}的取值应在0到{MAX_NUMBER}之间"})
    elif field.kind == BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError({"value": "取值应为“是”或“否”"})
    else:
        if not isinstance(value, list) or not value:
            raise ValidationError({"value": f"请填写至少一个{field.label}"})
        if any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise ValidationError({"value": f"{field.label}的取值无效"})
        found = field.model.objects.filter(pk__in=value).count()
        if found != len(set(value)):
            raise ValidationError({"value": f"取值中有不存在的{field.label}"})
