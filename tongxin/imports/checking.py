"""Checking a roster (the preview): every row validated against the database as
it is now; nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from tongxin.core import options, pii
from tongxin.core.bulk import gc_paused
from tongxin.core.hooks import collect
from tongxin.people.models import Person
from tongxin.people.search import name_pinyin_fields
from tongxin.people.validators import mask_resident_id
from tongxin.regions import scope

from .models import ImportBatch
from .parsing import (
    column_letter,
    is_example_row,
    lookup_key,
)
from .tables import LOOKUP_CHUNK, PROGRESS_EVERY, Progress, Table, no_progress
from .validation import FIELD_LABELS, MAPPABLE, RowResult, RowValidator

SHOWN_EXISTING = 1000
SHOWN_WARNINGS = 1000
SHOWN_UNKNOWN_VALUES = 200
# Rows checked at a time: the registered persons are looked up, dedupe's hook
# asked and (in a commit) the rows written per chunk.
CHECK_CHUNK = 5000


def background_threshold() -> int:
    """Files with more data rows than this are checked and imported by the task worker."""
    return int(options.value("import_background_rows"))


ELSEWHERE_MESSAGE = "该公民身份号码已在其他区域登记，不能导入；如该人员已迁入本区域，可点“申请调入”"


@dataclass
class Analysis:
    """What a commit would do with every data row; nothing is written."""

    table: Table
    mapping: dict[int, str]
    results: list[RowResult] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    # Rows whose resident ID is registered outside the user's scope: {row: what
    # 申请调入 needs (the number's keyed hash, never the number; the row's region)}.
    elsewhere: dict[int, dict] = field(default_factory=dict)

    def column_label(self, field_name: str) -> str:
        for index, mapped in self.mapping.items():
            if mapped == field_name:
                header = self.table.header[index] if index < len(self.table.header) else ""
                return f"{column_letter(index)}列“{header}”"
        return FIELD_LABELS.get(field_name, "")

    def problems(self) -> list[dict]:
        rows = []
        for result in self.results:
            if result.outcome in {"invalid", "duplicate"}:
                for field_name, message in result.errors:
                    rows.append(
                        {
                            "row": result.row_number,
                            "column": self.column_label(field_name) if field_name else "",
                            "message": message,
                            "kind": result.outcome,
                        }
                    )
                    if message == ELSEWHERE_MESSAGE:
                        rows[-1]["transfer_in"] = self.elsewhere[result.row_number]
        return rows

    def warnings(self, limit: int = SHOWN_WARNINGS) -> list[dict]:
        """Rows that are imported all the same, with what to check or complete."""
        rows = []
        for result in self.results:
            if result.outcome in {"invalid", "duplicate"} or not result.warnings:
                continue
            for field_name, message in result.warnings:
                if len(rows) >= limit:
                    return rows
                rows.append(
                    {
                        "row": result.row_number,
                        "column": self.column_label(field_name) if field_name else "",
                        "message": message,
                    }
                )
        return rows

    def unknown_values(self, limit: int = SHOWN_UNKNOWN_VALUES) -> list[dict]:
        """Each dictionary value no entry claims, once, with the rows that use it
        (值 → 出现行数), for the preview to map; most frequent first per column."""
        groups: dict[tuple[str, str], dict] = {}
        for result in self.results:
            for field_name, text in result.unknown:
                key = (field_name, lookup_key(text))
                group = groups.get(key)
                if group is None:
                    group = groups[key] = {
                        "field": field_name,
                        "label": FIELD_LABELS[field_name],
                        "column": self.column_label(field_name),
                        "value": text,
                        "rows": 0,
                        "first_rows": [],
                    }
                group["rows"] += 1
                if len(group["first_rows"]) < 5:
                    group["first_rows"].append(result.row_number)
        order = {name: index for index, name in enumerate(MAPPABLE)}
        found = sorted(groups.values(), key=lambda g: (order[g["field"]], -g["rows"]))
        return found[:limit]

    def existing(self, limit: int = SHOWN_EXISTING) -> list[dict]:
        rows = []
        for result in self.results:
            if result.outcome in {"update", "unchanged", "skip"} and len(rows) < limit:
                rows.append(
                    {
                        "row": result.row_number,
                        "name": result.person.name,
                        "id_number": mask_resident_id(result.person.id_number),
                        "outcome": result.outcome,
                        "changes": [FIELD_LABELS.get(f, f) for f in result.changes],
                    }
                )
        return rows


def _blank(row: list) -> bool:
    return not any(c not in (None, "") and (not isinstance(c, str) or c.strip()) for c in row)


class Checks(TypedDict):
    """What a file's rows are checked with: the preview's and the commit's alike."""

    user: Any  # the uploader (None: the command line's checks without a user)
    table: Table
    mapping: dict[int, str]
    on_duplicate: str  # ImportBatch.OnDuplicate
    default_region: Any  # the Region for rows that name none, or None


def analyse(
    *,
    progress: Progress = no_progress,
    on_chunk: Callable[[list[RowResult]], None] | None = None,
    **checks: Unpack[Checks],
) -> Analysis:
    """Read and check every data row of the table; decide create/update/skip for each.

    The rows are checked CHECK_CHUNK at a time. `on_chunk` hears each chunk's
    results once they are decided: the commit writes them there and drops
    their values, so a file's checked rows are never all held at once
    (docs/benchmarks/imports.md). Without it every result keeps its values.
    """
    # A checked row is a handful of small objects that live until the commit:
    # without the pause, the collector walked them all again and again
    # (docs/benchmarks/imports.md).
    with gc_paused():
        return _analyse(progress=progress, on_chunk=on_chunk, **checks)


def _analyse(*, user, table, mapping, on_duplicate, default_region, progress, on_chunk):
    validator = RowValidator(user=user, default_region=default_region)
    analysis = Analysis(table=table, mapping=mapping)
    decide = _Decisions(user=user, validator=validator, analysis=analysis,
                        on_duplicate=on_duplicate)  # fmt: skip
    columns = sorted(mapping.items())
    results = analysis.results
    first_row = table.header_row + 1
    total = table.size_hint
    name_index = next((index for index, name in columns if name == "name"), None)
    examples = 0
    chunk: list[RowResult] = []

    def decided() -> None:
        decide(chunk)
        results.extend(chunk)
        if on_chunk is not None:
            on_chunk(chunk)
        chunk.clear()

    for offset, row in enumerate(table.rows):
        if _blank(row):
            continue
        if name_index is not None and name_index < len(row) and is_example_row(row[name_index]):
            examples += 1  # the template's 示例 row (imports/template.py)
            continue
        width = len(row)
        cells = {name: row[index] for index, name in columns if index < width}
        chunk.append(validator.parse_cells(first_row + offset, cells))
        if len(chunk) == CHECK_CHUNK:
            decided()
        checked = len(results) + len(chunk)
        if checked % PROGRESS_EVERY == 0:
            progress("检查数据", checked, max(total, checked))
    decided()
    analysis.counts = {**_count(results), "examples": examples}
    progress("检查完成", len(results), len(results))
    return analysis


class _Decisions:
    """What happens to each checked row, a chunk of rows at a time, in file
    order: a row repeating an earlier row's ID is a duplicate of it, whatever
    chunk the earlier row was in; the others are compared with the registered
    persons as the database is now."""

    def __init__(self, *, user, validator: RowValidator, analysis: Analysis, on_duplicate: str):
        self.user = user
        self.validator = validator
        self.analysis = analysis
        self.on_duplicate = on_duplicate
        self.readable = scope.read_scope(user) if user is not None else scope.EVERYTHING
        self.first_seen: dict[str, int] = {}  # ID → the row it first appeared in

    def __call__(self, chunk: list[RowResult]) -> None:
        first_seen = self.first_seen
        new_numbers = []
        for result in chunk:
            number = result.id_number
            if not number:
                continue
            if number in first_seen:
                result.outcome = "duplicate"
                result.errors.append(("id_number", f"与第{first_seen[number]}行的公民身份号码重复"))
            else:
                first_seen[number] = result.row_number
                new_numbers.append(number)
        existing = _existing_persons(new_numbers)
        for result in chunk:
            if result.outcome != "duplicate":
                self._decide(result, existing.get(result.id_number))
        self._warn_of_possible_matches([r for r in chunk if r.outcome == "create"])

    def _decide(self, result: RowResult, person: Person | None) -> None:
        if person is not None and not self.readable.contains(person.region_id):
            # Say only that it exists elsewhere: nothing of the other region's record.
            # The preview offers 申请调入 for the row (tongxin/flows).
            result.errors.append(("id_number", ELSEWHERE_MESSAGE))
            result.outcome = "invalid"
            region = result.values.get("region")
            self.analysis.elsewhere[result.row_number] = {
                "hash": person.id_number_hash,
                "region": region.pk if region is not None else None,
            }
            return
        self.validator.finish(result, person)
        if result.errors:
            result.outcome = "invalid"
        elif person is None:
            result.outcome = "create"
        else:
            result.person = person
            result.changes = _changes(person, result.values)
            if not result.changes:
                result.outcome = "unchanged"
            elif self.on_duplicate == ImportBatch.OnDuplicate.UPDATE:
                result.outcome = "update"
            else:
                result.outcome = "skip"

    def _warn_of_possible_matches(self, creating: list[RowResult]) -> None:
        # Each new person's pinyin, once: dedupe's check below keys on it and
        # the write stores it (docs/benchmarks/imports.md: it was computed twice).
        for result in creating:
            values = result.values
            values["name_pinyin"], values["name_initials"] = name_pinyin_fields(
                values.get("name", "")
            )
        if self.user is None or not creating:
            return
        # Apps that know who may already be registered under another number
        # (dedupe) warn on the rows to create; the row is imported all the
        # same. Each row is checked against the registered persons only, so
        # asking a chunk at a time gives the same answers.
        for position, message in collect(
            "import_row_matches", self.user, [result.values for result in creating]
        ):
            creating[position].warnings += (("name", message),)


def _existing_persons(numbers: list[str]) -> dict[str, Person]:
    # IDs are encrypted: registered persons are found by the ID's keyed hash.
    found: dict[str, Person] = {}
    ring = pii.keyring()
    hashes = [pii.id_number_hash(number, ring=ring) for number in numbers]
    for start in range(0, len(hashes), LOOKUP_CHUNK):
        chunk = hashes[start : start + LOOKUP_CHUNK]
        for person in Person.objects.filter(id_number_hash__in=chunk):
            found[person.id_number] = person
    return found


def _raw_value(value):
    return value.pk if hasattr(value, "_meta") else value


def _changes(person: Person, values: dict) -> dict[str, tuple]:
    changed = {}
    for name, value in values.items():
        attname = Person._meta.get_field(name).attname
        old = getattr(person, attname)
        new = _raw_value(value)
        if old != new and not (old in (None, "") and new in (None, "")):
            changed[name] = (old, new)
    return changed


def _count(results: list[RowResult]) -> dict:
    counts = dict.fromkeys(
        ["created", "updated", "unchanged", "skipped", "invalid", "duplicates_in_file"], 0
    )
    names = {
        "create": "created",
        "update": "updated",
        "unchanged": "unchanged",
        "skip": "skipped",
        "invalid": "invalid",
        "duplicate": "duplicates_in_file",
    }
    warnings = 0  # rows imported with a warning; rejected rows are counted apart
    for result in results:
        counts[names[result.outcome]] += 1
        warnings += bool(result.warnings) and result.outcome not in {"invalid", "duplicate"}
    return {"rows": len(results), **counts, "warnings": warnings}
