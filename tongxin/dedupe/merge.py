"""Merging two records of one person, and undoing it.

The survivor keeps its ID and takes, field by field, the values the user
picked from the other record; every record pointing at the other person
moves to the survivor (found by introspecting the relations, so a model
added later is moved too once it has a rule here: test_merge.py fails
until it does). The other record is not deleted: it is archived with a note
naming the survivor, keeping its history beside the survivor's. One audit
entry records the merge; it can be undone while neither record changed.
"""

from django.apps import apps
from django.core import serializers
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.people.models import PERSON_FORM_FIELDS, Person
from tongxin.people.search import derived_fields
from tongxin.people.services import display_value
from tongxin.regions.scope import write_scope

from .models import DuplicatePair, Merge

MOVE = (
    "move"  # point the row at the survivor (a row the survivor already has the like of is dropped)
)
KEEP = "keep"  # stays with the merged record (its history; this app's own rows)

# Every model with a foreign key to Person, by label. Historical (simple_history)
# tables are kept: both histories stay readable under their own record.
MERGE_RULES = {
    "imports.ImportedRecord": MOVE,
    "evaluations.RoundPerson": MOVE,
    "evaluations.EvaluationSheet": MOVE,
    "evaluations.RoundResult": MOVE,
    "evaluations.RemovalProposal": MOVE,
    "engagement.ClusterMembership": MOVE,
    "engagement.OrganisationMember": MOVE,
    "engagement.TrainingParticipant": MOVE,
    "engagement.Secondment": MOVE,
    "engagement.ActivityParticipant": MOVE,
    # An invitation follows the person, as the participation it may become.
    "engagement.Invitation": MOVE,
    "engagement.Position": MOVE,
    "engagement.Nomination": MOVE,
    "engagement.Honour": MOVE,
    "service.ServiceRequest": MOVE,
    "service.Suggestion_submitters": MOVE,
    "levels.LevelChange": MOVE,
    "levels.PersonReview": MOVE,
    "privacy.PrivacyRequest": MOVE,
    # Requests between levels about the person (推荐, 出库, 调动, …) follow it.
    "flows.ChangeRequest": MOVE,
    "imports.PhotoRecord": MOVE,
    # The tiers held are the person's level, which the survivor keeps.
    "levels.TierMembership": KEEP,
    # A personal link opens one record, and what was sent through it was
    # decided against that record's version: both stay with it.
    "portal.PersonalLink": KEEP,
    "portal.ChangeRequest": KEEP,
    "dedupe.PersonKey": KEEP,
    "dedupe.DuplicatePair": KEEP,
    "dedupe.Merge": KEEP,
}

# The fields a user picks between; the survivor keeps its own ID number (the
# survivor is chosen as the record with the right one), its region, and its
# level (a level moves only with a reason, through levels.services).
PICKABLE_FIELDS = [f for f in PERSON_FORM_FIELDS if f not in ("id_number", "region", "level")]
_ARCHIVE_FIELDS = ["status", "archived_reason", "archived_on", "archived_note"]


class MergeError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_historical(model) -> bool:
    names = {f.name for f in model._meta.get_fields()}
    return {"history_id", "history_type", "history_date"} <= names


def person_relations() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """(model, foreign key) of every model pointing at Person, historical ones included."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Person:
                found.append((model, field))
    return found


def _rule_of(model) -> str | None:
    if is_historical(model):
        return KEEP
    return MERGE_RULES.get(model._meta.label)


def missing_rules() -> list[str]:
    return sorted({m._meta.label for m, _f in person_relations() if _rule_of(m) is None})


def _drop_if_alone(model, row) -> str:
    """Delete `row` (a duplicate of one the survivor has) if nothing else goes
    with it; its serialised form lets an undo put it back."""
    collector = Collector(using=row._state.db)
    collector.collect([row])
    dependants = [
        obj
        for related_model, objects in collector.data.items()
        for obj in objects
        if obj is not row and not is_historical(related_model)
    ]
    if dependants or any(qs.exists() for qs in collector.fast_deletes):
        raise MergeError(
            f"两人都有相同的“{model._meta.verbose_name}”记录，且该记录下还有其他内容，"
            "无法自动合并；请先撤回其中一人的该条记录再合并。"
        )
    text = serializers.serialize("json", [row])
    row.delete()
    return text


def _move_rows(merged: Person, survivor: Person) -> tuple[list, list]:
    moved, dropped = [], []
    for model, field in person_relations():
        if _rule_of(model) != MOVE:
            continue
        for row in model._base_manager.filter(**{field.name: merged.pk}).order_by("pk"):
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk=row.pk).update(**{field.attname: survivor.pk})
            except IntegrityError:
                dropped.append(_drop_if_alone(model, row))
            else:
                moved.append([model._meta.label, row.pk, field.attname])
    return moved, dropped


def _refuse_unless_writable(user, *persons: Person) -> None:
    scope = write_scope(user)
    if not all(scope.contains(p.region_id) for p in persons):
        raise MergeError(
            "两条记录不都在您可修改的区域内，不能直接合并：请在“查重与合并”的"
            "“与其他区域疑似重复”中提出跨区域合并申请，由对方区域审核。"
        )


def blank_filling_picks(survivor: Person, merged: Person) -> dict[str, str]:
    """The merged record's values for the fields the survivor leaves empty, and
    the survivor's everywhere else: what a merge across regions takes, as
    neither side may read the other's record to pick field by field."""
    picks = {}
    for name in PICKABLE_FIELDS:
        field = Person._meta.get_field(name)
        if getattr(survivor, field.attname) in (None, "") and getattr(
            merged, field.attname
        ) not in (None, ""):
            picks[name] = "merged"
    return picks


@transaction.atomic
def person_merge(
    *,
    actor,
    survivor: Person,
    merged: Person,
    picks: dict[str, str],
    pair: DuplicatePair | None = None,
    request=None,
) -> Merge:
    """Merge `merged` into `survivor`. `picks`: field → "survivor" or "merged"
    (fields not named keep the survivor's value). Both records must be in
    the actor's write scope; across regions it is a change request
    (flows: 合并), whose approval calls person_merge_approved."""
    return _merge(
        actor=actor, survivor=survivor, merged=merged, picks=picks, pair=pair, request=request
    )


@transaction.atomic
def person_merge_approved(
    *,
    actor,
    survivor: Person,
    merged: Person,
    picks: dict[str, str],
    pair: DuplicatePair | None = None,
    approved: str,
    request=None,
) -> Merge:
    """person_merge of two records in different regions, as a change request
    the other side approved (`approved` names it): the caller (flows) has
    checked that `actor` may decide it, so one side's record may lie outside
    the actor's write scope."""
    return _merge(
        actor=actor,
        survivor=survivor,
        merged=merged,
        picks=picks,
        pair=pair,
        request=request,
        approved=approved,
    )


def _merge(*, actor, survivor, merged, picks, pair, request, approved: str = "") -> Merge:
    if survivor.pk == merged.pk:
        raise MergeError("不能把一条记录与它自己合并")
    locked = writes.locked(Person).in_bulk([survivor.pk, merged.pk])
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    if not approved:
        _refuse_unless_writable(actor, survivor, merged)
    if Merge.objects.filter(merged__in=[survivor, merged], undone_at__isnull=True).exists():
        raise MergeError("其中一条记录已并入其他人员，不能再合并")
    for name, side in picks.items():
        if name not in PICKABLE_FIELDS or side not in ("survivor", "merged"):
            raise MergeError(f"合并选项无效：{name}")

    before = {}
    changes = {}
    for name in PICKABLE_FIELDS:
        if picks.get(name) != "merged":
            continue
        field = Person._meta.get_field(name)
        old, new = getattr(survivor, field.attname), getattr(merged, field.attname)
        if old == new:
            continue
        before[name] = _dump(field, survivor)
        changes[name] = [display_value(name, old), display_value(name, new)]
        setattr(survivor, field.attname, new)
    update_fields = set(before)
    if update_fields & {"name", "mobile"}:
        for column, value in derived_fields(
            name=survivor.name, id_number=survivor.id_number, mobile=survivor.mobile
        ).items():
            setattr(survivor, column, value)
            update_fields.add(column)

    merge = Merge.objects.create(survivor=survivor, merged=merged, pair=pair, by=actor)
    a, b = sorted((survivor.pk, merged.pk))
    DuplicatePair.objects.filter(person_a_id=a, person_b_id=b).update(
        status=DuplicatePair.Status.MERGED, decided_at=timezone.now(), decided_by=actor
    )
    moved, dropped = _move_rows(merged, survivor)

    archived_before = {
        name: _dump(Person._meta.get_field(name), merged) for name in _ARCHIVE_FIELDS
    }
    merged.status = Person.Status.ARCHIVED
    merged.archived_reason = Person.ArchiveReason.OTHER
    merged.archived_on = (
        merged.archived_on if archived_before["status"] == "archived" else timezone.localdate()
    )
    merged.archived_note = f"已合并至 #{survivor.pk} {survivor.name}"[:200]
    writes.save_tracked(
        merged, actor=actor, fields=_ARCHIVE_FIELDS, reason=f"合并至 #{survivor.pk}", versioned=True
    )
    writes.save_tracked(
        survivor,
        actor=actor,
        fields=update_fields,
        reason=f"合并：并入 #{merged.pk}",
        versioned=True,
    )

    merge.undo_data = {
        "fields": before,
        "archived": archived_before,
        "moved": moved,
        "dropped": dropped,
        "versions": {"survivor": survivor.version, "merged": merged.version},
    }
    merge.save(update_fields=["undo_data"])
    mine = models.Q(person_a=merged) | models.Q(person_b=merged)
    DuplicatePair.objects.filter(mine, status=DuplicatePair.Status.OPEN).delete()
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=survivor,
        changes={
            **changes,
            "merge": {
                "merged": merged.pk,
                "moved": len(moved),
                "dropped": len(dropped),
                **({"approved": approved} if approved else {}),
            },
        },
    )
    return merge


@transaction.atomic
def merge_undo(*, actor, merge: Merge, request=None) -> Merge:
    """Put both records back as they were, while neither changed since."""
    merge = writes.lock(Merge, merge.pk)
    if merge.undone_at is not None:
        raise MergeError("该合并已撤销")
    locked = writes.locked(Person).in_bulk([merge.survivor_id, merge.merged_id])
    survivor, merged = locked[merge.survivor_id], locked[merge.merged_id]
    _refuse_unless_writable(actor, survivor, merged)
    data = merge.undo_data
    if (survivor.version, merged.version) != (
        data["versions"]["survivor"],
        data["versions"]["merged"],
    ):
        raise MergeError("合并之后人员信息已有修改，不能撤销；请直接修改人员信息。")

    for label, pk, attname in data["moved"]:
        apps.get_model(label)._base_manager.filter(pk=pk).update(**{attname: merged.pk})
    for text in data["dropped"]:
        for restored in serializers.deserialize("json", text):
            restored.save()

    update_fields = set()
    for name, value in data["fields"].items():
        field = Person._meta.get_field(name)
        setattr(survivor, field.attname, _load(field, value))
        update_fields.add(name)
    if update_fields & {"name", "mobile"}:
        for column, value in derived_fields(
            name=survivor.name, id_number=survivor.id_number, mobile=survivor.mobile
        ).items():
            setattr(survivor, column, value)
            update_fields.add(column)
    for name, value in data["archived"].items():
        field = Person._meta.get_field(name)
        setattr(merged, field.attname, _load(field, value))

    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    writes.save_tracked(
        merged,
        actor=actor,
        fields=_ARCHIVE_FIELDS,
        reason=f"撤销合并（原并入 #{survivor.pk}）",
        versioned=True,
    )
    writes.save_tracked(
        survivor,
        actor=actor,
        fields=update_fields,
        reason=f"撤销合并：#{merged.pk} 恢复为单独记录",
        versioned=True,
    )
    if merge.pair_id:
        DuplicatePair.objects.filter(pk=merge.pair_id).update(
            status=DuplicatePair.Status.OPEN, decided_at=None, decided_by=None
        )
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=survivor,
        changes={"merge_undone": {"merged": merged.pk, "restored": len(data["moved"])}},
    )
    return merge


def _dump(field, instance):
    """A field's value as JSON can hold it (None stays None)."""
    value = getattr(instance, field.attname)
    return None if value is None else field.value_to_string(instance)


def _load(field, value):
    return None if value is None else field.to_python(value)
