"""One roster row → Person values, by the registration form's own rules.

Running every row through `PersonForm` would cost a form instance, its
querysets and a uniqueness query per row (too slow for 100,000 rows), so
this module applies the same rule functions the form calls: `parse_resident_id`
and `parse_mobile` from people/validators.py, the same field messages, the
same cross-field checks (birth date and sex agree with the ID and are filled
from it; subcategory within its group; the freelance field; the city tier
only for city staff). tests/test_validation.py feeds the same rows through
both and checks they agree.

Checking happens in two steps: `parse_cells` reads each cell on its own;
`finish` checks the whole record once it is known whether the ID exists (an
update merges the file's non-empty cells over the stored person).
"""

from __future__ import annotations

import datetime
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from tongxin.people.access import regions_writable_by
from tongxin.people.completeness import UNREADABLE_FIELDS
from tongxin.people.models import (
    PERSON_FORM_FIELDS,
    Degree,
    Education,
    Ethnicity,
    Person,
    PersonGroup,
    PoliticalStatus,
    SubCategory,
)
from tongxin.people.validators import MobileError, ResidentIdError, parse_mobile, parse_resident_id
from tongxin.regions.models import Region

from .models import RegionAlias
from .parsing import (
    Lookup,
    ValueProblem,
    cell_text,
    lookup_key,
    normalise_text,
    parse_date_precision,
    parse_sex,
    parse_year,
    split_synonyms,
)

DICTIONARIES = {
    "ethnicity": Ethnicity,
    "political_status": PoliticalStatus,
    "education": Education,
    "degree": Degree,
    "group": PersonGroup,
}
# What a row cannot be imported without (docs/features/imports.md, "必填项").
# Level is not among them: a new person without one is 储备.
REQUIRED = ["name", "id_number", "region", "group", "ethnicity", "political_status"]
# Fields whose unreadable value is the row's error. Every other field given in
# a form the importer cannot read is imported blank with a warning on the row
# ("required means required by the office"); birth date and sex are then
# taken from the ID.
REFUSE_UNREADABLE = frozenset(REQUIRED)
# The fields whose unknown values the preview offers to map: the dictionaries
# (as a synonym) and the region (as a RegionAlias); in the preview's order,
# the ones a row cannot be imported without first.
MAPPABLE = ("ethnicity", "political_status", "group", "region", "education", "degree",
            "subcategory")  # fmt: skip
assert set(MAPPABLE) == {*DICTIONARIES, "subcategory", "region"}

ROSTER_VALUES = Path(__file__).resolve().parent.parent / "people" / "data" / "roster_values.toml"


@functools.cache
def roster_values() -> dict:
    """The written forms real rosters use (people/data/roster_values.toml)."""
    with ROSTER_VALUES.open("rb") as handle:
        return tomllib.load(handle)


def _add_roster_forms(lookup: Lookup, section: str, entries) -> None:
    """Extend `lookup` with the data file's forms for the entries named there."""
    by_name = {entry.name: entry for entry in entries}
    for name, forms in roster_values().get(section, {}).items():
        entry = by_name.get(name)
        if entry is not None:
            for text in forms:
                lookup.add(text, entry)


TEXT_FIELDS = [
    "name",
    "native_place",
    "school",
    "major",
    "employer",
    "job_title",
    "professional_title",
    "address",
    "resume",
    "achievements",
    "public_welfare",
    "recommender",
    "department_opinion",
    "remarks",
]
# A roster column can fill any field of the registration form (and nothing else).
IMPORTABLE_FIELDS = PERSON_FORM_FIELDS
FIELD_LABELS = {f: str(Person._meta.get_field(f).verbose_name) for f in IMPORTABLE_FIELDS}
_MAX_LENGTHS = {
    f: Person._meta.get_field(f).max_length
    for f in TEXT_FIELDS
    if Person._meta.get_field(f).max_length
}
_SELECTS = {"sex", "ethnicity", "political_status", "education", "degree", "region", "group"}
_SELECTS |= {"subcategory", "freelance_field", "level"}

_LEVELS = {
    "市级重点联系": Person.Level.CITY,
    "市级": Person.Level.CITY,
    "市级重点": Person.Level.CITY,
    "县区联系": Person.Level.COUNTY,
    "县区级": Person.Level.COUNTY,
    "县区": Person.Level.COUNTY,
    "县级": Person.Level.COUNTY,
    "储备": Person.Level.RESERVE,
    "储备人选": Person.Level.RESERVE,
}
_FIELDS_OF_WORK = {
    "文化艺术领域": Person.FreelanceField.CULTURE,
    "文化艺术": Person.FreelanceField.CULTURE,
    "经济社会领域": Person.FreelanceField.SOCIO_ECONOMIC,
    "经济社会": Person.FreelanceField.SOCIO_ECONOMIC,
}


UNREADABLE_BLANK = "；该项未导入（留空），请在人员信息中补充"
# The same, for the fields the person is then 待补充 for (people/completeness.py).
UNREADABLE_MARKED = "；该项未导入（留空），已标记为待补充，请在人员信息中补充"
FREELANCE_FIELD_MISSING = (
    "自由职业人员的自由职业领域（文化艺术领域或经济社会领域）未填写，已导入为空，请在人员信息中补充"
)


def dictionary_lookup(name: str) -> Lookup:
    """Every written form the importer reads as an entry of dictionary `name`:
    the names, the synonyms in the database, the short names (groups) and the
    forms of roster_values.toml, in that order of precedence."""
    model = DICTIONARIES[name]
    entries = list(model.objects.filter(is_active=True))
    lookup = Lookup((e, e.name, e.synonyms) for e in entries)
    if model is PersonGroup:  # the short names the product's own lists show
        for entry in entries:
            if entry.short_name:
                lookup.add(entry.short_name, entry)
    _add_roster_forms(lookup, name, entries)
    return lookup


def value_suffixes(name: str) -> tuple[str, ...]:
    """What may be left off a value of `name` (汉 → 汉族, 兴宁 → 兴宁区)."""
    return tuple(roster_values().get("suffixes", {}).get(name, ()))


def region_lookup(user, regions: list[Region] | None = None) -> Lookup:
    """Every written form the importer reads as a region: names and codes, the
    former names and codes of roster_values.toml, then the names mapped in
    previews (RegionAlias) to regions `user` may write (None: a system import)."""
    if regions is None:
        regions = list(Region.objects.all())
    lookup = Lookup((r, r.name, r.code) for r in regions)
    by_code = {r.code: r for r in regions}
    for code, former in roster_values().get("region", {}).items():
        if code in by_code:
            for text in former:
                lookup.add(text, by_code[code])
    by_pk = {r.pk: r for r in regions}
    aliases = RegionAlias.objects.all() if user is None else RegionAlias.objects.writable_by(user)
    for region_id, name in aliases.order_by("id").values_list("region_id", "name"):
        lookup.add(name, by_pk[region_id])
    return lookup


def subcategory_lookup() -> Lookup:
    return _subcategory_lookup(
        list(SubCategory.objects.filter(is_active=True).select_related("group"))
    )


def _subcategory_lookup(subcategories: list[SubCategory]) -> Lookup:
    """Names and synonyms, then the examples the seed lists (网络作家 → 自由写作人员)."""
    lookup = Lookup((s, s.name, s.synonyms) for s in subcategories)
    for sub in subcategories:
        for example in split_synonyms(sub.examples):
            lookup.add(example, sub)
    return lookup


def unknown_value_message(field_name: str, text: str) -> str:
    """Said of a value no dictionary entry claims. Every importer can act on it:
    the preview lists it under 无法识别的值, where it is mapped (city staff) or
    proposed (county staff) once for all later imports."""
    return (
        f"{FIELD_LABELS[field_name]}“{text}”无法识别（不在数据字典中）："
        "可在网页导入预览的“无法识别的值”中为它选择对应项，或改用下拉列表中的名称"
    )


def required_message(field_name: str) -> str:
    """The form's wording: 请选择 for a select, 请填写 otherwise."""
    verb = "请选择" if field_name in _SELECTS else "请填写"
    return f"{verb}{FIELD_LABELS[field_name]}"


def _cn(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(slots=True)
class RowResult:
    """One data row: what it says, what is wrong with it, what happens to it.

    Slotted and lean: a 100,000-row file keeps one of these per row.
    """

    row_number: int  # as Excel numbers it
    values: dict = field(default_factory=dict)  # field name → Python value (instances for FKs)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field or "", message)
    warnings: tuple[tuple[str, str], ...] = ()  # (field or "", message): imported all the same
    # (field, text as written) of dictionary values no entry claims: the preview
    # groups them so the user can map each once (imports/value_mappings.py).
    unknown: tuple[tuple[str, str], ...] = ()
    # Optional fields given in a form that could not be read, imported blank:
    # the person is 待补充 for them (people/completeness.py).
    unread: tuple[str, ...] = ()
    birth_month_only: bool = False  # the cell gave a year and month (1985.3, 1985年3月)
    birth_from_id: datetime.date | None = None
    sex_from_id: str = ""
    outcome: str = ""  # create, update, unchanged, skip, invalid, duplicate
    person: Person | None = None
    changes: dict | None = None

    @property
    def id_number(self) -> str:
        return self.values.get("id_number", "")


def _missing(value) -> bool:
    """`value in (None, "")` without calling Model.__eq__ (a dictionary entry)
    twice for every row of an import."""
    return value is None or (value.__class__ is str and not value)


class RowValidator:
    """Reads rows for one user; dictionaries and regions are loaded once."""

    def __init__(self, *, user, default_region: Region | None = None, today=None):
        self.user = user
        self.today = today or timezone.localdate()
        self.lookups = {name: dictionary_lookup(name) for name in DICTIONARIES}
        self.suffixes = {name: value_suffixes(name) for name in (*DICTIONARIES, "region")}
        subcategories = list(SubCategory.objects.filter(is_active=True).select_related("group"))
        self.subcategories_by_group: dict[int, Lookup] = {}
        for group_id in {s.group_id for s in subcategories}:
            self.subcategories_by_group[group_id] = _subcategory_lookup(
                [s for s in subcategories if s.group_id == group_id]
            )
        self.subcategories = _subcategory_lookup(subcategories)
        regions = list(Region.objects.all())
        self.regions = region_lookup(user, regions)
        self.writable_region_ids = set(
            regions_writable_by(user).values_list("id", flat=True)
            if user is not None
            else Region.objects.filter(is_active=True).values_list("id", flat=True)
        )
        if default_region is None and user is not None and len(self.writable_region_ids) == 1:
            default_region = next(r for r in regions if r.pk in self.writable_region_ids)
        self.default_region = default_region
        self.may_place_city = user is None or user.is_superuser or user.can_place_at_city_level

    # --- step 1: cells ------------------------------------------------------

    def parse_cells(self, row_number: int, cells: dict[str, object]) -> RowResult:
        """`cells`: field → raw cell value, for the mapped columns."""
        result = RowResult(row_number=row_number)
        values = result.values
        for name, raw in cells.items():
            if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                value = self._parse(name, raw, result)
            except ValueProblem as problem:
                if name in REFUSE_UNREADABLE:
                    result.errors.append((name, problem.message))
                elif name in UNREADABLE_FIELDS:
                    result.warnings += ((name, problem.message + UNREADABLE_MARKED),)
                    result.unread += (name,)
                else:  # birth date and sex from the ID, level 储备
                    result.warnings += ((name, problem.message + UNREADABLE_BLANK),)
                continue
            if not _missing(value):
                values[name] = value
        return result

    def _parse(self, name: str, raw, result: RowResult):
        if name in TEXT_FIELDS:
            text = cell_text(raw).strip()
            limit = _MAX_LENGTHS.get(name)
            if limit and len(text) > limit:
                raise ValueProblem(f"{FIELD_LABELS[name]}最多{limit}个字（当前{len(text)}个）")
            return text
        if name == "id_number":
            try:
                parsed = parse_resident_id(cell_text(raw), today=self.today)
            except ResidentIdError as error:
                raise ValueProblem(error.message) from None
            result.birth_from_id = parsed.birth_date
            result.sex_from_id = parsed.sex
            result.warnings += tuple(("id_number", w) for w in parsed.warnings)
            return parsed.number
        if name == "mobile":
            try:
                return parse_mobile(cell_text(raw))
            except MobileError as error:
                raise ValueProblem(error.message) from None
        if name == "email":
            text = normalise_text(cell_text(raw))
            try:
                validate_email(text)
            except ValidationError:
                raise ValueProblem("电子邮箱格式不正确") from None
            return text
        if name == "birth_date":
            date, result.birth_month_only = parse_date_precision(raw)
            return date
        if name == "sex":
            return parse_sex(raw)
        if name == "career_start_year":
            year = parse_year(raw)
            if year is not None and not 1940 <= year <= self.today.year:
                if year > self.today.year:
                    raise ValueProblem("从业起始年份不能晚于今年")
                raise ValueProblem("从业起始年份不能早于1940年")
            return year
        if name in self.lookups:
            entry = self.lookups[name].get(raw, suffixes=self.suffixes[name])
            if entry is None:
                text = cell_text(raw).strip()
                result.unknown += ((name, text),)
                raise ValueProblem(unknown_value_message(name, text))
            return entry
        if name == "region":
            region = self.regions.get(raw, suffixes=self.suffixes["region"])
            if region is None:
                text = cell_text(raw).strip()
                result.unknown += (("region", text),)
                raise ValueProblem(
                    f"所属区域“{text}”无法识别（可填名称或6位代码）："
                    "可在网页导入预览的“无法识别的值”中为它选择对应的区域"
                )
            return region
        if name == "subcategory":
            return ("subcategory", lookup_key(raw), cell_text(raw).strip())  # resolved in finish
        if name == "level":
            level = _LEVELS.get(lookup_key(raw))
            if level is None:
                raise ValueProblem(
                    f"分级“{cell_text(raw).strip()}”无法识别，请填写 市级重点联系、县区联系 或 储备"
                )
            return level
        if name == "freelance_field":
            choice = _FIELDS_OF_WORK.get(lookup_key(raw))
            if choice is None:
                raise ValueProblem(
                    f"自由职业领域“{cell_text(raw).strip()}”无法识别，请填写 文化艺术领域 或 经济社会领域"
                )
            return choice
        raise ValueProblem(f"不能导入的列：{name}")

    # --- step 2: the whole record ------------------------------------------

    def finish(self, result: RowResult, existing: Person | None) -> None:
        """Check the record the row would produce (merged over `existing`)."""
        values = result.values
        errors = result.errors
        failed = {name for name, _ in errors}
        # Given but unreadable (not missing): the row's one error to fix.
        id_unreadable = "id_number" in failed

        def current(name):
            if name in values:
                return values[name]
            if existing is not None:
                return getattr(existing, name)
            return None

        if "region" not in values and existing is None and "region" not in failed:
            if self.default_region is not None:
                values["region"] = self.default_region
        region = values.get("region")
        if region is not None and region.pk not in self.writable_region_ids:
            errors.append(("region", f"无权导入到“{region.name}”：只能导入本人负责区域的人员"))
            failed.add("region")
        if existing is None and "level" not in values and "level" not in failed:
            values["level"] = Person.Level.RESERVE

        for name in REQUIRED:
            if name not in failed and _missing(current(name)):
                errors.append((name, required_message(name)))
                failed.add(name)

        # Birth date and sex: filled from the ID when missing, must agree otherwise.
        if result.birth_from_id is not None:
            birth = values.get("birth_date")
            if birth is None and "birth_date" not in failed:
                if existing is None or existing.birth_date != result.birth_from_id:
                    values["birth_date"] = result.birth_from_id
            elif (
                birth is not None
                and result.birth_month_only
                and (birth.year, birth.month)
                == (result.birth_from_id.year, result.birth_from_id.month)
            ):
                values["birth_date"] = result.birth_from_id  # the day comes from the ID
            elif birth is not None and birth != result.birth_from_id:
                errors.append(
                    (
                        "birth_date",
                        f"出生日期与公民身份号码不一致（号码中为{_cn(result.birth_from_id)}）",
                    )
                )
            sex = values.get("sex")
            if not sex and "sex" not in failed:
                if existing is None or existing.sex != result.sex_from_id:
                    values["sex"] = result.sex_from_id
            elif sex and sex != result.sex_from_id:
                label = Person.Sex(result.sex_from_id).label
                errors.append(("sex", f"性别与公民身份号码不一致（号码中为{label}）"))
        elif not id_unreadable:
            # Without an ID to fill them from, the form asks for them; beside an
            # unreadable ID they would only be its side effects.
            for name in ("birth_date", "sex"):
                if name not in failed and _missing(current(name)):
                    errors.append((name, f"请填写{FIELD_LABELS[name]}"))

        group = current("group")
        sub = values.get("subcategory")
        if isinstance(sub, tuple):
            _, key, text = sub
            found = None
            if group is not None and group.pk in self.subcategories_by_group:
                found = self.subcategories_by_group[group.pk].get(key)
            if found is None:
                found = self.subcategories.get(key)
            if found is None:
                result.unknown += (("subcategory", text),)
                message = unknown_value_message("subcategory", text) + UNREADABLE_MARKED
                result.warnings += (("subcategory", message),)
                result.unread += ("subcategory",)
                del values["subcategory"]
            else:
                values["subcategory"] = found
        subcategory = current("subcategory")
        if group is not None and subcategory is not None and subcategory.group_id != group.pk:
            errors.append(("subcategory", f"细分类别“{subcategory}”不属于“{group}”"))
        freelance = current("freelance_field")
        if group is not None and "freelance_field" not in failed:
            unreadable = any(name == "freelance_field" for name, _ in result.warnings)
            if group.is_freelance and not freelance and not unreadable:
                # Rosters do not carry the field: imported blank, to be completed
                # (the person is listed under 待补充信息, people/completeness.py).
                result.warnings += (("freelance_field", FREELANCE_FIELD_MISSING),)
            if not group.is_freelance and freelance:
                errors.append(("freelance_field", "只有自由职业人员需要选择领域"))

        level = values.get("level")
        if (
            level == Person.Level.CITY
            and not self.may_place_city
            and (existing is None or existing.level != Person.Level.CITY)
        ):
            errors.append(("level", "只有市级工作人员可以将人员列为市级重点联系"))
