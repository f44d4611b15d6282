"""Writes of the dedupe app: keys, candidate pairs, decisions, rules.

Merging is in merge.py (its own sub-domain); every write here is
keyword-only, atomic and audited where a person decided it.
"""

import gc

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import pii, writes
from tongxin.people.models import Person

from . import rules
from .keys import KeyMaker, person_key_values
from .models import BLOCKINGS, COMPARISONS, DuplicatePair, DuplicateRule, Merge, PersonKey

_KEY_COLUMNS = [name for name in rules.KEY_FIELDS if name != "person_id"]


def person_keys_refresh(*, person: Person) -> None:
    """Make `person`'s keys from its current values (called on every save)."""
    values = person_key_values(person)
    PersonKey.objects.update_or_create(
        person_id=person.pk, defaults={**values, "person_version": person.version}
    )


def _stale_person_ids() -> list[int]:
    person_table = Person._meta.db_table
    key_table = PersonKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM {person_table} p LEFT JOIN {key_table} k ON k.person_id = p.id "
            "WHERE k.person_id IS NULL OR k.person_version <> p.version ORDER BY p.id"
        )
        return [row[0] for row in cursor.fetchall()]


_SOURCE_COLUMNS = ["id", "version", "name", "name_pinyin", "birth_date", "mobile_hash", "email"]
_SOURCE_COLUMNS += ["employer", "id_number"]


def _key_rows(rows, make: KeyMaker, decrypt, parse_date) -> list[list]:
    out = []
    for pk, version, name, pinyin, birth, mobile_hash, email, employer, stored_id in rows:
        values = make(
            name=name,
            pinyin=pinyin,
            birth_date=parse_date(birth),
            mobile_hash=mobile_hash,
            email=email,
            employer=employer,
            id_number=decrypt(stored_id),
        )
        out.append([pk, version, *(values[c] for c in _KEY_COLUMNS)])
    return out


def keys_refresh(*, batch: int = 5000) -> int:
    """Make the keys of every person written since its keys were made (bulk
    inserts send no save signal); returns how many were made.

    Reads the person columns with plain SQL and decrypts with the key bound
    once: at a million persons the ORM's per-row conversions and a 5,000-id
    IN list per batch cost more than the keys. When most keys are missing
    or stale (the first run, a restore, a migration that changed them) every
    key is made again with the table's indexes dropped, and the indexes made
    after the load, as the demo load does for persons.
    """
    stale = _stale_person_ids()
    if not stale:
        return 0
    rebuild = len(stale) > 100_000 and len(stale) > PersonKey.objects.count() // 2
    if rebuild:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {Person._meta.db_table} ORDER BY id")
            stale = [row[0] for row in cursor.fetchall()]
    make = KeyMaker()
    decrypt = pii.bulk_decryptor("id_number")
    date_field = Person._meta.get_field("birth_date")
    parse_date = (
        (lambda value: date_field.to_python(value) if value else None)
        if connection.vendor == "sqlite"
        else (lambda value: value)
    )
    table = connection.ops.quote_name(PersonKey._meta.db_table)
    columns = ["person_id", "person_version", *_KEY_COLUMNS]
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    select = (
        f"SELECT {', '.join(_SOURCE_COLUMNS)} FROM {Person._meta.db_table} "
        "WHERE id >= %s AND id <= %s ORDER BY id"
    )
    if rebuild:
        with transaction.atomic(), connection.cursor() as cursor:
            PersonKey.objects.all().delete()
            for index in PersonKey._meta.indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index.name)}")
    # As for bulk person inserts (NOTES.md): the cyclic collector, not the
    # work, dominates a loop making a million small objects.
    gc.freeze()
    gc.disable()
    try:
        for start in range(0, len(stale), batch):
            chunk = stale[start : start + batch]
            wanted = set(chunk)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(select, [chunk[0], chunk[-1]])
                rows = [row for row in cursor.fetchall() if row[0] in wanted]
                if not rebuild:
                    PersonKey.objects.filter(person_id__in=chunk).delete()
                cursor.executemany(insert, _key_rows(rows, make, decrypt, parse_date))
    finally:
        gc.enable()
        gc.unfreeze()
        if rebuild:
            _create_key_indexes()
    return len(stale)


def _create_key_indexes() -> None:
    """The indexes of PersonKey's Meta, by plain SQL: a schema editor cannot
    run inside a transaction on SQLite, and callers may hold one."""
    quote = connection.ops.quote_name
    table = quote(PersonKey._meta.db_table)
    with connection.cursor() as cursor:
        for index in PersonKey._meta.indexes:
            columns = ", ".join(quote(PersonKey._meta.get_field(f).column) for f in index.fields)
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {quote(index.name)} ON {table} ({columns})")


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@transaction.atomic
def person_pairs_refresh(*, person: Person) -> list[rules.Candidate]:
    """Propose the pairs `person` now forms; drop its open pairs no longer found."""
    person_keys_refresh(person=person)
    mine = Q(person_a_id=person.pk) | Q(person_b_id=person.pk)
    if Merge.objects.filter(merged=person, undone_at__isnull=True).exists():
        DuplicatePair.objects.filter(mine, status=DuplicatePair.Status.OPEN).delete()
        return []
    values = {**person_key_values(person), "id_number": person.id_number}
    found = rules.find_for(values, exclude=person.pk)
    keep = set()
    for candidate in found:
        a, b = _ordered(candidate.person_a, person.pk)
        keep.add((a, b))
        DuplicatePair.objects.get_or_create(
            person_a_id=a,
            person_b_id=b,
            defaults={"rule": candidate.rule, "score": candidate.score},
        )
    for pair in DuplicatePair.objects.filter(mine, status=DuplicatePair.Status.OPEN):
        if (pair.person_a_id, pair.person_b_id) not in keep:
            pair.delete()
    return found


def candidates_refresh() -> dict:
    """A full run: refresh stale keys, find every pair, store the new ones
    and drop open pairs no longer found. Decided pairs stay as decided."""
    made = keys_refresh()
    run = rules.find_all()
    found = {(c.person_a, c.person_b): c for c in run.candidates}
    existing = {
        (a, b): status
        for a, b, status in DuplicatePair.objects.values_list(
            "person_a_id", "person_b_id", "status"
        ).iterator()
    }
    new = [
        DuplicatePair(person_a_id=a, person_b_id=b, rule=c.rule, score=c.score)
        for (a, b), c in found.items()
        if (a, b) not in existing
    ]
    gone = [
        pair
        for pair, status in existing.items()
        if status == DuplicatePair.Status.OPEN and pair not in found
    ]
    with transaction.atomic():
        DuplicatePair.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        for a, b in gone:
            DuplicatePair.objects.filter(
                person_a_id=a, person_b_id=b, status=DuplicatePair.Status.OPEN
            ).delete()
    return {
        "keys_made": made,
        "found": len(found),
        "new": len(new),
        "dropped": len(gone),
        "skipped_blocks": run.skipped_blocks,
    }


@transaction.atomic
def pair_dismiss(*, actor, pair: DuplicatePair, request=None) -> DuplicatePair:
    """不是同一人: remembered, never proposed again."""
    pair = writes.lock(DuplicatePair, pair.pk)
    if pair.status != DuplicatePair.Status.OPEN:
        raise ValueError("该疑似重复已处理")
    pair.status = DuplicatePair.Status.DISMISSED
    pair.decided_at = timezone.now()
    pair.decided_by = actor
    return writes.save_audited(
        pair,
        actor=actor,
        fields=["status", "decided_at", "decided_by"],
        action=AuditEntry.Action.UPDATE,
        changes={"dedupe": "不是同一人", "persons": [pair.person_a_id, pair.person_b_id]},
        request=request,
        audit_obj=pair.person_a,
    )


@transaction.atomic
def pairs_dismiss_by_rule(*, actor, pairs, rule: DuplicateRule, request=None) -> int:
    """Dismiss every open pair of `rule` among `pairs` (the user's own, already scoped)."""
    chosen = pairs.filter(rule=rule, status=DuplicatePair.Status.OPEN)
    ids = list(chosen.values_list("pk", flat=True))
    DuplicatePair.objects.filter(pk__in=ids).update(
        status=DuplicatePair.Status.DISMISSED, decided_at=timezone.now(), decided_by=actor
    )
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        object_type="dedupe.duplicaterule",
        object_id=str(rule.pk),
        object_repr=rule.name,
        changes={"dedupe": "按规则批量标为不是同一人", "pairs": len(ids)},
    )
    return len(ids)


class RuleError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _check_rule(weights, blocking, threshold) -> None:
    if not isinstance(weights, dict) or not weights:
        raise RuleError("比较项与权重：须为非空的 {比较项: 权重}")
    for name, weight in weights.items():
        if name not in COMPARISONS:
            raise RuleError(f"比较项与权重：没有“{name}”这一比较项")
        if not isinstance(weight, int | float) or weight <= 0:
            raise RuleError(f"比较项与权重：“{name}”的权重须为正数")
    if not isinstance(blocking, list) or not blocking:
        raise RuleError("候选分组：须至少选择一项")
    for name in blocking:
        if name not in BLOCKINGS:
            raise RuleError(f"候选分组：没有“{name}”这一分组")
    if threshold <= 0 or threshold > sum(weights.values()):
        raise RuleError("判定阈值：须大于0且不超过各项权重之和")


@transaction.atomic
def rule_update(*, actor, rule: DuplicateRule, data: dict, request=None) -> DuplicateRule:
    """Change a rule (system administrators); the next run uses it."""
    rule = writes.lock(DuplicateRule, rule.pk)
    _check_rule(
        data.get("weights", rule.weights),
        data.get("blocking", rule.blocking),
        data.get("threshold", rule.threshold),
    )
    return writes.update_audited(rule, data, actor=actor, request=request)


def completeness_exported(*, actor, rows: int, reveal: bool, request=None) -> None:
    """Audit an export of the to-complete list (full mobiles when `reveal`)."""
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=actor,
        request=request,
        object_type="dedupe.completeness",
        object_repr="待补充与待更新名单",
        changes={"rows": rows, "revealed": ["mobile"] if reveal else []},
    )
